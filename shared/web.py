"""Request plumbing every FastAPI app shares: correlation ids and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import Actor, InvalidToken, bearer_token, decode_token
from shared.db import UnitOfWork
from shared.logging import correlation_id, new_correlation_id
from shared.problems import Problem
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
