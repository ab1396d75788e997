"""Embedding: a question asked again (in any width or spacing) does not run the model again."""

from __future__ import annotations

import numpy as np

from kb_service.matching import embed_texts, embedding


def test_a_repeated_question_skips_the_model(monkeypatch) -> None:
    calls: list[list[str]] = []
    real = embedding._query

    def counting(forms: list[str]) -> np.ndarray:
        calls.append(forms)
        return real(forms)

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
