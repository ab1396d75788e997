from kb_service.matching.normalize import (
    detect_language,
    fold_kana,
    normalize,
    word_tokens,
)


def test_full_width_latin_and_digits_become_half_width_lower_case():
    assert normalize("ＢＴＣを１０万円分") == "btcを10万円分"


def test_half_width_katakana_becomes_full_width():
    assert normalize("ﾋﾞｯﾄｺｲﾝ") == "ビットコイン"


def test_katakana_and_hiragana_spellings_share_a_lexical_form():
    forms = {fold_kana(normalize(s)) for s in ("ビットコイン", "びっとこいん", "ﾋﾞｯﾄｺｲﾝ")}
    assert forms == {"びっとこいん"}


def test_casual_repeats_and_spaces_are_collapsed():
    assert normalize("  出金まだ？？？　　hello!!!  ") == "出金まだ? hello!"


def test_japanese_is_split_into_words_in_their_dictionary_form():
    tokens = word_tokens(normalize("BTCの出金手数料はいくら？"))
    assert tokens == ["btc", "の", "出金", "手数料", "は", "幾ら"]


def test_spelling_variants_of_a_japanese_word_become_one_word():
    assert word_tokens(normalize("引出しができない")) == word_tokens(
        normalize("引き出しができない")
    )
    assert word_tokens(normalize("ｲｰｻﾘｱﾑを買った"))[0] == word_tokens(normalize("イーサリアム"))[0]
    assert "入る" in word_tokens(normalize("入金がまだ入ってない"))


def test_english_is_split_at_spaces_and_punctuation():
    assert word_tokens(normalize("How do I send BTC? it's late")) == [
        "how",
        "do",
        "i",
        "send",
        "btc",
        "it's",
        "late",
    ]


def test_language_is_detected_from_kana_and_kanji():
    assert detect_language("ＢＴＣ送金したい") == "ja"
    assert detect_language("how do I send BTC") == "en"
