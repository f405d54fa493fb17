"""Copying an objective into the next quarter does what a planner expects: dates move with
the cycle, `carry: "achieved"` starts from what was reached, the alignment follows the
parent's copy (else the answer says unaligned), a KPI link stays, the same cycle is refused."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post


async def _quarters(admin: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    q1 = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    q2 = await post(
        admin,
        "/v1/cycles",
        {
            "name": "2027 Q2",
            "kind": "quarter",
            "start_date": "2027-04-01",
            "end_date": "2027-06-30",
        },
    )
    return q1, q2


async def test_due_dates_move_with_the_cycle_clamped_into_it(acme: Tenant) -> None:
    me = str(acme.admin_id)
    async with acme.admin() as admin:
        q1, q2 = await _quarters(admin)
        source = await objective(admin, cycle_id=q1["id"], title="Grow")
        custom = await key_result(
            admin,
            source["id"],
            title="Custom",
            owner_id=me,
            start="0",
            target="10",
            due_date="2027-02-15",
        )
        await key_result(admin, source["id"], title="Default", owner_id=me, start="0", target="10")
        await post(
            admin,
            f"/v1/key-results/{custom['id']}/actions",
            {"title": "Call", "due_date": "2027-01-20"},
        )
        copy = await post(admin, f"/v1/objectives/{source['id']}/copy", {"cycle_id": q2["id"]})
        krs = {k["title"]: k for k in copy["key_results"]}
        actions = await get(admin, f"/v1/key-results/{krs['Custom']['id']}/actions")

    assert krs["Custom"]["due_date"] == "2027-05-16"  # 45 days after the start, as before
    assert krs["Default"]["due_date"] == "2027-06-30"  # the cycle's end stays its end
    assert actions["items"][0]["due_date"] == "2027-04-20"


async def test_carry_achieved_starts_each_kr_where_the_source_stands(acme: Tenant) -> None:
    me = str(acme.admin_id)
    async with acme.admin() as admin:
        q1, q2 = await _quarters(admin)
        source = await objective(admin, cycle_id=q1["id"], title="Grow")
        reached = await key_result(
            admin, source["id"], title="Reached", owner_id=me, start="0", target="10"
        )
        await key_result(
            admin, source["id"], title="Untouched", owner_id=me, start="2", target="10"
        )
        await check_in(admin, reached["id"], value="6")
        path = f"/v1/objectives/{source['id']}/copy"
        carried = await post(admin, path, {"cycle_id": q2["id"], "carry": "achieved"})
        kept = await post(admin, path, {"cycle_id": q2["id"]})

    assert {k["title"]: k["start"] for k in carried["key_results"]} == {
        "Reached": "6",
        "Untouched": "2",
    }
    assert {k["title"]: k["start"] for k in kept["key_results"]} == {
        "Reached": "0",
        "Untouched": "2",
    }


async def test_alignment_follows_the_parents_copy_else_the_copy_says_unaligned(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        q1, q2 = await _quarters(admin)
        parent = await objective(admin, cycle_id=q1["id"], title="Parent", level="team")
        child = await objective(
            admin, cycle_id=q1["id"], title="Child", parent_objective_id=parent["id"]
        )
        orphan_first = await post(
            admin, f"/v1/objectives/{child['id']}/copy", {"cycle_id": q2["id"]}
        )
        parent_copy = await post(
            admin, f"/v1/objectives/{parent['id']}/copy", {"cycle_id": q2["id"]}
        )
        followed = await post(admin, f"/v1/objectives/{child['id']}/copy", {"cycle_id": q2["id"]})

    assert orphan_first["alignment"] == "unaligned"
    assert orphan_first["parent_objective_id"] is None
    assert parent_copy["alignment"] == "none"  # it served nothing to begin with
    assert followed["alignment"] == "followed"
    assert followed["parent_objective_id"] == parent_copy["id"]


async def test_a_kpi_link_is_kept(acme: Tenant) -> None:
    me = str(acme.admin_id)
    async with acme.admin() as admin:
        q1, q2 = await _quarters(admin)
        kpi = await post(admin, "/v1/kpis", {"name": "Revenue", "target": "100"})
        source = await objective(admin, cycle_id=q1["id"], title="Grow")
        kr = await key_result(
            admin, source["id"], title="Revenue", owner_id=me, start="0", target="100"
        )
        linked = await admin.put(f"/v1/key-results/{kr['id']}/kpi", json={"kpi_id": kpi["id"]})
        assert linked.status_code == 200, linked.text
        copy = await post(admin, f"/v1/objectives/{source['id']}/copy", {"cycle_id": q2["id"]})

    assert copy["key_results"][0]["kpi_id"] == kpi["id"]


async def test_copying_into_the_same_cycle_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        q1, _ = await _quarters(admin)
        source = await objective(admin, cycle_id=q1["id"], title="Grow")
        response = await admin.post(
            f"/v1/objectives/{source['id']}/copy", json={"cycle_id": q1["id"]}
        )

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "same_cycle"
