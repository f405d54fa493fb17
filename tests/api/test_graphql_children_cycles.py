"""GraphQL `Objective.children` and `Organization.cycles`: what they hold, who sees what, and
a fixed number of SQL statements whatever the number of objectives or cycles (counted like
``test_graphql_okr_counts``: every statement of the second of two identical requests)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from domain.cycles import CycleKind
from domain.okrs import OwnerKind, Visibility
from service import cycles, objectives
from service.pagination import PageRequest
from service.ports import CycleFilter
from tests.api.harness import Tenant
from tests.api.test_graphql import gql, sql_statements
from tests.api.test_graphql_okr_counts import Org, _org

CHILDREN = """
query($cycle: UUID!) {
  objectives(first: 200, filter: { cycleId: $cycle }) {
    nodes {
      title
      children {
        title visibility
        owner { __typename ... on Member { name } }
        score { progress }
        keyResults { title }
        parent { title }
      }
    }
  }
}"""

CYCLES = """
{
  organization {
    name
    cycles(first: 200) {
      nodes { name kind parent { name } }
      pageInfo { hasNextPage }
    }
  }
}"""


async def _add_parents(org: Org, year: UUID, numbers: range) -> None:
    """Per number: the team's public objective for the year, a public child of Report 0 and
    a private one of Report 1 in the quarter."""
    for i in numbers:
        parent = await objectives.create_objective(
            org.deps,
            org.admin,
            objectives.NewObjective(
                cycle_id=year,
                title=f"Parent {i:02}",
                owner_kind=OwnerKind.UNIT,
                owner_id=org.team,
            ),
        )
        for owner, visibility in (
            (org.reports[0], Visibility.PUBLIC),
            (org.reports[1], Visibility.PRIVATE),
        ):
            await objectives.create_objective(
                org.deps,
                org.admin,
                objectives.NewObjective(
                    cycle_id=org.quarter,
                    title=f"Child {i:02} {visibility.value}",
                    owner_id=owner,
                    visibility=visibility,
                    parent_objective_id=parent.objective.id,
                ),
            )


async def _year_of(org: Org) -> UUID:
    """The year cycle ``_org`` made."""
    page = await cycles.list_cycles(
        org.deps, org.admin, CycleFilter(kind=CycleKind.YEAR), PageRequest(limit=200)
    )
    return page.items[0].id


async def _count(
    app: FastAPI, acme: Tenant, token: str, query: str, variables: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    async with acme.client(token) as client:
        await gql(client, query, variables)  # warm the pool: a new connection's set-up
        with sql_statements(app) as seen:
            body = await gql(client, query, variables)
    assert "errors" not in body, body
    return len(seen), body


def _children(body: dict[str, Any]) -> dict[str, list[str]]:
    return {
        n["title"]: [c["title"] for c in n["children"]] for n in body["data"]["objectives"]["nodes"]
    }


async def test_children_run_the_same_statements_for_2_and_20_objectives(
    app: FastAPI, acme: Tenant
) -> None:
    org = await _org(app, acme)
    year = await _year_of(org)
    variables = {"cycle": str(year)}
    admin = acme.token(acme.admin_id, "admin")
    boss = acme.token(org.boss, "manager")
    bystander = acme.token(org.reports[2])

    await _add_parents(org, year, range(2))
    few, small = await _count(app, acme, admin, CHILDREN, variables)
    few_boss, _ = await _count(app, acme, boss, CHILDREN, variables)
    few_other, _ = await _count(app, acme, bystander, CHILDREN, variables)
    await _add_parents(org, year, range(2, 20))
    many, large = await _count(app, acme, admin, CHILDREN, variables)
    many_boss, large_boss = await _count(app, acme, boss, CHILDREN, variables)
    many_other, large_other = await _count(app, acme, bystander, CHILDREN, variables)

    assert len(small["data"]["objectives"]["nodes"]) == 3  # the team's year objective too
    assert _children(large)["Parent 07"] == ["Child 07 public", "Child 07 private"]
    assert len(_children(large)) == 21
    # The year objective `_org` made has no objective aligned to it in this test.
    assert _children(large)["Team A's year"] == []
    first = large["data"]["objectives"]["nodes"][1]["children"][0]
    assert first == {
        "title": "Child 00 public",
        "visibility": "PUBLIC",
        "owner": {"__typename": "Member", "name": "Report 0"},
        "score": {"progress": None},  # no KRs yet
        "keyResults": [],
        "parent": {"title": "Parent 00"},
    }
    # Visibility is the lists' rule: the boss sees his report's private child, another
    # report does not (it is absent, not an error).
    assert large_boss == large
    assert all(
        titles == [f"Child {p[-2:]} public"]
        for p, titles in _children(large_other).items()
        if p.startswith("Parent")
    )
    # The page with its KRs and scores (one statement: each one's cycle, KRs and latest
    # check-ins ride on its row; for a member, which parents they may see), then the
    # children of all parents in one batch with theirs, their owners and parents: the same
    # for 2 parents (4 children) as for 20 (40).
    # Unit-owned objectives' default pacing curves (issue 18) ride on the cycles' statement.
    assert (few, few_boss, few_other) == (many, many_boss, many_other) == (10, 11, 11)


async def test_organization_cycles_run_the_same_statements_for_3_and_20_cycles(
    app: FastAPI, acme: Tenant
) -> None:
    org = await _org(app, acme)  # a year and a quarter
    token = acme.token(acme.admin_id, "admin")
    year = await _year_of(org)

    async def add_month(month: int) -> None:
        end = date(2027, month, 28)
        await cycles.create_cycle(
            org.deps,
            org.admin,
            cycles.NewCycle(f"2027-{month:02}", CycleKind.MONTH, date(2027, month, 1), end, year),
        )

    await add_month(1)  # so that the 3 cycles already ask for a parent
    few, small = await _count(app, acme, token, CYCLES, {})
    for month in range(2, 13):
        await add_month(month)
    for n in range(6):
        start, end = date(2030 + n, 1, 1), date(2030 + n, 12, 31)
        await cycles.create_cycle(
            org.deps, org.admin, cycles.NewCycle(f"{2030 + n}", CycleKind.YEAR, start, end)
        )
    many, large = await _count(app, acme, token, CYCLES, {})

    assert small["data"]["organization"]["cycles"]["nodes"] == [
        {"name": "2027", "kind": "YEAR", "parent": None},
        {"name": "2027 Q1", "kind": "QUARTER", "parent": None},
        {"name": "2027-01", "kind": "MONTH", "parent": {"name": "2027"}},
    ]
    nodes = large["data"]["organization"]["cycles"]["nodes"]
    assert len(nodes) == 20
    assert nodes[13] == {"name": "2027-12", "kind": "MONTH", "parent": {"name": "2027"}}
    assert large["data"]["organization"]["cycles"]["pageInfo"] == {"hasNextPage": False}
    # The organization, the page of cycles, their parents in one batch: 3 for 3 as for 20.
    assert few == many == 3
