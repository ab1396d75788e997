"""Fan-out of the event stream to the sockets allowed to see each event."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket

from shared.auth import Actor
from shared.contracts import Envelope

log = logging.getLogger(__name__)
SEND_QUEUE_SIZE = 500


@dataclass(eq=False)
class Connection:
    """One authenticated socket and what it watches."""

    websocket: WebSocket
    actor: Actor
    subscriptions: set[str] = field(default_factory=set)
    outbox: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(SEND_QUEUE_SIZE)
    )
    _closing: asyncio.Future[None] | None = None

    def may_see(
        self, *, conversation_id: str, customer_id: str | None, assignee_id: str | None
    ) -> bool:
        """Whether this socket may receive a frame of that conversation."""
        if self.actor.role == "customer":
            return customer_id == self.actor.id
        if assignee_id is not None and assignee_id == self.actor.id:
            return True
        return self.actor.sees_everything and conversation_id in self.subscriptions

    def push(self, frame: dict[str, Any]) -> None:
        """Queue a frame; a client too slow to keep up is dropped (it can resume)."""
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("dropping slow socket of %s", self.actor.id)
            self._closing = asyncio.ensure_future(self.websocket.close(code=1013))

    async def pump(self) -> None:
        """Write queued frames to the socket until it closes."""
        while True:
            frame = await self.outbox.get()
            await self.websocket.send_json(frame)


class Hub:
    """The sockets of this gateway process."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        self.connections.discard(conn)

    async def dispatch(self, env: Envelope) -> None:
        """Turn one event into frames for every socket allowed to see it."""
        routed = frame_for(env)
        if routed is None:
            return
        frame, conversation_id, customer_id, assignee_id = routed
        for conn in list(self.connections):
            if conn.may_see(
                conversation_id=conversation_id, customer_id=customer_id, assignee_id=assignee_id
            ):
                conn.push(frame)


def frame_for(env: Envelope) -> tuple[dict[str, Any], str, str | None, str | None] | None:
    """The websocket frame of an event and who it concerns, or None if it is not pushed."""
    data = env.data
    if env.type == "message.created":
        frame = {
            "type": "message.created",
            "conversation_id": data["conversation_id"],
            "message": data["message"],
        }
        return frame, data["conversation_id"], data["customer_id"], data.get("assignee_id")
    if env.type == "conversation.updated":
        conv = data["conversation"]
        frame = {"type": "conversation.updated", "conversation": conv}
        return frame, conv["id"], conv["customer_id"], conv.get("assignee_id")
    if env.type == "typing.started":
        frame = {
            "type": "typing",
            "conversation_id": data["conversation_id"],
            "author_type": data["author_type"],
        }
        return frame, data["conversation_id"], data["customer_id"], data.get("assignee_id")
    return None
