"""GraphQL's unit and cycle edges load in batches: the SQL count does not grow with the nodes.

Counted like the members' DataLoader test in ``test_graphql_limits.py``: every statement the
app's engine sends while the second of two identical requests runs (the first warms the pool).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.harness import Tenant
from tests.api.test_graphql import gql, new_member, sql_statements

UNITS_WITH_EDGES = (
    "{ units(first: 200) { nodes { name parent { name } lead { name } members { name } } } }"
)
CYCLES_WITH_PARENTS = "{ cycles(first: 200) { nodes { name parent { name } } } }"

CREATE_UNIT = """
mutation($input: CreateUnitInput!) { createUnit(input: $input) { unit { id } } }"""
CREATE_CYCLE = """
mutation($input: CreateCycleInput!) { createCycle(input: $input) { cycle { id } } }"""


async def _statements_for(app: FastAPI, acme: Tenant, query: str) -> tuple[int, dict[str, Any]]:
    async with acme.admin() as client:
        await gql(client, query)  # warm the pool: a new connection's set-up is not the query's
        with sql_statements(app) as seen:
            body = await gql(client, query)
    assert "errors" not in body, body
    return len(seen), body


async def _new_unit(
    client: httpx.AsyncClient, kind: str, name: str, parent_id: str | None, members: int
) -> str:
    """A unit led by its first member, with ``members`` members of its own."""
    people = [await new_member(client, f"{name} Person {i}") for i in range(members)]
    fields: dict[str, Any] = {"kind": kind, "name": name, "parentId": parent_id}
    if people:
        fields["leadId"] = people[0]["id"]
    body = await gql(client, CREATE_UNIT, {"input": fields})
    assert "errors" not in body, body
    unit_id: str = body["data"]["createUnit"]["unit"]["id"]
    for person in people:
        added = await client.put(f"/v1/units/{unit_id}/members/{person['id']}")
        assert added.status_code < 300, added.text
    return unit_id


async def _add_departments(
    acme: Tenant, company_id: str, departments: range, teams_each: int
) -> None:
    async with acme.admin() as client:
        for d in departments:
            department = await _new_unit(client, "DEPARTMENT", f"Dept {d}", company_id, 2)
            for t in range(teams_each):
                await _new_unit(client, "TEAM", f"Team {d}.{t}", department, 3)


async def test_units_parents_leads_and_members_load_in_a_fixed_number_of_statements(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.admin() as client:
        company = await _new_unit(client, "COMPANY", "Acme", None, 2)
    await _add_departments(acme, company, range(1), teams_each=1)  # 3 units
    few, small = await _statements_for(app, acme, UNITS_WITH_EDGES)
    await _add_departments(acme, company, range(1, 4), teams_each=8)  # 3 + 3 * 9 = 30 units
    many, large = await _statements_for(app, acme, UNITS_WITH_EDGES)

    assert len(small["data"]["units"]["nodes"]) == 3
    nodes = large["data"]["units"]["nodes"]
    assert len(nodes) == 30
    by_name = {n["name"]: n for n in nodes}
    assert by_name["Acme"] == {
        "name": "Acme",
        "parent": None,
        "lead": {"name": "Acme Person 0"},
        "members": [{"name": "Acme Person 0"}, {"name": "Acme Person 1"}],
    }
    assert by_name["Team 3.7"] == {
        "name": "Team 3.7",
        "parent": {"name": "Dept 3"},
        "lead": {"name": "Team 3.7 Person 0"},
        "members": [{"name": f"Team 3.7 Person {i}"} for i in range(3)],
    }
    assert by_name["Dept 2"]["parent"] == {"name": "Acme"}
    # The page, the parents, the leads, the memberships, the members: 3 units or 30.
    assert few == many == 5


async def _add_years(acme: Tenant, years: range, quarters: int) -> None:
    async with acme.admin() as client:
        for year in years:
            created = await gql(
                client,
                CREATE_CYCLE,
                {
                    "input": {
                        "name": f"FY{year}",
                        "kind": "YEAR",
                        "startDate": f"{year}-01-01",
                        "endDate": f"{year}-12-31",
                    }
                },
            )
            year_id = created["data"]["createCycle"]["cycle"]["id"]
            for q in range(quarters):
                start = date(year, 3 * q + 1, 1)
                end = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
                body = await gql(
                    client,
                    CREATE_CYCLE,
                    {
                        "input": {
                            "name": f"FY{year} Q{q + 1}",
                            "kind": "QUARTER",
                            "startDate": start.isoformat(),
                            "endDate": date.fromordinal(end.toordinal() - 1).isoformat(),
                            "parentId": year_id,
                        }
                    },
                )
                assert "errors" not in body, body


async def test_cycle_parents_load_in_a_fixed_number_of_statements(
    app: FastAPI, acme: Tenant
) -> None:
    await _add_years(acme, range(2030, 2031), quarters=2)  # 2 quarters
    few, small = await _statements_for(app, acme, CYCLES_WITH_PARENTS)
    await _add_years(acme, range(2031, 2037), quarters=3)  # 2 + 6 * 3 = 20 quarters
    many, large = await _statements_for(app, acme, CYCLES_WITH_PARENTS)

    assert len(small["data"]["cycles"]["nodes"]) == 3
    nodes = large["data"]["cycles"]["nodes"]
    quarters = [n for n in nodes if n["parent"] is not None]
    assert len(quarters) == 20
    assert len(nodes) == 27
    assert {"name": "FY2034 Q3", "parent": {"name": "FY2034"}} in nodes
    assert {"name": "FY2036", "parent": None} in nodes
    # The page and the parents: the same count for 2 quarters as for 20.
    assert few == many == 2
