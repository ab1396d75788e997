"""How many messages a customer may send: a burst, then a steady rate.

The gateway keeps such a bucket per process, in memory, so each of N gateway replicas lets
a customer through at the full rate. chat_service keeps the customer's bucket in its
database, one for all its replicas and the gateway's, so the rate holds however many run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SendLimit:
    burst: int
    rate_per_s: float

    def retry_after_s(self, tokens: float) -> int:
        """Whole seconds until a bucket left at `tokens` (below zero) holds one again."""
        return max(1, math.ceil(-tokens / self.rate_per_s))
