from kb_service.domain.clustering import group_questions
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
