"""Embedding: a repeated question skips the model; each model runs on one thread only."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from kb_service.matching import embed_texts, embedding
from kb_service.matching.embedding import UNIVERSAL, embed_question


def test_a_repeated_question_skips_the_model(monkeypatch) -> None:
    calls: list[list[str]] = []
    real = embedding._query

    def counting(forms: list[str], space: str, **how: bool) -> np.ndarray:
        calls.append(forms)
        return real(forms, space, **how)

    monkeypatch.setattr(embedding, "_query", counting)
    first = embed_texts(["出金がまだ届きません（ＢＴＣ　０．５）"])
    again = embed_texts(["出金がまだ届きません(BTC 0.5) "])
    assert len(calls) == 1
    assert np.array_equal(first, again) and first.shape == (1, embedding.DIM)
    # The caller's copy is its own: changing it does not change what the next caller gets.
    first[0, :] = 0.0
    assert np.array_equal(embed_texts(["出金がまだ届きません(BTC 0.5)"]), again)
    embed_texts(["別の質問です"])
    assert len(calls) == 2


def test_the_model_runs_on_one_thread_whoever_asks(monkeypatch) -> None:
    # A second calling thread gives the model's OpenMP runtime a second team of workers,
    # after which every question costs about twice as long on a 2-core host.
    threads: set[str] = set()
    real = embedding._query

    def recording(forms: list[str], space: str, **how: bool) -> np.ndarray:
        threads.add(threading.current_thread().name)
        return real(forms, space, **how)

    monkeypatch.setattr(embedding, "_query", recording)
    with ThreadPoolExecutor(max_workers=3) as pool:
        asked = [
            pool.submit(embed_texts, [f"問い合わせ {i}"] if i % 2 else [f"例文 {i}", f"例 {i}"])
            for i in range(6)
        ]
        assert all(f.result().shape[1] == embedding.DIM for f in asked)
    embed_texts(["main thread question"])
    assert len(threads) == 1 and threading.current_thread().name not in threads


def test_a_question_for_both_models_gets_what_each_gives_alone(monkeypatch) -> None:
    # The two models run side by side, each on a thread of its own; the vectors do not change.
    text = "My card payment was declined twice today"
    alone = embed_texts([text]), embed_texts([text], UNIVERSAL)
    embedding.forget_recent_questions()
    threads: dict[str, str] = {}
    real = embedding._query

    def recording(forms: list[str], space: str, **how: bool) -> np.ndarray:
        threads[space] = threading.current_thread().name
        return real(forms, space, **how)

    monkeypatch.setattr(embedding, "_query", recording)
    own, universal = embed_question(text, embedding.space_of(text), universal=True)
    assert own is not None and universal is not None
    assert np.allclose(own, alone[0], atol=1e-6) and np.allclose(universal, alone[1], atol=1e-6)
    assert len(set(threads.values())) == 2
    assert embed_question(text, None, universal=False) == (None, None)
