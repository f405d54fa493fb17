"""A page of objectives with their KRs, owners and latest check-ins runs a fixed number of
SQL statements whatever the page size (counted like ``test_graphql_batching``: every
statement the app's engine sends during the second of two identical requests).

The OKRs are built through the use cases directly (not over HTTP) to stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import FastAPI

from domain.cycles import CycleKind, CycleState
from domain.members import Role
from domain.okrs import OwnerKind, Visibility
from domain.units import UnitKind
from service import actions, checkins, cycles, key_results, members, objectives, units
from service.auth import Principal
from service.context import Deps
from tests.api.harness import Tenant
from tests.api.test_graphql import gql, sql_statements

PAGE = """
query($cycle: UUID!) {
  objectives(first: 200, filter: { cycleId: $cycle }) {
    nodes {
      title visibility
      cycle { name }
      owner {
        __typename
        ... on Member { name manager { name } }
        ... on OrgUnit { name lead { name } }
      }
      parent { title }
      parentKeyResult { title }
      score { progress grade }
      keyResults {
        title current
        owner { name }
        score { progress }
        latestCheckIn { value authorMember { name } }
        actions { title owner { name } }
      }
    }
    pageInfo { hasNextPage }
  }
}"""


@dataclass(frozen=True)
class Org:
    deps: Deps
    admin: Principal
    boss: UUID
    reports: tuple[UUID, ...]
    team: UUID
    quarter: UUID
    top: UUID
    top_kr: UUID


async def _org(app: FastAPI, acme: Tenant) -> Org:
    """A boss with three reports, a team led by the first, and the team's private objective
    for the year, which the quarter's objectives align to."""
    deps: Deps = app.state.okr.services.deps
    admin = Principal(
        organization_id=acme.organization_id,
        subject=str(acme.admin_id),
        member_id=acme.admin_id,
        roles=frozenset({Role.ADMIN}),
    )
    boss = await members.create_member(
        deps,
        admin,
        members.NewMember(name="Boss", email="boss@example.com", roles=frozenset({Role.MANAGER})),
    )
    reports = [
        await members.create_member(
            deps,
            admin,
            members.NewMember(name=f"Report {i}", email=f"r{i}@example.com", manager_id=boss.id),
        )
        for i in range(3)
    ]
    company = await units.create_unit(deps, admin, units.NewUnit(UnitKind.COMPANY, "Acme"))
    sales = await units.create_unit(
        deps, admin, units.NewUnit(UnitKind.DEPARTMENT, "Sales", company.id, boss.id)
    )
    team = await units.create_unit(
        deps, admin, units.NewUnit(UnitKind.TEAM, "Team A", sales.id, reports[0].id)
    )
    year = await _active_cycle(deps, admin, "2027", CycleKind.YEAR, date(2027, 12, 31))
    quarter = await _active_cycle(deps, admin, "2027 Q1", CycleKind.QUARTER, date(2027, 3, 31))
    top = await objectives.create_objective(
        deps,
        admin,
        objectives.NewObjective(
            cycle_id=year,
            title="Team A's year",
            owner_kind=OwnerKind.UNIT,
            owner_id=team.id,
            visibility=Visibility.PRIVATE,
        ),
    )
    top_kr = await key_results.create_key_result(
        deps,
        admin,
        top.objective.id,
        key_results.NewKeyResult(title="Year KR", owner_id=reports[0].id),
    )
    return Org(
        deps=deps,
        admin=admin,
        boss=boss.id,
        reports=tuple(r.id for r in reports),
        team=team.id,
        quarter=quarter,
        top=top.objective.id,
        top_kr=top_kr.key_result.id,
    )


async def _active_cycle(
    deps: Deps, admin: Principal, name: str, kind: CycleKind, end: date
) -> UUID:
    cycle = await cycles.create_cycle(
        deps, admin, cycles.NewCycle(name, kind, date(2027, 1, 1), end)
    )
    await cycles.update_cycle(deps, admin, cycle.id, cycles.CycleChanges(state=CycleState.ACTIVE))
    return cycle.id


async def _add_objectives(org: Org, numbers: range) -> None:
    """Objectives of the reports (some private, aligned to the team's objective) and of the
    team (contributing to its KR), each with two KRs, a check-in and an action."""
    deps, admin = org.deps, org.admin
    for i in numbers:
        owner = org.reports[i % 3]
        by_team = i % 4 == 0
        created = await objectives.create_objective(
            deps,
            admin,
            objectives.NewObjective(
                cycle_id=org.quarter,
                title=f"Objective {i}",
                owner_kind=OwnerKind.UNIT if by_team else OwnerKind.MEMBER,
                owner_id=org.team if by_team else owner,
                visibility=Visibility.PRIVATE if i % 3 == 0 else Visibility.PUBLIC,
                parent_objective_id=None if by_team else org.top,
                parent_key_result_id=org.top_kr if by_team else None,
            ),
        )
        objective_id = created.objective.id
        first, second = [
            await key_results.create_key_result(
                deps,
                admin,
                objective_id,
                key_results.NewKeyResult(title=f"KR {i}.{k}", owner_id=owner, target=Decimal(10)),
            )
            for k in range(2)
        ]
        await checkins.check_in(
            deps, admin, first.key_result.id, checkins.NewCheckIn(value=Decimal(i % 10))
        )
        await actions.create_action(
            deps,
            admin,
            second.key_result.id,
            actions.NewAction(title=f"Action {i}", owner_id=owner),
        )


async def _count(app: FastAPI, acme: Tenant, token: str, org: Org) -> tuple[int, dict[str, Any]]:
    variables = {"cycle": str(org.quarter)}
    async with acme.client(token) as client:
        await gql(client, PAGE, variables)  # warm the pool: a new connection's set-up
        with sql_statements(app) as seen:
            body = await gql(client, PAGE, variables)
    assert "errors" not in body, body
    return len(seen), body


async def test_a_page_of_objectives_runs_the_same_statements_for_5_and_100(
    app: FastAPI, acme: Tenant
) -> None:
    org = await _org(app, acme)
    admin_token = acme.token(acme.admin_id, "admin")
    boss_token = acme.token(org.boss, "manager")

    await _add_objectives(org, range(5))
    few, small = await _count(app, acme, admin_token, org)
    few_boss, small_boss = await _count(app, acme, boss_token, org)
    await _add_objectives(org, range(5, 100))
    many, large = await _count(app, acme, admin_token, org)
    many_boss, large_boss = await _count(app, acme, boss_token, org)

    assert len(small["data"]["objectives"]["nodes"]) == 5
    nodes = large["data"]["objectives"]["nodes"]
    assert len(nodes) == 100
    # The boss sees every report's objective, private ones included, and the team's.
    assert len(small_boss["data"]["objectives"]["nodes"]) == 5
    assert large_boss == large
    by_title = {n["title"]: n for n in nodes}
    assert by_title["Objective 7"] == {
        "title": "Objective 7",
        "visibility": "PUBLIC",
        "cycle": {"name": "2027 Q1"},
        "owner": {"__typename": "Member", "name": "Report 1", "manager": {"name": "Boss"}},
        "parent": {"title": "Team A's year"},
        "parentKeyResult": None,
        "score": {"progress": "0.3500", "grade": "RED"},
        "keyResults": [
            {
                "title": "KR 7.0",
                "current": "7",
                "owner": {"name": "Report 1"},
                "score": {"progress": "0.7000"},
                "latestCheckIn": {"value": "7", "authorMember": {"name": "admin"}},
                "actions": [],
            },
            {
                "title": "KR 7.1",
                "current": None,
                "owner": {"name": "Report 1"},
                "score": {"progress": "0.0000"},
                "latestCheckIn": None,
                "actions": [{"title": "Action 7", "owner": {"name": "Report 1"}}],
            },
        ],
    }
    team_objective = by_title["Objective 8"]
    assert team_objective["owner"] == {
        "__typename": "OrgUnit",
        "name": "Team A",
        "lead": {"name": "Report 0"},
    }
    assert team_objective["parentKeyResult"] == {"title": "Year KR"}
    # The page with its KRs, scores and latest check-ins (1: each objective's cycle, KRs and
    # latest check-ins ride on its row, and the statement confirms the organization kept);
    # the cycles, the owners (members, units) with their managers and leads, the KR owners
    # and authors; the parents and parent KRs with their scores (5 each); the actions (3):
    # the same for 5 as for 100. The team's objectives set no curve of their own: the owner
    # units' default pacing curves (issue 18) ride on the objectives' rows and on the
    # cycles' statements (the parent KRs' batch reads its cycles with them too): no
    # statement of their own.
    assert few == many == 18
    # A manager (not an admin) also reads the units and their reporting line (one recursive
    # query) for each batch that meets a private objective, and which of the parents and
    # parent KRs it may see (one query: a hidden one reads as none): no statement per node.
    assert few_boss == many_boss == 25
