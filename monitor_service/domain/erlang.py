"""Erlang C staffing: wait probability, service level, occupancy and required agents.

Traffic A = arrivals per second × mean handle time (erlangs). Probabilities use the
Erlang-B recursion B(n) = A·B(n-1) / (n + A·B(n-1)), which stays finite for thousands of
agents where A^N / N! would overflow, and C = N·B / (N - A·(1 - B)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Staffing:
    """Staffing advice for one queue, one conversation per agent."""

    agents: int
    service_level: float  # share of customers answered within the target time
    occupancy: float  # share of agent time spent handling
    wait_probability: float  # share of customers who wait at all
    mean_wait_s: float = 0.0  # average speed of answer over all customers


def traffic_erlangs(*, arrivals_per_hour: float, aht_s: float) -> float:
    """Offered load in erlangs."""
    if arrivals_per_hour < 0 or aht_s < 0:
        raise ValueError("arrivals and handle time must be non-negative")
    return arrivals_per_hour * aht_s / 3600.0


def erlang_b(agents: int, traffic_erlangs: float) -> float:
    """Blocking probability of M/M/N/N."""
    if agents < 0 or traffic_erlangs < 0:
        raise ValueError("agents and traffic must be non-negative")
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic_erlangs * blocking / (n + traffic_erlangs * blocking)
    return blocking


def _c_from_b(agents: int, traffic: float, blocking: float) -> float:
    """Erlang C from Erlang B for the same agents and traffic."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0  # unstable queue: everyone waits
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c(agents: int, traffic_erlangs: float) -> float:
    """Probability that an arriving customer waits (M/M/N); 1.0 when N <= A."""
    return _c_from_b(agents, traffic_erlangs, erlang_b(agents, traffic_erlangs))


def _service_level(agents: int, traffic: float, aht_s: float, target_s: float, pw: float) -> float:
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    return max(0.0, 1.0 - pw * math.exp(-(agents - traffic) * target_s / aht_s))


def service_level(*, agents: int, arrivals_per_hour: float, aht_s: float, target_s: float) -> float:
    """Share of customers answered within `target_s`: 1 - C·exp(-(N - A)·t / AHT)."""
    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_s=aht_s)
    pw = erlang_c(agents, traffic)
    return _service_level(agents, traffic, aht_s, target_s, pw)


def occupancy(*, agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """Share of agent time spent handling, capped at 1."""
    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_s=aht_s)
    if agents <= 0:
        return 1.0 if traffic > 0 else 0.0
    return min(1.0, traffic / agents)


def mean_wait_s(*, agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """Average speed of answer over all customers: C·AHT / (N - A); inf when unstable."""
    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_s=aht_s)
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_s / (agents - traffic)


def required_agents(
    *,
    arrivals_per_hour: float,
    aht_s: float,
    target_sl: float,
    target_s: float,
    max_occupancy: float | None = None,
) -> Staffing:
    """The fewest agents meeting the service level (and the occupancy cap, if given)."""
    if not 0 <= target_sl < 1:
        raise ValueError("target_sl must be in [0, 1): 100% is never reached with Erlang C")
    if target_s < 0:
        raise ValueError("target_s must be non-negative")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    traffic = traffic_erlangs(arrivals_per_hour=arrivals_per_hour, aht_s=aht_s)
    if traffic == 0:
        return Staffing(agents=0, service_level=1.0, occupancy=0.0, wait_probability=0.0)
    # Start just above the load (fewer agents can't keep up) and walk the Erlang-B
    # recursion forward one agent at a time: O(N) overall instead of O(N) per candidate.
    agents = math.floor(traffic) + 1
    blocking = erlang_b(agents, traffic)
    while True:
        pw = _c_from_b(agents, traffic, blocking)
        sl = _service_level(agents, traffic, aht_s, target_s, pw)
        occ = traffic / agents
        if sl >= target_sl and (max_occupancy is None or occ <= max_occupancy):
            return Staffing(
                agents=agents,
                service_level=sl,
                occupancy=occ,
                wait_probability=pw,
                mean_wait_s=pw * aht_s / (agents - traffic),
            )
        agents += 1
        blocking = traffic * blocking / (agents + traffic * blocking)


def concurrency_adjusted_agents(*, staffing: Staffing, concurrency: int) -> int:
    """Operators needed when each holds `concurrency` chats: the Erlang slots, shared out.

    Assumes the handle time behind `staffing` was measured at that concurrency, which
    already includes the slowdown of juggling several chats.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    return math.ceil(staffing.agents / concurrency)
