"""Request routing to the services: the token is checked here and passed on."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response

from gateway.realtime.limits import RateLimiter, retry_after_s
from gateway.upstreams import (
    UpstreamError,
    Upstreams,
    UpstreamTimeout,
    service_for,
    upstream_url,
)
from shared.auth import InvalidToken, bearer_token, decode_token
from shared.logging import correlation_id
from shared.problems import Problem
from shared.tracing import TRACEPARENT_HEADER, traceparent
from shared.web import CORRELATION_HEADER

router = APIRouter()
MAX_BODY_BYTES = 1_000_000
PASSED_HEADERS = ("authorization", "content-type", "accept", "accept-language")
RETURNED_HEADERS = ("retry-after", "server-timing")
# Sending a message is what a flooding client does; it shares its limit with the websocket.
MESSAGE_POST = re.compile(r"^conversations/[^/]+/messages/?$")


@router.api_route(
    "/api/v1/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def proxy(path: str, request: Request) -> Response:
    """Forward a public call to the service that owns it."""
    service = service_for(path)
    if service is None:
        raise Problem(404, "no such resource")
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Problem(401, "a bearer token is required")
    try:
        actor = decode_token(token, secret=request.app.state.jwt_secret)
    except InvalidToken as exc:
        raise Problem(401, "the token is not valid") from exc
    if request.method == "POST" and MESSAGE_POST.match(path):
        limiter: RateLimiter = request.app.state.message_limiter
        wait = limiter.take(actor.id)
        if wait > 0:
            raise Problem(429, "too many messages; slow down", retry_after=retry_after_s(wait))
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise Problem(413, "the request body is too large")
    settings = request.app.state.settings
    headers = {k: v for k, v in request.headers.items() if k.lower() in PASSED_HEADERS}
    # The caller's id, or the one this gateway made up, so both hops log under one id.
    if cid := correlation_id.get():
        headers[CORRELATION_HEADER] = cid
    if trace := traceparent.get():
        headers[TRACEPARENT_HEADER] = trace
    client: Upstreams = request.app.state.http
    try:
        upstream = await client.request(
            request.method,
            f"{upstream_url(settings, service)}/api/v1/{path}",
            params=request.query_params.multi_items(),
            content=body,
            headers=headers,
        )
    except UpstreamTimeout as exc:
        raise Problem(504, f"{service} did not answer in time") from exc
    except UpstreamError as exc:
        raise Problem(503, f"{service} is unavailable") from exc
    return Response(
        content=upstream.content,
        status_code=upstream.status_code,
        media_type=upstream.headers.get("content-type"),
        headers={k: v for k, v in upstream.headers.items() if k.lower() in RETURNED_HEADERS},
    )
