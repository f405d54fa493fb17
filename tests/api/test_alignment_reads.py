"""Alignment reads over REST on a small company whose figures are computed by hand.

The year 2026 with Q1 nested in it; units Acme (company) > Sales (department) with members
Mia (manager) and Ray (reports to Mia); Xu is in no unit. Objectives, created 2026-01-05 and
all active (drafts count in no figure):

    C   company, unit Acme          KRs c1 0->100 (and c2 0->10, added 2026-03-01)
    D   department, unit Sales      roll_up, no KRs, aligned to C
    T1  individual, Ray, in Q1      contributes to c1, KR t1 0->10
    T2  individual, Mia             aligned to D, KR t2 0->4
    P   individual, Ray, private    aligned to D, KR p boolean
    O   individual, Mia             aligned to nothing (an orphan)

Check-ins on 2026-02-01: c1=50, t1=5, t2=1; on 2026-03-01: t2=3, p=true, c1=60.
"Now" is 2026-03-01 12:00 UTC. By hand, now: c1 0.6, c2 0 -> C 0.3; T1 0.5; T2 0.75;
P 1; D rolls up over what the caller sees: (0.75 + 1) / 2 = 0.875 for an admin, 0.75 for
Xu (who may not see P). On 2026-02-15: C 0.5 (c2 did not exist), T2 0.25, P 0, D 0.125.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@dataclass
class Company:
    year: str
    q1: str
    acme_unit: str
    sales: str
    mia: str
    ray: str
    xu: str
    ids: dict[str, str]  # objective and KR ids by their letter names


async def _build(client: httpx.AsyncClient, clock: SettableClock) -> Company:
    clock.pin(datetime(2026, 1, 5, 9, tzinfo=UTC))
    year = await active_cycle(client, "2026", "year", "2026-01-01", "2026-12-31")
    q1 = await active_cycle(
        client, "2026 Q1", "quarter", "2026-01-01", "2026-03-31", parent_id=year["id"]
    )
    acme_unit = await post(client, "/v1/units", {"kind": "company", "name": "Acme"})
    sales = await post(
        client, "/v1/units", {"kind": "department", "name": "Sales", "parent_id": acme_unit["id"]}
    )
    mia = await create_member(client, "Mia")
    ray = await create_member(client, "Ray", manager_id=mia["id"])
    xu = await create_member(client, "Xu")
    for member in (mia, ray):
        response = await client.put(f"/v1/units/{sales['id']}/members/{member['id']}")
        assert response.status_code == 204
    unit = {"kind": "unit", "id": acme_unit["id"]}
    c = await objective(
        client, status="active", cycle_id=year["id"], title="C", owner=unit, level="company"
    )
    c1 = await key_result(client, c["id"], title="c1", target=100, owner_id=mia["id"])
    d = await objective(
        client,
        status="active",
        cycle_id=year["id"],
        title="D",
        owner={"kind": "unit", "id": sales["id"]},
        level="department",
        roll_up=True,
        parent_objective_id=c["id"],
    )
    t1 = await objective(
        client,
        status="active",
        cycle_id=q1["id"],
        title="T1",
        owner={"kind": "member", "id": ray["id"]},
        parent_key_result_id=c1["id"],
    )
    kt1 = await key_result(client, t1["id"], title="t1", target=10, owner_id=ray["id"])
    t2 = await objective(
        client,
        status="active",
        cycle_id=year["id"],
        title="T2",
        owner={"kind": "member", "id": mia["id"]},
        parent_objective_id=d["id"],
    )
    kt2 = await key_result(client, t2["id"], title="t2", target=4, owner_id=mia["id"])
    p = await objective(
        client,
        status="active",
        cycle_id=year["id"],
        title="P",
        owner={"kind": "member", "id": ray["id"]},
        visibility="private",
        parent_objective_id=d["id"],
    )
    kp = await key_result(
        client, p["id"], title="p", metric_kind="boolean", target=1, owner_id=ray["id"]
    )
    o = await objective(
        client,
        status="active",
        cycle_id=year["id"],
        title="O",
        owner={"kind": "member", "id": mia["id"]},
    )
    clock.pin(datetime(2026, 2, 1, 12, tzinfo=UTC))
    await check_in(client, c1["id"], value=50)
    await check_in(client, kt1["id"], value=5)
    await check_in(client, kt2["id"], value=1)
    clock.pin(NOW)
    await check_in(client, kt2["id"], value=3)
    await check_in(client, kp["id"], value=1)
    await check_in(client, c1["id"], value=60)
    c2 = await key_result(client, c["id"], title="c2", target=10, owner_id=mia["id"])
    ids = {
        "C": c["id"], "D": d["id"], "T1": t1["id"], "T2": t2["id"], "P": p["id"], "O": o["id"],
        "c1": c1["id"], "c2": c2["id"],
    }  # fmt: skip
    return Company(year["id"], q1["id"], acme_unit["id"], sales["id"], mia["id"], ray["id"],
                   xu["id"], ids)  # fmt: skip


@pytest.fixture
async def company(acme: Tenant, clock: SettableClock) -> Company:
    async with acme.admin() as client:
        return await _build(client, clock)


def _flat(nodes: list[dict[str, Any]], names: dict[str, str]) -> list[tuple[Any, ...]]:
    """(name, depth, link, progress, parent) depth first."""
    out: list[tuple[Any, ...]] = []

    def visit(node: dict[str, Any], parent: str | None) -> None:
        name = names[node["id"]]
        out.append((name, node["depth"], node["link"], node["progress"], parent))
        for child in node["children"]:
            visit(child, name)

    for root in nodes:
        visit(root, None)
    return out


async def test_the_tree_nests_both_links_with_rolled_up_scores(
    acme: Tenant, company: Company
) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.admin() as client:
        tree = await get(client, f"/v1/cycles/{company.year}/alignment-tree")
    assert tree["count"] == 6
    assert _flat(tree["roots"], names) == [
        ("C", 0, None, "0.3000", None),
        ("D", 1, "aligned", "0.8750", "C"),
        ("T2", 2, "aligned", "0.7500", "D"),
        ("P", 2, "aligned", "1.0000", "D"),
        ("T1", 1, "contributes", "0.5000", "C"),
        ("O", 0, None, None, None),
    ]
    d = tree["roots"][0]["children"][0]
    assert d["rolled_up"] is True
    assert d["grade"] == "green"
    t1 = tree["roots"][0]["children"][1]
    assert t1["via_key_result_id"] == company.ids["c1"]
    assert t1["cycle_id"] == company.q1  # the year's tree takes in its quarters
    c = tree["roots"][0]
    # 2026-03-01 is day 59 of 364: expected 0.1621; 0.3 >= 0.1621 - 0.1: on track.
    assert (c["expected_progress"], c["track_status"], c["grade"]) == (
        "0.1621",
        "on_track",
        "red",
    )


async def test_a_hidden_objective_is_left_out_and_counts_for_nothing(
    acme: Tenant, company: Company
) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.as_member(acme_uuid(company.xu)) as client:
        tree = await get(client, f"/v1/cycles/{company.year}/alignment-tree")
        scores = await get(client, f"/v1/cycles/{company.year}/unit-scores")
    assert tree["count"] == 5
    flat = _flat(tree["roots"], names)
    assert "P" not in [row[0] for row in flat]
    assert ("D", 1, "aligned", "0.7500", "C") in flat  # rolled up from T2 alone
    sales = next(u for u in scores["units"] if u["unit_id"] == company.sales)
    # D 0.75, T1 0.5, T2 0.75 (P unseen, O unscored): 2.0 / 3
    assert sales["own"] == {"score": "0.6667", "objectives": 3}
    assert scores["company"] == {"score": "0.5750", "objectives": 4}


def acme_uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


async def test_rooted_and_cut_trees(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.admin() as client:
        rooted = await get(
            client, f"/v1/cycles/{company.year}/alignment-tree?root_id={company.ids['D']}"
        )
        cut = await get(client, f"/v1/cycles/{company.year}/alignment-tree?depth=1")
        bad = await client.get(f"/v1/cycles/{company.year}/alignment-tree?depth=-1")
        elsewhere = await client.get(
            f"/v1/cycles/{company.q1}/alignment-tree?root_id={company.ids['D']}"
        )
    assert _flat(rooted["roots"], names) == [
        ("D", 0, None, "0.8750", None),
        ("T2", 1, "aligned", "0.7500", "D"),
        ("P", 1, "aligned", "1.0000", "D"),
    ]
    assert [row[0] for row in _flat(cut["roots"], names)] == ["C", "D", "T1", "O"]
    # Cut below D, its roll-up still counts the objectives aligned to it.
    assert _flat(cut["roots"], names)[1] == ("D", 1, "aligned", "0.8750", "C")
    assert bad.status_code == 422
    assert elsewhere.status_code == 404  # D is in the year, not in Q1


async def test_time_travel_reads_the_figures_as_they_stood(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.admin() as client:
        tree = await get(client, f"/v1/cycles/{company.year}/alignment-tree?as_of=2026-02-15")
        c = await get(client, f"/v1/objectives/{company.ids['C']}?as_of=2026-02-15")
        c1 = await get(client, f"/v1/key-results/{company.ids['c1']}?as_of=2026-02-15")
        c2 = await client.get(f"/v1/key-results/{company.ids['c2']}?as_of=2026-02-15")
        early = await client.get(f"/v1/objectives/{company.ids['C']}?as_of=2026-01-01")
        future = await client.get(f"/v1/cycles/{company.year}/alignment-tree?as_of=2026-03-02")
        instant = await get(
            client, f"/v1/key-results/{company.ids['c1']}?as_of=2026-02-01T11:59:59Z"
        )
    assert _flat(tree["roots"], names) == [
        ("C", 0, None, "0.5000", None),
        ("D", 1, "aligned", "0.1250", "C"),
        ("T2", 2, "aligned", "0.2500", "D"),
        ("P", 2, "aligned", "0.0000", "D"),
        ("T1", 1, "contributes", "0.5000", "C"),
        ("O", 0, None, None, None),
    ]
    assert tree["as_of"].startswith("2026-02-15T23:59:59")
    assert [kr["title"] for kr in c["key_results"]] == ["c1"]
    assert c["score"]["progress"] == "0.5000"
    assert c1["current"] == "50"
    assert c1["score"]["score"] == "0.5000"
    assert c2.status_code == 404  # created on 2026-03-01
    assert early.status_code == 404  # C was created on 2026-01-05
    assert future.status_code == 422
    assert future.json()["code"] == "as_of_in_future"
    assert instant["current"] is None  # a second before the first check-in


async def test_unit_and_company_scores(acme: Tenant, company: Company) -> None:
    async with acme.admin() as client:
        scores = await get(client, f"/v1/cycles/{company.year}/unit-scores")
        before = await get(client, f"/v1/cycles/{company.year}/unit-scores?as_of=2026-02-15")
    by_id = {u["unit_id"]: u for u in scores["units"]}
    assert by_id[company.acme_unit]["own"] == {"score": "0.3000", "objectives": 1}
    # Sales: D 0.875, T1 0.5, T2 0.75, P 1 -> 3.125 / 4 = 0.78125, half to even.
    assert by_id[company.sales]["own"] == {"score": "0.7812", "objectives": 4}
    assert by_id[company.sales]["total"] == {"score": "0.7812", "objectives": 4}
    # The company with everything below it: 0.3 + 3.125 = 3.425 / 5.
    assert by_id[company.acme_unit]["total"] == {"score": "0.6850", "objectives": 5}
    assert scores["company"] == {"score": "0.6850", "objectives": 5}
    # 2026-02-15: C 0.5, D 0.125, T1 0.5, T2 0.25, P 0 -> 1.375 / 5.
    assert before["company"] == {"score": "0.2750", "objectives": 5}


async def test_path_orphans_below_unit_and_coverage(acme: Tenant, company: Company) -> None:
    ids = company.ids
    names = {v: k for k, v in ids.items()}
    async with acme.admin() as client:
        path = await get(client, f"/v1/objectives/{ids['T2']}/alignment-path")
        via_kr = await get(client, f"/v1/objectives/{ids['T1']}/alignment-path")
        orphans = await get(client, f"/v1/objectives?cycle_id={company.year}&orphans=true")
        below = await get(client, f"/v1/objectives?below_unit_id={company.sales}")
        coverage = await get(client, f"/v1/cycles/{company.year}/coverage")
    assert [names[o["id"]] for o in path["path"]] == ["T2", "D", "C"]
    assert path["hidden_above"] is False
    assert path["path"][1]["score"]["rolled_up"] is True
    assert path["path"][1]["score"]["progress"] == "0.8750"
    assert [names[o["id"]] for o in via_kr["path"]] == ["T1", "C"]
    assert [names[o["id"]] for o in orphans["items"]] == ["O"]
    assert sorted(names[o["id"]] for o in below["items"]) == ["D", "O", "P", "T1", "T2"]
    sales = next(u for u in coverage["units"] if u["unit_id"] == company.sales)
    assert (sales["objectives"], sales["aligned"], sales["aligned_share"]) == (5, 4, "0.8000")
    assert (sales["members"], sales["members_with_objectives"], sales["members_share"]) == (
        2,
        2,
        "1.0000",
    )
    whole = coverage["company"]
    assert (whole["members"], whole["members_with_objectives"], whole["members_share"]) == (
        4,
        2,
        "0.5000",
    )


async def test_cycle_stats_for_a_retrospective(acme: Tenant, company: Company) -> None:
    async with acme.admin() as client:
        stats = await get(client, f"/v1/cycles/{company.year}/stats")
        sales = await get(client, f"/v1/cycles/{company.year}/stats?unit_id={company.sales}")
    assert stats["objectives"] == 6
    assert stats["objectives_by_grade"] == {"red": 1, "yellow": 1, "green": 3, "none": 1}
    assert stats["key_results"] == 5
    assert stats["key_results_by_grade"] == {"red": 1, "yellow": 2, "green": 2, "none": 0}
    assert (stats["units_with_objectives"], stats["units"]) == (2, 2)
    assert (stats["members_with_objectives"], stats["members"], stats["members_share"]) == (
        2,
        4,
        "0.5000",
    )
    weeks = {w["week"]: (w["check_ins"], w["key_results_updated"]) for w in stats["weeks"]}
    assert len(weeks) == 9  # 2026-03-01 is day 59: the ninth week
    assert weeks[5] == (3, 3)
    assert weeks[9] == (3, 3)
    assert sum(c for c, _ in weeks.values()) == 6
    assert sales["objectives"] == 5  # D, T1, T2, P, O
    assert (sales["members_with_objectives"], sales["members"]) == (2, 2)


async def test_ids_of_another_organization_read_nothing(
    acme: Tenant, globex: Tenant, company: Company
) -> None:
    """Query-parameter ids of acme, sent with a globex token, find nothing of acme."""
    async with globex.admin() as client:
        cycle = await active_cycle(client, "G", "year", "2026-01-01", "2026-12-31")
        tree = await client.get(
            f"/v1/cycles/{cycle['id']}/alignment-tree?root_id={company.ids['C']}"
        )
        stats = await client.get(f"/v1/cycles/{cycle['id']}/stats?unit_id={company.sales}")
        below = await get(client, f"/v1/objectives?below_unit_id={company.sales}")
        theirs = await client.get(f"/v1/cycles/{company.year}/unit-scores")
        path = await client.get(f"/v1/objectives/{company.ids['T2']}/alignment-path")
    assert tree.status_code == 404
    assert stats.status_code == 404
    assert below["items"] == []
    assert theirs.status_code == 404
    assert path.status_code == 404


async def test_a_path_stops_below_an_objective_the_caller_may_not_see(
    acme: Tenant, company: Company
) -> None:
    async with acme.admin() as client:
        hidden = await objective(
            client,
            cycle_id=company.year,
            title="Private plan",
            owner={"kind": "unit", "id": company.sales},
            level="department",
            visibility="private",
            parent_objective_id=company.ids["C"],
        )
        mine = await objective(
            client,
            cycle_id=company.year,
            title="Xu's part",
            owner={"kind": "member", "id": company.xu},
            parent_objective_id=hidden["id"],
        )
        full = await get(client, f"/v1/objectives/{mine['id']}/alignment-path")
    async with acme.as_member(acme_uuid(company.xu)) as client:
        seen = await get(client, f"/v1/objectives/{mine['id']}/alignment-path")
        tree = await get(client, f"/v1/cycles/{company.year}/alignment-tree")
    assert [o["title"] for o in full["path"]] == ["Xu's part", "Private plan", "C"]
    assert full["hidden_above"] is False
    assert [o["title"] for o in seen["path"]] == ["Xu's part"]
    assert seen["hidden_above"] is True
    # In the tree Xu's objective hangs under the hidden one: the branch is cut there, so
    # neither appears for Xu (his own objective is still readable by id and in lists).
    assert "Private plan" not in str(tree)
    assert "Xu's part" not in str(tree)


async def test_drafts_and_archived_objectives_count_in_no_figure(
    acme: Tenant, company: Company
) -> None:
    """A draft child of the roll-up D, a draft and an archived objective of Sales members,
    each with a KR at 0: no figure moves (only the count by state shows them)."""
    figures = ("unit-scores", "coverage", "stats")
    async with acme.admin() as client:
        before = {f: await get(client, f"/v1/cycles/{company.year}/{f}") for f in figures}
        d_before = await get(client, f"/v1/objectives/{company.ids['D']}")
        mia = {"kind": "member", "id": company.mia}
        for title, status in (("Draft under D", "draft"), ("Set aside", "active")):
            extra = await objective(
                client,
                cycle_id=company.year,
                title=title,
                owner=mia,
                status=status,
                parent_objective_id=company.ids["D"],
            )
            k = await key_result(client, extra["id"], title="k", target=10, owner_id=company.mia)
            if status == "active":
                await check_in(client, k["id"], value=0)  # with history, DELETE archives
                archived = await client.delete(f"/v1/objectives/{extra['id']}")
                assert archived.json()["status"] == "archived", archived.text
        after = {f: await get(client, f"/v1/cycles/{company.year}/{f}") for f in figures}
        d_after = await get(client, f"/v1/objectives/{company.ids['D']}")
        tree = await get(client, f"/v1/cycles/{company.year}/alignment-tree")
    assert d_after["score"] == d_before["score"]  # the roll-up ignores them
    assert after["unit-scores"] == before["unit-scores"]
    assert after["coverage"] == before["coverage"]
    states = after["stats"].pop("objectives_by_state")
    assert states == {**before["stats"].pop("objectives_by_state"), "draft": 1, "archived": 1}
    assert after["stats"] == before["stats"]
    assert tree["count"] == 8  # the tree still shows both, with their status
