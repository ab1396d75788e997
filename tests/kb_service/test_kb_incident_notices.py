"""Replies mention open incidents from a copy read at most every ttl seconds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from kb_service.bot import IncidentNotices


class CountingSession:
    """Stands in for the database session: serves the incident rows, counts the reads."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.reads = 0

    async def scalars(self, _statement: Any) -> list[Any]:
        self.reads += 1
        return list(self.rows)


async def test_incidents_are_read_once_per_ttl_and_changes_show_after_it() -> None:
    session = CountingSession()
    session.rows = [SimpleNamespace(title_ja="入金遅延", title_en="Delayed deposits")]
    notices = IncidentNotices(ttl_s=60.0)
    first = await notices.current(session)  # type: ignore[arg-type]
    assert [i.title_en for i in first] == ["Delayed deposits"]
    session.rows = []
    assert await notices.current(session) == first  # type: ignore[arg-type]
    assert session.reads == 1

    fresh = IncidentNotices(ttl_s=0.0)
    await fresh.current(session)  # type: ignore[arg-type]
    assert await fresh.current(session) == []  # type: ignore[arg-type]
    assert session.reads == 3
