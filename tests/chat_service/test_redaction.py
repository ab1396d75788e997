"""Redaction of secrets and personal data pasted into chat."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chat_service.redaction import DETECTORS, Finding, Kind, customer_notice, redact
from chat_service.redaction.checksums import luhn_ok, my_number_ok

SEED_12 = "abandon amount liar amount expire adjust cage candy arch gather drum bullet"
SEED_24 = (
    "abandon amount liar amount expire adjust cage candy arch gather drum bullet "
    "absurd math era live bid rhythm alien crouch range attend journey unaware"
)
SEED_JA = "　".join(
    "あいこくしん いくぶん そなた いくぶん こぜん あぶら "
    "おおう おきる いたみ さんすう けたば おうたい".split()
)
HEX = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
ETH_TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"
BLOCK = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
WIF = "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ"
WIF_COMPRESSED = "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617"
XPRV = (
    "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPG"
    "JxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
)
BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
BTC_LEGACY = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
BTC_P2SH = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
ETH = "0x742d35Cc6634C0532925a3b844Bc454e4438f44e"
XRP = "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh"


@dataclass(frozen=True)
class Case:
    """One message, the kinds it must produce, and text that must vanish or survive."""

    name: str
    text: str
    kinds: frozenset[Kind]
    gone: tuple[str, ...]
    kept: tuple[str, ...]


def masked(name: str, text: str, *kinds: Kind, gone: str, kept: tuple[str, ...] = ()) -> Case:
    return Case(name, text, frozenset(kinds), (gone,), kept)


def kept(name: str, text: str, *survivors: str) -> Case:
    return Case(name, text, frozenset(), (), survivors or (text,))


S, P, A = Kind.SEED_PHRASE, Kind.PRIVATE_KEY, Kind.API_SECRET
PW, OTP, CARD, MYNO = Kind.PASSWORD, Kind.ONE_TIME_CODE, Kind.CARD_NUMBER, Kind.MY_NUMBER
BANK, MAIL, TEL = Kind.BANK_ACCOUNT, Kind.EMAIL, Kind.PHONE

CASES = [
    # Seed phrases
    masked("seed_12_plain", f"my words are {SEED_12} please help", S, gone="liar amount"),
    masked("seed_24", f"{SEED_24}", S, gone="unaware"),
    masked("seed_commas", SEED_12.replace(" ", ", "), S, gone="cage, candy"),
    masked("seed_newlines", SEED_12.replace(" ", "\n"), S, gone="cage\ncandy"),
    masked(
        "seed_numbered",
        " ".join(f"{i}. {w}" for i, w in enumerate(SEED_12.split(), 1)),
        S,
        gone="1. abandon",
    ),
    masked("seed_mixed_case", SEED_12.upper(), S, gone="LIAR"),
    masked("seed_with_typo", SEED_12.replace("candy", "candi"), S, gone="candi"),
    masked(
        "seed_full_width", "シード：" + SEED_12.replace(" ", "　"), S, gone="liar", kept=("シード",)
    ),
    masked("seed_japanese", f"復元フレーズは{SEED_JA}です", S, gone="そなた", kept=("です",)),
    masked("seed_japanese_commas", SEED_JA.replace("　", "、"), S, gone="いくぶん"),
    kept("seed_11_words_is_too_short", " ".join(SEED_12.split()[:11])),
    kept(
        "english_support_sentence",
        "Please help, I can not access my account after the update and my deposit is missing",
    ),
    kept(
        "japanese_sentence_with_list_words", "あいさつ したいのですが、そなたの口座について質問です"
    ),
    # Private keys
    masked("hex_after_private_key", f"private key: {HEX}", P, gone=HEX),
    masked("hex_after_himitsukagi", f"秘密鍵は{HEX}です", P, gone=HEX, kept=("秘密鍵は",)),
    masked("hex_bare_is_masked", HEX, P, gone=HEX),
    masked("hex_0x_after_secret", f"secret 0x{HEX}", P, gone=HEX),
    masked("wif_uncompressed", f"WIF {WIF}", P, gone=WIF),
    masked("wif_compressed", WIF_COMPRESSED, P, gone=WIF_COMPRESSED),
    masked("xprv", f"backup: {XPRV}", P, gone=XPRV),
    masked(
        "pem_block",
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----",
        P,
        gone="MHcCAQEEIB",
    ),
    kept("txid_after_txid", f"txid: {HEX}"),
    kept("tx_hash_after_hash", f"the hash is {HEX} thanks"),
    kept("eth_tx_after_tx", f"tx {ETH_TX}"),
    kept("etherscan_url", f"https://etherscan.io/tx/{ETH_TX}"),
    kept("transaction_japanese", f"トランザクションID：{HEX}"),
    kept("two_txids_in_a_list", f"txids: {HEX}, {HEX[::-1]}"),
    kept("block_hash_bare", BLOCK),
    kept("wif_with_bad_checksum", WIF[:-1] + "K"),
    # API secrets
    masked("stripe_live_key", "sk_live_51HxYzAbCdEfGhIjKlMnOp", A, gone="51HxYz"),
    masked("aws_access_key", "key id AKIAIOSFODNN7EXAMPLE", A, gone="AKIAIOSFODNN7EXAMPLE"),
    masked(
        "api_secret_after_keyword",
        "API secret: q8Jk3LmN9pQr2StU5vWx7yZa",
        A,
        gone="q8Jk3LmN9pQr2StU5vWx7yZa",
    ),
    masked(
        "secret_japanese", "シークレットはAbCdEf1234567890XyZwです", A, gone="AbCdEf1234567890XyZw"
    ),
    kept("api_key_word_without_value", "where do I create an API key for trading?"),
    kept("secret_next_to_eth_address", f"my secret wallet is {ETH}"),
    # Passwords and one-time codes
    masked("password_colon", "password: hunter2", PW, gone="hunter2"),
    masked("pw_is", "pw is abc123", PW, gone="abc123"),
    masked("password_japanese", "パスワードはabc123です", PW, gone="abc123", kept=("です",)),
    masked("pin_japanese", "暗証番号 1234", PW, gone="1234"),
    masked("password_full_width", "パスワード：ｈｕｎｔｅｒ２", PW, gone="ｈｕｎｔｅｒ２"),
    masked("two_fa_code", "2FA code 123456", OTP, gone="123456"),
    masked("ninsho_code", "認証コード：１２３４５６", OTP, gone="１２３４５６"),
    masked("otp", "OTP 654321", OTP, gone="654321"),
    masked("password_is_word_with_digit", "my password is dragon2", PW, gone="dragon2"),
    masked("pin_bare_digits", "PIN 4321 please reset", PW, gone="4321"),
    kept("password_is_wrong", "my password is wrong"),
    kept("password_followed_by_prose", "the site does not allow password uploads"),
    kept("password_reset_request", "I need a password reset please"),
    kept("password_forgotten_japanese", "パスワードを忘れました"),
    kept("two_fa_since_year", "I enabled 2FA in 2024年 and it broke"),
    kept("otp_wait_time", "OTP took 120 seconds to arrive"),
    # Cards and My Number
    masked(
        "visa_spaced", "card 4111 1111 1111 1111 exp 12/26", CARD, gone="4111 1111", kept=("12/26",)
    ),
    masked("mastercard_plain", "5555555555554444", CARD, gone="5555555555554444"),
    masked("amex_15_digits", "amex 3782-822463-10005", CARD, gone="822463"),
    masked(
        "jcb_full_width",
        "カード番号は３５３０－１１１３－３３３０－００００です",
        CARD,
        gone="３５３０",
    ),
    masked("card_with_colon", "card:4111111111111111", CARD, gone="4111111111111111"),
    kept("card_failing_luhn", "4111 1111 1111 1112"),
    masked("my_number_spaced", "マイナンバーは1234 5678 9018です", MYNO, gone="9018"),
    masked("my_number_plain", "個人番号 123456789018", MYNO, gone="123456789018"),
    masked(
        "my_number_full_width", "マイナンバー：１２３４－５６７８－９０１８", MYNO, gone="９０１８"
    ),
    kept("my_number_bad_check_digit", "マイナンバーは1234 5678 9019です"),
    kept("tracking_number_with_valid_digit", "追跡番号 1234-5678-9018"),
    # Bank accounts
    masked("kouza_bangou", "口座番号 1234567", BANK, gone="1234567"),
    masked("futsuu_yokin", "普通預金 7654321 に振り込みました", BANK, gone="7654321"),
    masked("account_number_en", "account number is 7654321", BANK, gone="7654321"),
    masked("iban", "IBAN GB82 WEST 1234 5698 7654 32", BANK, gone="WEST 1234"),
    kept("iban_bad_checksum", "ref GB82 WEST 1234 5698 7654 33"),
    kept("amount_after_kouza", "口座に1234567円入金しました"),
    # Contacts
    masked("jp_mobile", "電話番号は090-1234-5678です", TEL, gone="1234-5678"),
    masked("jp_landline", "03-1234-5678 までお願いします", TEL, gone="03-1234-5678"),
    masked("jp_mobile_plain", "携帯 09012345678", TEL, gone="09012345678"),
    masked(
        "jp_mobile_with_choon_dashes", "携帯は０９０ー１２３４ー５６７８です", TEL, gone="５６７８"
    ),
    masked("plus_81", "call me at +81 90-1234-5678", TEL, gone="90-1234"),
    masked("plus_1", "US number +1 (415) 555-0100", TEL, gone="555-0100"),
    masked("email", "mail: taro.yamada@example.co.jp", MAIL, gone="taro.yamada"),
    masked("email_in_japanese", "メールはtaro@example.comです", MAIL, gone="taro@", kept=("です",)),
    # Several at once
    masked(
        "several_kinds",
        f"pw: Passw0rd! card 4111111111111111 and {SEED_12}",
        PW,
        CARD,
        S,
        gone="Passw0rd!",
    ),
    masked("email_glued_to_seed", f"{SEED_12}1.a@b.co", S, MAIL, gone="a@b.co"),
    # What support needs must survive
    kept("btc_address", f"deposit to {BTC} please", BTC),
    kept("btc_legacy_and_p2sh", f"{BTC_LEGACY} {BTC_P2SH}", BTC_LEGACY, BTC_P2SH),
    kept("eth_address", f"withdraw to {ETH}", ETH),
    kept("xrp_with_tag", f"{XRP} destination tag 12345678", XRP, "12345678"),
    kept("order_id", "ORD-2024-000123 is stuck", "ORD-2024-000123"),
    kept("order_number_japanese", "注文番号 12345678 の件です", "12345678"),
    kept("amounts", "0.5 BTC, ¥1,000,000 and 1,234,567円", "0.5 BTC", "¥1,000,000", "1,234,567円"),
    kept("long_decimal_amount", "sent 0.123456789012345678 ETH", "0.123456789012345678"),
    kept("date_and_time", "2024-01-15 12:30 から出金できません", "2024-01-15 12:30"),
    kept("short_numbers", "I tried 3 times, error 500, code E1234", "500", "E1234"),
    kept("unix_millis", "timestamp 1700000000000", "1700000000000"),
    kept("plain_japanese", "出金が反映されません。確認をお願いします。"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_masks_exactly_the_expected_kinds(case: Case) -> None:
    result = redact(case.text)
    assert set(result.kinds) == case.kinds, result.text
    for fragment in case.gone:
        assert fragment not in result.text
    for fragment in case.kept:
        assert fragment in result.text
    for kind in case.kinds:
        assert f"[redacted:{kind.value}]" in result.text


def test_has_at_least_sixty_table_cases() -> None:
    assert len(CASES) >= 60
    assert len({c.name for c in CASES}) == len(CASES)
    assert sum(bool(c.kinds) for c in CASES) >= 25
    assert sum(not c.kinds for c in CASES) >= 25


def test_findings_point_at_the_placeholders_in_the_redacted_text() -> None:
    result = redact("電話 090-1234-5678、メール a@example.com")
    assert [f.kind for f in result.findings] == [Kind.PHONE, Kind.EMAIL]
    for f in result.findings:
        assert result.text[f.start : f.end] == f"[redacted:{f.kind.value}]"


def test_keeps_the_customers_own_characters_outside_masked_spans() -> None:
    result = redact("ＡＢＣ取引所です。パスワード：ｈｕｎｔｅｒ２　よろしく")
    assert result.text == "ＡＢＣ取引所です。パスワード：[redacted:password]　よろしく"


def test_returns_the_message_unchanged_when_nothing_is_found() -> None:
    result = redact("送金が届きません")
    assert result.text == "送金が届きません"
    assert result.findings == ()
    assert not result.masked


def test_leaves_a_literal_placeholder_alone() -> None:
    assert redact("I see [redacted:card_number] in my chat").findings == ()


ORDINARY_SENTENCES = [
    "Please help me, I have a problem with my account and cannot withdraw any funds today",
    "I sent bitcoin to the wrong address again because the app did not show a warning",
    "Can you check why my deposit above the daily limit was rejected and refund it soon",
    "Thank you for your help, the issue is solved now and I can trade again without error",
    "My phone was stolen so I need to reset two factor and change the email on my account",
    "Why is the fee so high for this transfer, it was much lower last month for the same coin",
    "I want to close my account and move all my assets to another exchange as soon as possible",
    "The price chart does not load on my phone but it works fine on my computer at the office",
    "Please confirm that my identity document was approved, I uploaded it again this morning",
    "Could you tell me when the maintenance will end, I have an order open and want to cancel it",
    "I also found that the balance shown after the trade is wrong by a small amount each time",
    "The market was very busy today and my limit order did not fill even though the price matched",
    "Can you explain the tax report, I do not understand the total profit for the year at all",
    "Please cancel the withdrawal I made by mistake, it should go to my other wallet address",
    "I have a question about the bonus campaign, can I still join if I open an account today",
    "After the update I cannot log in, the app shows an error and then closes without any message",
    "Is it safe to keep my coins on the exchange or should I move them to a hardware wallet",
    "My friend told me about a special offer but I cannot find it anywhere on the website",
    "The verification email never arrived, I checked the spam folder and waited one hour",
    "I would like to increase my daily withdrawal limit because I need to pay a large invoice",
    "いつも お世話に なって おります。 あいさつ が 遅れて すみません、 そなた の 件 です",
    "ビットコイン の 送金 が まだ 届いて いません、 確認 して いただけます か",
]


@pytest.mark.parametrize("sentence", ORDINARY_SENTENCES)
def test_does_not_mistake_ordinary_sentences_for_a_seed_phrase(sentence: str) -> None:
    assert redact(sentence).findings == ()


def test_the_detector_table_is_a_flat_tuple_of_callables() -> None:
    assert isinstance(DETECTORS, tuple)
    assert all(callable(d) for d in DETECTORS)


def test_notice_in_english_names_what_was_masked_and_that_staff_never_ask() -> None:
    notice = customer_notice(redact(SEED_12).findings, "en")
    assert notice is not None
    assert "seed phrase" in notice
    assert "never ask" in notice
    assert "new wallet" in notice


def test_notice_in_japanese_is_polite_and_names_every_kind() -> None:
    findings = redact(f"{SEED_12} 電話 090-1234-5678").findings
    notice = customer_notice(findings, "ja")
    assert notice is not None
    assert "シードフレーズ" in notice
    assert "電話番号" in notice
    assert "決してありません" in notice
    assert notice.count("。") >= 3


def test_notice_for_personal_data_does_not_claim_staff_never_ask() -> None:
    notice = customer_notice([Finding(Kind.PHONE, 0, 15)], "en")
    assert notice is not None
    assert "phone number" in notice
    assert "never ask" not in notice


def test_notice_for_mixed_kinds_asks_to_keep_only_the_secrets_private() -> None:
    notice = customer_notice(redact("pw: abc123 電話 090-1234-5678").findings, "en")
    assert notice is not None
    assert "Never share your password or PIN with anyone" in notice
    assert "phone number" in notice


def test_no_notice_when_nothing_was_masked() -> None:
    assert customer_notice((), "ja") is None
    assert customer_notice(redact("hello").findings, "en") is None


def test_check_digit_helpers_accept_valid_and_reject_invalid_values() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert my_number_ok("123456789018")
    assert not my_number_ok("123456789019")


# Property tests ------------------------------------------------------------------------

_TOKENS = [
    "abandon",
    "amount",
    "liar",
    "cage",
    "the",
    "1.",
    "password",
    "pw",
    "is",
    ":",
    "パスワードは",
    "4111",
    "1111",
    "1234",
    "5678",
    "9018",
    "-",
    " ",
    " ",
    "\n",
    "、",
    "　",
    "txid",
    "tx",
    "private key",
    HEX,
    ETH,
    "2FA",
    "code",
    "123456",
    "口座番号",
    "090",
    "+81",
    "@",
    "a@b.co",
    "[redacted:card_number]",
    "secret",
    "AbCdEf1234567890XyZw",
    "円",
    "0",
    "７",
    "ー",
    "です",
    "あいさつ",
    "そなた",
    SEED_12,
    "sk_live_",
    "AKIA",
    "IBAN",
    "GB82",
    "WEST",
]
messages = st.lists(st.sampled_from(_TOKENS) | st.text(max_size=4), max_size=40).map("".join)


@settings(max_examples=400, deadline=None)
@given(messages)
@example(f"{SEED_12}1.a@b.co")
def test_redaction_is_idempotent(text: str) -> None:
    once = redact(text).text
    assert redact(once).text == once


def _card(prefix: str) -> str:
    body = prefix + "0" * (15 - len(prefix))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


cards = st.builds(
    lambda p, filler: _card(p + filler)[:16],
    st.sampled_from(["4", "51", "55", "35", "6011", "62", "2221"]),
    st.text(alphabet="0123456789", max_size=8),
).filter(luhn_ok)
_SPACED_CARD = re.compile(r"(?<!\S)[2-6](?:[ -]?\d){15}(?!\S)")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30), cards, st.sampled_from(["", " ", "-"]), st.text(max_size=30))
def test_redacted_text_never_contains_a_luhn_valid_card(
    before: str, card: str, sep: str, after: str
) -> None:
    shown = sep.join(card[i : i + 4] for i in range(0, 16, 4))
    result = redact(f"{before} {shown} {after}")
    for run in _SPACED_CARD.findall(result.text):
        assert not luhn_ok(re.sub(r"\D", "", run))
    assert shown not in result.text
