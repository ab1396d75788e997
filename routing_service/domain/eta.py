"""Queue ETA from a queueing model, and the handle-time means that feed it.

The model: the team's on-shift operators give c = operators × concurrency slots, each
finishing conversations at rate μ = 1 / mean handle time (exponential service, as in
Erlang C). A customer at position k, while every slot is busy, is served at the k-th
departure from the pool; departures come at rate c·μ, so the wait is Erlang(k, c·μ) with
mean k / (c·μ). That is multiplied by the probability that every slot is busy — known
exactly when the busy-slot count is given (then only the part of the queue beyond the free
slots waits), estimated by Erlang C at the measured arrival rate otherwise, and taken as
1 for a customer already queued when neither is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routing_service.domain.model import Team, primary_language


def _erlang_c(servers: int, traffic: float) -> float:
    """Probability that an arrival waits in M/M/c (Erlang-B recursion, no factorials)."""
    if traffic <= 0:
        return 0.0
    if servers <= traffic:
        return 1.0
    blocking = 1.0
    for n in range(1, servers + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return servers * blocking / (servers - traffic * (1.0 - blocking))


def estimate_wait(
    *,
    position: int,
    staffed_agents: int,
    mean_handle_s: float,
    concurrency: int = 1,
    arrivals_per_hour: float | None = None,
    busy_slots: int | None = None,
) -> float | None:
    """Expected wait in seconds at 1-based queue `position`; None when nobody is staffed."""
    if position < 1:
        raise ValueError("position is 1-based")
    if mean_handle_s <= 0:
        raise ValueError("mean_handle_s must be positive")
    slots = staffed_agents * concurrency
    if slots <= 0:
        return None
    departures_per_s = slots / mean_handle_s
    if busy_slots is not None:
        # Free slots take the first customers at once; the rest wait for departures.
        free = max(0, slots - busy_slots)
        return max(0, position - free) / departures_per_s
    if arrivals_per_hour is not None:
        all_busy = _erlang_c(slots, arrivals_per_hour / 3600.0 * mean_handle_s)
    else:
        all_busy = 1.0  # someone already queued implies every slot is taken
    return all_busy * position / departures_per_s


@dataclass
class _Mean:
    value: float
    count: int = 0


@dataclass
class HandleTimeEstimator:
    """Exponentially weighted mean handle time per (team, language), starting from a prior."""

    prior_s: float = 600.0
    alpha: float = 0.05
    # The prior counts as this many observations, so the first few measurements average
    # with it instead of replacing it outright; later ones are weighted by `alpha`.
    prior_weight: float = 5.0
    max_handle_s: float = 4 * 3600.0  # a chat left open overnight is not a handle time
    team_priors: dict[Team, float] = field(default_factory=dict)
    _means: dict[tuple[Team, str | None], _Mean] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        if self.prior_s <= 0:
            raise ValueError("prior_s must be positive")

    def observe(self, *, team: Team, language: str, handle_s: float) -> None:
        """Fold one measured handle time into the team's and the (team, language) means."""
        if handle_s <= 0:
            return
        sample = min(handle_s, self.max_handle_s)
        lang = primary_language(language)
        team_mean = self._means.setdefault((team, None), _Mean(self._prior(team)))
        pair_mean = self._means.setdefault((team, lang), _Mean(team_mean.value))
        for mean in (team_mean, pair_mean):
            mean.count += 1
            weight = max(self.alpha, 1.0 / (mean.count + self.prior_weight))
            mean.value += weight * (sample - mean.value)

    def mean(self, *, team: Team, language: str) -> float:
        """The current estimate: the pair's, else the team's, else the prior."""
        for key in ((team, primary_language(language)), (team, None)):
            if key in self._means:
                return self._means[key].value
        return self._prior(team)

    def count(self, *, team: Team, language: str) -> int:
        """How many handle times were measured for the pair."""
        found = self._means.get((team, primary_language(language)))
        return 0 if found is None else found.count

    def snapshot(self) -> list[tuple[str, str, float, int]]:
        """Every mean as (team, language or '', mean, count), to store and `restore` later."""
        return [
            (str(team), lang or "", mean.value, mean.count)
            for (team, lang), mean in self._means.items()
        ]

    def restore(self, rows: list[tuple[str, str, float, int]]) -> None:
        """Load means written by `snapshot` (another replica may have measured them)."""
        for team, lang, value, count in rows:
            self._means[(Team(team), lang or None)] = _Mean(value, count)

    def _prior(self, team: Team) -> float:
        return self.team_priors.get(team, self.prior_s)
