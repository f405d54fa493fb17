"""Alignment errors reveal nothing of objectives the caller may not see, and KR moves keep
the objectives contributing to the KR within the level rule."""

from __future__ import annotations

import uuid

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, key_result, objective


async def test_a_loop_error_hides_private_objectives_ids(acme: Tenant) -> None:
    async with acme.admin() as admin:
        owner = await create_member(admin, "Owner")
        caller = await create_member(admin, "Caller")
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    oc = acme.as_member(uuid.UUID(owner["id"]))
    cc = acme.as_member(uuid.UUID(caller["id"]))
    async with oc, cc:
        x = await objective(cc, cycle_id=cycle["id"], title="Caller X", level="team")
        kx = await key_result(cc, x["id"], title="kx", owner_id=caller["id"], target="1")
        secret = await objective(
            oc,
            cycle_id=cycle["id"],
            title="Secret Q",
            level="team",
            visibility="private",
            parent_key_result_id=kx["id"],
        )
        kq = await key_result(oc, secret["id"], title="kq", owner_id=owner["id"], target="1")
        p = await objective(
            oc, cycle_id=cycle["id"], title="Public P", level="team", parent_key_result_id=kq["id"]
        )
        kp = await key_result(oc, p["id"], title="kp", owner_id=owner["id"], target="1")
        refused = await cc.patch(
            f"/v1/objectives/{x['id']}", json={"parent_key_result_id": kp["id"]}
        )
    assert refused.status_code == 422
    assert refused.json()["code"] == "alignment_cycle"
    assert secret["id"] not in refused.text
    assert refused.json()["cycle"] == [x["id"], p["id"], "hidden", x["id"]]


async def test_a_private_krs_existence_is_not_revealed(acme: Tenant) -> None:
    async with acme.admin() as admin:
        owner = await create_member(admin, "Li Na")
        peer = await create_member(admin, "Qian Jun")
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    async with acme.as_member(uuid.UUID(owner["id"])) as oc:
        secret = await objective(
            oc, cycle_id=cycle["id"], title="Secret plan", visibility="private", level="team"
        )
        kr = await key_result(
            oc, secret["id"], title="Secret KR", owner_id=owner["id"], target="10"
        )
    async with acme.as_member(uuid.UUID(peer["id"])) as pc:
        real = await pc.post(
            "/v1/objectives",
            json={"cycle_id": cycle["id"], "title": "x", "parent_key_result_id": kr["id"]},
        )
        fake = await pc.post(
            "/v1/objectives",
            json={"cycle_id": cycle["id"], "title": "x", "parent_key_result_id": str(uuid.uuid4())},
        )
    assert real.status_code == fake.status_code == 422
    strip = ("request_id",)
    assert {k: v for k, v in real.json().items() if k not in strip} == {
        k: v for k, v in fake.json().items() if k not in strip
    }


async def test_moving_a_kr_keeps_its_contributors_within_the_level_rule(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        company = await objective(admin, cycle_id=cycle["id"], title="Company", level="company")
        kr = await key_result(
            admin, company["id"], title="Revenue", owner_id=str(acme.admin_id), target="10"
        )
        await objective(
            admin,
            cycle_id=cycle["id"],
            title="Dept",
            level="department",
            parent_key_result_id=kr["id"],
        )
        mine = await objective(admin, cycle_id=cycle["id"], title="Mine", level="individual")
        refused = await admin.post(
            f"/v1/key-results/{kr['id']}/move", json={"objective_id": mine["id"]}
        )
        after = await admin.get(f"/v1/key-results/{kr['id']}")
    assert refused.status_code == 422
    assert refused.json()["code"] == "alignment_level"
    assert after.json()["objective_id"] == company["id"]
