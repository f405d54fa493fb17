"""DOMAIN.md worked example, a sales team on OKMA (003): Objective "+30% sales, satisfaction
90%+", Key Results (10 new customers a month, revisit rate 80%+, a satisfaction survey each
quarter), Management (check-ins at the monthly sales meetings) and Actions (a visit
schedule, campaigns, a training calendar) with owners, due dates, completion standards and
acceptance (验收). Built through REST; every figure below is computed by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post

# 2027 Q2 runs 2027-04-01 .. 2027-06-30: 90 days from its first day to its last.
# The May sales meeting, 2027-05-01, is day 30: expected 30/90 = 0.33333 -> 0.3333.
MAY_MEETING = datetime(2027, 5, 1, 10, 0, tzinfo=UTC)
# The June sales meeting, 2027-06-01, is day 61 (30 + 31): 61/90 = 0.67777 -> 0.6778.
JUNE_MEETING = datetime(2027, 6, 1, 10, 0, tzinfo=UTC)


def by_title(objective_body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {kr["title"]: kr for kr in objective_body["key_results"]}


def scores(kr: dict[str, Any]) -> tuple[str, str, str, str]:
    s = kr["score"]
    return s["progress"], s["score"], s["grade"], s["track_status"]


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def test_sales_team_okma_scores_and_actions_as_computed_by_hand(
    acme: Tenant, clock: SettableClock
) -> None:
    clock.pin(datetime(2027, 4, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        sun = await create_member(admin, "Sun Li", roles=["manager"])
        zhou = await create_member(admin, "Zhou Qiang", manager_id=sun["id"])
        wu = await create_member(admin, "Wu Hao", manager_id=sun["id"])
        ma = await create_member(admin, "Ma Lin")  # marketing: no line to the sales team
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        team = await post(
            admin,
            "/v1/units",
            {
                "kind": "team",
                "name": "East China Sales",
                "parent_id": company["id"],
                "lead_id": sun["id"],
            },
        )
        q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")

    # O and K: the team lead sets the team's objective and its three KRs.
    async with acme.as_member(sun["id"], "manager") as lead:
        okr = await objective(
            lead,
            cycle_id=q2["id"],
            title="Sales +30% with customers 90%+ satisfied",
            owner={"kind": "unit", "id": team["id"]},
            status="active",
        )
        customers = await key_result(
            lead,
            okr["id"],
            title="10 new customers a month (30 this quarter)",
            owner_id=zhou["id"],
            unit="customers",
            start="0",
            target="30",
        )
        revisits = await key_result(
            lead,
            okr["id"],
            title="Revisit rate 80%+",
            owner_id=wu["id"],
            metric_kind="percent",
            unit="%",
            start="62",
            target="80",
        )
        survey = await key_result(
            lead,
            okr["id"],
            title="Run the quarterly satisfaction survey",
            owner_id=sun["id"],
            metric_kind="boolean",
            start="0",
            target="1",
        )

        # A: concrete actions, each with an owner, a due date and a completion standard.
        visits = await post(
            lead,
            f"/v1/key-results/{revisits['id']}/actions",
            {
                "title": "Visit schedule: the top 40 accounts twice this quarter",
                "owner_id": zhou["id"],
                "due_date": "2027-06-15",
                "completion_standard": "Every top-40 account visited twice, notes in the CRM",
            },
        )
        campaign = await post(
            lead,
            f"/v1/key-results/{customers['id']}/actions",
            {
                "title": "Spring campaign: 3 lead events",
                "owner_id": zhou["id"],
                "due_date": "2027-05-31",
                "completion_standard": "3 events held, 150 qualified leads in the CRM",
            },
        )
        training = await post(
            lead,
            f"/v1/key-results/{customers['id']}/actions",
            {"title": "Training calendar", "owner_id": sun["id"], "due_date": "2027-04-30"},
        )

    assert okr["level"] == "team"
    assert customers["due_date"] == revisits["due_date"] == survey["due_date"] == "2027-06-30"
    assert (visits["status"], visits["accepted_by"], visits["accepted_at"]) == ("todo", None, None)
    assert training["completion_standard"] is None

    # -- the May sales meeting: expected 0.3333 ------------------------------------------------
    clock.pin(MAY_MEETING)
    async with acme.as_member(zhou["id"]) as rep:
        await check_in(rep, customers["id"], value="9", confidence=6, note="April: 9 signed")
        # The visit schedule's owner starts it: owner, due date and standard are all set.
        started = await patch(rep, f"/v1/actions/{visits['id']}", {"status": "doing"})
    async with acme.as_member(wu["id"]) as rep:
        await check_in(rep, revisits["id"], value="68", confidence=5, note="18 of 40 revisited")
    async with acme.as_member(sun["id"], "manager") as lead:
        await check_in(lead, survey["id"], value="0", note="questionnaire in review")
        # A training calendar without a completion standard cannot start (004: unclear
        # standard is the first failure of action plans).
        not_ready = await lead.patch(f"/v1/actions/{training['id']}", json={"status": "doing"})
        seen = await get(lead, f"/v1/objectives/{okr['id']}")
        unchanged_training = await get(lead, f"/v1/actions/{training['id']}")

    assert started["status"] == "doing"
    body = refused(not_ready, 422, "action_not_ready")
    assert [e["field"] for e in body["errors"]] == ["completion_standard"]
    assert unchanged_training["status"] == "todo"
    assert unchanged_training["version"] == training["version"] == 1

    krs = by_title(seen)
    # New customers: (9 - 0) / (30 - 0) = 0.3: red; on track, since 0.3 >= 0.3333 - 0.1 = 0.2333.
    assert scores(krs["10 new customers a month (30 this quarter)"]) == (
        "0.3000",
        "0.3000",
        "red",
        "on_track",
    )
    # Revisit rate: (68 - 62) / (80 - 62) = 6/18 = 0.33333 -> 0.3333: red, on track.
    assert scores(krs["Revisit rate 80%+"]) == ("0.3333", "0.3333", "red", "on_track")
    # Survey not run yet: a yes/no KR at 0 is 0; 0 < 0.3333 - 0.25 = 0.0833: off track.
    assert krs["Run the quarterly satisfaction survey"]["current"] == "0"
    assert scores(krs["Run the quarterly satisfaction survey"]) == (
        "0.0000",
        "0.0000",
        "red",
        "off_track",
    )
    # O = (0.3 + 0.3333 + 0) / 3 = 0.6333 / 3 = 0.21110 -> 0.2111: red; below 0.2333 (not on
    # track) but >= 0.0833: at risk.
    assert seen["score"] == {
        "progress": "0.2111",
        "grade": "red",
        "expected_progress": "0.3333",
        "track_status": "at_risk",
        "rolled_up": False,
    }

    # -- the visit schedule is done and accepted ----------------------------------------------
    clock.pin(datetime(2027, 5, 20, 17, 0, tzinfo=UTC))
    async with acme.as_member(zhou["id"]) as rep:
        done = await patch(rep, f"/v1/actions/{visits['id']}", {"status": "done"})
        # The owner of an action does not accept their own work.
        own = await rep.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.as_member(ma["id"]) as stranger:
        # A stranger may read the public team OKR, but not accept its actions.
        readable = await stranger.get(f"/v1/actions/{visits['id']}")
        strangers = await stranger.post(f"/v1/actions/{visits['id']}/accept")
    clock.pin(datetime(2027, 5, 21, 9, 30, tzinfo=UTC))
    async with acme.as_member(wu["id"]) as kr_owner:
        # The owner of the KR the action serves accepts it.
        accepted = await post(kr_owner, f"/v1/actions/{visits['id']}/accept", {})
        reopened = await kr_owner.patch(f"/v1/actions/{visits['id']}", json={"status": "doing"})
        twice = await kr_owner.post(f"/v1/actions/{visits['id']}/accept")
    async with acme.as_member(sun["id"], "manager") as lead:
        ready = await patch(
            lead,
            f"/v1/actions/{training['id']}",
            {"completion_standard": "Weekly sessions booked to June, every rep invited"},
        )
        training_started = await patch(lead, f"/v1/actions/{training['id']}", {"status": "doing"})
        done_actions = await get(lead, f"/v1/key-results/{revisits['id']}/actions?status=done")
        zhou_actions = await get(
            lead, f"/v1/key-results/{customers['id']}/actions?owner_id={zhou['id']}"
        )

    assert done["status"] == "done"
    assert done["accepted_by"] is None
    refused(own, 403, "not_acceptor")
    assert readable.status_code == 200
    refused(strangers, 403, "not_acceptor")
    assert accepted["accepted_by"] == wu["id"]
    assert accepted["accepted_at"] == "2027-05-21T09:30:00Z"
    assert accepted["status"] == "done"
    assert accepted["version"] == done["version"] + 1
    refused(reopened, 422, "action_accepted")  # an accepted action is final
    refused(twice, 422, "action_accepted")
    assert ready["completion_standard"] == "Weekly sessions booked to June, every rep invited"
    assert training_started["status"] == "doing"
    assert [a["id"] for a in done_actions["items"]] == [visits["id"]]
    assert [a["id"] for a in zhou_actions["items"]] == [campaign["id"]]

    # -- the June sales meeting: expected 0.6778 -----------------------------------------------
    clock.pin(JUNE_MEETING)
    async with acme.as_member(zhou["id"]) as rep:
        await check_in(rep, customers["id"], value="21", confidence=7, note="May: 12 signed")
    async with acme.as_member(wu["id"]) as rep:
        await check_in(rep, revisits["id"], value="74", confidence=7, note="visit schedule done")
    async with acme.as_member(sun["id"], "manager") as lead:
        await check_in(lead, survey["id"], value="1", note="survey sent and analysed: 91%")
        seen = await get(lead, f"/v1/objectives/{okr['id']}")

    krs = by_title(seen)
    # New customers: 21/30 = 0.7: green; on track (0.7 >= 0.6778 - 0.1 = 0.5778).
    assert krs["10 new customers a month (30 this quarter)"]["current"] == "21"
    assert scores(krs["10 new customers a month (30 this quarter)"]) == (
        "0.7000",
        "0.7000",
        "green",
        "on_track",
    )
    # Revisit rate: (74 - 62) / 18 = 12/18 = 0.66667 -> 0.6667: yellow; on track (>= 0.5778).
    assert scores(krs["Revisit rate 80%+"]) == ("0.6667", "0.6667", "yellow", "on_track")
    # The survey ran: 1.
    assert scores(krs["Run the quarterly satisfaction survey"]) == (
        "1.0000",
        "1.0000",
        "green",
        "on_track",
    )
    # O = (0.7 + 0.6667 + 1) / 3 = 2.3667 / 3 = 0.78890 -> 0.7889: green, on track.
    assert seen["score"] == {
        "progress": "0.7889",
        "grade": "green",
        "expected_progress": "0.6778",
        "track_status": "on_track",
        "rolled_up": False,
    }
