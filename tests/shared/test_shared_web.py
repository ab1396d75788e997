"""Request plumbing: correlation ids are echoed and visible to handlers; tokens gate routes."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from shared import web
from shared.auth import Actor, issue_token
from shared.logging import correlation_id
from shared.problems import install_problem_handlers
from shared.tracing import traceparent, valid
from shared.web import CORRELATION_HEADER, StaffActor, install_correlation_ids, install_nul_guard

SECRET = "test-secret-that-is-long-enough-for-hs256"


def _app() -> FastAPI:
    app = FastAPI()
    app.state.jwt_secret = SECRET
    install_problem_handlers(app)
    install_nul_guard(app)
    install_correlation_ids(app)

    @app.get("/seen")
    async def seen(actor: StaffActor) -> dict[str, str]:
        return {"cid": correlation_id.get(), "trace": traceparent.get(), "who": actor.id}

    @app.post("/notes")
    async def note(body: dict[str, str], q: str = "") -> dict[str, str]:
        return {**body, "q": q}

    return app


async def _get(headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        return await client.get("/seen", headers=headers)


async def _post(raw_json: str, query: str = "") -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
        return await client.post(
            f"/notes{query}", content=raw_json, headers={"content-type": "application/json"}
        )


def _bearer(role: str) -> dict[str, str]:
    token = issue_token(actor=Actor(id="op-1", role=role), secret=SECRET, ttl_s=60)
    return {"authorization": f"Bearer {token}"}


async def test_the_callers_correlation_id_reaches_the_handler_and_comes_back() -> None:
    res = await _get({**_bearer("operator"), CORRELATION_HEADER: "cid-from-the-app"})
    assert res.status_code == 200
    assert res.headers[CORRELATION_HEADER] == "cid-from-the-app"
    assert res.json()["cid"] == "cid-from-the-app" and valid(res.json()["trace"])


async def test_a_request_without_one_gets_a_fresh_id_even_when_refused() -> None:
    ok, refused = await _get(_bearer("operator")), await _get(_bearer("customer"))
    assert ok.headers[CORRELATION_HEADER] == ok.json()["cid"]
    assert refused.status_code == 403 and refused.headers[CORRELATION_HEADER]
    assert refused.headers[CORRELATION_HEADER] != ok.headers[CORRELATION_HEADER]


async def test_a_missing_token_is_a_401_problem() -> None:
    res = await _get({})
    assert res.status_code == 401
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_a_nul_character_is_refused_with_a_422_problem_before_any_handler() -> None:
    # PostgreSQL stores no NUL: a message carrying one used to fail in its transaction (500).
    for res in (
        await _post('{"text": "hello\\u0000world"}'),
        await _post('{"text": "hi"}', query="?q=a%00b"),
    ):
        assert res.status_code == 422
        assert res.headers["content-type"].startswith("application/problem+json")
        assert "NUL" in res.json()["detail"] and res.headers[CORRELATION_HEADER]


async def test_an_escaped_backslash_before_u0000_is_plain_text_and_passes() -> None:
    res = await _post('{"text": "C:\\\\u0000 and \\u00e9"}', query="?q=100%25")
    assert res.status_code == 200
    assert res.json() == {"text": "C:\\u0000 and \u00e9", "q": "100%"}


async def test_a_body_over_the_guards_limit_is_a_413_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(web, "MAX_BODY_BYTES", 100)
    assert (await _post('{"text": "short"}')).status_code == 200
    res = await _post('{"text": "%s"}' % ("x" * 200))
    assert res.status_code == 413
    assert res.headers["content-type"].startswith("application/problem+json")
