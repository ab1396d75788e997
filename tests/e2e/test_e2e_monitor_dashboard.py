"""Supervisors watch the desk through the gateway; operators may not."""

from __future__ import annotations

from typing import Any

import httpx

from monitor_service.domain import required_agents
from tests.support.desk_client import bearer, customer_token, staff_token
from tests.support.waiting import wait_until


async def supervisor_snapshot(api: httpx.AsyncClient, token: str) -> dict[str, Any]:
    res = await api.get("/api/v1/monitor/snapshot", headers=bearer(token))
    assert res.status_code == 200, res.text
    return res.json()  # type: ignore[no-any-return]


async def test_a_supervisor_sees_a_newly_opened_conversation_in_the_snapshot(
    api: httpx.AsyncClient,
) -> None:
    supervisor = await staff_token(api, "supervisor", "supervisor-demo")
    before = await supervisor_snapshot(api, supervisor)
    assert {"queues", "operators", "conversations", "sla", "bot"} <= before.keys()
    assert {"online", "available", "busy", "occupancy"} <= before["operators"].keys()
    assert {"bot", "queued", "assigned", "closed_today"} <= before["conversations"].keys()
    assert {"answered", "handed_off", "containment_rate"} <= before["bot"].keys()

    customer = await customer_token(api, language="en")
    res = await api.post("/api/v1/conversations", json={"language": "en"}, headers=bearer(customer))
    assert res.status_code == 201

    async def counted() -> bool:
        now = await supervisor_snapshot(api, supervisor)
        return bool(now["conversations"]["opened_today"] > before["conversations"]["opened_today"])

    await wait_until(counted, timeout_s=20, interval_s=0.3)


async def test_an_operator_is_refused_the_monitor(api: httpx.AsyncClient) -> None:
    operator = await staff_token(api, "op-ja", "operator-demo")
    for path in ("snapshot", "staffing", "alerts"):
        res = await api.get(f"/api/v1/monitor/{path}", headers=bearer(operator))
        assert res.status_code == 403
        assert res.headers["content-type"].startswith("application/problem+json")


async def test_staffing_through_the_gateway_is_erlang_c_and_refuses_bad_targets(
    api: httpx.AsyncClient,
) -> None:
    supervisor = await staff_token(api, "supervisor", "supervisor-demo")
    res = await api.get(
        "/api/v1/monitor/staffing",
        headers=bearer(supervisor),
        params={"arrivals_per_hour": 120, "aht_s": 360, "target_sl": 0.8, "target_s": 20},
    )
    assert res.status_code == 200, res.text
    expected = required_agents(arrivals_per_hour=120, aht_s=360, target_sl=0.8, target_s=20)
    body = res.json()
    assert (body["agents"], body["measured"]) == (expected.agents, False)
    assert {"service_level", "occupancy", "wait_probability"} <= body.keys()

    bad = await api.get(
        "/api/v1/monitor/staffing", headers=bearer(supervisor), params={"target_sl": 1.2}
    )
    assert bad.status_code == 422
    assert bad.json()["status"] == 422
