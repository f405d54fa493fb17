"""Milestone ids belong to the server: a new milestone (sent without an id) gets one; an edit
names the milestones it keeps by id (their done state goes with them); an id that is not one
of this KR's milestones (made up, another KR's, another tenant's) is refused and nothing
changes; removing a milestone, done or not, is allowed and audited."""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch
from tests.api.test_graphql import gql

STRANGER = "01a209b4-22a0-764f-84e2-80f0bf395a35"


async def milestones_kr(admin: httpx.AsyncClient, tenant: Tenant, *titles: str) -> dict[str, Any]:
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    goal = await objective(admin, cycle_id=cycle["id"], title="Launch feedback")
    return await key_result(
        admin,
        goal["id"],
        title="Feedback process",
        owner_id=str(tenant.admin_id),
        metric_kind="milestones",
        milestones=[{"title": t} for t in titles],
    )


def refused_at(response: httpx.Response, *fields: str) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "unknown_milestone", body
    assert [e["field"] for e in body["errors"]] == list(fields)


def shape(kr: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [(m["id"], m["title"], m["done"]) for m in kr["milestones"]]


async def test_an_id_sent_on_create_is_refused(acme: Tenant) -> None:
    async with acme.admin() as admin:
        kr = await milestones_kr(admin, acme, "Survey designed")
        path = f"/v1/objectives/{kr['objective_id']}/key-results"
        body = {"title": "Twin", "owner_id": str(acme.admin_id), "metric_kind": "milestones"}
        foreign = await admin.post(
            path, json={**body, "milestones": [{"title": "a"}, {"id": STRANGER, "title": "b"}]}
        )
        copied = await admin.post(
            path, json={**body, "milestones": [{"id": kr["milestones"][0]["id"], "title": "a"}]}
        )
        listed = await get(admin, f"/v1/objectives/{kr['objective_id']}")
    refused_at(foreign, "milestones.1.id")
    refused_at(copied, "milestones.0.id")
    assert [k["title"] for k in listed["key_results"]] == ["Feedback process"]


async def test_an_edit_naming_milestones_by_id_keeps_their_done_state(acme: Tenant) -> None:
    async with acme.admin() as admin:
        kr = await milestones_kr(admin, acme, "Survey designed", "Channel live", "First report")
        designed, live, report = (m["id"] for m in kr["milestones"])
        await check_in(admin, kr["id"], milestones_done=[designed, report])
        path = f"/v1/key-results/{kr['id']}"
        edited = await patch(
            admin,
            path,
            {
                "milestones": [
                    {"id": report, "title": "First monthly report"},
                    {"id": live, "title": "Channel live", "weight": "2"},
                    {"title": "Second report"},
                ]
            },
        )
        audit = await get(admin, f"/v1/audit-events?resource_id={kr['id']}")
    assert shape(edited)[:2] == [
        (report, "First monthly report", True),
        (live, "Channel live", False),
    ]
    new = edited["milestones"][2]
    assert new["id"] not in (designed, live, report)
    assert (new["title"], new["done"]) == ("Second report", False)
    # Dropping a done milestone is allowed; the audit row shows it before and not after.
    change = next(e for e in audit["items"] if e["action"] == "key_result.updated")
    before = [m["id"] for m in change["before"]["milestones"]]
    after = [m["id"] for m in change["after"]["milestones"]]
    assert designed in before
    assert designed not in after
    assert after == [report, live, new["id"]]


async def test_an_edit_without_ids_makes_new_milestones(acme: Tenant) -> None:
    async with acme.admin() as admin:
        kr = await milestones_kr(admin, acme, "Survey designed")
        (designed,) = (m["id"] for m in kr["milestones"])
        await check_in(admin, kr["id"], milestones_done=[designed])
        edited = await patch(
            admin,
            f"/v1/key-results/{kr['id']}",
            {"milestones": [{"title": "Survey designed"}, {"title": "Survey sent"}]},
        )
    assert [(m["title"], m["done"]) for m in edited["milestones"]] == [
        ("Survey designed", False),
        ("Survey sent", False),
    ]
    assert designed not in [m["id"] for m in edited["milestones"]]


async def test_an_id_not_of_this_kr_is_refused_and_nothing_changes(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as other:
        theirs = await milestones_kr(other, globex, "Their step")
    async with acme.admin() as admin:
        kr = await milestones_kr(admin, acme, "Survey designed", "Channel live")
        sibling = await key_result(
            admin,
            kr["objective_id"],
            title="Sibling",
            owner_id=str(acme.admin_id),
            metric_kind="milestones",
            milestones=[{"title": "Sibling step"}],
        )
        path = f"/v1/key-results/{kr['id']}"
        keep = {"id": kr["milestones"][0]["id"], "title": "Survey designed"}
        answers = {
            name: await admin.patch(
                path, json={"milestones": [keep, {"title": "new"}, {"id": id_, "title": "x"}]}
            )
            for name, id_ in (
                ("made up", STRANGER),
                ("another KR's", sibling["milestones"][0]["id"]),
                ("another tenant's", theirs["milestones"][0]["id"]),
            )
        }
        after = await get(admin, path)
    for name, answer in answers.items():
        assert answer.status_code == 422, name
        refused_at(answer, "milestones.2.id")
    assert shape(after) == shape(kr)
    assert after["version"] == kr["version"]


async def test_graphql_refuses_an_unknown_milestone_id_too(acme: Tenant) -> None:
    update = """
    mutation($input: UpdateKeyResultInput!) {
      updateKeyResult(input: $input) { keyResult { version } }
    }"""
    async with acme.admin() as admin:
        kr = await milestones_kr(admin, acme, "Survey designed")
        refused = await gql(
            admin,
            update,
            {"input": {"id": kr["id"], "milestones": [{"id": STRANGER, "title": "x"}]}},
        )
        after = await get(admin, f"/v1/key-results/{kr['id']}")
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "unknown_milestone"
    assert [e["field"] for e in error["extensions"]["errors"]] == ["milestones.0.id"]
    assert shape(after) == shape(kr)
