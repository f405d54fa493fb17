"""API clients that read OKRs: ``okrs:read`` sees public objectives only, ``okrs:read_private``
private ones too (each such read audited as ``okrs.private_read``), a unit-scoped client only
objectives of its subtree; no client writes OKRs, and a client without these scopes reads none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, key_result, objective
from tests.api.test_api_clients import new_client
from tests.api.test_client_unit_scope import member_in, unit
from tests.api.test_events_feed import feed
from tests.api.test_oauth_token import client_token


@dataclass(frozen=True)
class Okrs:
    cycle: str
    public: dict[str, Any]  # of a member of Sales
    private: dict[str, Any]  # of the same member
    unit_owned: dict[str, Any]  # of Sales EMEA, public
    outside: dict[str, Any]  # of a member of Finance, public
    public_kr: dict[str, Any]
    private_kr: dict[str, Any]
    outside_kr: dict[str, Any]
    sales: str


async def seed(admin: httpx.AsyncClient) -> Okrs:
    company = await unit(admin, "company", "Acme", None)
    sales = await unit(admin, "department", "Sales", company)
    emea = await unit(admin, "team", "Sales EMEA", sales)
    finance = await unit(admin, "department", "Finance", company)
    seller = await member_in(admin, "Sam Seller", sales)
    accountant = await member_in(admin, "Alex Accountant", finance)
    cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")

    async def made(title: str, kind: str, owner: str, visibility: str) -> dict[str, Any]:
        return await objective(
            admin,
            cycle_id=cycle["id"],
            title=title,
            owner={"kind": kind, "id": owner},
            visibility=visibility,
            status="active",
        )

    public = await made("Sell more", "member", seller["id"], "public")
    private = await made("Quiet acquisition", "member", seller["id"], "private")
    unit_owned = await made("EMEA growth", "unit", emea, "public")
    outside = await made("Close the books", "member", accountant["id"], "public")
    krs = [
        await key_result(admin, o["id"], title=f"KR of {o['title']}", owner_id=owner, target="10")
        for o, owner in (
            (public, seller["id"]),
            (private, seller["id"]),
            (outside, accountant["id"]),
        )
    ]
    for kr in krs:
        await check_in(admin, kr["id"], value="3")
    public_kr, private_kr, outside_kr = krs
    return Okrs(
        cycle["id"], public, private, unit_owned, outside, public_kr, private_kr, outside_kr, sales
    )


async def token_for(tenant: Tenant, admin: httpx.AsyncClient, *scopes: str, **fields: Any) -> str:
    created = await new_client(admin, scopes=list(scopes), **fields)
    return await client_token(tenant, created)


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


async def test_okrs_read_sees_public_objectives_of_its_subtree_only(acme: Tenant) -> None:
    async with acme.admin() as admin:
        okrs = await seed(admin)
        token = await token_for(acme, admin, "okrs:read", unit_id=okrs.sales)
    async with acme.client(token) as reader:
        listed = await reader.get("/v1/objectives", params={"cycle_id": okrs.cycle})
        public = await reader.get(f"/v1/objectives/{okrs.public['id']}")
        hidden = [
            await reader.get(path)
            for path in (
                f"/v1/objectives/{okrs.private['id']}",
                f"/v1/objectives/{okrs.outside['id']}",
                f"/v1/key-results/{okrs.private_kr['id']}",
                f"/v1/key-results/{okrs.outside_kr['id']}",
                f"/v1/key-results/{okrs.outside_kr['id']}/check-ins",
                f"/v1/objectives/{okrs.outside['id']}/alignment-path",
            )
        ]
        kr = await reader.get(f"/v1/key-results/{okrs.public_kr['id']}")
        check_ins = await reader.get(f"/v1/key-results/{okrs.public_kr['id']}/check-ins")
        tree = await reader.get(f"/v1/cycles/{okrs.cycle}/alignment-tree")

    assert ids(listed) == {okrs.public["id"], okrs.unit_owned["id"]}
    assert public.status_code == 200, public.text
    assert [r.status_code for r in hidden] == [404] * len(hidden)
    assert kr.status_code == 200, kr.text
    assert check_ins.status_code == 200, check_ins.text
    assert tree.status_code == 200, tree.text
    assert okrs.outside["id"] not in tree.text
    assert okrs.private["id"] not in tree.text


async def test_okrs_read_private_sees_private_objectives_and_each_read_is_audited(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        okrs = await seed(admin)
        created = await new_client(admin, scopes=["okrs:read_private"], unit_id=okrs.sales)
    token = await client_token(acme, created)
    async with acme.client(token) as reader:
        listed = await reader.get("/v1/objectives", params={"cycle_id": okrs.cycle})
        private = await reader.get(f"/v1/objectives/{okrs.private['id']}")
        private_kr = await reader.get(f"/v1/key-results/{okrs.private_kr['id']}")
        outside = await reader.get(f"/v1/objectives/{okrs.outside['id']}")
    async with acme.admin() as admin:
        audited = await admin.get(
            "/v1/audit-events",
            params={"resource_type": "api_client", "resource_id": created["id"]},
        )

    assert ids(listed) == {okrs.public["id"], okrs.private["id"], okrs.unit_owned["id"]}
    assert private.status_code == 200, private.text
    assert private_kr.status_code == 200, private_kr.text
    assert outside.status_code == 404
    assert audited.status_code == 200, audited.text
    reads = [e for e in audited.json()["items"] if e["action"] == "okrs.private_read"]
    # The list, the objective and the KR: three reads of the one private objective.
    assert len(reads) == 3
    for event in reads:
        assert event["after"] == {"client_id": created["id"], "objective_ids": [okrs.private["id"]]}


async def test_a_client_writes_no_okrs_and_needs_an_okr_scope_to_read(acme: Tenant) -> None:
    async with acme.admin() as admin:
        okrs = await seed(admin)
        reader = await token_for(acme, admin, "okrs:read_private")
        directory = await token_for(acme, admin, "org:read")
    async with acme.client(reader) as client:
        edit = await client.patch(
            f"/v1/objectives/{okrs.public['id']}",
            json={"title": "Renamed"},
            headers={"If-Match": f'"{okrs.public["version"]}"'},
        )
        whole_org = await client.get("/v1/objectives", params={"cycle_id": okrs.cycle})
        meetings = await client.get("/v1/meetings")
    async with acme.client(directory) as client:
        refused = [
            await client.get("/v1/objectives"),
            await client.get(f"/v1/objectives/{okrs.public['id']}"),
            await client.get(f"/v1/key-results/{okrs.public_kr['id']}"),
        ]

    assert edit.status_code in (403, 404), edit.text
    # No unit scope: the whole organization's objectives, private ones included.
    assert ids(whole_org) == {
        okrs.public["id"],
        okrs.private["id"],
        okrs.unit_owned["id"],
        okrs.outside["id"],
    }
    assert meetings.status_code == 403
    assert [r.status_code for r in refused] == [403, 403, 403]


async def test_a_client_checks_in_on_public_krs_of_its_subtree_only(acme: Tenant) -> None:
    """``okrs:read_private`` reads private objectives, never writes to them; a unit-scoped
    client checks in only on KRs of its subtree, singly or in bulk."""
    async with acme.admin() as admin:
        okrs = await seed(admin)
        token = await token_for(
            acme, admin, "okrs:read_private", "check_ins:write", unit_id=okrs.sales
        )
    async with acme.client(token) as client:
        singles = [
            await client.post(f"/v1/key-results/{kr['id']}/check-ins", json={"value": "4"})
            for kr in (okrs.public_kr, okrs.private_kr, okrs.outside_kr)
        ]
        forecasts = [
            await client.post(
                f"/v1/key-results/{kr['id']}/forecasts", json={"commit": "4", "best_case": "5"}
            )
            for kr in (okrs.public_kr, okrs.private_kr)
        ]
        bulk = await client.post(
            "/v1/check-ins/bulk",
            json={
                "items": [
                    {"key_result_id": kr["id"], "value": "5"}
                    for kr in (okrs.public_kr, okrs.private_kr, okrs.outside_kr)
                ]
            },
        )

    assert [s.status_code for s in singles] == [201, 404, 404], [s.text for s in singles]
    # Forecasts are writes too (a review found a private KR's taking one: 201).
    assert [f.status_code for f in forecasts] == [201, 404], [f.text for f in forecasts]
    assert bulk.status_code == 200, bulk.text
    items = bulk.json()["items"]
    assert items[0].get("error") is None, items[0]
    assert [i["error"]["code"] for i in items[1:]] == ["not_found", "not_found"]


async def test_the_feed_shows_no_private_objective_even_under_okrs_read_private(
    acme: Tenant,
) -> None:
    """The feed's reads are not audited per objective: private ones stay out of it."""
    async with acme.admin() as admin:
        okrs = await seed(admin)
        token = await token_for(acme, admin, "okrs:read_private", "events:read")
    async with acme.client(token) as client:
        events = await feed(client)

    about = {e["objective_id"] for e in events}
    assert okrs.public["id"] in about
    assert okrs.private["id"] not in about
