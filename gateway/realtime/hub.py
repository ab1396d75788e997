"""Fan-out of the event stream to the sockets allowed to see each event."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket

from gateway.realtime.frames import Routed, route
from shared.auth import Actor
from shared.contracts import Envelope

log = logging.getLogger(__name__)
SEND_QUEUE_SIZE = 500
ALL = "*"


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

    def frame_for(self, routed: Routed) -> dict[str, Any] | None:
        """The frame this socket gets for a routed event, or None; checked frame by frame."""
        if self.actor.role == "customer":
            if routed.customer_id is not None and routed.customer_id == self.actor.id:
                return routed.customer_frame or routed.frame
            return None
        if self.actor.id in routed.staff_ids:
            return routed.frame
        watching = routed.conversation_id in self.subscriptions or ALL in self.subscriptions
        if self.actor.sees_everything and watching:
            return routed.frame
        return None

    def push(self, frame: dict[str, Any]) -> None:
        """Queue a frame; a client too slow to keep up is dropped (it can resume)."""
        if self._closing is not None:
            return
        try:
            self.outbox.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("dropping slow socket of %s", self.actor.id)
            self._closing = asyncio.ensure_future(self.websocket.close(code=1013))

    async def put(self, frame: dict[str, Any]) -> None:
        """Queue a frame, waiting for room (for replays the client asked for)."""
        await self.outbox.put(frame)

    async def pump(self) -> None:
        """Write queued frames to the socket until it closes."""
        while True:
            frame = await self.outbox.get()
            await self.websocket.send_json(frame)


class Hub:
    """The sockets of this gateway process."""

    def __init__(self) -> None:
        self.connections: set[Connection] = set()
        self._staff_sockets: Counter[str] = Counter()

    def add(self, conn: Connection) -> bool:
        """Register a socket; True when it is this staff member's first here."""
        self.connections.add(conn)
        if not conn.actor.is_staff:
            return False
        self._staff_sockets[conn.actor.id] += 1
        return self._staff_sockets[conn.actor.id] == 1

    def remove(self, conn: Connection) -> bool:
        """Forget a socket; True when it was this staff member's last here."""
        if conn not in self.connections:
            return False
        self.connections.discard(conn)
        if not conn.actor.is_staff:
            return False
        self._staff_sockets[conn.actor.id] -= 1
        if self._staff_sockets[conn.actor.id] <= 0:
            del self._staff_sockets[conn.actor.id]
            return True
        return False

    async def dispatch(self, env: Envelope) -> None:
        """Turn one event into frames for every socket allowed to see it."""
        routed = route(env)
        if routed is None:
            return
        for conn in list(self.connections):
            frame = conn.frame_for(routed)
            if frame is not None:
                conn.push(frame)
