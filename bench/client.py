"""A lean HTTP client for benchmarks that time answers at the client.

The client's own work is part of every latency it measures. On a 2-core host httpx spent
~1.3 ms of CPU per request and aiohttp ~0.35 ms: a customer's app does not run a Python
HTTP stack, so the benchmarks call the desk through the gateway's own aiohttp client.
"""

from __future__ import annotations

from typing import Any

from gateway.upstreams import Reply, Upstreams


def checked(res: Reply) -> Reply:
    """Return the answer, or raise if its status is an error."""
    if res.status_code >= 400:
        raise RuntimeError(f"HTTP {res.status_code}: {res.content[:500]!r}")
    return res


class Client:
    """Requests to one base URL over kept-alive connections; use as `async with`."""

    def __init__(self, base_url: str, *, timeout_s: float = 120) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._http: Upstreams | None = None

    async def __aenter__(self) -> Client:
        # Upstreams opens its session in the running loop, as aiohttp requires.
        self._http = Upstreams(self._timeout_s)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.close()

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        if self._http is None:
            raise RuntimeError("use the client as `async with Client(...)`")
        return await self._http.request(method, self._base_url + path, **kwargs)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.request("POST", path, **kwargs)
