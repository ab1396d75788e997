from kb_service.matching.normalize import (
    detect_language,
    fold_kana,
    lexical_form,
    normalize,
    word_tokens,
)


def test_full_width_latin_and_digits_become_half_width_lower_case():
    assert normalize("ＢＴＣを１０万円分") == "btcを10万円分"


def test_half_width_katakana_becomes_full_width():
    assert normalize("ﾋﾞｯﾄｺｲﾝ") == "ビットコイン"


def test_katakana_and_hiragana_spellings_share_a_lexical_form():
    assert lexical_form("ビットコイン") == lexical_form("びっとこいん") == lexical_form("ﾋﾞｯﾄｺｲﾝ")
    assert fold_kana("ログイン") == "ろぐいん"


def test_casual_repeats_and_spaces_are_collapsed():
    assert normalize("  出金まだ？？？　　hello!!!  ") == "出金まだ? hello!"


def test_japanese_is_split_at_script_changes_for_word_features():
    tokens = word_tokens(normalize("BTCの出金手数料はいくら"))
    assert tokens == ["btc", "の", "出金手数料", "はいくら"]


def test_language_is_detected_from_kana_and_kanji():
    assert detect_language("ＢＴＣ送金したい") == "ja"
    assert detect_language("how do I send BTC") == "en"
