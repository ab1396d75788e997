"""chat_service REST routes that change a conversation's status, rate it or export it."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from chat_service import lifecycle, transcripts
from chat_service.entrypoints.api import domain_errors
from shared.auth import Actor
from shared.contracts.chat import ConversationView
from shared.problems import Problem
from shared.web import CurrentActor, StaffActor, Uow

router = APIRouter(prefix="/api/v1/conversations/{conversation_id}")
Team = Literal["tier1", "tier2", "tax", "legal", "system", "security"]


class Escalate(BaseModel):
    team: Team
    note: str | None = Field(default=None, max_length=2000)


class Transfer(BaseModel):
    operator_id: str = Field(min_length=1, max_length=100)


class Rating(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class Feedback(BaseModel):
    helpful: bool


def _customer(actor: Actor, what: str) -> None:
    if actor.role != "customer":
        raise Problem(403, f"only the customer can {what}")


@router.post("/handoff")
async def handoff(conversation_id: str, actor: CurrentActor, uow: Uow) -> ConversationView:
    _customer(actor, "ask for a human")
    with domain_errors():
        return await lifecycle.request_handoff(uow, actor=actor, conversation_id=conversation_id)


@router.post("/escalate")
async def escalate(
    conversation_id: str, body: Escalate, actor: StaffActor, uow: Uow
) -> ConversationView:
    with domain_errors():
        return await lifecycle.escalate(
            uow, actor=actor, conversation_id=conversation_id, team=body.team, note=body.note
        )


@router.post("/transfer")
async def transfer(
    conversation_id: str, body: Transfer, actor: StaffActor, uow: Uow
) -> ConversationView:
    with domain_errors():
        return await lifecycle.transfer(
            uow, actor=actor, conversation_id=conversation_id, operator_id=body.operator_id
        )


@router.post("/close")
async def close(conversation_id: str, actor: CurrentActor, uow: Uow) -> ConversationView:
    with domain_errors():
        return await lifecycle.close(uow, actor=actor, conversation_id=conversation_id)


@router.post("/rating", status_code=201)
async def rating(
    conversation_id: str, body: Rating, actor: CurrentActor, uow: Uow
) -> ConversationView:
    _customer(actor, "rate the conversation")
    with domain_errors():
        return await lifecycle.rate(
            uow,
            actor=actor,
            conversation_id=conversation_id,
            score=body.score,
            comment=body.comment,
        )


@router.post("/bot-feedback")
async def bot_feedback(
    conversation_id: str, body: Feedback, actor: CurrentActor, uow: Uow
) -> ConversationView:
    _customer(actor, "rate the bot's answer")
    with domain_errors():
        return await lifecycle.bot_feedback(
            uow, actor=actor, conversation_id=conversation_id, helpful=body.helpful
        )


@router.get("/transcript", response_model=None)
async def transcript(
    conversation_id: str,
    actor: StaffActor,
    uow: Uow,
    format: Literal["json", "text"] = "json",
) -> transcripts.Transcript | Response:
    with domain_errors():
        t = await transcripts.transcript(uow, actor=actor, conversation_id=conversation_id)
    if format == "text":
        return PlainTextResponse(
            transcripts.as_text(t),
            headers={"content-disposition": f'inline; filename="{conversation_id}.txt"'},
        )
    return t
