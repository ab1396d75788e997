"""The outbox relay's wake-up: an event committed during a publish pass is not left waiting."""

from __future__ import annotations

import asyncio
import contextlib

from shared.messaging.relay import OutboxRelay


class PausingRelay(OutboxRelay):
    """A relay whose first pass waits to be released; passes are counted, nothing is sent."""

    def __init__(self) -> None:
        # A poll this long never comes within a test: only a wake-up can start a pass.
        super().__init__(sessions=None, producer=None, poll_s=3600)  # type: ignore[arg-type]
        self.passes = 0
        self.in_first_pass = asyncio.Event()
        self.release = asyncio.Event()

    async def publish_pending(self) -> int:
        self.passes += 1
        if self.passes == 1:
            self.in_first_pass.set()
            await self.release.wait()
        return 0


async def test_a_commit_during_a_pass_gets_a_pass_of_its_own() -> None:
    relay = PausingRelay()
    task = asyncio.ensure_future(relay.run())
    try:
        await relay.in_first_pass.wait()
        relay.wake()  # a transaction commits while the first pass is still reading the outbox
        relay.release.set()

        for _ in range(100):
            if relay.passes >= 2:
                break
            await asyncio.sleep(0.05)
        assert relay.passes >= 2
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
