"""Changing an objective's level keeps the objectives aligned to it within the level rule."""

from __future__ import annotations

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, objective, post


async def test_a_level_change_that_breaks_an_aligned_childs_rule_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin, "/v1/units", {"kind": "department", "name": "Sales", "parent_id": company["id"]}
        )
        q1 = await active_cycle(admin, "Q1", "quarter", "2027-01-01", "2027-03-31")
        dept = await objective(
            admin, cycle_id=q1["id"], title="Dept aim", owner={"kind": "unit", "id": sales["id"]}
        )
        mine = await objective(
            admin, cycle_id=q1["id"], title="Mine", parent_objective_id=dept["id"]
        )
        to_team = await admin.patch(f"/v1/objectives/{dept['id']}", json={"level": "team"})
        refused = await admin.patch(f"/v1/objectives/{dept['id']}", json={"level": "individual"})
        after = await admin.get(f"/v1/objectives/{dept['id']}")
    assert mine["level"] == "individual"
    assert to_team.status_code == 200
    assert refused.status_code == 422
    assert refused.json()["code"] == "alignment_level"
    assert after.json()["level"] == "team"
