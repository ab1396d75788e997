"""The one websocket per client: auth first, then frames both ways, within limits."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.config import GatewaySettings
from gateway.realtime import presence
from gateway.realtime.commands import Session
from gateway.realtime.hub import Connection, Hub
from gateway.realtime.limits import TokenBucket
from shared.auth import Actor, InvalidToken, decode_token

router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403
CLOSE_IDLE = 4408
CLOSE_RATE_LIMITED = 4429
CLOSE_TOO_BIG = 1009


class _Closed(Exception):
    """The client went away, or we closed the socket."""


@router.websocket("/api/v1/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Authenticate with the first frame, then stream the caller's frames."""
    settings: GatewaySettings = websocket.app.state.settings
    origin = websocket.headers.get("origin")
    if origin is not None and origin not in settings.ws_allowed_origins:
        # Closing before accept refuses the handshake (HTTP 403).
        await websocket.close(code=CLOSE_FORBIDDEN_ORIGIN)
        return
    await websocket.accept()
    actor, token = await _authenticate(websocket)
    if actor is None:
        await websocket.close(code=CLOSE_UNAUTHORIZED)
        return
    hub: Hub = websocket.app.state.hub
    conn = Connection(websocket, actor)
    # `ready` is queued before the socket joins the hub, so it is always the first frame.
    conn.push({"type": "ready", "role": actor.role, "id": actor.id})
    if hub.add(conn):
        presence.announce(websocket.app.state.http, settings, actor.id, connected=True)
    pump = asyncio.ensure_future(conn.pump())
    session = Session(websocket.app, conn, token)
    frames = TokenBucket(settings.ws_frame_burst, settings.ws_frame_rate_per_s)
    try:
        while True:
            raw = await _receive(websocket, conn, settings)
            if len(raw.encode()) > settings.ws_max_frame_bytes:
                await websocket.close(code=CLOSE_TOO_BIG, reason="frame too large")
                break
            if frames.take() > 0:
                await websocket.close(code=CLOSE_RATE_LIMITED, reason="too many frames")
                break
            await session.handle(raw)
    except (_Closed, WebSocketDisconnect, RuntimeError):
        pass
    finally:
        if hub.remove(conn):
            presence.announce(websocket.app.state.http, settings, actor.id, connected=False)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


async def _receive(websocket: WebSocket, conn: Connection, settings: GatewaySettings) -> str:
    """The next text frame; a silent client is pinged once, then closed."""
    try:
        message = await asyncio.wait_for(websocket.receive(), settings.ws_idle_timeout_s)
    except TimeoutError:
        conn.push({"type": "ping"})
        try:
            message = await asyncio.wait_for(websocket.receive(), settings.ws_pong_timeout_s)
        except TimeoutError:
            await websocket.close(code=CLOSE_IDLE, reason="idle")
            raise _Closed from None
    if message["type"] == "websocket.disconnect":
        raise _Closed
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        text = data.decode(errors="replace")
    return str(text)


async def _authenticate(websocket: WebSocket) -> tuple[Actor | None, str]:
    settings = websocket.app.state.settings
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), settings.ws_auth_timeout_s)
        if len(raw) > settings.ws_max_frame_bytes:
            return None, ""
        frame: Any = json.loads(raw)
        if not isinstance(frame, dict) or frame.get("type") != "auth":
            return None, ""
        token = str(frame.get("token", ""))
        return decode_token(token, secret=websocket.app.state.jwt_secret), token
    except (TimeoutError, ValueError, KeyError, InvalidToken, WebSocketDisconnect, RuntimeError):
        return None, ""
