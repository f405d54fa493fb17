"""Service tokens checking in (issue 17): a token with ``check_ins:write`` checks in on the
KRs of public objectives, single or bulk, and its check-ins name it (source
``integration``, the token's subject as ``integration``, ``service:<subject>`` as author and
audit actor); without the scope it is refused with 403 ``forbidden``; a private objective's
KR stays "not found" to it."""

from __future__ import annotations

from typing import Any

import httpx

from service.runtime.tokens import mint_token
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, get, key_result, objective
from tests.api.test_events_feed import feed

CLIENT = "hubspot-sync"


def _service(acme: Tenant, *scopes: str) -> httpx.AsyncClient:
    token = mint_token(
        acme.settings, organization_id=acme.organization_id, client=CLIENT, scopes=scopes
    )
    return acme.client(token)


async def _krs(acme: Tenant) -> tuple[str, str]:
    """A KR of a public objective, and one of a private objective."""
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        owner = {"kind": "member", "id": str(acme.admin_id)}
        ids = []
        for visibility in ("public", "private"):
            made = await objective(
                admin, cycle_id=cycle["id"], title="Sell", owner=owner, visibility=visibility
            )
            kr = await key_result(
                admin, made["id"], title="Deals", target="100", owner_id=str(acme.admin_id)
            )
            ids.append(kr["id"])
    return ids[0], ids[1]


def _named_by_the_token(check_in: dict[str, Any]) -> None:
    assert check_in["source"] == "integration"
    assert check_in["integration"] == CLIENT
    assert check_in["author"] == f"service:{CLIENT}"


async def test_a_token_with_the_scope_checks_in_as_itself(acme: Tenant) -> None:
    public_kr, private_kr = await _krs(acme)
    async with _service(acme, "check_ins:write") as service:
        single = await service.post(
            f"/v1/key-results/{public_kr}/check-ins", json={"value": "10", "external_id": "d-1"}
        )
        hidden = await service.post(f"/v1/key-results/{private_kr}/check-ins", json={"value": "1"})
        bulk = await service.post(
            "/v1/check-ins/bulk",
            json={
                "items": [
                    {"key_result_id": public_kr, "value": "20", "external_id": "d-2"},
                    {"key_result_id": public_kr, "value": "10", "external_id": "d-1"},
                    {"key_result_id": private_kr, "value": "1"},
                ]
            },
        )
        # Writes only: reading OKRs stays for members.
        history = await service.get(f"/v1/key-results/{public_kr}/check-ins")
    assert single.status_code == 201, single.text
    _named_by_the_token(single.json())
    assert hidden.status_code == 404
    assert bulk.status_code == 200, bulk.text
    items = bulk.json()["items"]
    assert [i["outcome"] for i in items] == ["applied", "duplicate", "refused"]
    assert items[2]["error"]["code"] == "not_found"
    _named_by_the_token(items[0]["check_in"])
    assert history.status_code == 403
    async with acme.admin() as admin:
        audited = await get(admin, "/v1/audit-events?resource_type=check_in")
        kr = await get(admin, f"/v1/key-results/{public_kr}")
        events = [e for e in await feed(admin) if e["type"] == "check_in.created"]
    assert {e["actor"] for e in audited["items"]} == {f"service:{CLIENT}"}
    assert len(audited["items"]) == 2
    assert kr["current"] == "20"
    assert [(e["data"]["source"], e["data"]["integration"]) for e in events] == [
        ("integration", CLIENT),
        ("integration", CLIENT),
    ]


async def test_without_the_scope_a_token_is_refused_with_403(acme: Tenant) -> None:
    public_kr, private_kr = await _krs(acme)
    async with _service(acme, "kpis:write", "events:read") as service:
        single = await service.post(f"/v1/key-results/{public_kr}/check-ins", json={"value": "1"})
        hidden = await service.post(f"/v1/key-results/{private_kr}/check-ins", json={"value": "1"})
        bulk = await service.post(
            "/v1/check-ins/bulk", json={"items": [{"key_result_id": public_kr, "value": "1"}]}
        )
    assert single.status_code == 403, single.text
    assert single.json()["code"] == "forbidden"
    assert "check_ins:write" in single.json()["detail"]
    assert hidden.status_code == 404  # a private objective's KR is no service's to know of
    (item,) = bulk.json()["items"]
    assert (item["outcome"], item["error"]["code"]) == ("refused", "forbidden")
    assert "check_ins:write" in item["error"]["detail"]
    async with acme.admin() as admin:
        assert (await get(admin, f"/v1/key-results/{public_kr}"))["current"] in (None, "0")
