"""The English model: BERT's tokenizer, 4-bit packing, and the engine running it faithfully."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import erf

from kb_service.matching import embedding, minilm, native
from kb_service.matching.embedding import ENGLISH, MULTILINGUAL

FOLDER = minilm.model_dir()
pytestmark = pytest.mark.skipif(FOLDER is None, reason="the all-MiniLM-L6-v2 package is missing")

TEXTS = [
    "Why was my card declined at the shop?",
    "My card payment was refused today",
    "How do I change my PIN?",
    "I transferred money yesterday but it still hasn't arrived",
]


@pytest.fixture(scope="module")
def vocabulary() -> list[str]:
    assert FOLDER is not None
    return (FOLDER / "vocab.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("Why was my card DECLINED?", ["why", "was", "my", "card", "declined", "?"]),
        ("Café naïve résumé", ["cafe", "naive", "resume"]),
        ("don't", ["don", "'", "t"]),
        ("unaffable", ["una", "##ffa", "##ble"]),
        ("BTC送金", ["bt", "##c", "[UNK]", "金"]),
        ("x" * 120, ["[UNK]"]),
    ],
)
def test_wordpiece_splits_as_bert_uncased_does(vocabulary, text, pieces) -> None:
    # Expected pieces are what the Hugging Face BertTokenizer of this checkpoint returns.
    tokenizer = minilm.WordPiece(vocabulary)
    assert [vocabulary[i] for i in tokenizer.ids(text)] == pieces


def test_q4_packing_keeps_each_weight_within_half_a_step() -> None:
    rows = np.random.default_rng(0).normal(size=(4, 64)).astype(np.float32)
    blocks = np.frombuffer(minilm.quantize_q4(rows), dtype=[("d", "<f2"), ("qs", "u1", 16)])
    low, high = blocks["qs"] & 0x0F, blocks["qs"] >> 4
    codes = np.concatenate([low, high], axis=1).astype(np.float32) - 8
    restored = (codes * blocks["d"].astype(np.float32)[:, None]).reshape(rows.shape)
    step = np.abs(blocks["d"].astype(np.float32)).repeat(32).reshape(rows.shape)
    assert np.all(np.abs(restored - rows) <= step / 2 + 1e-6)


def _reference(tensors: dict[str, np.ndarray], ids: list[int]) -> np.ndarray:
    """The checkpoint's float forward pass and mean pooling, in plain numpy."""

    def norm(x: np.ndarray, name: str) -> np.ndarray:
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * tensors[name + ".weight"] + tensors[
            name + ".bias"
        ]

    n = len(ids)
    x = (
        tensors["embeddings.word_embeddings.weight"][ids]
        + tensors["embeddings.position_embeddings.weight"][:n]
        + tensors["embeddings.token_type_embeddings.weight"][0]
    )
    x = norm(x, "embeddings.LayerNorm")
    for layer in range(6):

        def dense(h: np.ndarray, name: str, p: str = f"encoder.layer.{layer}.") -> np.ndarray:
            return h @ tensors[p + name + ".weight"].T + tensors[p + name + ".bias"]

        q, k, v = (
            dense(x, f"attention.self.{part}").reshape(n, 12, 32).transpose(1, 0, 2)
            for part in ("query", "key", "value")
        )
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        weights = np.exp(scores - scores.max(-1, keepdims=True))
        context = (weights / weights.sum(-1, keepdims=True)) @ v
        context = context.transpose(1, 0, 2).reshape(n, 384)
        x = norm(
            x + dense(context, "attention.output.dense"),
            f"encoder.layer.{layer}.attention.output.LayerNorm",
        )
        hidden = dense(x, "intermediate.dense")
        hidden = 0.5 * hidden * (1 + erf(hidden / np.sqrt(2)))
        x = norm(x + dense(hidden, "output.dense"), f"encoder.layer.{layer}.output.LayerNorm")
    pooled = x.mean(axis=0)
    return pooled / np.linalg.norm(pooled)


def test_the_engine_runs_the_checkpoint_faithfully() -> None:
    library = native.library_path()
    if library is None:
        pytest.skip("the engine is not built on this host")
    assert FOLDER is not None
    model = minilm.MiniLM(library, FOLDER)
    tensors = minilm._safetensors((FOLDER / "model.safetensors").read_bytes())
    tok = model.tokenizer
    reference = np.stack([_reference(tensors, [tok.cls, *tok.ids(t), tok.sep]) for t in TEXTS])
    ours = model.embed(TEXTS)
    # 4-bit weights move each vector a little, not what it is close to.
    assert np.all(np.sum(ours * reference, axis=1) > 0.95)
    assert np.allclose(ours @ ours.T, reference @ reference.T, atol=0.08)
    # A batch shares texts out among the threads; each text's vector is what it gets alone.
    assert np.array_equal(ours, np.concatenate([model.embed([t]) for t in TEXTS]))


def test_english_texts_go_to_minilm_and_others_to_e5() -> None:
    if native.library_path() is None:
        pytest.skip("without the built engine e5 embeds everything")
    assert embedding.space_of("why was my card declined") == ENGLISH
    assert embedding.space_of("カードが使えません") == MULTILINGUAL
    english = embedding.embed_texts(TEXTS)
    # The same text in the other space is another vector, cached under another key.
    twins = embedding.embed_texts(TEXTS, MULTILINGUAL)
    assert np.all(np.sum(english * twins, axis=1) < 0.5)
    assert embedding.text_key(TEXTS[0]) != embedding.text_key(TEXTS[0], MULTILINGUAL)
    # Paraphrases are nearest to each other in the English space.
    similarity = english @ english.T
    assert np.argsort(-similarity[0])[1] == 1
