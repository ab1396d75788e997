"""Routing rules: eligibility, queue order, operator choice, ETA and team opening times."""

from routing_service.domain.dispatch import (
    choose_operator,
    operator_key,
    order_queue,
    queue_key,
    queue_position,
    staffed_operators,
    team_opens_at,
)
from routing_service.domain.eligibility import Eligibility, Ineligibility, is_eligible
from routing_service.domain.eta import HandleTimeEstimator, estimate_wait
from routing_service.domain.model import (
    Operator,
    Presence,
    QueuedConversation,
    SecurityCategory,
    Team,
    primary_language,
)

__all__ = [
    "Eligibility",
    "HandleTimeEstimator",
    "Ineligibility",
    "Operator",
    "Presence",
    "QueuedConversation",
    "SecurityCategory",
    "Team",
    "choose_operator",
    "estimate_wait",
    "is_eligible",
    "operator_key",
    "order_queue",
    "primary_language",
    "queue_key",
    "queue_position",
    "staffed_operators",
    "team_opens_at",
]
