"""Operator presence follows the websocket: routing hears of first and last sockets."""

from __future__ import annotations

import asyncio
import logging

from gateway.config import GatewaySettings
from gateway.upstreams import UpstreamError, Upstreams, upstream_url

log = logging.getLogger(__name__)
# The latest announcement per staff member: the next one waits for it, so "connected" and
# "disconnected" of a quick reconnect reach routing in the order they happened.
_latest: dict[str, asyncio.Task[None]] = {}


async def _post(
    client: Upstreams, settings: GatewaySettings, operator_id: str, connected: bool
) -> None:
    base = upstream_url(settings, "routing_service")
    url = f"{base}/internal/v1/operators/{operator_id}/connection"
    try:
        res = await client.request(
            "POST", url, json={"connected": connected}, timeout_s=settings.presence_timeout_s
        )
        # 404 while routing lacks the route (or the staff member is not an operator): fine.
        if res.status_code >= 500:
            log.warning("routing answered %s to a connection change", res.status_code)
    except UpstreamError as exc:
        # Routing applies a grace period and reconciles on the next change; never block a socket.
        log.warning("could not tell routing that %s connected=%s: %s", operator_id, connected, exc)


def announce(
    client: Upstreams, settings: GatewaySettings, operator_id: str, *, connected: bool
) -> None:
    """Fire and forget: tell routing a staff member's sockets opened or all closed."""
    before = _latest.get(operator_id)

    async def run() -> None:
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        await _post(client, settings, operator_id, connected)

    task = asyncio.ensure_future(run())
    _latest[operator_id] = task

    def forget(done: asyncio.Task[None]) -> None:
        if _latest.get(operator_id) is done:
            del _latest[operator_id]

    task.add_done_callback(forget)
