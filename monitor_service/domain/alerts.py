"""Alert rules: which conditions hold now, and what changed since last time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Thresholds:
    """When a condition holds."""

    queue_wait_s: float
    breach_spike_count: int
    containment_below: float
    containment_min_sample: int


@dataclass(frozen=True)
class QueueWait:
    team: str
    language: str
    longest_wait_s: float


@dataclass(frozen=True)
class Observed:
    """The figures the rules look at."""

    queues: tuple[QueueWait, ...]
    recent_breaches: int
    recent_contained: int
    recent_handed_off: int


@dataclass(frozen=True)
class Condition:
    """A condition that holds now."""

    name: str
    severity: str
    detail: str
    value: float
    threshold: float


def conditions(observed: Observed, limits: Thresholds) -> dict[str, Condition]:
    """Every alert condition holding now, by name."""
    found: list[Condition] = []
    for q in observed.queues:
        if q.longest_wait_s > limits.queue_wait_s:
            severity = "critical" if q.longest_wait_s > 2 * limits.queue_wait_s else "warning"
            found.append(
                Condition(
                    name=f"queue_wait_long:{q.team}:{q.language}",
                    severity=severity,
                    detail=f"{q.team}/{q.language}: oldest customer has waited "
                    f"{q.longest_wait_s:.0f}s (limit {limits.queue_wait_s:.0f}s)",
                    value=q.longest_wait_s,
                    threshold=limits.queue_wait_s,
                )
            )
    if observed.recent_breaches >= limits.breach_spike_count:
        found.append(
            Condition(
                name="sla_breach_spike",
                severity="critical",
                detail=f"{observed.recent_breaches} SLA breaches in the window "
                f"(limit {limits.breach_spike_count})",
                value=float(observed.recent_breaches),
                threshold=float(limits.breach_spike_count),
            )
        )
    sample = observed.recent_contained + observed.recent_handed_off
    # Too few conversations say nothing about the bot; wait for a meaningful sample.
    if sample >= limits.containment_min_sample:
        rate = observed.recent_contained / sample
        if rate < limits.containment_below:
            found.append(
                Condition(
                    name="bot_containment_low",
                    severity="warning",
                    detail=f"bot contained {rate:.0%} of {sample} conversations "
                    f"(limit {limits.containment_below:.0%})",
                    value=round(rate, 4),
                    threshold=limits.containment_below,
                )
            )
    return {c.name: c for c in found}


@dataclass(frozen=True)
class Changes:
    """Alerts to raise and names to clear."""

    raise_: tuple[Condition, ...]
    clear: tuple[str, ...]
    still: tuple[Condition, ...]


def diff(*, active: Iterable[str], holding: Mapping[str, Condition]) -> Changes:
    """Raise what newly holds, clear what stopped holding; the rest stays quiet."""
    active_set = set(active)
    return Changes(
        raise_=tuple(c for name, c in sorted(holding.items()) if name not in active_set),
        clear=tuple(sorted(active_set - holding.keys())),
        still=tuple(c for name, c in sorted(holding.items()) if name in active_set),
    )
