from dataclasses import replace

import numpy as np
import pytest

from kb_service.matching import (
    Engine,
    embed_texts,
    from_bytes,
    load_articles,
    text_key,
    to_bytes,
)
from kb_service.matching.embedding import MULTILINGUAL, UNIVERSAL
from kb_service.matching.seed import load_eval, load_out_of_scope
from kb_service.matching.semantic import SemanticModel


@pytest.fixture(scope="module")
def articles():
    return load_articles()


@pytest.fixture(scope="module")
def engine(articles):
    fitted = Engine()
    fitted.fit(articles)
    return fitted


def _top1_top3(engine, language):
    questions = [q for q in load_eval() if q["language"] == language]
    top1 = top3 = 0
    for q in questions:
        keys = [m.key for m in engine.rank(q["text"], language=language, limit=3)]
        top1 += keys[0] == q["key"]
        top3 += q["key"] in keys
    return top1 / len(questions), top3 / len(questions)


def test_demo_faq_has_every_key_in_both_languages(articles):
    by_language = {lang: {a.key for a in articles if a.language == lang} for lang in ("ja", "en")}
    assert by_language["ja"] == by_language["en"]
    assert 30 <= len(by_language["ja"]) <= 40


def test_japanese_held_out_questions_match_their_article(engine):
    top1, top3 = _top1_top3(engine, "ja")
    assert top1 >= 0.85
    assert top3 >= 0.97


def test_english_held_out_questions_match_their_article(engine):
    top1, top3 = _top1_top3(engine, "en")
    assert top1 >= 0.85
    assert top3 >= 0.97


@pytest.mark.parametrize("language", ["ja", "en"])
def test_most_questions_no_article_answers_are_handed_off(engine, language):
    # Plausible at a support desk, near some articles' words, answered by none of them.
    questions = [q["text"] for q in load_out_of_scope() if q["language"] == language]
    answered = [q for q in questions if engine.answer(q, language=language).answered]
    assert len(answered) <= 0.3 * len(questions), answered


def test_japanese_question_is_answered_with_the_japanese_article(engine):
    verdict = engine.answer("ビットコインを外部のウォレットに送金したいです")
    assert verdict.answered
    assert verdict.article_id == "crypto_withdrawal:ja"
    assert verdict.team == "tier1"
    assert not verdict.fallback_language


def test_full_width_and_half_width_spellings_rank_alike(engine):
    plain = engine.rank("BTCを買いたい", limit=1)[0]
    assert engine.rank("ＢＴＣを買いたい", limit=1)[0].key == plain.key == "buy_crypto"
    assert engine.rank("ﾋﾞｯﾄｺｲﾝを買いたい", limit=1)[0].key == "buy_crypto"


def test_typos_still_match_in_english(engine):
    best = engine.rank("how do i withdrawl yen to my bank acount", limit=1)[0]
    assert best.key == "jpy_withdrawal"


def test_rank_returns_one_article_per_key_best_first(engine):
    matches = engine.rank("入金が反映されない", limit=5)
    assert len({m.key for m in matches}) == 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(m.language == "ja" for m in matches)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello!", "smalltalk"),
        ("こんにちは", "smalltalk"),
        ("will BTC go up?", "price_prediction"),
        ("ビットコインは上がりますか", "price_prediction"),
        ("human please", "human_requested"),
        ("オペレーターと話したい", "human_requested"),
        ("人と話したい", "human_requested"),
    ],
)
def test_out_of_scope_messages_are_handed_off_with_a_reason(engine, text, reason):
    verdict = engine.answer(text)
    assert not verdict.answered
    assert verdict.reason == reason
    assert verdict.team == "tier1"


def test_human_request_about_a_topic_is_routed_to_that_topics_team(engine):
    verdict = engine.answer("アカウントが乗っ取られたみたい、オペレーターと話したい")
    assert not verdict.answered
    assert verdict.reason == "human_requested"
    assert verdict.team == "security"


def test_nonsense_is_handed_off_with_low_confidence(engine):
    verdict = engine.answer("qwzx plorf vrmm")
    assert not verdict.answered
    assert verdict.confidence < engine.threshold


def test_falls_back_to_the_other_language_when_the_key_has_no_article_in_it(articles):
    # Japanese questions collected for an English-only article still point at it.
    ja_examples = next(a for a in articles if a.article_id == "inheritance:ja").examples
    kept = [a for a in articles if a.article_id != "inheritance:ja"]
    kept = [
        replace(a, examples=a.examples + ja_examples) if a.article_id == "inheritance:en" else a
        for a in kept
    ]
    engine = Engine()
    engine.fit(kept)
    question = "母が亡くなりました。口座の相続はどうすればいいですか"
    verdict = engine.answer(question)
    assert verdict.key == "inheritance"
    assert verdict.article_id == "inheritance:en"
    assert verdict.fallback_language
    match = engine.rank(question, limit=1)[0]
    assert match.fallback_language and match.language == "en"
    in_english = engine.rank("父が亡くなったので相続したい", language="en", limit=1)[0]
    assert not in_english.fallback_language


def test_a_japanese_question_finds_an_article_written_only_in_english(articles):
    # No Japanese text at all for the key: only the English examples' multilingual twins
    # carry the question across languages.
    kept = [a for a in articles if a.article_id != "inheritance:ja"]
    engine = Engine()
    engine.fit(kept)
    match = engine.rank("母が亡くなりました。口座の相続はどうすればいいですか", limit=1)[0]
    assert (match.key, match.language, match.fallback_language) == ("inheritance", "en", True)


def test_articles_written_in_one_language_are_found_by_questions_in_the_other(articles):
    # A quarter of the keys keep one language's article only. Scored like the others, their
    # questions in the other language found them first 7 times in 60; the universal model,
    # which matches across languages, finds them 17 times.
    keys = sorted({a.key for a in articles})[::4]
    found = asked = 0
    for missing in ("en", "ja"):
        engine = Engine()
        engine.fit([a for a in articles if not (a.key in keys and a.language == missing)])
        for q in load_eval():
            if q["language"] == missing and q["key"] in keys:
                asked += 1
                found += engine.rank(q["text"], language=missing, limit=1)[0].key == q["key"]
    assert found >= 0.2 * asked


def test_an_english_question_is_offered_an_article_written_only_in_japanese(articles):
    # The English model has no example of the key, so such questions are scored by the
    # multilingual model, which has the Japanese ones: the article is among the first offered
    # (scored by the English model alone it came last).
    kept = [a for a in articles if a.article_id != "inheritance:en"]
    engine = Engine()
    engine.fit(kept)
    for question in ("What happens to a deceased person's crypto?", "documents for inheritance"):
        offered = {m.key: m for m in engine.rank(question, limit=5)}
        assert "inheritance" in offered, question
        assert (offered["inheritance"].language, offered["inheritance"].fallback_language) == (
            "ja",
            True,
        )


def test_refit_with_cached_embeddings_embeds_nothing(engine, articles):
    stored = {key: from_bytes(to_bytes(vector)) for key, vector in engine.embeddings.items()}
    edited = [replace(a, title=a.title + "!") if a.key == "maintenance" else a for a in articles]
    refit = Engine()
    report = refit.fit(edited, embeddings=stored)
    # The two edited titles, the English one's multilingual twin, and both in the universal
    # space.
    assert report.embedded_now == 5
    assert report.embeddings_skipped == 0
    assert report.embeddings_reused > report.examples - 2


def test_text_key_ignores_width_but_not_meaning():
    assert text_key("ＢＴＣ 送金") == text_key("BTC  送金")
    assert text_key("BTC 送金") != text_key("ETH 送金")


def test_bytes_round_trip_keeps_the_vector():
    vector = np.linspace(-1, 1, 384, dtype=np.float32)
    assert np.array_equal(from_bytes(to_bytes(vector)), vector)


def test_lexical_only_engine_still_matches_without_an_embedder(articles):
    engine = Engine(embedder=None)
    report = engine.fit(articles)
    assert report.embedded_now == 0
    assert engine.rank("パスワードを忘れました", limit=1)[0].key == "password_reset"


def test_a_message_the_lexical_matcher_is_sure_of_is_answered_without_embedding(articles):
    embedded = []

    def counting(texts, space=None):
        embedded.extend((t, space) for t in texts)
        return embed_texts(texts, space)

    engine = Engine(embedder=counting)
    engine.fit(articles)
    embedded.clear()
    sure = engine.answer("パスワードを忘れました")
    assert (sure.answered, sure.key, embedded) == (True, "password_reset", [])
    # A paraphrase with few of the examples' words needs the meaning, so it is embedded, by
    # its own model and by the universal one.
    engine.answer("ログイン用の秘密の文字列が思い出せない")
    assert embedded == [
        ("ログイン用の秘密の文字列が思い出せない", MULTILINGUAL),
        ("ログイン用の秘密の文字列が思い出せない", UNIVERSAL),
    ]


def test_a_refit_for_new_embeddings_reuses_the_lexical_side_and_answers_as_a_fresh_fit(
    articles,
):
    partial = Engine(max_new_embeddings=40)
    partial.fit(articles)
    cached = partial.embeddings
    refit = Engine(max_new_embeddings=10_000)
    refit.fit(articles, embeddings=cached, previous=partial)
    fresh = Engine(max_new_embeddings=10_000)
    fresh.fit(articles, embeddings=refit.embeddings)
    assert refit._lexical is partial._lexical  # nothing lexical was fitted again
    for q in load_eval()[:40]:
        ours, theirs = refit.answer(q["text"]), fresh.answer(q["text"])
        assert (ours.key, ours.reason) == (theirs.key, theirs.reason)
        # The refit's classifiers start from the partial fit's, so they stop at another
        # point within the optimizer's tolerance: the same confidence to the percent.
        assert ours.confidence == pytest.approx(theirs.confidence, abs=0.01)
    # Changed articles are fitted afresh.
    changed = [replace(a, examples=(*a.examples, "一つ増えた例文")) for a in articles[:1]]
    moved = Engine()
    moved.fit([*changed, *articles[1:]], embeddings=refit.embeddings, previous=refit)
    assert moved._lexical is not refit._lexical


def test_a_classifier_refitted_from_the_last_solution_agrees_in_fewer_steps() -> None:
    # As a refit after more examples were embedded: the last fit saw nine in ten of them.
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(30), 30)
    vectors = rng.normal(size=(30, 64))[labels] + rng.normal(scale=2.0, size=(len(labels), 64))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    seen = np.arange(len(labels)) % 10 != 0
    last = SemanticModel().fit(vectors[seen], labels[seen], n_classes=30)
    cold = SemanticModel().fit(vectors, labels, n_classes=30)
    warm = SemanticModel().fit(vectors, labels, n_classes=30, start=last.solution)
    assert warm._model is not None and cold._model is not None
    assert warm._model.n_iter_[0] < 0.6 * cold._model.n_iter_[0]
    assert (warm.log_proba(vectors).argmax(1) == cold.log_proba(vectors).argmax(1)).all()
    # A class the last fit lacked (an article added) starts from zero; the others from
    # where they were.
    fewer = seen & (labels < 29)
    before = SemanticModel().fit(vectors[fewer], labels[fewer], n_classes=30)
    grown = SemanticModel().fit(vectors, labels, n_classes=30, start=before.solution)
    assert grown._model is not None
    assert grown._model.n_iter_[0] < 0.8 * cold._model.n_iter_[0]
    assert (grown.log_proba(vectors).argmax(1) == cold.log_proba(vectors).argmax(1)).all()
    # A start that shares no class, or has another dimension, is ignored rather than misread.
    for other in (
        SemanticModel().fit(vectors, labels + 30, n_classes=60),
        SemanticModel().fit(vectors[:, :32], labels, n_classes=30),
    ):
        again = SemanticModel().fit(vectors, labels, n_classes=30, start=other.solution)
        assert again._model is not None and again._model.n_iter_[0] == cold._model.n_iter_[0]
