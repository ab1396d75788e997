"""The gateway's client for the services: answers read whole, failures told apart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from gateway.upstreams import UpstreamError, Upstreams, UpstreamTimeout
from services.infra import free_port

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def echo_target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer 202 with the request line and body as JSON, and a Retry-After header."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        (int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length")),
        0,
    )
    body = await reader.readexactly(length)
    out = json.dumps({"target": lines[0].split(" ")[1], "body": body.decode()}).encode()
    writer.write(
        b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nRetry-After: 3\r\n"
        + f"Content-Length: {len(out)}\r\n\r\n".encode()
        + out
    )
    await writer.drain()
    writer.close()


async def silent_target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()  # never answers; returns once the client gives up


@pytest.fixture
async def upstreams() -> AsyncIterator[Upstreams]:
    client = Upstreams(timeout_s=5)
    yield client
    await client.close()


async def serve(handler: Handler) -> tuple[asyncio.Server, str]:
    port = free_port()
    server = await asyncio.start_server(handler, "127.0.0.1", port)
    return server, f"http://127.0.0.1:{port}"


async def test_an_answer_arrives_whole_with_its_status_and_headers(upstreams: Upstreams) -> None:
    server, base = await serve(echo_target)
    async with server:
        reply = await upstreams.request(
            "POST",
            f"{base}/api/v1/kb/search",
            params=[("q", "送金 届かない"), ("tag", "a&b"), ("tag", "c")],
            content=b'{"x": 1}',
            headers={"content-type": "application/json"},
        )
    assert reply.status_code == 202
    assert reply.headers["retry-after"] == "3"
    target = reply.json()["target"]
    # Repeated and non-ASCII query values reach the service as the client sent them.
    assert target.startswith("/api/v1/kb/search?")
    assert "tag=a%26b&tag=c" in target and "q=%E9%80%81%E9%87%91" in target
    assert reply.json()["body"] == '{"x": 1}'


async def test_a_service_that_is_down_is_an_upstream_error_not_a_timeout(
    upstreams: Upstreams,
) -> None:
    with pytest.raises(UpstreamError) as failure:
        await upstreams.request("GET", f"http://127.0.0.1:{free_port()}/healthz")
    assert not isinstance(failure.value, UpstreamTimeout)


async def test_a_service_that_does_not_answer_times_out(upstreams: Upstreams) -> None:
    server, base = await serve(silent_target)
    async with server:
        began = asyncio.get_running_loop().time()
        with pytest.raises(UpstreamTimeout):
            await upstreams.request("GET", f"{base}/healthz", timeout_s=0.3)
        assert asyncio.get_running_loop().time() - began < 3  # its own limit, not the 5 s one


def hang_up_once() -> tuple[Handler, list[int]]:
    """A service that drops its first connection unanswered and answers later ones."""
    connections: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        if len(connections) == 1:
            await reader.readuntil(b"\r\n\r\n")
            writer.close()
            return
        await echo_target(reader, writer)

    return handler, connections


async def test_a_dropped_connection_is_retried_for_a_read(upstreams: Upstreams) -> None:
    handler, connections = hang_up_once()
    server, base = await serve(handler)
    async with server:
        reply = await upstreams.request("GET", f"{base}/api/v1/queues")
    assert (reply.status_code, len(connections)) == (202, 2)


async def test_a_dropped_connection_is_not_retried_for_a_post(upstreams: Upstreams) -> None:
    # The service may have carried the request out before hanging up.
    handler, connections = hang_up_once()
    server, base = await serve(handler)
    async with server:
        with pytest.raises(UpstreamError):
            await upstreams.request("POST", f"{base}/api/v1/conversations", content=b"{}")
    assert len(connections) == 1
