"""The knowledge base through the gateway: import, search, the bot's answers and hand-offs."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until


async def _supervisor(api: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await staff_token(api, "supervisor", "supervisor-demo"))


async def _ready(api: httpx.AsyncClient, headers: dict[str, str]) -> None:
    """Wait until kb_service answers from every stored change (its engine refits in the back)."""

    async def ready() -> bool:
        res = await api.get("/api/v1/kb/status", headers=headers)
        return res.status_code == 200 and bool(res.json()["ready"])

    await wait_until(ready, timeout_s=90, interval_s=0.3)


def _articles(tag: str) -> list[dict[str, Any]]:
    return [
        {
            "key": f"kbtest_lounge_{tag}",
            "language": language,
            "title": title,
            "body": body,
            "category": "account",
            "team": "tier1",
            "examples": examples,
        }
        for language, title, body, examples in (
            (
                "ja",
                "プラチナ会員ラウンジの予約",
                "ラウンジはマイページの「特典」から予約できます。",
                ["プラチナ会員ラウンジを予約したい", "会員ラウンジの予約方法は？"],
            ),
            (
                "en",
                "Booking the platinum lounge",
                "Book the lounge from My Page > Benefits.",
                ["how do I book the platinum lounge", "reserve the members lounge"],
            ),
        )
    ]


async def test_importing_the_same_articles_twice_updates_them_without_duplicates(
    api: httpx.AsyncClient,
) -> None:
    headers = await _supervisor(api)
    articles = _articles(uuid.uuid4().hex[:8])
    first = await api.post("/api/v1/kb/import", json=articles, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    articles[1]["body"] = "Book the lounge from My Page > Benefits > Lounge."
    second = await api.post("/api/v1/kb/import", json=articles, headers=headers)
    assert (second.json()["created"], second.json()["updated"]) == (0, 2)
    stored = await api.get(
        "/api/v1/kb/articles", params={"key": articles[0]["key"]}, headers=headers
    )
    items = stored.json()["items"]
    assert sorted(a["language"] for a in items) == ["en", "ja"]
    english = next(a for a in items if a["language"] == "en")
    assert english["body"].endswith("> Lounge.")
    assert sorted(english["examples"]) == sorted(articles[1]["examples"])


async def test_examples_a_refit_leaves_unembedded_are_embedded_in_the_background(
    api: httpx.AsyncClient,
) -> None:
    # More new examples than one refit embeds itself (KB_FIT_EMBED_BUDGET, 64 by default).
    headers = await _supervisor(api)
    tag = uuid.uuid4().hex[:8]
    articles = [
        {
            "key": f"kbtest_bulk_{tag}_{topic}",
            "language": "en",
            "title": f"Bulk topic {topic} ({tag})",
            "body": f"About bulk topic {topic}.",
            "category": "account",
            "team": "tier1",
            "examples": [f"question {n} on bulk topic {topic}, batch {tag}" for n in range(50)],
        }
        for topic in range(4)
    ]
    res = await api.post("/api/v1/kb/import", json=articles, headers=headers)
    assert res.status_code == 200, res.text

    async def all_embedded() -> bool:
        status = (await api.get("/api/v1/kb/status", headers=headers)).json()
        return bool(status["ready"]) and status["embeddings_pending"] == 0

    await wait_until(all_embedded, timeout_s=120, interval_s=0.5)


async def test_an_operator_or_a_customer_may_not_import_or_write_articles(
    api: httpx.AsyncClient,
) -> None:
    operator = bearer(await staff_token(api, "op-ja", "operator-demo"))
    customer = bearer(await customer_token(api))
    articles = _articles(uuid.uuid4().hex[:8])
    for headers in (operator, customer):
        res = await api.post("/api/v1/kb/import", json=articles, headers=headers)
        assert res.status_code == 403
        res = await api.post("/api/v1/kb/articles", json=articles[0], headers=headers)
        assert res.status_code == 403
    assert (await api.post("/api/v1/kb/import", json=articles)).status_code == 401


async def test_the_bot_answers_japanese_and_english_questions_from_the_demo_faq(
    api: httpx.AsyncClient,
) -> None:
    await _ready(api, await _supervisor(api))
    customer = bearer(await customer_token(api))
    for text, key, language in (
        ("ビットコインの買い方を教えてください", "buy_crypto", "ja"),
        ("How can I withdraw my yen to my bank account?", "jpy_withdrawal", "en"),
    ):
        res = await api.post("/api/v1/bot/answer", json={"text": text}, headers=customer)
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["answered"] is True, body
        assert (body["key"], body["language"]) == (key, language)
        assert body["article_id"] and body["text"] and body["team"] and body["category"]


async def test_the_bot_hands_off_what_it_should_not_or_cannot_answer(
    api: httpx.AsyncClient,
) -> None:
    await _ready(api, await _supervisor(api))
    customer = bearer(await customer_token(api))
    for text in (
        "Will bitcoin go up tomorrow?",
        "人と話したいです",
        "Can you recommend a good sushi restaurant in Osaka for tonight?",
    ):
        res = await api.post("/api/v1/bot/answer", json={"text": text}, headers=customer)
        body = res.json()
        assert res.status_code == 200 and body["answered"] is False, body
        assert body["key"] is None and body["article_id"] is None
        assert body["team"]  # a hand-off still says which team it would go to


async def test_a_question_in_a_language_the_article_lacks_gets_the_other_language_with_a_note(
    api: httpx.AsyncClient,
) -> None:
    headers = await _supervisor(api)
    key = f"kbtest_furusato_{uuid.uuid4().hex[:8]}"
    article = {
        "key": key,
        "language": "ja",
        "title": "ふるさと納税ポイントの交換",
        "body": "ふるさと納税ポイントはマイページの「ポイント交換」から交換できます。",
        "category": "account",
        "examples": ["ふるさと納税ポイントを交換したい", "ふるさと納税のポイント交換方法"],
    }
    created = await api.post("/api/v1/kb/articles", json=article, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["key"] == key and created.json()["id"]
    await _ready(api, headers)
    res = await api.post(
        "/api/v1/bot/answer",
        json={"text": "ふるさと納税ポイントを交換したい", "language": "en"},
        headers=headers,
    )
    body = res.json()
    assert body["answered"] is True and body["key"] == key, body
    assert body["fallback_language"] == "ja" and body["language"] == "ja"
    assert "only available in Japanese" in body["text"]
    search = await api.get(
        "/api/v1/kb/search",
        params={"q": "ふるさと納税ポイントを交換したい", "language": "en"},
        headers=headers,
    )
    top = search.json()["items"][0]
    assert (top["key"], top["fallback_language"]) == (key, "ja")


async def test_search_ranks_each_article_once_best_first(api: httpx.AsyncClient) -> None:
    await _ready(api, await _supervisor(api))
    customer = bearer(await customer_token(api))
    res = await api.get(
        "/api/v1/kb/search",
        params={"q": "ビットコインを買いたい", "language": "ja", "limit": 10},
        headers=customer,
    )
    assert res.status_code == 200
    items = res.json()["items"]
    assert len(items) == 10
    assert items[0]["key"] == "buy_crypto" and items[0]["language"] == "ja"
    assert len({i["article_id"] for i in items}) == len({i["key"] for i in items}) == 10
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)
