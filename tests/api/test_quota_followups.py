"""Quota roll-up follow-ups (issue 18): what the roll-up's first cut left.

- Deleting (or archiving) an objective whose KRs others still add into is refused (409
  ``key_result_has_contributors``, naming the contributors the caller may see), never a 500
  from the foreign key.
- ``contributes_to_key_result_id`` reads null to a reader who may not see the KR it points
  at (as a hidden parent link does), in every read of a KR.
- Realigning an objective unlinks its KRs' contributions to KRs of the objective it no
  longer aligns to, in the same transaction, audited.
- KPI views show a sum KR's sum.
- A sum KR takes no check-ins (422 ``sum_key_result``): single, bulk, push URLs, KPI links.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from service.storage.postgres import tables as t
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post
from tests.api.test_graph_races import allow_any_alignment
from tests.api.test_graphql import gql

PLANNING = datetime(2027, 1, 2, 9, 0, tzinfo=UTC)
CNY = {"metric_kind": "currency", "currency": "CNY", "start": "0"}


async def _sql_set_key_result(app: FastAPI, kr_id: str, **values: Any) -> None:
    """Write a KR's row directly: data stored before these rules (a stale contribution)."""
    uow = cast(PostgresUnitOfWorkFactory, app.state.okr.services.deps.uow)
    async with uow._engine.begin() as conn:
        await conn.execute(
            update(t.key_results).where(t.key_results.c.id == kr_id).values(**values)
        )


class World:
    def __init__(self, admin: httpx.AsyncClient, cycle_id: str, rep_id: str) -> None:
        self.admin, self.cycle_id, self.rep_id = admin, cycle_id, rep_id

    async def objective(self, title: str, **body: Any) -> dict[str, Any]:
        owner = {"kind": "member", "id": body.pop("owner_id", self.rep_id)}
        return await objective(
            self.admin,
            cycle_id=self.cycle_id,
            title=title,
            owner=owner,
            status="active",
            **body,
        )

    async def kr(self, objective_id: str, target: str = "1000000", **body: Any) -> dict[str, Any]:
        fields = {"title": "Bookings", "owner_id": self.rep_id, "target": target, **CNY, **body}
        return await key_result(self.admin, objective_id, **fields)


async def _world(admin: httpx.AsyncClient, clock: SettableClock) -> World:
    clock.pin(PLANNING)
    await allow_any_alignment(admin)
    rep = await create_member(admin, "Sales Lead")
    cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-04-01")
    return World(admin, cycle["id"], rep["id"])


def _problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json().get("code", "")


# -- 1. deleting an objective others add into ----------------------------------------------


async def test_deleting_an_objective_whose_kr_a_stale_contribution_adds_into_is_refused(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        loose = await w.objective("Not aligned")
        team = await w.kr(loose["id"])
        # A link kept from an earlier alignment (written before realignment unlinked them).
        await _sql_set_key_result(app, team["id"], contributes_to_key_result_id=quota["id"])
        refused = await admin.delete(f"/v1/objectives/{dept['id']}")
        assert _problem(refused) == (409, "key_result_has_contributors"), refused.text
        assert refused.json()["contributors"] == [
            {"key_result_id": team["id"], "contributes_to_key_result_id": quota["id"]}
        ]
        # Nothing was deleted; unlinked, the delete goes through.
        assert (await get(admin, f"/v1/key-results/{quota['id']}"))["id"] == quota["id"]
        await patch(admin, f"/v1/key-results/{team['id']}", {"contributes_to_key_result_id": None})
        deleted = await admin.delete(f"/v1/objectives/{dept['id']}")
        assert deleted.status_code == 204, deleted.text


async def test_hidden_contributors_are_not_named_in_the_refusal(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        secret = await create_member(admin, "Secret Rep")
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        hidden = await w.objective("Private", owner_id=secret["id"], visibility="private")
        team = await w.kr(hidden["id"], owner_id=secret["id"])
        await _sql_set_key_result(app, team["id"], contributes_to_key_result_id=quota["id"])
    async with acme.as_member(UUID(w.rep_id)) as rep:
        refused = await rep.delete(f"/v1/objectives/{dept['id']}")
        assert _problem(refused) == (409, "key_result_has_contributors"), refused.text
        assert refused.json()["contributors"] == [
            {"key_result_id": "hidden", "contributes_to_key_result_id": quota["id"]}
        ]


async def test_archiving_keeps_the_archived_objectives_contributions_in_the_sum(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        await check_in(admin, team["id"], value="400000")
        archived = await admin.delete(f"/v1/objectives/{team_o['id']}")
        assert archived.status_code == 200, archived.text
        assert archived.json()["status"] == "archived"
        # What the team booked was booked: the department's sum keeps it.
        assert (await get(admin, f"/v1/key-results/{quota['id']}"))["current"] == "400000"
        # The department cannot go while the archived team still aligns to it.
        refused = await admin.delete(f"/v1/objectives/{dept['id']}")
        assert refused.status_code == 409


# -- 2. a hidden target's id -----------------------------------------------------------------


async def test_a_contribution_to_a_kr_the_reader_may_not_see_reads_null(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        secret = await create_member(admin, "Secret Head")
        reader = await create_member(admin, "Reader")
        dept = await w.objective("Private dept", owner_id=secret["id"], visibility="private")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum", owner_id=secret["id"])
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        assert team["contributes_to_key_result_id"] == quota["id"]
    async with acme.as_member(UUID(reader["id"])) as member:
        one = await get(member, f"/v1/key-results/{team['id']}")
        assert one["contributes_to_key_result_id"] is None
        listed = await get(member, f"/v1/objectives/{team_o['id']}/key-results")
        assert [k["contributes_to_key_result_id"] for k in listed["items"]] == [None]
        found = await get(member, f"/v1/key-results?objective_id={team_o['id']}")
        assert [k["contributes_to_key_result_id"] for k in found["items"]] == [None]
        embedded = await get(member, f"/v1/objectives/{team_o['id']}")
        assert embedded["key_results"][0]["contributes_to_key_result_id"] is None
        page = await get(member, f"/v1/objectives?cycle_id={w.cycle_id}")
        assert [o["key_results"][0]["contributes_to_key_result_id"] for o in page["items"]] == [
            None
        ]
        body = await gql(
            member,
            "query($id: UUID!, $o: UUID!) { keyResult(id: $id) { contributesToKeyResultId } "
            "objective(id: $o) { keyResults { contributesToKeyResultId } } }",
            {"id": team["id"], "o": team_o["id"]},
        )
        assert body["data"]["keyResult"]["contributesToKeyResultId"] is None
        assert body["data"]["objective"]["keyResults"][0]["contributesToKeyResultId"] is None
    async with acme.as_member(UUID(secret["id"])) as owner:
        seen = await get(owner, f"/v1/key-results/{team['id']}")
        assert seen["contributes_to_key_result_id"] == quota["id"]


# -- 3. realignment ----------------------------------------------------------------------------


async def test_realigning_unlinks_contributions_to_the_old_parent_audited(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        east = await w.objective("East")
        east_quota = await w.kr(east["id"], target="3000000", aggregation="sum")
        west = await w.objective("West")
        team_o = await w.objective("Team", parent_objective_id=east["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=east_quota["id"])
        other = await w.kr(team_o["id"], title="Pipeline")
        await check_in(admin, team["id"], value="400000")
        # To a KR of the same objective: it still aligns to East, the link stays.
        kept = await patch(
            admin,
            f"/v1/objectives/{team_o['id']}",
            {"parent_objective_id": None, "parent_key_result_id": east_quota["id"]},
        )
        assert kept["key_results"][0]["contributes_to_key_result_id"] == east_quota["id"]
        moved = await patch(
            admin,
            f"/v1/objectives/{team_o['id']}",
            {"parent_key_result_id": None, "parent_objective_id": west["id"]},
        )
        by_id = {k["id"]: k for k in moved["key_results"]}
        assert by_id[team["id"]]["contributes_to_key_result_id"] is None
        assert by_id[team["id"]]["version"] == team["version"] + 1
        assert by_id[other["id"]]["version"] == other["version"]
        assert (await get(admin, f"/v1/key-results/{east_quota['id']}"))["current"] is None
        events = (
            await admin.get(
                "/v1/audit-events",
                params={"resource_type": "key_result", "resource_id": team["id"]},
            )
        ).json()["items"]
        unlinked = [
            e
            for e in events
            if e["action"] == "key_result.updated"
            and e["before"]["contributes_to_key_result_id"] == east_quota["id"]
            and e["after"]["contributes_to_key_result_id"] is None
        ]
        assert len(unlinked) == 1
        # The department can now go (nothing adds into its KR any more).
        assert (await admin.delete(f"/v1/objectives/{east['id']}")).status_code == 204


# -- 4. KPI views of a sum KR --------------------------------------------------------------------


async def test_kpi_views_show_a_sum_krs_sum(
    acme: Tenant, app: FastAPI, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        kpi = await post(
            admin,
            "/v1/kpis",
            {"name": "Bookings", "unit": "CNY", "target": "3000000", "direction": "increase"},
        )
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000")
        linked = await admin.put(f"/v1/key-results/{quota['id']}/kpi", json={"kpi_id": kpi["id"]})
        assert linked.status_code == 200, linked.text
        # A sum KR following a KPI (stored before sum KRs refused KPI links).
        await _sql_set_key_result(app, quota["id"], aggregation="sum")
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        await check_in(admin, team["id"], value="400000")
        listed = await get(admin, f"/v1/kpis/{kpi['id']}/key-results")
        assert [k["current"] for k in listed["items"]] == ["400000"]
        unlinked = await admin.delete(f"/v1/key-results/{quota['id']}/kpi")
        assert unlinked.status_code == 200, unlinked.text
        assert unlinked.json()["current"] == "400000"
        # A measurement reaches no sum KR (its check-in would never show).
        await _sql_set_key_result(app, quota["id"], kpi_id=kpi["id"])
        measured = await admin.post(f"/v1/kpis/{kpi['id']}/measurements", json={"value": "5"})
        assert measured.status_code == 201, measured.text
        history = await get(admin, f"/v1/key-results/{quota['id']}/check-ins")
        assert history["items"] == []


# -- 5. no check-ins on a sum KR ----------------------------------------------------------------


async def test_a_sum_kr_takes_no_check_ins(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        single = await admin.post(f"/v1/key-results/{quota['id']}/check-ins", json={"value": "5"})
        assert _problem(single) == (422, "sum_key_result"), single.text
        bulk = await admin.post(
            "/v1/check-ins/bulk", json={"items": [{"key_result_id": quota["id"], "value": "5"}]}
        )
        assert bulk.status_code == 200, bulk.text
        assert bulk.json()["items"][0]["error"]["code"] == "sum_key_result"
        push_url = await admin.post(
            f"/v1/key-results/{quota['id']}/push-urls", json={"name": "crm"}
        )
        assert _problem(push_url) == (422, "sum_key_result"), push_url.text
        kpi = await post(
            admin,
            "/v1/kpis",
            {"name": "Bookings", "unit": "CNY", "target": "3000000", "direction": "increase"},
        )
        link = await admin.put(f"/v1/key-results/{quota['id']}/kpi", json={"kpi_id": kpi["id"]})
        assert _problem(link) == (422, "sum_key_result"), link.text
        body = await gql(
            admin,
            'mutation($id: UUID!) { checkIn(input: {keyResultId: $id, value: "5"}) '
            "{ checkIn { id } } }",
            {"id": quota["id"]},
        )
        assert body["errors"][0]["extensions"]["code"] == "sum_key_result"


async def test_a_kr_turned_into_a_sum_refuses_its_push_url_and_kpi_link(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000")
        push_url = await post(admin, f"/v1/key-results/{quota['id']}/push-urls", {"name": "crm"})
        await patch(admin, f"/v1/key-results/{quota['id']}", {"aggregation": "sum"})
        async with acme.client() as anonymous:  # the secret in the path is the credential
            pushed = await anonymous.post(f"/v1/push/{push_url['token']}", json={"value": "5"})
        assert _problem(pushed) == (422, "sum_key_result"), pushed.text
        await patch(admin, f"/v1/key-results/{quota['id']}", {"aggregation": "none"})
        kpi = await post(
            admin,
            "/v1/kpis",
            {"name": "Bookings", "unit": "CNY", "target": "3000000", "direction": "increase"},
        )
        linked = await admin.put(f"/v1/key-results/{quota['id']}/kpi", json={"kpi_id": kpi["id"]})
        assert linked.status_code == 200, linked.text
        to_sum = await admin.patch(f"/v1/key-results/{quota['id']}", json={"aggregation": "sum"})
        assert _problem(to_sum) == (422, "sum_key_result"), to_sum.text


# -- carrying a quota over into the next cycle ---------------------------------------------------


async def test_a_copy_adds_into_the_parent_copys_kr_of_the_same_title_else_into_none(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-07-01")
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        copy = f"/v1/objectives/{team_o['id']}/copy"
        # The department not carried over yet: the copy aligns to nothing, adds into nothing
        # (not into last quarter's department KR).
        orphan = await post(admin, copy, {"cycle_id": q2["id"]})
        assert orphan["alignment"] == "unaligned"
        assert orphan["key_results"][0]["contributes_to_key_result_id"] is None
        dept_copy = await post(admin, f"/v1/objectives/{dept['id']}/copy", {"cycle_id": q2["id"]})
        followed = await post(admin, copy, {"cycle_id": q2["id"]})
        assert followed["alignment"] == "followed"
        assert (
            followed["key_results"][0]["contributes_to_key_result_id"]
            == dept_copy["key_results"][0]["id"]
        )


async def test_moving_a_kr_keeps_no_stale_contribution(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        loose = await w.objective("Not aligned")
        # Its contribution would no longer follow its objective's alignment.
        moved = await admin.post(
            f"/v1/key-results/{team['id']}/move", json={"objective_id": loose["id"]}
        )
        assert _problem(moved) == (422, "contribution_not_aligned"), moved.text
        # The KRs adding into it align to its objective, not to the target: refused.
        carried = await admin.post(
            f"/v1/key-results/{quota['id']}/move", json={"objective_id": loose["id"]}
        )
        assert _problem(carried) == (409, "key_result_has_contributors"), carried.text
        assert carried.json()["contributors"] == [
            {"key_result_id": team["id"], "contributes_to_key_result_id": quota["id"]}
        ]


# -- review findings: a sum KR's measure, and moving a KR objectives align to ----------------


async def test_a_kr_others_add_into_keeps_the_measure_they_share(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        team_o = await w.objective("Team", parent_objective_id=dept["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        path = f"/v1/key-results/{quota['id']}"
        for change, field, code in (
            ({"currency": "USD"}, "currency", "unit_mismatch"),
            ({"direction": "decrease", "start": "3000000", "target": "0"}, "direction", None),
        ):
            refused = await admin.patch(path, json=change)
            assert _problem(refused) == (422, "contribution_incompatible"), refused.text
            body = refused.json()
            assert field in [e["field"] for e in body["errors"]]
            if code is not None:
                assert code in [e["code"] for e in body["errors"]]
            assert body["contributors"] == [team["id"]]
        unchanged = await get(admin, path)
        assert (unchanged["currency"], unchanged["version"]) == ("CNY", quota["version"])
        # Its title and target are no measure: they change freely.
        assert (await patch(admin, path, {"target": "3500000"}))["target"] == "3500000"
        # Unlinked, the sum may change its currency (nothing adds into it any more).
        await patch(admin, f"/v1/key-results/{team['id']}", {"contributes_to_key_result_id": None})
        assert (await patch(admin, path, {"currency": "USD"}))["currency"] == "USD"


async def test_moving_a_kr_unlinks_the_contributions_that_followed_it(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as admin:
        w = await _world(admin, clock)
        dept = await w.objective("Department")
        quota = await w.kr(dept["id"], target="3000000", aggregation="sum")
        pipeline = await w.kr(
            dept["id"], title="Pipeline", metric_kind="number", unit="deals", currency=None
        )
        other = await w.objective("Other department")
        # The team aligns to the department through its pipeline KR, and adds into its quota.
        team_o = await w.objective("Team", parent_key_result_id=pipeline["id"])
        team = await w.kr(team_o["id"], contributes_to_key_result_id=quota["id"])
        await check_in(admin, team["id"], value="400000")
        moved = await admin.post(
            f"/v1/key-results/{pipeline['id']}/move", json={"objective_id": other["id"]}
        )
        assert moved.status_code == 200, moved.text
        # The team now serves the other department: its quota link went, audited.
        after = await get(admin, f"/v1/key-results/{team['id']}")
        assert after["contributes_to_key_result_id"] is None
        assert after["version"] == team["version"] + 1
        assert (await get(admin, f"/v1/key-results/{quota['id']}"))["current"] is None
        events = (
            await admin.get(
                "/v1/audit-events",
                params={"resource_type": "key_result", "resource_id": team["id"]},
            )
        ).json()["items"]
        assert [
            e["after"]["contributes_to_key_result_id"]
            for e in events
            if e["action"] == "key_result.updated"
        ] == [None]
