"""A conversation's life through the gateway: bot, queue, operator, close, rating, transcript.

routing_service and kb_service are played here by publishing their events onto the desk's
real broker, exactly as they would.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import jwt
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.desk import Desk
from shared.contracts import EventPayload, envelope_for
from shared.contracts.kb import BotAnswered
from shared.contracts.routing import AssignmentTimedOut, ConversationAssigned, QueueUpdated
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until

API = "/api/v1/conversations"


async def publish(desk: Desk, payload: EventPayload, subject: str) -> None:
    """Publish an event as its owning service would."""
    producer = AIOKafkaProducer(bootstrap_servers=desk.broker.bootstrap, acks="all")
    await producer.start()
    try:
        env = envelope_for(payload, subject=subject, source="madoguchi/test")
        await producer.send_and_wait(payload.topic, env.to_bytes(), key=subject.encode())
    finally:
        await producer.stop()


async def chat_events(desk: Desk, conversation_id: str, *, until: str) -> list[dict[str, Any]]:
    """Every chat.events envelope of one conversation, read until one of each type in `until`."""
    wanted = set(until.split())
    consumer = AIOKafkaConsumer(bootstrap_servers=desk.broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()
        parts = [
            TopicPartition("chat.events", p)
            for p in consumer.partitions_for_topic("chat.events") or ()
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        found: list[dict[str, Any]] = []

        async def read() -> list[dict[str, Any]]:
            while True:
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    for r in records:
                        if r.key == conversation_id.encode():
                            env = json.loads(r.value)
                            found.append(env)
                            wanted.discard(env["type"])
                            if not wanted:
                                return found

        return await asyncio.wait_for(read(), 15)
    finally:
        await consumer.stop()


def subject_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


async def conversation(api: httpx.AsyncClient, token: str, cid: str) -> dict[str, Any]:
    res = await api.get(f"{API}/{cid}", headers=bearer(token))
    assert res.status_code == 200, res.text
    return res.json()  # type: ignore[no-any-return]


async def messages(api: httpx.AsyncClient, token: str, cid: str) -> list[dict[str, Any]]:
    res = await api.get(f"{API}/{cid}/messages", headers=bearer(token))
    assert res.status_code == 200, res.text
    return res.json()["items"]  # type: ignore[no-any-return]


async def open_queued(api: httpx.AsyncClient, language: str = "ja") -> tuple[str, str]:
    """A customer token and a conversation of theirs, handed off to the queue."""
    token = await customer_token(api, language=language)
    conv = (await api.post(API, json={"language": language}, headers=bearer(token))).json()
    res = await api.post(f"{API}/{conv['id']}/handoff", headers=bearer(token))
    assert res.status_code == 200, res.text
    return token, conv["id"]


async def assign(desk: Desk, api: httpx.AsyncClient, cid: str, operator: str, sup: str) -> None:
    """Play routing_service: assign the conversation and wait until chat applied it."""
    await publish(
        desk,
        ConversationAssigned(
            conversation_id=cid, operator_id=operator, team="tier1", language="ja"
        ),
        cid,
    )

    async def applied() -> bool:
        return (await conversation(api, sup, cid))["assignee_id"] == operator

    await wait_until(applied)


async def test_a_handoff_queues_the_conversation_for_tier1_and_tells_routing(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    token, cid = await open_queued(api)
    conv = await conversation(api, token, cid)
    assert (conv["status"], conv["team"], conv["language"]) == ("queued", "tier1", "ja")
    events = await chat_events(
        desk, cid, until="conversation.handoff_requested conversation.updated"
    )
    handoff = next(e for e in events if e["type"] == "conversation.handoff_requested")["data"]
    assert handoff["team"] == "tier1" and handoff["reason"] == "customer_request"
    assert any(e["type"] == "conversation.updated" for e in events)
    texts = [m["text"] for m in await messages(api, token, cid) if m["author_type"] == "system"]
    assert texts and "おつなぎします" in texts[0]


async def test_asking_twice_for_a_human_is_a_conflict(api: httpx.AsyncClient) -> None:
    token, cid = await open_queued(api)
    res = await api.post(f"{API}/{cid}/handoff", headers=bearer(token))
    assert res.status_code == 409
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_the_queue_position_and_the_assignment_reach_the_customer_in_their_language(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    op = await staff_token(api, "op-ja", "operator-demo")
    token, cid = await open_queued(api)
    await publish(
        desk,
        QueueUpdated(
            conversation_id=cid,
            team="tier1",
            language="ja",
            queue_position=3,
            estimated_wait_s=4321,
        ),
        cid,
    )

    async def positioned() -> bool:
        return (await conversation(api, token, cid))["queue_position"] is not None

    # routing_service, live on this desk, re-quotes too, so the figures may be its own.
    await wait_until(positioned)
    await assign(desk, api, cid, subject_of(op), sup)
    conv = await conversation(api, op, cid)
    assert conv["status"] == "assigned" and conv["queue_position"] is None
    texts = [m["text"] for m in await messages(api, token, cid) if m["author_type"] == "system"]
    assert any("番目にお待ちいただいています" in t for t in texts)
    assert texts[-1] == "担当オペレーターが対応します。"


async def test_a_closed_team_is_announced_with_its_opening_time(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    token, cid = await open_queued(api, language="en")
    await publish(
        desk,
        QueueUpdated(
            conversation_id=cid,
            team="tier1",
            language="en",
            queue_position=1,
            estimated_wait_s=None,
            opens_at="2030-01-07T00:00:00+00:00",
        ),
        cid,
    )

    async def told() -> list[str]:
        return [
            m["text"] for m in await messages(api, token, cid) if "closed right now" in m["text"]
        ]

    notice = (await wait_until(told))[0]
    assert "2030-01-07 09:00 JST" in notice


async def test_an_assignment_that_times_out_goes_back_to_the_queue(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    op = await staff_token(api, "op-ja", "operator-demo")
    _, cid = await open_queued(api)
    await assign(desk, api, cid, subject_of(op), sup)
    await publish(desk, AssignmentTimedOut(conversation_id=cid, operator_id=subject_of(op)), cid)

    async def requeued() -> bool:
        conv = await conversation(api, sup, cid)
        return conv["status"] == "queued" and conv["assignee_id"] is None

    await wait_until(requeued)
    assert (await api.get(f"{API}/{cid}", headers=bearer(op))).status_code == 404


async def test_escalation_requeues_for_the_team_and_transfer_names_the_operator(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    op = await staff_token(api, "op-ja", "operator-demo")
    _, cid = await open_queued(api)
    await assign(desk, api, cid, subject_of(op), sup)
    res = await api.post(
        f"{API}/{cid}/escalate",
        json={"team": "tier2", "note": "needs chain lookup"},
        headers=bearer(op),
    )
    assert res.status_code == 200, res.text
    assert (res.json()["status"], res.json()["team"], res.json()["assignee_id"]) == (
        "queued",
        "tier2",
        None,
    )
    events = await chat_events(desk, cid, until="conversation.escalated")
    assert (
        events[-1]["data"]["from_team"] == "tier1"
        and events[-1]["data"]["note"] == "needs chain lookup"
    )
    await assign(desk, api, cid, subject_of(op), sup)
    other = await staff_token(api, "op-en", "operator-demo")
    res = await api.post(
        f"{API}/{cid}/transfer", json={"operator_id": subject_of(other)}, headers=bearer(op)
    )
    # It stays with the operator until routing hands it over.
    assert res.status_code == 200 and res.json()["assignee_id"] == subject_of(op)
    events = await chat_events(desk, cid, until="conversation.transfer_requested")
    assert events[-1]["data"] == {
        "conversation_id": cid,
        "from_operator_id": subject_of(op),
        "operator_id": subject_of(other),
    }
    await assign(desk, api, cid, subject_of(other), sup)
    assert (await api.get(f"{API}/{cid}", headers=bearer(op))).status_code == 404
    texts = [m["text"] for m in await messages(api, other, cid) if m["author_type"] == "system"]
    assert texts[-1] == "担当オペレーターが交代しました。引き続き対応いたします。"


async def test_escalating_to_an_unknown_team_is_invalid(api: httpx.AsyncClient, desk: Desk) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    _, cid = await open_queued(api)
    res = await api.post(f"{API}/{cid}/escalate", json={"team": "marketing"}, headers=bearer(sup))
    assert res.status_code == 422


async def test_a_closed_conversation_is_rated_once_and_takes_no_more_messages(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    early = await api.post(f"{API}/{cid}/rating", json={"score": 5}, headers=bearer(token))
    assert early.status_code == 409
    closed = await api.post(f"{API}/{cid}/close", headers=bearer(token))
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (await api.post(f"{API}/{cid}/close", headers=bearer(token))).status_code == 409
    assert (await api.post(f"{API}/{cid}/handoff", headers=bearer(token))).status_code == 409
    late = await api.post(
        f"{API}/{cid}/messages",
        json={"text": "hello?", "client_msg_id": "x"},
        headers=bearer(token),
    )
    assert late.status_code == 409
    assert (
        await api.post(f"{API}/{cid}/rating", json={"score": 6}, headers=bearer(token))
    ).status_code == 422
    rated = await api.post(
        f"{API}/{cid}/rating", json={"score": 4, "comment": "quick"}, headers=bearer(token)
    )
    assert rated.status_code == 201 and rated.json()["csat_score"] == 4
    again = await api.post(f"{API}/{cid}/rating", json={"score": 1}, headers=bearer(token))
    assert again.status_code == 409
    events = await chat_events(desk, cid, until="csat.submitted")
    closed_event = next(e for e in events if e["type"] == "conversation.closed")["data"]
    assert closed_event["closed_by"] == subject_of(token)
    assert events[-1]["data"]["score"] == 4 and events[-1]["data"]["comment"] == "quick"


async def test_a_confident_bot_answer_is_posted_and_remembers_the_team(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    token = await customer_token(api, language="en")
    # No opening text: the live bot has nothing to answer, so only this event speaks.
    conv = (await api.post(API, json={"language": "en"}, headers=bearer(token))).json()
    await publish(
        desk,
        BotAnswered(
            conversation_id=conv["id"],
            message_id=str(uuid.uuid4()),
            answered=True,
            key="2fa-reset",
            article_id="art-2fa",
            confidence=0.91,
            text="Reset 2FA from Settings.",
            category="account",
            team="security",
            language="en",
        ),
        conv["id"],
    )

    async def answered() -> list[dict[str, Any]]:
        return [m for m in await messages(api, token, conv["id"]) if m["author_type"] == "bot"]

    bot = (await wait_until(answered))[0]
    assert bot["text"] == "Reset 2FA from Settings." and bot["seq"] == 1
    res = await api.post(
        f"{API}/{conv['id']}/bot-feedback", json={"helpful": False}, headers=bearer(token)
    )
    assert res.status_code == 200, res.text
    assert (res.json()["status"], res.json()["team"]) == ("queued", "security")
    assert res.json()["priority"] > 0  # a security case goes first
    events = await chat_events(desk, conv["id"], until="conversation.handoff_requested")
    feedback = next(e for e in events if e["type"] == "bot.feedback")["data"]
    assert (feedback["article_id"], feedback["key"], feedback["helpful"]) == (
        "art-2fa",
        "2fa-reset",
        False,
    )
    assert events[-1]["data"]["reason"] == "bot_unhelpful"
    assert events[-1]["data"]["category"] == "account"


async def test_a_bot_that_cannot_answer_hands_off_to_the_team_it_inferred(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    token = await customer_token(api)
    conv = (await api.post(API, json={}, headers=bearer(token))).json()
    await publish(
        desk,
        BotAnswered(
            conversation_id=conv["id"],
            message_id=str(uuid.uuid4()),
            answered=False,
            key=None,
            article_id=None,
            confidence=0.2,
            text=None,
            category="tax",
            team="tax",
            language="ja",
            reason="low_confidence",
        ),
        conv["id"],
    )

    async def queued() -> bool:
        return (await conversation(api, token, conv["id"]))["status"] == "queued"

    await wait_until(queued)
    assert (await conversation(api, token, conv["id"]))["team"] == "tax"
    events = await chat_events(desk, conv["id"], until="conversation.handoff_requested")
    assert events[-1]["data"]["reason"] == "low_confidence"


async def test_bot_feedback_before_any_bot_answer_is_a_conflict(api: httpx.AsyncClient) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    res = await api.post(f"{API}/{cid}/bot-feedback", json={"helpful": True}, headers=bearer(token))
    assert res.status_code == 409


async def test_the_customer_alone_reads_why_a_secret_was_masked(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    token = await customer_token(api, language="en")
    cid = (await api.post(API, json={"language": "en"}, headers=bearer(token))).json()["id"]
    res = await api.post(
        f"{API}/{cid}/messages",
        json={"text": "my card is 4111 1111 1111 1111", "client_msg_id": uuid.uuid4().hex},
        headers=bearer(token),
    )
    assert res.status_code == 201
    assert "4111" not in res.json()["text"]
    assert "card number" in res.json()["redaction_notice"]
    assert "card number" in (await messages(api, token, cid))[0]["redaction_notice"]
    assert (await messages(api, sup, cid))[0]["redaction_notice"] is None


async def test_staff_export_a_redacted_transcript_as_json_and_text(
    api: httpx.AsyncClient, desk: Desk
) -> None:
    sup = await staff_token(api, "supervisor", "supervisor-demo")
    token = await customer_token(api)
    cid = (
        await api.post(
            API, json={"text": "パスワードは hunter2-secret です"}, headers=bearer(token)
        )
    ).json()["id"]
    await api.post(f"{API}/{cid}/handoff", headers=bearer(token))
    as_json = await api.get(f"{API}/{cid}/transcript", headers=bearer(sup))
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["conversation"]["id"] == cid
    assert [m["seq"] for m in body["messages"]] == [1, 2]
    as_text = await api.get(
        f"{API}/{cid}/transcript", params={"format": "text"}, headers=bearer(sup)
    )
    assert as_text.status_code == 200 and as_text.headers["content-type"].startswith("text/plain")
    assert "hunter2" not in as_text.text and "hunter2" not in as_json.text
    assert "#1 customer" in as_text.text and "#2 system" in as_text.text
    assert (await api.get(f"{API}/{cid}/transcript", headers=bearer(token))).status_code == 403


async def test_a_message_over_4000_characters_is_refused(api: httpx.AsyncClient) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    ok = await api.post(
        f"{API}/{cid}/messages",
        json={"text": "あ" * 4000, "client_msg_id": "a"},
        headers=bearer(token),
    )
    assert ok.status_code == 201
    res = await api.post(
        f"{API}/{cid}/messages",
        json={"text": "あ" * 4001, "client_msg_id": "b"},
        headers=bearer(token),
    )
    assert res.status_code == 422
    assert res.headers["content-type"].startswith("application/problem+json")


async def test_a_nul_character_or_an_impossible_seq_is_refused_and_the_rest_goes_on(
    api: httpx.AsyncClient,
) -> None:
    # Both used to fail in PostgreSQL with a 500 (fuzzed against the OpenAPI schema).
    token = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(token))).json()["id"]
    refused = [
        await api.post(
            f"{API}/{cid}/messages",
            json={"text": "seed\u0000phrase", "client_msg_id": "nul"},
            headers=bearer(token),
        ),
        await api.get(f"{API}/{cid}/messages", params={"after_seq": 2**31}, headers=bearer(token)),
        await api.post(f"{API}/{cid}/read", json={"seq": 2**40}, headers=bearer(token)),
    ]
    for res in refused:
        assert res.status_code == 422, res.text
        assert res.headers["content-type"].startswith("application/problem+json")
    ok = await api.post(
        f"{API}/{cid}/messages",
        json={"text": "hello", "client_msg_id": "ok"},
        headers=bearer(token),
    )
    assert ok.status_code == 201
    texts = [m["text"] for m in await messages(api, token, cid) if m["author_type"] == "customer"]
    assert texts == ["hello"]


async def test_read_receipts_move_forward_only(api: httpx.AsyncClient) -> None:
    token = await customer_token(api)
    cid = (await api.post(API, json={"text": "one"}, headers=bearer(token))).json()["id"]
    await api.post(
        f"{API}/{cid}/messages", json={"text": "two", "client_msg_id": "2"}, headers=bearer(token)
    )
    res = await api.post(f"{API}/{cid}/read", json={"seq": 2}, headers=bearer(token))
    assert res.json()["read_seq"] == 2
    res = await api.post(f"{API}/{cid}/read", json={"seq": 1}, headers=bearer(token))
    assert res.json()["read_seq"] == 2
    assert (await conversation(api, token, cid))["customer_read_seq"] == 2
