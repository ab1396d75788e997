"""Background embedding: what it embeds in which order, and when it has the engine refitted."""

from __future__ import annotations

from kb_service.embedder import _work_list, refit_due
from kb_service.matching import text_key
from kb_service.matching.embedding import ENGLISH, MULTILINGUAL, UNIVERSAL


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


def test_background_work_pairs_each_models_texts_and_skips_what_is_stored() -> None:
    articles = [("Lost card", "I lost my card", "My card is gone"), ("出金", "出金が届かない")]
    stored = {text_key("I lost my card", UNIVERSAL)}
    work = _work_list(articles, set(stored))
    spaces = [space for _, _, space in work]
    # Both models get work in every stretch of the list, so a batch keeps both busy.
    assert spaces[:4] == [ENGLISH, UNIVERSAL, MULTILINGUAL, UNIVERSAL]
    # Every vector the engine wants, once; none that is stored.
    wanted = {(t, ENGLISH) for t in articles[0]} | {(t, MULTILINGUAL) for t in articles[1]}
    wanted |= {(t, MULTILINGUAL) for t in articles[0]}  # English texts' multilingual twins
    wanted |= {(t, UNIVERSAL) for texts in articles for t in texts} - {
        ("I lost my card", UNIVERSAL)
    }
    assert sorted((t, s) for _, t, s in work) == sorted(wanted)
