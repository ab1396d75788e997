"""What a client may ask over its socket: resume, subscribe, typing, read, send."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi import FastAPI

from gateway.config import GatewaySettings
from gateway.realtime.hub import Connection
from gateway.realtime.limits import RateLimiter, retry_after_s
from gateway.upstreams import Reply, UpstreamError, Upstreams, upstream_url

PAGE = 500


class Session:
    """One socket's command handling; every call to chat_service carries the caller's token."""

    def __init__(self, app: FastAPI, conn: Connection, token: str) -> None:
        self.settings: GatewaySettings = app.state.settings
        self.http: Upstreams = app.state.http
        self.limiter: RateLimiter = app.state.message_limiter
        self.conn = conn
        self.token = token
        self._typed_at: dict[str, float] = {}

    def error(self, detail: str, *, status: int = 400, **extra: Any) -> None:
        self.conn.push({"type": "error", "status": status, "detail": detail, **extra})

    async def handle(self, raw: str) -> None:
        """Act on one client frame; a bad frame earns an error frame, never a crash."""
        try:
            frame = json.loads(raw)
        except ValueError:
            self.error("frames are JSON objects")
            return
        if not isinstance(frame, dict):
            self.error("frames are JSON objects")
            return
        kind = frame.get("type")
        cid = str(frame.get("conversation_id") or "")
        try:
            if kind == "ping":
                self.conn.push({"type": "pong"})
            elif kind == "pong":
                pass  # the answer to our idle ping: receiving it was the point
            elif kind == "resume" and cid:
                await self.replay(cid, int(frame.get("after_seq") or 0))
            elif kind in ("subscribe", "unsubscribe") and cid:
                self.subscribe(cid, on=kind == "subscribe")
            elif kind == "typing" and cid:
                await self.typing(cid)
            elif kind == "read" and cid:
                await self.read(cid, int(frame.get("seq") or 0))
            elif kind == "message" and cid:
                await self.send(cid, frame)
            else:
                self.error(f"unknown or incomplete frame {kind!r}")
        except (TypeError, ValueError):
            self.error("a field has the wrong type", status=422)
        except UpstreamError:
            self.error("the chat service is unavailable", status=503, conversation_id=cid)

    async def call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> Reply:
        return await self.http.request(
            method,
            f"{upstream_url(self.settings, 'chat_service')}/api/v1{path}",
            params=params,
            json=body,
            headers={"authorization": f"Bearer {self.token}"},
        )

    def subscribe(self, conversation_id: str, *, on: bool) -> None:
        if not self.conn.actor.sees_everything:
            self.error("only supervisors subscribe", status=403, conversation_id=conversation_id)
            return
        if on:
            self.conn.subscriptions.add(conversation_id)
        else:
            self.conn.subscriptions.discard(conversation_id)
        kind = "subscribed" if on else "unsubscribed"
        self.conn.push({"type": kind, "conversation_id": conversation_id})

    async def typing(self, conversation_id: str) -> None:
        now = time.monotonic()
        if now - self._typed_at.get(conversation_id, -1e9) < self.settings.ws_typing_interval_s:
            return  # the other side is already showing the indicator
        self._typed_at[conversation_id] = now
        res = await self.call("POST", f"/conversations/{conversation_id}/typing")
        if res.status_code >= 400:
            self.upstream_error(res, conversation_id)

    async def read(self, conversation_id: str, seq: int) -> None:
        res = await self.call("POST", f"/conversations/{conversation_id}/read", body={"seq": seq})
        if res.status_code >= 400:
            self.upstream_error(res, conversation_id)

    async def send(self, conversation_id: str, frame: dict[str, Any]) -> None:
        """Send a message over the socket, under the same limit as REST; acked to the sender."""
        client_msg_id = frame.get("client_msg_id")
        wait = self.limiter.take(self.conn.actor.id)
        if wait > 0:
            self.error(
                "too many messages",
                status=429,
                retry_after=retry_after_s(wait),
                conversation_id=conversation_id,
                client_msg_id=client_msg_id,
            )
            return
        body = {"text": frame.get("text"), "client_msg_id": client_msg_id}
        res = await self.call("POST", f"/conversations/{conversation_id}/messages", body=body)
        if res.status_code >= 400:
            self.upstream_error(res, conversation_id, client_msg_id=client_msg_id)
            return
        self.conn.push(
            {
                "type": "message.ack",
                "conversation_id": conversation_id,
                "client_msg_id": client_msg_id,
                "message": res.json(),
            }
        )

    def upstream_error(self, res: Reply, conversation_id: str, **extra: Any) -> None:
        try:
            problem = res.json()
        except ValueError:
            problem = {}
        detail = str(problem.get("detail", "refused"))
        if "retry_after" in problem:
            extra["retry_after"] = problem["retry_after"]
        self.error(detail, status=res.status_code, conversation_id=conversation_id, **extra)

    async def replay(self, conversation_id: str, after_seq: int) -> None:
        """Send every message after `after_seq`, page by page, as message.created frames."""
        while True:
            res = await self.call(
                "GET",
                f"/conversations/{conversation_id}/messages",
                params={"after_seq": after_seq, "limit": PAGE},
            )
            if res.status_code != 200:  # not theirs, or an after_seq no message can have
                self.upstream_error(res, conversation_id)
                return
            items = res.json()["items"]
            for message in items:
                # Waits for room instead of dropping: a long replay is not a slow client.
                await self.conn.put(
                    {
                        "type": "message.created",
                        "conversation_id": conversation_id,
                        "message": message,
                    }
                )
                after_seq = message["seq"]
            if len(items) < PAGE:
                self.conn.push(
                    {"type": "resumed", "conversation_id": conversation_id, "last_seq": after_seq}
                )
                return
