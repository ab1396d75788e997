"""chat_service REST routes: parse, call one handler, map domain errors to problems."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from chat_service import handlers
from chat_service.domain.errors import IllegalTransition, InvalidInput, NotFound, TooManyMessages
from shared.contracts.chat import ConversationView, MessageView
from shared.problems import Problem
from shared.web import CurrentActor, Uow

router = APIRouter(prefix="/api/v1")
T = TypeVar("T")


@contextmanager
def domain_errors() -> Iterator[None]:
    """Map domain errors to HTTP problems."""
    try:
        yield
    except NotFound as exc:
        raise Problem(404, "no such conversation") from exc
    except IllegalTransition as exc:
        raise Problem(409, str(exc)) from exc
    except InvalidInput as exc:
        raise Problem(422, str(exc)) from exc
    except TooManyMessages as exc:
        raise Problem(429, str(exc), retry_after=exc.retry_after_s) from exc


class OpenConversation(BaseModel):
    language: str | None = Field(default=None, pattern=r"^(ja|en)$")
    text: str | None = Field(default=None, max_length=4000)


# Message numbers are INTEGER columns: a larger one could never match, and PostgreSQL
# refuses it as a query argument (it was a 500).
SEQ_MAX = 2**31 - 1


class PostMessage(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    client_msg_id: str = Field(min_length=1, max_length=100)


class Items(BaseModel, Generic[T]):
    items: list[T]


class ReadReceipt(BaseModel):
    seq: int = Field(ge=0, le=SEQ_MAX)


class ReadOut(BaseModel):
    conversation_id: str
    read_seq: int


@router.post("/conversations", status_code=201)
async def open_conversation(
    body: OpenConversation, actor: CurrentActor, uow: Uow
) -> ConversationView:
    if actor.role != "customer":
        raise Problem(403, "only customers open conversations")
    # The limit is a setting; the schema's max_length is the contract's 4,000 default.
    with domain_errors():
        return await handlers.open_conversation(
            uow, actor=actor, language=body.language, text=body.text
        )


@router.get("/conversations")
async def list_conversations(
    actor: CurrentActor, uow: Uow, status: str | None = None, assignee: str | None = None
) -> Items[ConversationView]:
    items = await handlers.list_conversations(uow, actor=actor, status=status, assignee=assignee)
    return Items(items=items)


@router.get("/conversations/{conversation_id}")
async def get_conversation(conversation_id: str, actor: CurrentActor, uow: Uow) -> ConversationView:
    with domain_errors():
        return await handlers.get_conversation(uow, actor=actor, conversation_id=conversation_id)


@router.post("/conversations/{conversation_id}/messages", status_code=201)
async def post_message(
    conversation_id: str,
    body: PostMessage,
    actor: CurrentActor,
    uow: Uow,
    request: Request,
    response: Response,
) -> MessageView:
    with domain_errors():
        message, created = await handlers.post_message(
            uow,
            actor=actor,
            conversation_id=conversation_id,
            text=body.text,
            client_msg_id=body.client_msg_id,
            limit=request.app.state.send_limit,
        )
    if not created:
        response.status_code = 200
    return message


@router.get("/conversations/{conversation_id}/messages")
async def list_messages(
    conversation_id: str,
    actor: CurrentActor,
    uow: Uow,
    after_seq: Annotated[int, Query(ge=0, le=SEQ_MAX)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Items[MessageView]:
    with domain_errors():
        items = await handlers.list_messages(
            uow, actor=actor, conversation_id=conversation_id, after_seq=after_seq, limit=limit
        )
    return Items(items=items)


@router.post("/conversations/{conversation_id}/typing", status_code=204)
async def typing(conversation_id: str, actor: CurrentActor, uow: Uow) -> Response:
    with domain_errors():
        await handlers.start_typing(uow, actor=actor, conversation_id=conversation_id)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/read")
async def mark_read(
    conversation_id: str, body: ReadReceipt, actor: CurrentActor, uow: Uow
) -> ReadOut:
    with domain_errors():
        seq = await handlers.mark_read(
            uow, actor=actor, conversation_id=conversation_id, seq=body.seq
        )
    return ReadOut(conversation_id=conversation_id, read_seq=seq)
