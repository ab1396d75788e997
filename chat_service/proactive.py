"""The desk speaking first: ticket_service's proactive rules reaching the customer's chat."""

from __future__ import annotations

import logging
from datetime import timedelta

from chat_service.adapters import repository as repo
from chat_service.adapters.orm import ConversationRow
from chat_service.domain.model import language_of
from chat_service.domain.proactive import (
    BOT_MESSAGE,
    OPEN_CONVERSATION,
    customer_text,
    handoff_priority,
    is_stale,
    team_for,
)
from chat_service.handlers import append, now, start_conversation
from chat_service.lifecycle import queue_for_team, say
from shared.contracts import Envelope
from shared.contracts.chat import PROACTIVE_REASON
from shared.contracts.ticket import ProactiveTriggered
from shared.db import UnitOfWork

log = logging.getLogger(__name__)


async def on_triggered(uow: UnitOfWork, env: Envelope, *, max_age: timedelta) -> None:
    """Act on one `proactive.triggered`, at most once per cause (its dedupe key)."""
    event = ProactiveTriggered.model_validate(env.data)
    if event.action not in (OPEN_CONVERSATION, BOT_MESSAGE):
        return  # warn_operator: ticket_service keeps the note on the ticket and the 360
    if is_stale(env.time, now(), max_age=max_age):
        log.info("proactive %s for %s is too old to send", event.dedupe_key, event.customer_id)
        return
    contact = await repo.claim_proactive(
        uow.session,
        dedupe_key=event.dedupe_key,
        rule_id=event.rule_id,
        action=event.action,
        customer_id=event.customer_id,
    )
    if contact is None:
        return  # the same cause again under another event id
    if event.action == OPEN_CONVERSATION:
        conv = await reach_out(uow, event)
    else:
        conv = await bot_message(uow, event)
    contact.conversation_id = conv.id if conv is not None else None


async def reach_out(uow: UnitOfWork, event: ProactiveTriggered) -> ConversationRow | None:
    """Tell the customer in their open conversation (handed to the rule's team if the bot has
    it), or open one already queued for a human."""
    current = await repo.latest_of_customer(
        uow.session, event.customer_id, open_only=True, for_update=True
    )
    if current is not None:
        if current.status == "bot":
            # The rule promises a person will follow up, as in a conversation the desk opens.
            current.team, current.priority = rule_routing(event)
            queue_for_team(uow, current, reason=PROACTIVE_REASON, change=PROACTIVE_REASON)
        text = customer_text(event.message, current.language)
        if text is not None:
            await say(uow, current, text)
        return current
    latest = await repo.latest_of_customer(uow.session, event.customer_id)
    language = language_of(latest.language) if latest is not None else "ja"
    text = customer_text(event.message, language)
    if text is None:
        log.warning("proactive %s has no customer message; nothing opened", event.dedupe_key)
        return None
    team, priority = rule_routing(event)
    # Straight to the team's queue: the customer did not ask the bot anything.
    conv = await start_conversation(
        uow,
        customer_id=event.customer_id,
        language=language,
        status="queued",
        team=team,
        priority=priority,
    )
    queue_for_team(uow, conv, reason=PROACTIVE_REASON, change=PROACTIVE_REASON)
    await say(uow, conv, text)
    return conv


def rule_routing(event: ProactiveTriggered) -> tuple[str, int]:
    """The team and hand-off priority the rule asks for."""
    team = team_for(event.team)
    return team, handoff_priority(team=team, priority=event.priority)


async def bot_message(uow: UnitOfWork, event: ProactiveTriggered) -> ConversationRow | None:
    """The bot says the message in the named conversation while it is open."""
    if event.conversation_id is None:
        return None
    conv = await repo.get_conversation(uow.session, event.conversation_id, for_update=True)
    if conv is None or conv.status == "closed" or conv.customer_id != event.customer_id:
        return None
    text = customer_text(event.message, conv.language)
    if text is None:
        return None
    await append(uow, conv, author_type="bot", author_id="bot", text=text, client_msg_id=None)
    return conv
