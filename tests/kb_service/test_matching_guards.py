import pytest

from kb_service.matching.guards import HUMAN_REQUESTED, PRICE_PREDICTION, SMALLTALK, check


@pytest.mark.parametrize(
    "text", ["hello", "Hi!", "thanks a lot", "こんにちは", "ありがとうございました！", "おはよう"]
)
def test_greetings_and_thanks_are_smalltalk(text):
    assert check(text) == SMALLTALK


@pytest.mark.parametrize(
    "text",
    [
        "will BTC go up?",
        "is ethereum going to crash this week",
        "should I buy bitcoin now",
        "ビットコインは上がりますか",
        "ｲｰｻﾘｱﾑは今後下がる？",
        "今は買い時ですか",
    ],
)
def test_price_predictions_are_out_of_scope(text):
    assert check(text) == PRICE_PREDICTION


@pytest.mark.parametrize(
    "text",
    [
        "human please",
        "I want to talk to a real person",
        "connect me to an operator",
        "オペレーターと話したい",
        "人と話したい",
        "担当者につないでください",
    ],
)
def test_requests_for_a_human_are_recognized(text):
    assert check(text) == HUMAN_REQUESTED


@pytest.mark.parametrize(
    "text",
    [
        "hi, my yen deposit has not arrived",
        "how much is the withdrawal fee",
        "What is the exchange rate?",
        "おはようございます。入金が反映されません",
        "ビットコインの送金手数料はいくら？",
        "手数料を教えてください",
    ],
)
def test_real_questions_pass_the_guards(text):
    assert check(text) is None
