"""/v1/objectives over REST: create with defaults, read, filters and pagination, status moves,
delete or archive, alignment (upward, sideways to a KR, no loops), carry-over into another
cycle, closing a cycle's objectives, ETag/If-Match and Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post


@dataclass(frozen=True)
class World:
    head: dict[str, Any]  # manager, leads the sales department
    rep: dict[str, Any]  # reports to head
    company: dict[str, Any]
    sales: dict[str, Any]  # department
    east: dict[str, Any]  # team under sales
    q1: dict[str, Any]
    q2: dict[str, Any]


async def build_world(admin: httpx.AsyncClient) -> World:
    head = await create_member(admin, "Zhang Wei", roles=["manager"])
    rep = await create_member(admin, "Li Na", manager_id=head["id"])
    company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
    sales = await post(
        admin,
        "/v1/units",
        {"kind": "department", "name": "Sales", "parent_id": company["id"], "lead_id": head["id"]},
    )
    east = await post(
        admin,
        "/v1/units",
        {"kind": "team", "name": "East", "parent_id": sales["id"], "lead_id": head["id"]},
    )
    q1 = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
    return World(head=head, rep=rep, company=company, sales=sales, east=east, q1=q1, q2=q2)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def unit(u: dict[str, Any]) -> dict[str, str]:
    return {"kind": "unit", "id": u["id"]}


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


# -- create and read -----------------------------------------------------------------------


async def test_create_with_defaults_then_read_it_back(acme: Tenant, clock: SettableClock) -> None:
    # 2027-02-15 is day 45 of Q1 (Jan 1 .. Mar 31, 89 days apart): 45/89 = 0.50561 -> 0.5056.
    clock.pin(datetime(2027, 2, 15, 8, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.rep["id"]) as rep:
        created = await rep.post(
            "/v1/objectives", json={"cycle_id": w.q1["id"], "title": "  Win the east coast  "}
        )
        read = await rep.get(f"/v1/objectives/{created.json()['id']}")
        krs = await get(rep, f"/v1/objectives/{created.json()['id']}/key-results")

    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/objectives/{body['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert {k: v for k, v in body.items() if k not in {"id", "created_at", "updated_at"}} == {
        "cycle_id": w.q1["id"],
        "title": "Win the east coast",
        "description": "",
        "owner": {"kind": "member", "id": w.rep["id"]},  # default: the caller
        "level": "individual",  # a person's objective
        "status": "draft",
        "visibility": "public",  # transparency by default
        "roll_up": False,
        "ambition": "aspirational",  # graded as every objective was before ambitions
        "parent_objective_id": None,
        "parent_key_result_id": None,
        "source_objective_id": None,
        "score": {
            "progress": None,  # no KRs: nothing to measure
            "grade": None,
            "expected_progress": "0.5056",
            "track_status": None,
            "rolled_up": False,
        },
        "key_results": [],
        "version": 1,
    }
    assert body["created_at"] == body["updated_at"] == "2027-02-15T08:00:00Z"
    assert read.status_code == 200
    assert read.json() == body
    assert read.headers["etag"].startswith('"1-')
    assert krs == {"items": [], "next_cursor": None}


async def test_a_units_objective_takes_the_units_rank_as_level(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        dept = await objective(admin, cycle_id=w.q1["id"], title="Dept", owner=unit(w.sales))
        team = await objective(admin, cycle_id=w.q1["id"], title="Team", owner=unit(w.east))
        told = await objective(
            admin, cycle_id=w.q1["id"], title="Told", owner=unit(w.east), level="individual"
        )
    assert [o["level"] for o in (top, dept, team, told)] == [
        "company",
        "department",
        "team",
        "individual",
    ]
    assert dept["owner"] == {"kind": "unit", "id": w.sales["id"]}


async def test_create_refusals(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        closed = await active_cycle(admin, "2026 Q4", "quarter", "2026-10-01", "2026-12-31")
        await patch(admin, f"/v1/cycles/{closed['id']}", {"state": "closed"})
        parent = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        kr = await key_result(admin, parent["id"], title="KR", owner_id=w.head["id"])
        base = {"cycle_id": w.q1["id"], "title": "Grow"}
        answers = {
            "unknown field": await admin.post("/v1/objectives", json={**base, "progress": "1"}),
            "read-only field": await admin.post("/v1/objectives", json={**base, "version": 3}),
            "blank title": await admin.post("/v1/objectives", json={**base, "title": "   "}),
            "closed cycle": await admin.post(
                "/v1/objectives", json={**base, "cycle_id": closed["id"]}
            ),
            "no such cycle": await admin.post(
                "/v1/objectives", json={**base, "cycle_id": w.head["id"]}
            ),
            "no such owner": await admin.post(
                "/v1/objectives", json={**base, "owner": {"kind": "unit", "id": w.head["id"]}}
            ),
            "two links": await admin.post(
                "/v1/objectives",
                json={
                    **base,
                    "parent_objective_id": parent["id"],
                    "parent_key_result_id": kr["id"],
                },
            ),
            "bad level": await admin.post("/v1/objectives", json={**base, "level": "galaxy"}),
        }
        listed = await get(admin, "/v1/objectives")

    codes = {name: (r.status_code, r.json()["code"]) for name, r in answers.items()}
    assert codes == {
        "unknown field": (422, "validation_failed"),
        "read-only field": (422, "validation_failed"),
        "blank title": (422, "validation_failed"),
        "closed cycle": (422, "cycle_closed"),
        "no such cycle": (422, "unknown_reference"),
        "no such owner": (422, "unknown_reference"),
        "two links": (422, "validation_failed"),
        "bad level": (422, "validation_failed"),
    }
    assert answers["unknown field"].json()["errors"][0]["code"] == "unknown_field"
    assert answers["read-only field"].json()["errors"][0] == {
        "field": "version",
        "message": "is read-only",
        "code": "read_only",
    }
    assert {e["field"] for e in answers["two links"].json()["errors"]} == {
        "parent_objective_id",
        "parent_key_result_id",
    }
    assert ids(listed) == [parent["id"]]  # nothing was created by the refused calls


# -- lists -----------------------------------------------------------------------------------


async def test_list_filters(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
    async with acme.as_member(w.head["id"], "manager") as head:
        east_rev = await objective(
            head,
            cycle_id=w.q1["id"],
            title="Grow revenue in East China",
            owner={"kind": "member", "id": w.rep["id"]},
            status="active",
        )
        experience = await objective(
            head, cycle_id=w.q1["id"], title="Improve customer experience", owner=unit(w.sales)
        )
        north_rev = await objective(head, cycle_id=w.q2["id"], title="Grow REVENUE in North China")
        shorter = await objective(
            head,
            cycle_id=w.q1["id"],
            title="Shorten the sales cycle to 30 days",
            owner=unit(w.east),
            status="active",
        )
        percent = await objective(head, cycle_id=w.q2["id"], title="Repeat purchase to 60%")

        async def listed(**params: str) -> list[str]:
            response = await head.get("/v1/objectives", params=params)
            assert response.status_code == 200, response.text
            return ids(response.json())

        everything = await listed()
        by_cycle = await listed(cycle_id=w.q1["id"])
        by_owner = await listed(owner_id=w.rep["id"])
        by_head = await listed(owner_id=w.head["id"])
        by_unit = await listed(unit_id=w.sales["id"])
        by_level = await listed(level="team")
        by_status = await listed(status="active")
        drafts = await listed(status="draft")
        by_q = await listed(q="grow revenue")
        by_percent = await listed(q="60%")
        by_wildcard = await listed(q="_")
        combined = await listed(cycle_id=w.q1["id"], status="active", level="individual")
        bad_status = await head.get("/v1/objectives", params={"status": "finished"})
        bad_cycle = await head.get("/v1/objectives", params={"cycle_id": "not-a-uuid"})

    assert everything == [
        east_rev["id"],
        experience["id"],
        north_rev["id"],
        shorter["id"],
        percent["id"],
    ]
    assert by_cycle == [east_rev["id"], experience["id"], shorter["id"]]
    assert by_owner == [east_rev["id"]]
    assert by_head == [north_rev["id"], percent["id"]]
    assert by_unit == [experience["id"]]
    assert by_level == [shorter["id"]]
    assert by_status == [east_rev["id"], shorter["id"]]
    assert drafts == [experience["id"], north_rev["id"], percent["id"]]
    assert by_q == [east_rev["id"], north_rev["id"]]  # case-insensitive, part of the title
    assert by_percent == [percent["id"]]  # "%" is a character to find, not a wildcard
    assert by_wildcard == []  # nor is "_"
    assert combined == [east_rev["id"]]
    problem(bad_status, 422, "validation_failed")
    problem(bad_cycle, 422, "validation_failed")


async def test_list_pages_with_a_cursor(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        made = [
            (await objective(admin, cycle_id=w.q1["id"], title=f"Objective {i}"))["id"]
            for i in range(5)
        ]
        pages: list[list[str]] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            page = (await admin.get("/v1/objectives", params=params)).json()
            pages.append(ids(page))
            cursor = page["next_cursor"]
            if cursor is None:
                break
        filtered = await admin.get("/v1/objectives", params={"limit": 3, "q": "Objective 4"})
        zero = await admin.get("/v1/objectives", params={"limit": 0})
        too_many = await admin.get("/v1/objectives", params={"limit": 201})
        bad_cursor = await admin.get("/v1/objectives", params={"cursor": "nonsense"})
        most = await admin.get("/v1/objectives", params={"limit": 200})

    assert pages == [made[0:2], made[2:4], made[4:5]]
    assert filtered.json() == {"items": filtered.json()["items"], "next_cursor": None}
    assert ids(filtered.json()) == [made[4]]
    problem(zero, 422, "validation_failed")
    problem(too_many, 422, "validation_failed")
    problem(bad_cursor, 422, "invalid_cursor")
    assert ids(most.json()) == made


# -- status --------------------------------------------------------------------------------


async def test_status_moves(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(admin, cycle_id=w.q1["id"], title="Grow")
        path = f"/v1/objectives/{o['id']}"
        draft_to_closed = await admin.patch(path, json={"status": "closed"})
        steps = [
            (await patch(admin, path, {"status": s}))["status"]
            for s in ("active", "draft", "active", "closed", "active", "closed")
        ]
        closed_to_draft = await admin.patch(path, json={"status": "draft"})
        archived = await patch(admin, path, {"status": "archived"})
        archived_to_active = await admin.patch(path, json={"status": "active"})
        null_status = await admin.patch(path, json={"status": None})

    problem(draft_to_closed, 422, "invalid_transition")
    assert steps == ["active", "draft", "active", "closed", "active", "closed"]
    problem(closed_to_draft, 422, "invalid_transition")
    assert archived["status"] == "archived"
    assert archived["version"] == 8  # 1 + six moves + archived
    problem(archived_to_active, 422, "invalid_transition")  # archived is final
    problem(null_status, 422, "validation_failed")


async def test_patch_is_a_json_merge_and_a_no_op_keeps_the_version(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(
            admin, cycle_id=w.q1["id"], title="Grow", description="Why", visibility="private"
        )
        path = f"/v1/objectives/{o['id']}"
        renamed = await patch(admin, path, {"title": "Grow faster"})
        same = await admin.patch(path, json={"title": "Grow faster"})
        read_only = await admin.patch(path, json={"id": o["id"]})
        score = await admin.patch(path, json={"score": {"progress": "1"}})

    assert (renamed["title"], renamed["description"], renamed["visibility"]) == (
        "Grow faster",
        "Why",
        "private",
    )
    assert renamed["version"] == 2
    assert same.status_code == 200
    assert same.json()["version"] == 2
    assert problem(read_only, 422, "validation_failed")["errors"][0]["code"] == "read_only"
    assert problem(score, 422, "validation_failed")["errors"][0]["code"] == "unknown_field"


# -- delete or archive ------------------------------------------------------------------------


async def test_delete_without_check_ins_deletes_and_with_check_ins_archives(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        fresh = await objective(admin, cycle_id=w.q1["id"], title="Never measured")
        fresh_kr = await key_result(admin, fresh["id"], title="KR", owner_id=w.rep["id"])
        await post(admin, f"/v1/key-results/{fresh_kr['id']}/actions", {"title": "Task"})
        measured = await objective(admin, cycle_id=w.q1["id"], title="Measured", status="active")
        kr = await key_result(admin, measured["id"], title="KR", owner_id=w.rep["id"], target="10")
        await check_in(admin, kr["id"], value="3")

        deleted = await admin.delete(f"/v1/objectives/{fresh['id']}")
        gone = await admin.get(f"/v1/objectives/{fresh['id']}")
        gone_kr = await admin.get(f"/v1/key-results/{fresh_kr['id']}")
        archived = await admin.delete(f"/v1/objectives/{measured['id']}")
        kept = await get(admin, f"/v1/objectives/{measured['id']}")
        history = await get(admin, f"/v1/key-results/{kr['id']}/check-ins")
        listed = await get(admin, "/v1/objectives?status=archived")

    assert deleted.status_code == 204
    assert deleted.content == b""
    problem(gone, 404, "not_found")
    problem(gone_kr, 404, "not_found")
    assert archived.status_code == 200, archived.text
    assert archived.json()["status"] == "archived"
    assert archived.json()["version"] == 2
    assert archived.headers["etag"].startswith('"2-')
    assert kept == archived.json()
    assert kept["key_results"][0]["current"] == "3"  # history is kept
    assert [c["value"] for c in history["items"]] == ["3"]
    assert ids(listed) == [measured["id"]]


async def test_deleting_an_archived_objective_again_changes_nothing(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        measured = await objective(admin, cycle_id=w.q1["id"], title="Measured", status="active")
        kr = await key_result(admin, measured["id"], title="KR", owner_id=w.rep["id"])
        await check_in(admin, kr["id"], value="1")
        first = await admin.delete(f"/v1/objectives/{measured['id']}")
        again = await admin.delete(f"/v1/objectives/{measured['id']}")
        events = await get(admin, f"/v1/audit-events?resource_id={measured['id']}")

    assert first.status_code == 200
    assert first.json()["version"] == 2
    # DELETE is idempotent: the second one finds it archived and answers the same.
    assert again.status_code == 200
    assert again.json()["version"] == 2
    assert [e["action"] for e in events["items"]] == ["objective.created", "objective.archived"]


async def test_delete_refused_while_objectives_align_to_it(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        top_kr = await key_result(admin, top["id"], title="KR", owner_id=w.head["id"])
        child = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="Child",
            owner=unit(w.sales),
            parent_objective_id=top["id"],
        )
        contributor = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="Contributor",
            owner=unit(w.east),
            parent_key_result_id=top_kr["id"],
        )
        refused = await admin.delete(f"/v1/objectives/{top['id']}")
        await patch(admin, f"/v1/objectives/{child['id']}", {"parent_objective_id": None})
        still_refused = await admin.delete(f"/v1/objectives/{top['id']}")  # the KR's contributor
        await patch(admin, f"/v1/objectives/{contributor['id']}", {"parent_key_result_id": None})
        allowed = await admin.delete(f"/v1/objectives/{top['id']}")

    problem(refused, 409, "objective_has_children")
    problem(still_refused, 409, "objective_has_children")
    assert allowed.status_code == 204


# -- alignment -------------------------------------------------------------------------------


async def test_alignment_goes_upward_or_sideways_to_a_key_result(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        dept = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="Sales",
            owner=unit(w.sales),
            parent_objective_id=top["id"],
        )
        dept_kr = await key_result(admin, dept["id"], title="New customers", owner_id=w.head["id"])
        team = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="East",
            owner=unit(w.east),
            parent_objective_id=dept["id"],
        )
        marketing = await objective(
            admin, cycle_id=w.q1["id"], title="Marketing leads", owner=unit(w.east)
        )
        team_kr = await key_result(admin, team["id"], title="Team KR", owner_id=w.head["id"])
        base = {"cycle_id": w.q1["id"], "owner": unit(w.east)}
        same_level = await admin.post(
            "/v1/objectives", json={**base, "title": "Peer", "parent_objective_id": team["id"]}
        )
        # individual -> company skips levels but still goes upward.
        skipping = await objective(
            admin, cycle_id=w.q1["id"], title="Mine", parent_objective_id=top["id"]
        )
        # Sideways: a team objective contributes to another team's KR (sales <-> marketing).
        sideways = await patch(
            admin, f"/v1/objectives/{marketing['id']}", {"parent_key_result_id": team_kr["id"]}
        )
        # Contributing upward to a department's KR.
        to_dept_kr = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="Rep",
            parent_key_result_id=dept_kr["id"],
        )
        downward_kr = await admin.post(
            "/v1/objectives",
            json={
                "cycle_id": w.q1["id"],
                "title": "Down",
                "owner": unit(w.company),
                "parent_key_result_id": team_kr["id"],
            },
        )
        # Raising the level re-checks the link: a team objective made department-level no
        # longer sits below its department parent.
        raised = await admin.patch(f"/v1/objectives/{team['id']}", json={"level": "department"})
        # marketing contributes to a team KR: as a company objective it would point downward.
        lowered = await admin.patch(f"/v1/objectives/{marketing['id']}", json={"level": "company"})

    assert team["parent_objective_id"] == dept["id"]
    body = problem(same_level, 422, "alignment_level")
    assert body["errors"][0]["field"] == "parent_objective_id"
    assert (body["child_level"], body["parent_level"]) == ("team", "team")
    assert skipping["parent_objective_id"] == top["id"]
    assert sideways["parent_key_result_id"] == team_kr["id"]
    assert to_dept_kr["parent_key_result_id"] == dept_kr["id"]
    assert problem(downward_kr, 422, "alignment_level")["errors"][0]["field"] == (
        "parent_key_result_id"
    )
    problem(raised, 422, "alignment_level")
    problem(lowered, 422, "alignment_level")


async def test_an_alignment_loop_is_refused_with_the_loop(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        d1 = await objective(admin, cycle_id=w.q1["id"], title="D1", owner=unit(w.sales))
        k1 = await key_result(admin, d1["id"], title="K1", owner_id=w.head["id"])
        d2 = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="D2",
            owner=unit(w.sales),
            parent_key_result_id=k1["id"],
        )
        k2 = await key_result(admin, d2["id"], title="K2", owner_id=w.head["id"])
        d3 = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="D3",
            owner=unit(w.sales),
            parent_key_result_id=k2["id"],
        )
        k3 = await key_result(admin, d3["id"], title="K3", owner_id=w.head["id"])
        two = await admin.patch(
            f"/v1/objectives/{d1['id']}", json={"parent_key_result_id": k2["id"]}
        )
        three = await admin.patch(
            f"/v1/objectives/{d1['id']}", json={"parent_key_result_id": k3["id"]}
        )
        own = await admin.patch(
            f"/v1/objectives/{d1['id']}", json={"parent_key_result_id": k1["id"]}
        )
        itself = await admin.patch(
            f"/v1/objectives/{d1['id']}", json={"parent_objective_id": d1["id"]}
        )
        after = await get(admin, f"/v1/objectives/{d1['id']}")

    body = problem(two, 422, "alignment_cycle")
    assert body["cycle"] == [d1["id"], d2["id"], d1["id"]]
    assert body["errors"] == [
        {
            "field": "parent_key_result_id",
            "message": "would create a loop",
            "code": "alignment_cycle",
        }
    ]
    assert problem(three, 422, "alignment_cycle")["cycle"] == [
        d1["id"],
        d3["id"],
        d2["id"],
        d1["id"],
    ]
    assert problem(own, 422, "alignment_cycle")["cycle"] == [d1["id"], d1["id"]]
    # Aligning to itself as an objective is refused too: a department is not above itself.
    problem(itself, 422, "alignment_level")
    assert (after["parent_key_result_id"], after["parent_objective_id"], after["version"]) == (
        None,
        None,
        1,
    )


async def test_alignment_can_be_changed_and_cleared(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        kr = await key_result(admin, top["id"], title="KR", owner_id=w.head["id"])
        mine = await objective(admin, cycle_id=w.q1["id"], title="Mine")
        path = f"/v1/objectives/{mine['id']}"
        linked = await patch(admin, path, {"parent_objective_id": top["id"]})
        both = await admin.patch(path, json={"parent_key_result_id": kr["id"]})
        switched = await patch(
            admin, path, {"parent_objective_id": None, "parent_key_result_id": kr["id"]}
        )
        cleared = await patch(admin, path, {"parent_key_result_id": None})

    assert (linked["parent_objective_id"], linked["parent_key_result_id"]) == (top["id"], None)
    problem(both, 422, "validation_failed")  # one link at a time
    assert (switched["parent_objective_id"], switched["parent_key_result_id"]) == (None, kr["id"])
    assert (cleared["parent_objective_id"], cleared["parent_key_result_id"]) == (None, None)
    assert cleared["version"] == 4


# -- carry-over -------------------------------------------------------------------------------


async def test_copy_into_another_cycle(acme: Tenant, clock: SettableClock) -> None:
    clock.pin(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        w = await build_world(admin)
        top = await objective(admin, cycle_id=w.q1["id"], title="Top", owner=unit(w.company))
        source = await objective(
            admin,
            cycle_id=w.q1["id"],
            title="Grow revenue",
            description="East China first",
            owner={"kind": "member", "id": w.rep["id"]},
            parent_objective_id=top["id"],
            status="active",
            visibility="private",
        )
        customers = await key_result(
            admin,
            source["id"],
            title="New customers",
            owner_id=w.rep["id"],
            unit="customers",
            start="10",
            target="40",
            weight="2",
            confidence=6,
        )
        process = await key_result(
            admin,
            source["id"],
            title="Feedback process",
            owner_id=w.head["id"],
            metric_kind="milestones",
            milestones=[{"title": "Designed", "weight": "1"}, {"title": "Live", "weight": "3"}],
        )
        await check_in(admin, customers["id"], value="25")
        await check_in(admin, process["id"], milestones_done=[process["milestones"][0]["id"]])
        actions = {}
        for title, status in (("Plan", "todo"), ("Visit", "doing"), ("Call", "done")):
            actions[title] = await post(
                admin,
                f"/v1/key-results/{customers['id']}/actions",
                {
                    "title": title,
                    "owner_id": w.rep["id"],
                    "due_date": "2027-03-31",
                    "completion_standard": "done well",
                    "status": status,
                },
            )
        copied = await admin.post(
            f"/v1/objectives/{source['id']}/copy", json={"cycle_id": w.q2["id"]}
        )
        copy = copied.json()
        copy_krs = {kr["title"]: kr for kr in copy["key_results"]}
        copy_actions = await get(
            admin, f"/v1/key-results/{copy_krs['New customers']['id']}/actions"
        )
        copy_history = await get(
            admin, f"/v1/key-results/{copy_krs['New customers']['id']}/check-ins"
        )
        source_after = await get(admin, f"/v1/objectives/{source['id']}")
        handed = await post(
            admin,
            f"/v1/objectives/{source['id']}/copy",
            {"cycle_id": w.q2["id"], "owner_id": w.head["id"]},
        )
        to_nowhere = await admin.post(
            f"/v1/objectives/{source['id']}/copy", json={"cycle_id": w.rep["id"]}
        )
        q2_list = await get(admin, f"/v1/objectives?cycle_id={w.q2['id']}")

    assert copied.status_code == 201, copied.text
    assert copied.headers["location"] == f"/v1/objectives/{copy['id']}"
    assert copy["id"] != source["id"]
    assert copy["cycle_id"] == w.q2["id"]
    assert copy["status"] == "draft"
    assert copy["source_objective_id"] == source["id"]
    assert (copy["title"], copy["description"], copy["owner"]) == (
        "Grow revenue",
        "East China first",
        {"kind": "member", "id": w.rep["id"]},
    )
    assert (copy["level"], copy["visibility"]) == ("individual", "private")
    # Alignment links stay behind: they point into the old cycle.
    assert (copy["parent_objective_id"], copy["parent_key_result_id"]) == (None, None)
    assert copy["version"] == 1
    kr = copy_krs["New customers"]
    assert kr["id"] != customers["id"]
    assert (kr["start"], kr["target"], kr["weight"], kr["unit"], kr["owner_id"]) == (
        "10",
        "40",
        "2",
        "customers",
        w.rep["id"],
    )
    assert kr["due_date"] == "2027-06-30"  # the new cycle's end
    assert (kr["current"], kr["last_check_in_at"], kr["final_score"]) == (None, None, None)
    assert kr["score"]["progress"] == "0.0000"
    milestones = copy_krs["Feedback process"]["milestones"]
    assert [(m["title"], m["weight"], m["done"]) for m in milestones] == [
        ("Designed", "1", False),
        ("Live", "3", False),
    ]
    assert {m["id"] for m in milestones}.isdisjoint({m["id"] for m in process["milestones"]})
    # The actions not done come along (unaccepted); the done one stays behind.
    assert [(a["title"], a["status"], a["accepted_by"]) for a in copy_actions["items"]] == [
        ("Plan", "todo", None),
        ("Visit", "doing", None),
    ]
    assert copy_history == {"items": [], "next_cursor": None}
    assert source_after["status"] == "active"
    assert source_after["version"] == 1
    assert source_after["key_results"][0]["current"] == "25"
    assert handed["owner"] == {"kind": "member", "id": w.head["id"]}
    problem(to_nowhere, 422, "unknown_reference")
    assert ids(q2_list) == [copy["id"], handed["id"]]


async def test_deleting_the_source_of_a_copy_is_not_an_unknown_reference(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        source = await objective(admin, cycle_id=w.q1["id"], title="Carry me over")
        copy = await post(admin, f"/v1/objectives/{source['id']}/copy", {"cycle_id": w.q2["id"]})
        deleted = await admin.delete(f"/v1/objectives/{source['id']}")
        copy_after = await admin.get(f"/v1/objectives/{copy['id']}")

    # Either outcome is coherent: deleted (204, the copy forgets its source) or refused as a
    # conflict with the copy (409); never "a referenced resource does not exist".
    assert deleted.status_code in {204, 409}, deleted.text
    assert copy_after.status_code == 200
    if deleted.status_code == 204:
        assert copy_after.json()["source_objective_id"] is None


# -- closing a cycle's objectives --------------------------------------------------------------


async def test_close_objectives_of_a_cycle_is_for_admins(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        draft = await objective(admin, cycle_id=w.q1["id"], title="Draft")
        active = await objective(admin, cycle_id=w.q1["id"], title="Active", status="active")
        closed = await objective(admin, cycle_id=w.q1["id"], title="Closed", status="active")
        closed = await patch(admin, f"/v1/objectives/{closed['id']}", {"status": "closed"})
        archived = await objective(admin, cycle_id=w.q1["id"], title="Archived")
        archived = await patch(admin, f"/v1/objectives/{archived['id']}", {"status": "archived"})
        other_cycle = await objective(admin, cycle_id=w.q2["id"], title="Q2", status="active")
    async with acme.as_member(w.head["id"], "manager") as head:
        by_manager = await head.post(f"/v1/cycles/{w.q1['id']}/close-objectives")
    async with acme.admin() as admin:
        answer = await admin.post(f"/v1/cycles/{w.q1['id']}/close-objectives")
        no_cycle = await admin.post(f"/v1/cycles/{w.rep['id']}/close-objectives")
        after = {o["title"]: o for o in (await get(admin, "/v1/objectives"))["items"]}
        again = await post(admin, f"/v1/cycles/{w.q1['id']}/close-objectives", {})

    problem(by_manager, 403, "forbidden")
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"closed": [draft["id"], active["id"]]}
    problem(no_cycle, 404, "not_found")
    assert {t: (o["status"], o["version"]) for t, o in after.items()} == {
        "Draft": ("closed", 2),
        "Active": ("closed", 2),
        "Closed": ("closed", closed["version"]),
        "Archived": ("archived", archived["version"]),
        "Q2": ("active", other_cycle["version"]),
    }
    assert again == {"closed": []}


async def test_a_closed_cycles_objectives_are_read_only(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(admin, cycle_id=w.q1["id"], title="Grow", status="active")
        await patch(admin, f"/v1/cycles/{w.q1['id']}", {"state": "closed"})
        renamed = await admin.patch(f"/v1/objectives/{o['id']}", json={"title": "Other"})
        deleted = await admin.delete(f"/v1/objectives/{o['id']}")
        added = await admin.post(
            f"/v1/objectives/{o['id']}/key-results", json={"title": "KR", "owner_id": w.rep["id"]}
        )
        # Carrying it over into the next cycle is what a closed cycle is for.
        carried = await admin.post(f"/v1/objectives/{o['id']}/copy", json={"cycle_id": w.q2["id"]})
        read = await get(admin, f"/v1/objectives/{o['id']}")

    problem(renamed, 422, "cycle_closed")
    problem(deleted, 422, "cycle_closed")
    problem(added, 422, "cycle_closed")
    assert carried.status_code == 201, carried.text
    assert (read["title"], read["version"]) == ("Grow", 1)


# -- concurrency and retries -------------------------------------------------------------------


async def test_if_match_guards_patch_and_delete(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        o = await objective(admin, cycle_id=w.q1["id"], title="Grow")
        path = f"/v1/objectives/{o['id']}"
        fresh = await admin.patch(path, json={"title": "Grow 2"}, headers={"If-Match": '"1"'})
        stale = await admin.patch(path, json={"title": "Grow 3"}, headers={"If-Match": '"1"'})
        weak = await admin.patch(path, json={"title": "Grow 3"}, headers={"If-Match": 'W/"2"'})
        garbage = await admin.patch(path, json={"title": "Grow 4"}, headers={"If-Match": "two"})
        anything = await admin.patch(path, json={"title": "Grow 4"}, headers={"If-Match": "*"})
        stale_delete = await admin.delete(path, headers={"If-Match": '"3"'})
        read = await admin.get(path)
        deleted = await admin.delete(path, headers={"If-Match": read.headers["etag"]})

    assert fresh.status_code == 200
    assert fresh.headers["etag"].startswith('"2-')
    problem(stale, 412, "stale_version")
    assert weak.status_code == 200
    assert weak.headers["etag"].startswith('"3-')
    problem(garbage, 412, "stale_version")
    assert anything.status_code == 200
    problem(stale_delete, 412, "stale_version")
    assert read.json()["title"] == "Grow 4"
    assert read.headers["etag"].startswith('"4-')
    assert deleted.status_code == 204


async def test_idempotency_key_on_create_and_copy(acme: Tenant) -> None:
    async with acme.admin() as admin:
        w = await build_world(admin)
        body = {"cycle_id": w.q1["id"], "title": "Grow"}
        key = {"Idempotency-Key": "create-grow"}
        first = await admin.post("/v1/objectives", json=body, headers=key)
        again = await admin.post("/v1/objectives", json=body, headers=key)
        other = await admin.post("/v1/objectives", json={**body, "title": "Shrink"}, headers=key)
        copy_key = {"Idempotency-Key": "copy-grow"}
        copy_path = f"/v1/objectives/{first.json()['id']}/copy"
        copied = await admin.post(copy_path, json={"cycle_id": w.q2["id"]}, headers=copy_key)
        copied_again = await admin.post(copy_path, json={"cycle_id": w.q2["id"]}, headers=copy_key)
        refused = {"Idempotency-Key": "refused"}
        bad = await admin.post(
            "/v1/objectives", json={**body, "cycle_id": w.rep["id"]}, headers=refused
        )
        bad_again = await admin.post(
            "/v1/objectives", json={**body, "cycle_id": w.rep["id"]}, headers=refused
        )
        listed = await get(admin, "/v1/objectives")

    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["etag"] == first.headers["etag"]
    assert first.headers["etag"].startswith('"1-')
    problem(other, 422, "idempotency_key_reused")
    assert copied.status_code == copied_again.status_code == 201
    assert copied_again.headers["idempotent-replayed"] == "true"
    assert copied_again.json()["id"] == copied.json()["id"]
    problem(bad, 422, "unknown_reference")
    problem(bad_again, 422, "unknown_reference")
    assert bad_again.headers["idempotent-replayed"] == "true"
    assert ids(listed) == [first.json()["id"], copied.json()["id"]]
