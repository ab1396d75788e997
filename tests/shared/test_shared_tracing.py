"""Trace context: a child span keeps its parent's trace; anything malformed starts a new trace."""

from __future__ import annotations

from shared.tracing import child_of, valid

PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_a_child_keeps_the_trace_id_and_flags_with_a_new_span() -> None:
    child = child_of(PARENT)
    assert child.split("-")[1] == PARENT.split("-")[1]
    assert child.split("-")[3] == "01"
    assert child.split("-")[2] != PARENT.split("-")[2]
    assert valid(child) == child


def test_a_malformed_or_missing_parent_starts_a_new_trace() -> None:
    for parent in (None, "", "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"):
        child = child_of(parent)
        assert valid(child) == child
        assert child.split("-")[1] != PARENT.split("-")[1]
