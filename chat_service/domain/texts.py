"""System messages the customer reads, in their own language."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

Say = Literal["ja", "en"]

_TEXTS: dict[str, tuple[str, str]] = {
    "queued": (
        "担当者におつなぎします。順番にご案内しますので、このままお待ちください。",
        "We're connecting you to a member of our team. Please stay in this chat.",
    ),
    "escalated": (
        "より専門的な担当者におつなぎします。このままお待ちください。",
        "We're passing your inquiry to a specialist team. Please stay in this chat.",
    ),
    "transferred": (
        "担当オペレーターが交代しました。引き続き対応いたします。",
        "Another operator has taken over your conversation.",
    ),
    "assigned": (
        "担当オペレーターが対応します。",
        "An operator is now with you.",
    ),
    "requeued": (
        "担当者の接続が切れたため、改めておつなぎします。このままお待ちください。",
        "Your operator became unavailable; we're connecting you to someone else.",
    ),
    "closed": (
        "お問い合わせを終了しました。ご利用ありがとうございました。よろしければ評価をお寄せください。",
        "This conversation is closed. Thank you for contacting us — please rate our support.",
    ),
}


def system_text(event: str, language: Say) -> str:
    """The customer-facing line for a status change."""
    ja, en = _TEXTS[event]
    return ja if language == "ja" else en


def position_text(position: int, wait_s: int | None, language: Say) -> str:
    """Where the customer stands in the queue, with an estimate when there is one."""
    minutes = None if wait_s is None else max(1, round(wait_s / 60))
    if language == "ja":
        eta = "" if minutes is None else f"（目安: 約{minutes}分）"
        return f"現在{position}番目にお待ちいただいています{eta}。"
    eta = "" if minutes is None else f" (about {minutes} min)"
    return f"You are number {position} in the queue{eta}."


def _jst(opens_at: str) -> str:
    # Customers are in Japan: show the opening time in JST whatever zone routing sent.
    try:
        when = datetime.fromisoformat(opens_at)
    except ValueError:
        return opens_at
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    return when.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M JST")


def opens_at_text(opens_at: str, language: Say) -> str:
    """The team is closed now: when it opens again."""
    opens_at = _jst(opens_at)
    if language == "ja":
        return (
            f"ただいま担当チームの受付時間外です。{opens_at} 以降に順次対応いたします。"
            "このままお待ちいただくか、後ほどこのチャットをご確認ください。"
        )
    return (
        f"This team is closed right now; we'll pick up your inquiry from {opens_at}. "
        "You can wait here or come back to this chat later."
    )
