"""Transcripts for staff: the redacted conversation as JSON or plain text."""

from __future__ import annotations

from pydantic import BaseModel

from chat_service.adapters import repository as repo
from chat_service.handlers import visible
from shared.auth import Actor
from shared.contracts.chat import ConversationView, MessageView
from shared.db import UnitOfWork

PAGE = 1000


class Transcript(BaseModel):
    conversation: ConversationView
    messages: list[MessageView]


async def transcript(uow: UnitOfWork, *, actor: Actor, conversation_id: str) -> Transcript:
    """Every message of a conversation the staff member may see, in seq order."""
    async with uow:
        conv = await visible(uow, actor, conversation_id)
        messages: list[MessageView] = []
        after = 0
        while True:
            rows = await repo.list_messages(
                uow.session, conversation_id=conv.id, after_seq=after, limit=PAGE
            )
            messages.extend(repo.message_view(r) for r in rows)
            if len(rows) < PAGE:
                break
            after = rows[-1].seq
        return Transcript(conversation=repo.conversation_view(conv), messages=messages)


def as_text(t: Transcript) -> str:
    """The transcript as plain text, one line per message."""
    c = t.conversation
    lines = [
        f"Conversation {c.id}",
        f"Customer: {c.customer_id}  Language: {c.language}  Team: {c.team or '-'}  "
        f"Status: {c.status}  Operator: {c.assignee_id or '-'}",
        f"Opened: {c.created_at.isoformat()}",
        "",
    ]
    for m in t.messages:
        who: str = m.author_type
        if m.author_type in ("customer", "operator"):
            who = f"{m.author_type} {m.author_id}"
        lines.append(f"[{m.created_at.isoformat(timespec='seconds')}] #{m.seq} {who}: {m.text}")
    return "\n".join(lines) + "\n"
