"""One shape of a meeting and of a work plan for both adapters: REST and GraphQL read and
refuse alike.

The meeting's texts are checked by the domain (bounds in ``domain.limits``), so a too-long
title is the same field error in both; the ``Patch`` shape tells a field left out from one
sent as ``null`` in both (``cycle_id: null`` removes the cycle, ``title: null`` is refused);
a work plan's counts read the same from both.
"""

from __future__ import annotations

from typing import Any

from domain.limits import MEETING_TITLE_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql

YEAR = {"name": "2027", "kind": "year", "start_date": "2027-01-01", "end_date": "2027-12-31"}
CREATE = """
mutation($input: CreateMeetingInput!) {
  createMeeting(input: $input) { meeting { id title findings attendeeIds version } }
}"""
UPDATE = """
mutation($input: UpdateMeetingInput!) {
  updateMeeting(input: $input) { meeting { title unit { id } cycle { id } version } }
}"""
PLAN = """
query($member: UUID!, $cycle: UUID!) {
  workPlan(memberId: $member, cycleId: $cycle) {
    today counts { todo doing done blocked total overdue } quarters { key months { key } }
    unscheduled { counts { total } } outsideCycle { counts { total } }
  }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


async def test_a_meeting_is_refused_and_changed_alike_in_rest_and_graphql(acme: Tenant) -> None:
    too_long = "x" * (MEETING_TITLE_MAX_LENGTH + 1)
    async with acme.admin() as client:
        year = (await client.post("/v1/cycles", json=YEAR)).json()
        unit = (await client.post("/v1/units", json={"name": "Sales", "kind": "company"})).json()
        meeting = {"kind": "weekly", "held_on": "2027-01-08", "cycle_id": year["id"]}
        rest = await client.post("/v1/meetings", json={**meeting, "title": too_long})
        graph_input = {"kind": "WEEKLY", "heldOn": "2027-01-08", "cycleId": year["id"]}
        graph = await gql(client, CREATE, {"input": {**graph_input, "title": too_long}})
        created = await gql(client, CREATE, {"input": {**graph_input, "title": "周会"}})
        made = created["data"]["createMeeting"]["meeting"]
        read = (await client.get(f"/v1/meetings/{made['id']}")).json()
        null_title = await gql(client, UPDATE, {"input": {"id": made["id"], "title": None}})
        rest_null = await client.patch(f"/v1/meetings/{made['id']}", json={"title": None})
        moved = await gql(
            client,
            UPDATE,
            {"input": {"id": made["id"], "unitId": unit["id"], "cycleId": None}},
        )
        kept = await gql(client, UPDATE, {"input": {"id": made["id"], "title": "周会 W2"}})
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("title", "too_long")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == rest.json()["errors"]
    assert made == {
        "id": read["id"],
        "title": "周会",
        "findings": "",
        "attendeeIds": [],
        "version": 1,
    }
    assert (read["title"], read["attendee_ids"], read["follow_up_actions"]) == ("周会", [], [])
    assert field_errors(null_title["errors"][0]["extensions"]) == [("title", "null")]
    assert field_errors(rest_null.json()) == [("title", "null")]
    assert moved["data"]["updateMeeting"]["meeting"] == {
        "title": "周会",
        "unit": {"id": unit["id"]},
        "cycle": None,
        "version": 2,
    }
    # A field left out stays as it is: the unit, and the cycle's removal.
    assert kept["data"]["updateMeeting"]["meeting"] == {
        "title": "周会 W2",
        "unit": {"id": unit["id"]},
        "cycle": None,
        "version": 3,
    }


async def test_a_work_plan_reads_the_same_in_rest_and_graphql(acme: Tenant) -> None:
    async with acme.admin() as client:
        year = (await client.post("/v1/cycles", json=YEAR)).json()
        rest = (
            await client.get(
                f"/v1/members/{acme.admin_id}/work-plan", params={"cycle_id": year["id"]}
            )
        ).json()
        graph = await gql(client, PLAN, {"member": str(acme.admin_id), "cycle": year["id"]})
    plan = graph["data"]["workPlan"]
    assert (
        rest["counts"]
        == plan["counts"]
        == {
            "todo": 0,
            "doing": 0,
            "done": 0,
            "blocked": 0,
            "total": 0,
            "overdue": 0,
        }
    )
    assert rest["today"] == plan["today"]
    assert [q["key"] for q in rest["quarters"]] == [q["key"] for q in plan["quarters"]]
    assert [m["key"] for m in plan["quarters"][0]["months"]] == ["2027-01", "2027-02", "2027-03"]
    assert rest["member_id"] == str(acme.admin_id)
    assert rest["unit_id"] is None
    assert plan["unscheduled"] == plan["outsideCycle"] == {"counts": {"total": 0}}
