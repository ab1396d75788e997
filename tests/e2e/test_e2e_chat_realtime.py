"""Realtime chat on one gateway: resume after a dropped socket, sending over the socket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.support.desk_client import bearer, customer_token, next_frame, open_socket, staff_token

API = "/api/v1/conversations"


async def frames_until(ws: Any, frame_type: str, timeout_s: float = 15) -> list[dict[str, Any]]:
    """Every frame up to and including the first of `frame_type`."""
    seen: list[dict[str, Any]] = []

    async def read() -> list[dict[str, Any]]:
        while True:
            seen.append(json.loads(await ws.recv()))
            if seen[-1]["type"] == frame_type:
                return seen

    return await asyncio.wait_for(read(), timeout_s)


async def test_resume_after_a_dropped_socket_replays_exactly_the_missed_messages(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    customer = await customer_token(api)
    supervisor = await staff_token(api, "supervisor", "supervisor-demo")
    cid = (await api.post(API, json={}, headers=bearer(customer))).json()["id"]
    watcher = await open_socket(gateway_url, supervisor)
    await watcher.send(json.dumps({"type": "subscribe", "conversation_id": cid}))
    ws = await open_socket(gateway_url, customer)
    await asyncio.sleep(1.0)

    async def post(i: int, token: str) -> None:
        res = await api.post(
            f"{API}/{cid}/messages",
            json={"text": f"m{i}", "client_msg_id": f"m{i}"},
            headers=bearer(token),
        )
        assert res.status_code == 201

    # Staff messages only: a customer's would draw bot replies and shift the numbering.
    for i in range(3):
        await post(i, supervisor)
    last_seen = 0
    while last_seen < 3:
        last_seen = (await next_frame(ws, "message.created"))["message"]["seq"]
    ws.transport.abort()  # the network drops: no close handshake
    for i in range(3, 7):
        await post(i, supervisor)
    seqs_heard = 0
    while seqs_heard < 7:  # the gateway has dispatched all of them before we come back
        seqs_heard = (await next_frame(watcher, "message.created"))["message"]["seq"]
    again = await open_socket(gateway_url, customer)
    try:
        await again.send(
            json.dumps({"type": "resume", "conversation_id": cid, "after_seq": last_seen})
        )
        frames = await frames_until(again, "resumed")
        replayed = [f["message"]["seq"] for f in frames if f["type"] == "message.created"]
        assert replayed == [4, 5, 6, 7]
        assert frames[-1]["last_seq"] == 7
        await asyncio.sleep(1.0)
        await post(7, customer)
        live = await next_frame(again, "message.created")
        assert live["message"]["seq"] == 8  # nothing repeated in between
    finally:
        await again.close()
        await watcher.close()


async def test_a_message_sent_over_the_socket_is_acked_and_carries_its_redaction_notice(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    customer = await customer_token(api, language="en")
    supervisor = await staff_token(api, "supervisor", "supervisor-demo")
    cid = (await api.post(API, json={"language": "en"}, headers=bearer(customer))).json()["id"]
    ws = await open_socket(gateway_url, customer)
    watcher = await open_socket(gateway_url, supervisor)
    try:
        await watcher.send(json.dumps({"type": "subscribe", "conversation_id": "*"}))
        await next_frame(watcher, "subscribed")
        await asyncio.sleep(1.0)
        text = "my seed is " + "abandon " * 11 + "about"
        await ws.send(
            json.dumps(
                {"type": "message", "conversation_id": cid, "text": text, "client_msg_id": "ws-1"}
            )
        )
        ack = await next_frame(ws, "message.ack")
        assert ack["client_msg_id"] == "ws-1" and ack["message"]["seq"] == 1
        assert "abandon" not in ack["message"]["text"]
        assert "seed phrase" in ack["message"]["redaction_notice"]
        mine = await next_frame(ws, "message.created")
        assert "seed phrase" in mine["message"]["redaction_notice"]
        theirs = await next_frame(watcher, "message.created")
        while theirs["conversation_id"] != cid:
            theirs = await next_frame(watcher, "message.created")
        assert theirs["message"]["redaction_notice"] is None
        assert "abandon" not in theirs["message"]["text"]
        await watcher.send(json.dumps({"type": "typing", "conversation_id": cid}))
        assert (await next_frame(ws, "typing"))["author_type"] == "operator"
    finally:
        await ws.close()
        await watcher.close()


async def test_bad_frames_get_error_frames_that_say_why_and_the_socket_stays_open(
    api: httpx.AsyncClient, gateway_url: str
) -> None:
    customer = await customer_token(api)
    cid = (await api.post(API, json={}, headers=bearer(customer))).json()["id"]
    ws = await open_socket(gateway_url, customer)
    message = {"type": "message", "conversation_id": cid, "client_msg_id": "ws-bad"}
    try:
        for frame, status, detail in (
            ({**message, "text": "seed\u0000phrase"}, 422, "NUL"),
            ({"type": "resume", "conversation_id": cid, "after_seq": 2**40}, 422, "not valid"),
            ({"type": "resume", "conversation_id": "not-mine", "after_seq": 0}, 404, ""),
        ):
            await ws.send(json.dumps(frame))
            error = await next_frame(ws, "error")
            assert error["status"] == status and detail in error["detail"], error
        await ws.send(json.dumps({**message, "text": "hello", "client_msg_id": "ws-good"}))
        assert (await next_frame(ws, "message.ack"))["message"]["text"] == "hello"
    finally:
        await ws.close()
