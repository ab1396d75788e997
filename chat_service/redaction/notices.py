"""The note shown only to the customer, saying what was masked and why."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from chat_service.redaction.model import Finding, Kind

Language = Literal["ja", "en"]

_NOUNS: dict[Kind, tuple[str, str]] = {
    Kind.SEED_PHRASE: ("a seed phrase", "シードフレーズ（復元フレーズ）"),
    Kind.PRIVATE_KEY: ("a private key", "秘密鍵"),
    Kind.API_SECRET: ("an API key or secret", "APIキー・シークレット"),
    Kind.PASSWORD: ("a password or PIN", "パスワード・暗証番号"),
    Kind.ONE_TIME_CODE: ("a one-time code", "認証コード"),
    Kind.CARD_NUMBER: ("a card number", "クレジットカード番号"),
    Kind.MY_NUMBER: ("a My Number (Individual Number)", "マイナンバー（個人番号）"),
    Kind.BANK_ACCOUNT: ("a bank account number", "口座番号"),
    Kind.EMAIL: ("an email address", "メールアドレス"),
    Kind.PHONE: ("a phone number", "電話番号"),
}
_SECRETS = frozenset(
    {Kind.SEED_PHRASE, Kind.PRIVATE_KEY, Kind.API_SECRET, Kind.PASSWORD, Kind.ONE_TIME_CODE}
)
_WALLET = frozenset({Kind.SEED_PHRASE, Kind.PRIVATE_KEY})


def customer_notice(findings: Iterable[Finding], language: Language) -> str | None:
    """Explain to the customer what was masked; None when nothing was."""
    kinds = tuple(dict.fromkeys(f.kind for f in findings))
    if not kinds:
        return None
    secret = any(k in _SECRETS for k in kinds)
    personal = any(k not in _SECRETS for k in kinds)
    wallet = any(k in _WALLET for k in kinds)
    if language == "ja":
        return _japanese(kinds, secret=secret, personal=personal, wallet=wallet)
    return _english(kinds, secret=secret, personal=personal, wallet=wallet)


def _english(kinds: tuple[Kind, ...], *, secret: bool, personal: bool, wallet: bool) -> str:
    it = "it" if len(kinds) == 1 else "them"
    listed = _join_en([_NOUNS[k][0] for k in kinds])
    parts = [f"We masked {listed} you sent, so no one else can see {it}."]
    if secret and len(kinds) == 1:
        parts.append("Never share it with anyone — our staff will never ask for it.")
    elif secret:
        # Name the secrets: "never share them" must not cover a phone number.
        secrets = [_NOUNS[k][0].split(" ", 1)[1] for k in kinds if k in _SECRETS]
        it = "it" if len(secrets) == 1 else "them"
        parts.append(
            f"Never share your {_join_en(secrets)} with anyone — our staff will never ask for {it}."
        )
    if wallet:
        parts.append(
            "If anyone may have seen your seed phrase or private key, "
            "move your assets to a new wallet right away."
        )
    if personal:
        parts.append(
            "For your safety we don't keep personal details in chat; "
            "if we need them, we'll ask through a secure form."
        )
    return " ".join(parts)


def _japanese(kinds: tuple[Kind, ...], *, secret: bool, personal: bool, wallet: bool) -> str:
    listed = "、".join(_NOUNS[k][1] for k in kinds)
    parts = [f"お送りいただいたメッセージに含まれていた{listed}は、伏せ字にして表示しています。"]
    if secret:
        secrets = "、".join(_NOUNS[k][1] for k in kinds if k in _SECRETS)
        parts.append(
            f"{secrets}は誰にも教えないでください。当社スタッフがお尋ねすることは決してありません。"
        )
    if wallet:
        parts.append(
            "シードフレーズや秘密鍵が第三者に知られた可能性がある場合は、"
            "直ちに資産を新しいウォレットへ移してください。"
        )
    if personal:
        parts.append(
            "お客様の安全のため、個人情報はチャットに保存いたしません。"
            "確認が必要な場合は、安全なフォームからご案内いたします。"
        )
    return "".join(parts)


def _join_en(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
