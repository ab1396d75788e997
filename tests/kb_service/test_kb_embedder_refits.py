"""When background embedding has the engine refitted: early, doubling, not just before the end."""

from __future__ import annotations

from kb_service.embedder import refit_due


def refits(total: int, batch: int = 64) -> list[int]:
    """The counts of embedded vectors at which a pass of `total` has the engine refitted."""
    added = announced = 0
    out = []
    while added < total:
        added = min(total, added + batch)
        if refit_due(added, announced, total - added):
            out.append(added)
            announced = added
    return out


def test_a_big_import_is_refitted_as_it_doubles_and_once_at_the_end() -> None:
    # BANKING77's training split: 21,369 vectors in three spaces.
    assert refits(21_369) == [2_560, 5_120, 10_240, 21_369]


def test_no_refit_comes_just_before_the_last() -> None:
    # At 20,480 only 889 would be left: that refit would only delay the last one.
    assert 20_480 not in refits(21_369)
    assert refits(2_000) == [2_000]


def test_a_pass_with_nothing_new_asks_for_no_refit() -> None:
    assert not refit_due(0, 0, 0)
