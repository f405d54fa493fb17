"""Managers that arrive during a sync: a report waiting for one is always resolved.

Before, a report's create looked its manager up (not there yet), and the manager's own create,
running at the same moment, looked for the reports waiting for it (the report's pending row
not committed yet): each missed the other, and the report waited for ever. An identity
provider syncing thousands of Users with several connections hits this. PUT and PATCH did
not resolve at all when a User gained the externalId its reports wait for.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.test_scim_users import ENTERPRISE, post_user, scim_client, user

PAIRS = 24


def _pair(i: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A report naming its manager by externalId, and that manager."""
    report = user(f"Rep{i} Report", manager=f"hr-mgr-{i}")
    manager = user(f"Mgr{i} Manager", externalId=f"hr-mgr-{i}")
    return report, manager


async def _managers(client: httpx.AsyncClient) -> dict[str, str | None]:
    """Every User's userName and the value of its manager (an id once resolved)."""
    listed = await client.get("/scim/v2/Users", params={"count": "1000"})
    assert listed.status_code == 200, listed.text
    return {
        u["userName"]: u.get(ENTERPRISE, {}).get("manager", {}).get("value")
        for u in listed.json()["Resources"]
    }


async def test_reports_and_managers_created_together_all_get_their_manager(
    acme: Tenant,
) -> None:
    pairs = [_pair(i) for i in range(PAIRS)]
    async with scim_client(acme) as c:
        # Each report starts right beside its manager, so their transactions overlap.
        answers = await asyncio.gather(
            *(c.post("/scim/v2/Users", json=body) for pair in pairs for body in pair)
        )
        assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
        ids = {a.json()["userName"]: a.json()["id"] for a in answers}
        managers = await _managers(c)
    unresolved = [
        report["userName"]
        for report, manager in pairs
        if managers[report["userName"]] != ids[manager["userName"]]
    ]
    assert unresolved == []


async def test_a_shuffled_tree_synced_at_once_has_every_manager(acme: Tenant) -> None:
    # Managers are reports too: a chain of pending references resolving while others wait.
    rng = random.Random(19)
    people = []
    for i in range(40):
        body = user(f"P{i} Tree", externalId=f"hr-p{i}")
        if i > 0:
            body[ENTERPRISE]["manager"] = {"value": f"hr-p{rng.randrange(0, i)}"}
        people.append(body)
    rng.shuffle(people)
    async with scim_client(acme) as c:
        answers = await asyncio.gather(*(c.post("/scim/v2/Users", json=b) for b in people))
        assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
        id_of = {a.json()["externalId"]: a.json()["id"] for a in answers}
        managers = await _managers(c)
    wrong = [
        b["userName"]
        for b in people
        if ENTERPRISE in b
        and "manager" in b[ENTERPRISE]
        and managers[b["userName"]] != id_of[b[ENTERPRISE]["manager"]["value"]]
    ]
    assert wrong == []


async def test_two_users_naming_each_other_at_once_store_no_loop(acme: Tenant) -> None:
    ann = user("Ann Zeller", manager="hr-bob", externalId="hr-ann")
    bob = user("Bob Young", manager="hr-ann", externalId="hr-bob")
    async with scim_client(acme) as c:
        answers = await asyncio.gather(
            c.post("/scim/v2/Users", json=ann), c.post("/scim/v2/Users", json=bob)
        )
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        ids = {a.json()["userName"]: a.json()["id"] for a in answers}
        managers = await _managers(c)
    # The second to commit gets the first as its manager; the first's reference would close
    # a loop, so it is dropped (and audited), not left pending.
    assert sorted(
        [managers["ann.zeller"] == ids["bob.young"], managers["bob.young"] == ids["ann.zeller"]]
    ) == [False, True]
    assert None in (managers["ann.zeller"], managers["bob.young"])


async def test_put_giving_a_user_the_external_id_a_report_waits_for_resolves_it(
    acme: Tenant,
) -> None:
    async with scim_client(acme) as c:
        report = await post_user(c, user("Ann Zeller", manager="hr-boss"))
        boss_body = user("Bo Boss", externalId="hr-old")
        boss = await post_user(c, boss_body)
        replaced = await c.put(
            f"/scim/v2/Users/{boss['id']}", json={**boss_body, "externalId": "hr-boss"}
        )
        assert replaced.status_code == 200, replaced.text
        now = (await c.get(f"/scim/v2/Users/{report['id']}")).json()
        assert now[ENTERPRISE]["manager"]["value"] == boss["id"]
    async with acme.admin() as admin:
        member = (await admin.get(f"/v1/members/{report['id']}")).json()
    assert member["manager_id"] == boss["id"]


async def test_patch_giving_a_user_the_external_id_a_report_waits_for_resolves_it(
    acme: Tenant,
) -> None:
    async with scim_client(acme) as c:
        report = await post_user(c, user("Ann Zeller", manager="hr-boss"))
        boss = await post_user(c, user("Bo Boss", externalId="hr-old"))
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "externalId", "value": "hr-boss"}],
        }
        patched = await c.patch(f"/scim/v2/Users/{boss['id']}", json=patch)
        assert patched.status_code == 200, patched.text
        now = (await c.get(f"/scim/v2/Users/{report['id']}")).json()
        assert now[ENTERPRISE]["manager"]["value"] == boss["id"]
