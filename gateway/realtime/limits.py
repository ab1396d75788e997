"""Token buckets: how often a client may send, per process."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`burst` tokens refilled at `rate_per_s`; each send takes one."""

    burst: float
    rate_per_s: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.burst

    def take(self) -> float:
        """0.0 when allowed, else the seconds until a token is free."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate_per_s)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate_per_s if self.rate_per_s > 0 else math.inf


class RateLimiter:
    """One bucket per key (the caller's id), forgotten once full again."""

    def __init__(self, *, burst: int, rate_per_s: float, max_keys: int = 100_000) -> None:
        self._burst = burst
        self._rate = rate_per_s
        self._max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def take(self, key: str) -> float:
        """0.0 when `key` may send now, else the seconds to wait."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._prune()
            bucket = self._buckets[key] = TokenBucket(self._burst, self._rate)
        return bucket.take()

    def _prune(self) -> None:
        # A bucket that has had time to refill is the same as a fresh one: drop it.
        now = time.monotonic()
        full_after = self._burst / self._rate if self._rate > 0 else math.inf
        for key, bucket in list(self._buckets.items()):
            if now - bucket.stamp > full_after:
                del self._buckets[key]


def retry_after_s(wait_s: float) -> int:
    """Whole seconds for a Retry-After header."""
    return max(1, math.ceil(wait_s))
