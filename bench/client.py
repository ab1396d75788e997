"""A lean HTTP client for benchmarks that time answers at the client.

The client's own work is part of every latency it measures. On a 2-core host httpx spent
~1.3 ms of CPU per request and aiohttp ~0.35 ms: a customer's app does not run a Python
HTTP stack, so the leaner client shows the desk's latency more faithfully.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp


@dataclass(frozen=True)
class Response:
    """An answer read in full."""

    status_code: int
    headers: Mapping[str, str]  # lower-case names
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.content[:500]!r}")


class Client:
    """Requests to one base URL over kept-alive connections; use as `async with`."""

    def __init__(self, base_url: str, *, timeout_s: float = 120) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        if self._session is None:
            raise RuntimeError("use the client as `async with Client(...)`")
        async with self._session.request(
            method, self._base_url + path, params=params, json=json, headers=headers
        ) as res:
            body = await res.read()
        return Response(res.status, {k.lower(): v for k, v in res.headers.items()}, body)

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)
