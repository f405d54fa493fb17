"""Build OKRs through REST, as a client would: cycles, units, objectives, KRs, check-ins."""

from __future__ import annotations

from typing import Any

import httpx


async def post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), f"{path}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()
    return data


async def patch(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.patch(path, json=body)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()
    return data


async def get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
    data: dict[str, Any] = response.json()
    return data


async def active_cycle(
    client: httpx.AsyncClient, name: str, kind: str, start: str, end: str, **extra: Any
) -> dict[str, Any]:
    cycle = await post(
        client,
        "/v1/cycles",
        {"name": name, "kind": kind, "start_date": start, "end_date": end, **extra},
    )
    return await patch(client, f"/v1/cycles/{cycle['id']}", {"state": "active"})


async def objective(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    return await post(client, "/v1/objectives", body)


async def key_result(client: httpx.AsyncClient, objective_id: str, **body: Any) -> dict[str, Any]:
    return await post(client, f"/v1/objectives/{objective_id}/key-results", body)


async def check_in(client: httpx.AsyncClient, key_result_id: str, **body: Any) -> dict[str, Any]:
    return await post(client, f"/v1/key-results/{key_result_id}/check-ins", body)
