"""Polling helpers for asynchronous outcomes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    predicate: Callable[[], Awaitable[T]], *, timeout_s: float = 15, interval_s: float = 0.1
) -> T:
    """Poll an async predicate until it returns something truthy; TimeoutError otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        result = await predicate()
        if result:
            return result
        if loop.time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(interval_s)
