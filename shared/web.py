"""Request plumbing every FastAPI app shares: correlation ids and the caller's identity."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response

from shared.auth import Actor, InvalidToken, bearer_token, decode_token
from shared.logging import correlation_id, new_correlation_id
from shared.problems import Problem
from shared.tracing import TRACEPARENT_HEADER, child_of, traceparent

CORRELATION_HEADER = "X-Correlation-ID"


def install_correlation_ids(app: FastAPI) -> None:
    """Take the caller's correlation id (or make one) and trace context; echo the id back."""

    @app.middleware("http")
    async def _correlate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cid = request.headers.get(CORRELATION_HEADER) or new_correlation_id()
        token = correlation_id.set(cid)
        trace = traceparent.set(child_of(request.headers.get(TRACEPARENT_HEADER)))
        try:
            response = await call_next(request)
        finally:
            correlation_id.reset(token)
            traceparent.reset(trace)
        response.headers[CORRELATION_HEADER] = cid
        return response


def current_actor(request: Request) -> Actor:
    """The verified caller of this request; 401 without a valid bearer token."""
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Problem(401, "a bearer token is required")
    try:
        return decode_token(token, secret=request.app.state.jwt_secret)
    except InvalidToken as exc:
        raise Problem(401, "the token is not valid") from exc


def require_staff(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be an operator, supervisor or admin (403 otherwise)."""
    if not actor.is_staff:
        raise Problem(403, "staff only")
    return actor


def require_supervisor(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be a supervisor or admin."""
    if actor.role not in ("supervisor", "admin"):
        raise Problem(403, "supervisors and admins only")
    return actor


def require_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """The caller, who must be an admin."""
    if actor.role != "admin":
        raise Problem(403, "admins only")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
StaffActor = Annotated[Actor, Depends(require_staff)]
SupervisorActor = Annotated[Actor, Depends(require_supervisor)]
AdminActor = Annotated[Actor, Depends(require_admin)]
