import random
import string

import numpy as np

from kb_service.domain.clustering import group_questions
from kb_service.index import KbIndex
from kb_service.learning import _meanings
from kb_service.matching import to_bytes
from kb_service.matching.embedding import UNIVERSAL, embed_texts

RECEIPT = [
    "Can I get a paper receipt for my bank deposit?",
    "can i get a paper receipt for my bank deposit",
    "Do you hand out printed receipts for deposits?",
    "入金の紙の領収書はもらえますか",
]
GIFT_CARDS = ["Do you sell gift cards?", "ギフトカードは売っていますか"]
PARKING = ["Is there parking at your headquarters?"]


def _groups(texts, vectors=None):
    return sorted(sorted(g.members) for g in group_questions(texts, vectors=vectors))


def test_rewordings_and_translations_of_a_question_are_counted_together():
    texts = RECEIPT + GIFT_CARDS + PARKING
    groups = _groups(texts, embed_texts(texts, UNIVERSAL))
    assert groups == sorted([sorted(RECEIPT), sorted(GIFT_CARDS), PARKING])


def test_without_sentence_vectors_only_near_identical_wordings_group():
    texts = RECEIPT + GIFT_CARDS + PARKING
    groups = _groups(texts)
    assert sorted(RECEIPT[:2]) in groups
    assert len(groups) > 3


def test_wordings_far_apart_in_a_long_report_still_group():
    # More questions than one block of the n-gram comparison: the pair spans two blocks.
    rng = random.Random(7)
    noise = ["".join(rng.choices(string.ascii_lowercase, k=24)) for _ in range(1500)]
    texts = [*noise[:10], RECEIPT[0], *noise[10:], RECEIPT[1]]
    groups = _groups(texts)
    assert sorted(RECEIPT[:2]) in groups
    assert len(groups) == len(noise) + 1


class CountingEmbedder:
    def __init__(self):
        self.asked: list[str] = []

    def __call__(self, texts, space=None):
        assert space == UNIVERSAL
        self.asked.extend(texts)
        return embed_texts(texts, space)


async def test_the_report_embeds_only_questions_recorded_without_their_meaning():
    embedder = CountingEmbedder()
    index = KbIndex(uow=lambda: None, threshold=0.6, fit_embed_budget=0, embedder=embedder)
    stored = to_bytes(embed_texts([GIFT_CARDS[0]], UNIVERSAL)[0])
    texts = [GIFT_CARDS[0], PARKING[0], PARKING[0], GIFT_CARDS[1]]
    vectors = await _meanings(index, texts, [stored, None, None, b"\0" * 16])
    # The parking question once, however often asked; the last was stored by another model.
    assert embedder.asked == [PARKING[0], GIFT_CARDS[1]]
    assert np.allclose(vectors, embed_texts(texts, UNIVERSAL), atol=1e-5)
