"""Alignment reads over GraphQL answer what REST answers, on the worked example of
``test_alignment_reads`` (the same use cases behind both: no figure is computed twice).

The tree is flattened depth first over GraphQL; every node's scalars are compared with
REST's nested tree walked in the same order.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import pytest

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import get
from tests.api.test_alignment_reads import Company, _build
from tests.api.test_graphql import codes, gql

NODE = """
  id parentId depth link viaKeyResultId cycleId title level status visibility
  ownerKind ownerId progress grade trackStatus expectedProgress rolledUp
"""
TREE = (
    """
query($cycle: UUID!, $root: UUID, $depth: Int, $asOf: String) {
  alignmentTree(cycleId: $cycle, rootId: $root, depth: $depth, asOf: $asOf) {
    cycleId asOf rootId depth count cycle { id }
    nodes {"""
    + NODE
    + """}
  }
}"""
)
TREE_WITH_OBJECTIVES = """
query($cycle: UUID!) {
  alignmentTree(cycleId: $cycle) {
    nodes { title objective { id title score { rolledUp } keyResults { title } } }
  }
}"""
UNIT_SCORES = """
query($cycle: UUID!, $asOf: String) {
  unitScores(cycleId: $cycle, asOf: $asOf) {
    cycleId asOf
    company { score objectives }
    units {
      unitId name kind parentId unit { id name }
      own { score objectives } total { score objectives }
    }
  }
}"""
COVERAGE = """
query($cycle: UUID!) {
  alignmentCoverage(cycleId: $cycle) {
    cycleId
    company { ...coverage }
    units { ...coverage }
  }
}
fragment coverage on UnitCoverage {
  unitId name objectives aligned alignedShare members membersWithObjectives membersShare
}"""
STATS = """
query($cycle: UUID!, $unit: UUID, $asOf: String) {
  cycleStats(cycleId: $cycle, unitId: $unit, asOf: $asOf) {
    cycleId unitId asOf objectives keyResults
    objectivesByGrade { grade count }
    objectivesByTrackStatus { trackStatus count }
    objectivesByState { status count }
    keyResultsByGrade { grade count }
    keyResultsByTrackStatus { trackStatus count }
    unitsWithObjectives units unitsShare membersWithObjectives members membersShare
    weeks { week startsOn checkIns keyResultsUpdated }
  }
}"""
PATH = """
query($id: UUID!, $asOf: String) {
  objective(id: $id) {
    alignmentPath(asOf: $asOf) {
      hiddenAbove
      path { id title score { progress rolledUp } keyResults { title } }
    }
  }
}"""
OBJECTIVE_AS_OF = """
query($id: UUID!, $asOf: String) {
  objective(id: $id, asOf: $asOf) {
    title keyResults { title current } score { progress grade rolledUp }
  }
}"""
KEY_RESULT_AS_OF = """
query($id: UUID!, $asOf: String) {
  keyResult(id: $id, asOf: $asOf) { title current score { progress score } }
}"""
OBJECTIVES = """
query($filter: ObjectiveFilterInput) {
  objectives(first: 50, filter: $filter) { nodes { id title score { rolledUp } } }
}"""


@pytest.fixture
async def company(acme: Tenant, clock: SettableClock) -> Company:
    async with acme.admin() as client:
        return await _build(client, clock)


def _data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


def _upper(value: str | None) -> str | None:
    return value.upper() if value is not None else None


def _rest_nodes(roots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """REST's nested tree, depth first, in the shape of a GraphQL ``AlignmentNode``."""
    out: list[dict[str, Any]] = []

    def visit(n: dict[str, Any], parent: str | None) -> None:
        out.append(
            {
                "id": n["id"],
                "parentId": parent,
                "depth": n["depth"],
                "link": _upper(n["link"]),
                "viaKeyResultId": n["via_key_result_id"],
                "cycleId": n["cycle_id"],
                "title": n["title"],
                "level": _upper(n["level"]),
                "status": _upper(n["status"]),
                "visibility": _upper(n["visibility"]),
                "ownerKind": _upper(n["owner"]["kind"]),
                "ownerId": n["owner"]["id"],
                "progress": n["progress"],
                "grade": _upper(n["grade"]),
                "trackStatus": _upper(n["track_status"]),
                "expectedProgress": n["expected_progress"],
                "rolledUp": n["rolled_up"],
            }
        )
        for child in n["children"]:
            visit(child, n["id"])

    for root in roots:
        visit(root, None)
    return out


def _rows(nodes: list[dict[str, Any]], names: dict[str, str]) -> list[tuple[Any, ...]]:
    """(name, depth, link, progress, parent name), as ``test_alignment_reads._flat``."""
    return [
        (
            names[n["id"]],
            n["depth"],
            n["link"],
            n["progress"],
            names[n["parentId"]] if n["parentId"] else None,
        )
        for n in nodes
    ]


async def _both_trees(
    client: httpx.AsyncClient, cycle: str, query: str = "", **variables: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The tree over GraphQL and over REST, with the same arguments."""
    tree = _data(await gql(client, TREE, {"cycle": cycle, **variables}), "alignmentTree")
    rest = await get(client, f"/v1/cycles/{cycle}/alignment-tree{query}")
    assert tree["nodes"] == _rest_nodes(rest["roots"])
    assert (tree["cycleId"], tree["rootId"], tree["depth"], tree["count"]) == (
        rest["cycle_id"],
        rest["root_id"],
        rest["depth"],
        rest["count"],
    )
    assert tree["cycle"] == {"id": cycle}
    return tree, rest


# -- the tree ------------------------------------------------------------------------------


async def test_the_tree_flattened_equals_rest_for_an_admin(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.admin() as client:
        tree, _ = await _both_trees(client, company.year)
        deep = _data(
            await gql(client, TREE_WITH_OBJECTIVES, {"cycle": company.year}), "alignmentTree"
        )
    assert tree["count"] == 6
    assert tree["asOf"] is None
    assert _rows(tree["nodes"], names) == [
        ("C", 0, None, "0.3000", None),
        ("D", 1, "ALIGNED", "0.8750", "C"),
        ("T2", 2, "ALIGNED", "0.7500", "D"),
        ("P", 2, "ALIGNED", "1.0000", "D"),
        ("T1", 1, "CONTRIBUTES", "0.5000", "C"),
        ("O", 0, None, None, None),
    ]
    by_name = {names[n["id"]]: n for n in tree["nodes"]}
    assert by_name["D"]["rolledUp"] is True
    assert by_name["D"]["grade"] == "GREEN"
    assert by_name["T1"]["viaKeyResultId"] == company.ids["c1"]
    assert by_name["T1"]["cycleId"] == company.q1
    assert (
        by_name["C"]["expectedProgress"],
        by_name["C"]["trackStatus"],
        by_name["C"]["grade"],
    ) == ("0.1621", "ON_TRACK", "RED")
    # Each node's whole objective, through the objective loader.
    assert [n["objective"]["title"] for n in deep["nodes"]] == ["C", "D", "T2", "P", "T1", "O"]
    assert deep["nodes"][0]["objective"]["keyResults"] == [{"title": "c1"}, {"title": "c2"}]
    assert deep["nodes"][1]["objective"]["score"] == {"rolledUp": True}


async def test_a_hidden_objective_is_left_out_for_xu(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    async with acme.as_member(UUID(company.xu)) as client:
        tree, _ = await _both_trees(client, company.year)
    assert tree["count"] == 5
    rows = _rows(tree["nodes"], names)
    assert "P" not in [row[0] for row in rows]
    assert ("D", 1, "ALIGNED", "0.7500", "C") in rows


async def test_rooted_and_cut_trees(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    d = company.ids["D"]
    async with acme.admin() as client:
        rooted, _ = await _both_trees(client, company.year, f"?root_id={d}", root=d)
        cut, _ = await _both_trees(client, company.year, "?depth=1", depth=1)
        roots_only, _ = await _both_trees(client, company.year, "?depth=0", depth=0)
        bad = await gql(client, TREE, {"cycle": company.year, "depth": -1})
        elsewhere = await gql(client, TREE, {"cycle": company.q1, "root": d})
    assert _rows(rooted["nodes"], names) == [
        ("D", 0, None, "0.8750", None),
        ("T2", 1, "ALIGNED", "0.7500", "D"),
        ("P", 1, "ALIGNED", "1.0000", "D"),
    ]
    assert rooted["rootId"] == d
    assert [row[0] for row in _rows(cut["nodes"], names)] == ["C", "D", "T1", "O"]
    assert _rows(cut["nodes"], names)[1] == ("D", 1, "ALIGNED", "0.8750", "C")
    assert [row[0] for row in _rows(roots_only["nodes"], names)] == ["C", "O"]
    assert codes(bad) == ["validation_failed"]
    assert bad["errors"][0]["extensions"]["errors"][0]["field"] == "depth"
    assert codes(elsewhere) == ["not_found"]  # D is in the year, not in Q1


# -- time travel ---------------------------------------------------------------------------


async def test_time_travel_reads_the_figures_as_they_stood(acme: Tenant, company: Company) -> None:
    names = {v: k for k, v in company.ids.items()}
    ids = company.ids
    async with acme.admin() as client:
        tree, rest = await _both_trees(client, company.year, "?as_of=2026-02-15", asOf="2026-02-15")
        then = {"asOf": "2026-02-15"}
        c = _data(await gql(client, OBJECTIVE_AS_OF, {"id": ids["C"], **then}), "objective")
        c_now = _data(await gql(client, OBJECTIVE_AS_OF, {"id": ids["C"]}), "objective")
        c1 = _data(await gql(client, KEY_RESULT_AS_OF, {"id": ids["c1"], **then}), "keyResult")
        c2 = await gql(client, KEY_RESULT_AS_OF, {"id": ids["c2"], **then})
        early = await gql(client, OBJECTIVE_AS_OF, {"id": ids["C"], "asOf": "2026-01-01"})
        future = await gql(client, TREE, {"cycle": company.year, "asOf": "2026-03-02"})
        bad = await gql(client, TREE, {"cycle": company.year, "asOf": "last week"})
        bad_date = await gql(client, OBJECTIVE_AS_OF, {"id": ids["C"], "asOf": "2026-02-30"})
        instant = _data(
            await gql(client, KEY_RESULT_AS_OF, {"id": ids["c1"], "asOf": "2026-02-01T11:59:59Z"}),
            "keyResult",
        )
        scores = _data(
            await gql(client, UNIT_SCORES, {"cycle": company.year, "asOf": "2026-02-15"}),
            "unitScores",
        )
    assert _rows(tree["nodes"], names) == [
        ("C", 0, None, "0.5000", None),
        ("D", 1, "ALIGNED", "0.1250", "C"),
        ("T2", 2, "ALIGNED", "0.2500", "D"),
        ("P", 2, "ALIGNED", "0.0000", "D"),
        ("T1", 1, "CONTRIBUTES", "0.5000", "C"),
        ("O", 0, None, None, None),
    ]
    assert tree["asOf"].startswith("2026-02-15T23:59:59")
    assert rest["as_of"].startswith("2026-02-15T23:59:59")
    assert c["keyResults"] == [{"title": "c1", "current": "50"}]
    assert c["score"]["progress"] == "0.5000"
    assert [kr["title"] for kr in c_now["keyResults"]] == ["c1", "c2"]
    assert c1["current"] == "50"
    assert c1["score"]["score"] == "0.5000"
    assert codes(c2) == ["not_found"]  # created on 2026-03-01
    assert codes(early) == ["not_found"]  # C was created on 2026-01-05
    assert codes(future) == ["as_of_in_future"]
    assert codes(bad) == ["validation_failed"]
    assert bad["errors"][0]["extensions"]["errors"][0]["field"] == "asOf"
    assert codes(bad_date) == ["validation_failed"]
    assert instant["current"] is None  # a second before the first check-in
    assert scores["company"] == {"score": "0.2750", "objectives": 5}


# -- figures -------------------------------------------------------------------------------


def _rest_unit_scores(rest: dict[str, Any]) -> dict[str, Any]:
    return {
        "company": rest["company"],
        "units": [
            {
                "unitId": u["unit_id"],
                "name": u["name"],
                "kind": u["kind"].upper(),
                "parentId": u["parent_id"],
                "unit": {"id": u["unit_id"], "name": u["name"]},
                "own": u["own"],
                "total": u["total"],
            }
            for u in rest["units"]
        ],
    }


async def test_unit_and_company_scores_equal_rest(acme: Tenant, company: Company) -> None:
    async with acme.admin() as admin:
        scores = _data(await gql(admin, UNIT_SCORES, {"cycle": company.year}), "unitScores")
        rest = await get(admin, f"/v1/cycles/{company.year}/unit-scores")
        before = _data(
            await gql(admin, UNIT_SCORES, {"cycle": company.year, "asOf": "2026-02-15"}),
            "unitScores",
        )
        rest_before = await get(admin, f"/v1/cycles/{company.year}/unit-scores?as_of=2026-02-15")
    async with acme.as_member(UUID(company.xu)) as xu:
        xu_scores = _data(await gql(xu, UNIT_SCORES, {"cycle": company.year}), "unitScores")
        xu_rest = await get(xu, f"/v1/cycles/{company.year}/unit-scores")
    for graph, body in ((scores, rest), (before, rest_before), (xu_scores, xu_rest)):
        assert {k: graph[k] for k in ("company", "units")} == _rest_unit_scores(body)
        assert graph["cycleId"] == company.year
    by_id = {u["unitId"]: u for u in scores["units"]}
    assert by_id[company.sales]["own"] == {"score": "0.7812", "objectives": 4}
    assert by_id[company.acme_unit]["total"] == {"score": "0.6850", "objectives": 5}
    assert scores["company"] == {"score": "0.6850", "objectives": 5}
    assert scores["asOf"] is None
    assert before["company"] == {"score": "0.2750", "objectives": 5}
    assert before["asOf"].startswith("2026-02-15T23:59:59")
    # Xu may not see P: it counts for nothing.
    assert xu_scores["company"] == {"score": "0.5750", "objectives": 4}


def _rest_coverage(c: dict[str, Any] | None) -> dict[str, Any] | None:
    if c is None:
        return None
    return {
        "unitId": c["unit_id"],
        "name": c["name"],
        "objectives": c["objectives"],
        "aligned": c["aligned"],
        "alignedShare": c["aligned_share"],
        "members": c["members"],
        "membersWithObjectives": c["members_with_objectives"],
        "membersShare": c["members_share"],
    }


async def test_coverage_equals_rest(acme: Tenant, company: Company) -> None:
    async with acme.admin() as client:
        coverage = _data(await gql(client, COVERAGE, {"cycle": company.year}), "alignmentCoverage")
        rest = await get(client, f"/v1/cycles/{company.year}/coverage")
    assert coverage == {
        "cycleId": company.year,
        "company": _rest_coverage(rest["company"]),
        "units": [_rest_coverage(u) for u in rest["units"]],
    }
    sales = next(u for u in coverage["units"] if u["unitId"] == company.sales)
    assert (sales["objectives"], sales["aligned"], sales["alignedShare"]) == (5, 4, "0.8000")
    assert (sales["members"], sales["membersWithObjectives"], sales["membersShare"]) == (
        2,
        2,
        "1.0000",
    )
    assert coverage["company"]["membersShare"] == "0.5000"


def _tally(pairs: list[dict[str, Any]], key: str) -> dict[str, int]:
    """``[{grade: RED, count: 1}, {grade: null, count: 0}]`` -> REST's ``{"red": 1, "none": 0}``."""
    return {(p[key] or "none").lower(): p["count"] for p in pairs}


async def test_cycle_stats_equal_rest(acme: Tenant, company: Company) -> None:
    async with acme.admin() as client:
        whole = _data(await gql(client, STATS, {"cycle": company.year}), "cycleStats")
        rest = await get(client, f"/v1/cycles/{company.year}/stats")
        sales = _data(
            await gql(client, STATS, {"cycle": company.year, "unit": company.sales}), "cycleStats"
        )
        rest_sales = await get(client, f"/v1/cycles/{company.year}/stats?unit_id={company.sales}")
        before = _data(
            await gql(client, STATS, {"cycle": company.year, "asOf": "2026-02-15"}), "cycleStats"
        )
        rest_before = await get(client, f"/v1/cycles/{company.year}/stats?as_of=2026-02-15")
        unknown = await gql(client, STATS, {"cycle": company.year, "unit": company.mia})
    for graph, body in ((whole, rest), (sales, rest_sales), (before, rest_before)):
        assert graph["cycleId"] == body["cycle_id"]
        assert graph["unitId"] == body["unit_id"]
        for name in ("objectives", "key_results", "units", "members"):
            camel = {"key_results": "keyResults"}.get(name, name)
            assert graph[camel] == body[name]
        assert _tally(graph["objectivesByGrade"], "grade") == body["objectives_by_grade"]
        assert (
            _tally(graph["objectivesByTrackStatus"], "trackStatus")
            == body["objectives_by_track_status"]
        )
        assert _tally(graph["keyResultsByGrade"], "grade") == body["key_results_by_grade"]
        assert (
            _tally(graph["keyResultsByTrackStatus"], "trackStatus")
            == body["key_results_by_track_status"]
        )
        states = {k: v for k, v in _tally(graph["objectivesByState"], "status").items() if v}
        assert states == body["objectives_by_state"]
        assert (
            graph["unitsWithObjectives"],
            graph["unitsShare"],
            graph["membersWithObjectives"],
            graph["membersShare"],
        ) == (
            body["units_with_objectives"],
            body["units_share"],
            body["members_with_objectives"],
            body["members_share"],
        )
        assert graph["weeks"] == [
            {
                "week": w["week"],
                "startsOn": w["starts_on"],
                "checkIns": w["check_ins"],
                "keyResultsUpdated": w["key_results_updated"],
            }
            for w in body["weeks"]
        ]
    assert whole["objectives"] == 6
    assert whole["objectivesByGrade"] == [
        {"grade": "RED", "count": 1},
        {"grade": "YELLOW", "count": 1},
        {"grade": "GREEN", "count": 3},
        {"grade": None, "count": 1},
    ]
    assert {"status": "ACTIVE", "count": 6} in whole["objectivesByState"]
    assert len(whole["weeks"]) == 9
    assert sales["objectives"] == 5
    assert sales["unitId"] == company.sales
    assert codes(unknown) == ["not_found"]  # a member's id is no unit


# -- path, filters, roll-up flag -----------------------------------------------------------


async def test_path_filters_and_rolled_up(acme: Tenant, company: Company) -> None:
    ids = company.ids
    names = {v: k for k, v in ids.items()}
    async with acme.admin() as client:
        path = _data(await gql(client, PATH, {"id": ids["T2"]}), "objective")["alignmentPath"]
        rest_path = await get(client, f"/v1/objectives/{ids['T2']}/alignment-path")
        via_kr = _data(await gql(client, PATH, {"id": ids["T1"]}), "objective")["alignmentPath"]
        then = {"id": ids["T2"], "asOf": "2026-02-15"}
        before = _data(await gql(client, PATH, then), "objective")["alignmentPath"]
        future = await gql(client, PATH, {"id": ids["T2"], "asOf": "2027-01-01"})
        orphans = _data(
            await gql(client, OBJECTIVES, {"filter": {"cycleId": company.year, "orphans": True}}),
            "objectives",
        )
        below = _data(
            await gql(client, OBJECTIVES, {"filter": {"belowUnitId": company.sales}}),
            "objectives",
        )
        everything = _data(await gql(client, OBJECTIVES, {}), "objectives")
    assert [names[o["id"]] for o in path["path"]] == ["T2", "D", "C"]
    assert [o["id"] for o in path["path"]] == [o["id"] for o in rest_path["path"]]
    assert path["hiddenAbove"] is rest_path["hidden_above"] is False
    assert path["path"][1]["score"] == {"progress": "0.8750", "rolledUp": True}
    assert path["path"][0]["score"] == {"progress": "0.7500", "rolledUp": False}
    assert [names[o["id"]] for o in via_kr["path"]] == ["T1", "C"]
    assert [o["score"]["progress"] for o in before["path"]] == ["0.2500", "0.1250", "0.5000"]
    assert [kr["title"] for kr in before["path"][2]["keyResults"]] == ["c1"]
    assert codes(future) == ["as_of_in_future"]
    assert [names[o["id"]] for o in orphans["nodes"]] == ["O"]
    assert sorted(names[o["id"]] for o in below["nodes"]) == ["D", "O", "P", "T1", "T2"]
    rolled = {names[o["id"]]: o["score"]["rolledUp"] for o in everything["nodes"]}
    assert rolled == {"C": False, "D": True, "T1": False, "T2": False, "P": False, "O": False}


async def test_ids_of_another_organization_read_nothing(
    acme: Tenant, globex: Tenant, company: Company
) -> None:
    async with globex.admin() as client:
        tree = await gql(client, TREE, {"cycle": company.year})
        rooted = await gql(client, TREE, {"cycle": company.year, "root": company.ids["C"]})
        scores = await gql(client, UNIT_SCORES, {"cycle": company.year})
        coverage = await gql(client, COVERAGE, {"cycle": company.year})
        stats = await gql(client, STATS, {"cycle": company.year})
        path = await gql(client, PATH, {"id": company.ids["T2"]})
        below = await gql(client, OBJECTIVES, {"filter": {"belowUnitId": company.sales}})
    for body in (tree, rooted, scores, coverage, stats, path):
        assert codes(body) == ["not_found"], body
    assert _data(below, "objectives")["nodes"] == []
