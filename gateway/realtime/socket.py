"""The one websocket per client: auth first, then frames both ways."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.realtime.hub import Connection, Hub
from gateway.upstreams import upstream_url
from shared.auth import Actor, InvalidToken, decode_token

router = APIRouter()

CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403


@router.websocket("/api/v1/ws")
async def websocket_endpoint(websocket: WebSocket) -> None:
    """Authenticate with the first frame, then stream the caller's frames."""
    settings = websocket.app.state.settings
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
    hub.add(conn)
    pump = asyncio.ensure_future(conn.pump())
    try:
        await websocket.send_json({"type": "ready", "role": actor.role, "id": actor.id})
        while True:
            frame = await websocket.receive_json()
            await _handle_client_frame(websocket, conn, token, frame)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.remove(conn)
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


async def _authenticate(websocket: WebSocket) -> tuple[Actor | None, str]:
    settings = websocket.app.state.settings
    try:
        raw = await asyncio.wait_for(websocket.receive_text(), settings.ws_auth_timeout_s)
        frame = json.loads(raw)
        if not isinstance(frame, dict) or frame.get("type") != "auth":
            return None, ""
        token = str(frame.get("token", ""))
        return decode_token(token, secret=websocket.app.state.jwt_secret), token
    except (TimeoutError, ValueError, InvalidToken, WebSocketDisconnect):
        return None, ""


async def _handle_client_frame(
    websocket: WebSocket, conn: Connection, token: str, frame: Any
) -> None:
    if not isinstance(frame, dict):
        await websocket.send_json({"type": "error", "detail": "frames are JSON objects"})
        return
    kind = frame.get("type")
    conversation_id = str(frame.get("conversation_id", ""))
    if kind == "resume":
        await _replay(websocket, conn, token, conversation_id, int(frame.get("after_seq") or 0))
    elif kind == "subscribe" and conn.actor.sees_everything:
        conn.subscriptions.add(conversation_id)
    elif kind == "typing":
        await _chat_call(websocket, token, "POST", f"/conversations/{conversation_id}/typing")
    elif kind == "ping":
        conn.push({"type": "pong"})
    else:
        conn.push({"type": "error", "detail": f"unknown frame type {kind!r}"})


async def _chat_call(
    websocket: WebSocket, token: str, method: str, path: str, params: dict[str, Any] | None = None
) -> httpx.Response:
    settings = websocket.app.state.settings
    client: httpx.AsyncClient = websocket.app.state.http
    return await client.request(
        method,
        f"{upstream_url(settings, 'chat_service')}/api/v1{path}",
        params=params,
        headers={"authorization": f"Bearer {token}"},
    )


async def _replay(
    websocket: WebSocket, conn: Connection, token: str, conversation_id: str, after_seq: int
) -> None:
    """Send every message after `after_seq`, page by page, as message.created frames."""
    while True:
        res = await _chat_call(
            websocket,
            token,
            "GET",
            f"/conversations/{conversation_id}/messages",
            {"after_seq": after_seq, "limit": 500},
        )
        if res.status_code != 200:
            conn.push(
                {
                    "type": "error",
                    "detail": "no such conversation",
                    "conversation_id": conversation_id,
                }
            )
            return
        items = res.json()["items"]
        for message in items:
            conn.push(
                {"type": "message.created", "conversation_id": conversation_id, "message": message}
            )
            after_seq = message["seq"]
        if len(items) < 500:
            conn.push(
                {"type": "resumed", "conversation_id": conversation_id, "last_seq": after_seq}
            )
            return
