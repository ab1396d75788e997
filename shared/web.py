"""Request plumbing every FastAPI app shares: correlation ids and the caller's identity."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Actor, InvalidToken, bearer_token, decode_token
from shared.db import UnitOfWork
from shared.logging import correlation_id, new_correlation_id
from shared.problems import Problem, problem_response
from shared.tracing import TRACEPARENT_HEADER, child_of, traceparent

CORRELATION_HEADER = "X-Correlation-ID"


def install_correlation_ids(app: FastAPI) -> None:
    """Take the caller's correlation id (or make one) and trace context; echo the id back."""
    app.add_middleware(CorrelationMiddleware)


class CorrelationMiddleware:
    """Plain ASGI rather than `@app.middleware("http")`, whose wrapper passes every request
    and response through an extra task and memory stream."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cid = headers.get(CORRELATION_HEADER) or new_correlation_id()
        token = correlation_id.set(cid)
        trace = traceparent.set(child_of(headers.get(TRACEPARENT_HEADER)))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CORRELATION_HEADER] = cid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)
            traceparent.reset(trace)


def install_nul_guard(app: FastAPI) -> None:
    """Refuse requests carrying a NUL character with a 422 problem (see `NulGuard`)."""
    app.add_middleware(NulGuard)


# In JSON a NUL can only be the escape \u0000, behind an even number of backslashes: behind
# an odd number the escape is of the backslash itself ("\\u0000" is six plain characters).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# The guard reads a body before any route looks at the caller: it must not hold an unbounded
# one (the largest real body, a knowledge-base import of 10,000 examples, is under 1 MB).
MAX_BODY_BYTES = 64 * 1024 * 1024


class NulGuard:
    """PostgreSQL keeps no NUL character in text or JSONB, so a message, article or note
    carrying one failed deep in its transaction with a 500. It is refused up front, from the
    path, the query or a JSON body, whatever the route; a body over MAX_BODY_BYTES is a 413."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            await _refuse(scope, receive, send, _NUL)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BODY_BYTES:
                await _refuse(scope, receive, send, _TOO_LARGE)
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if _JSON_NUL.search(body):
            await _refuse(scope, receive, send, _NUL)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


_NUL = (422, "the request contains a NUL character (U+0000)")
_TOO_LARGE = (413, "the request body is too large")


async def _refuse(scope: Scope, receive: Receive, send: Send, why: tuple[int, str]) -> None:
    await problem_response(*why)(scope, receive, send)


# Dependencies are `async def` although they never wait: FastAPI runs a plain `def` one in a
# worker thread, a thread hop per dependency per request.


async def get_uow(request: Request) -> UnitOfWork:
    """A unit of work on this service's database."""
    return request.app.state.runtime.uow()  # type: ignore[no-any-return]


async def current_actor(request: Request) -> Actor:
    """The verified caller of this request; 401 without a valid bearer token."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Problem(401, "a bearer token is required")
    try:
        return decode_token(token, secret=request.app.state.jwt_secret)
    except InvalidToken as exc:
        raise Problem(401, "the token is not valid") from exc


async def require_staff(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be an operator, supervisor or admin (403 otherwise)."""
    if not actor.is_staff:
        raise Problem(403, "staff only")
    return actor


async def require_supervisor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be a supervisor or admin."""
    if actor.role not in ("supervisor", "admin"):
        raise Problem(403, "supervisors and admins only")
    return actor


async def require_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be an admin."""
    if actor.role != "admin":
        raise Problem(403, "admins only")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
StaffActor = Annotated[Actor, Depends(require_staff)]
SupervisorActor = Annotated[Actor, Depends(require_supervisor)]
AdminActor = Annotated[Actor, Depends(require_admin)]
Uow = Annotated[UnitOfWork, Depends(get_uow)]
