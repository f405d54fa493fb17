"""One shape of a KPI for both adapters: REST and GraphQL refuse the same input the same way.

The KPI bodies (``api.kpis.shapes``) are REST's and, through ``strawberry.pydantic``,
GraphQL's inputs: a value pydantic refuses is the same field error in both, unstorable text
is refused at the door in both, and the text bounds (``domain.limits``) are the domain's in
both. An update tells a field left out from one sent as ``null``.
"""

from __future__ import annotations

import json
from typing import Any

from domain.limits import KPI_NAME_MAX_LENGTH, KPI_NOTE_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql

JSON = {"content-type": "application/json"}
REVENUE = {"name": "月销售额 Monthly revenue", "unit": "CNY", "target": "2000000"}
CREATE = "mutation($input: CreateKpiInput!) { createKpi(input: $input) { kpi { id name } } }"
UPDATE = """
mutation($input: UpdateKpiInput!) {
  updateKpi(input: $input) { kpi { name unit target version } }
}"""
RECORD = """
mutation($input: RecordKpiMeasurementInput!) {
  recordKpiMeasurement(input: $input) { measurement { value note } kpiId: kpi { id } }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


def graphql_errors(body: dict[str, Any]) -> list[tuple[str, str]]:
    assert codes(body) == ["validation_failed"], body
    return field_errors(body["errors"][0]["extensions"])


async def test_a_target_that_is_no_number_is_the_same_error_in_rest_and_graphql(
    acme: Tenant,
) -> None:
    async with acme.admin() as client:
        rest = await client.post("/v1/kpis", json={**REVENUE, "target": "Infinity"})
        graph = await gql(client, CREATE, {"input": {**REVENUE, "target": "Infinity"}})
        listed = await client.get("/v1/kpis")
    assert rest.status_code == 422, rest.text
    assert graphql_errors(graph) == field_errors(rest.json()) == [("target", "finite_number")]
    assert graph["errors"][0]["path"] == ["createKpi"]
    assert listed.json()["items"] == []


async def test_unstorable_text_is_refused_in_both_adapters(acme: Tenant) -> None:
    # JSON may escape a lone surrogate, which no UTF-8 text (nor Postgres) can hold.
    unit = "GMV \ud800"
    async with acme.admin() as client:
        kpi = (await client.post("/v1/kpis", json=REVENUE)).json()
        rest = await client.patch(
            f"/v1/kpis/{kpi['id']}", content=json.dumps({"unit": unit}), headers=JSON
        )
        operation = {"query": UPDATE, "variables": {"input": {"id": kpi["id"], "unit": unit}}}
        graph = await client.post("/graphql", content=json.dumps(operation), headers=JSON)
        after = await client.get(f"/v1/kpis/{kpi['id']}")
    assert rest.status_code == 422, rest.text
    assert graphql_errors(graph.json()) == field_errors(rest.json()) == [("unit", "value_error")]
    assert after.json() == kpi


async def test_the_domain_bounds_are_the_same_errors_in_rest_and_graphql(acme: Tenant) -> None:
    too_long = {**REVENUE, "name": "x" * (KPI_NAME_MAX_LENGTH + 1)}
    async with acme.admin() as client:
        rest = await client.post("/v1/kpis", json=too_long)
        graph = await gql(client, CREATE, {"input": too_long})
        # Stripped first: the bound counts what is kept.
        padded = await client.post(
            "/v1/kpis", json={**REVENUE, "name": " " + "x" * KPI_NAME_MAX_LENGTH + " "}
        )
        kpi_id = padded.json()["id"]
        long_note = {"value": 1, "note": "n" * (KPI_NOTE_MAX_LENGTH + 1)}
        rest_note = await client.post(f"/v1/kpis/{kpi_id}/measurements", json=long_note)
        graph_note = await gql(client, RECORD, {"input": {**long_note, "kpiId": kpi_id}})
    assert rest.status_code == 422, rest.text
    assert graphql_errors(graph) == field_errors(rest.json()) == [("name", "too_long")]
    assert padded.status_code == 201, padded.text
    assert graphql_errors(graph_note) == field_errors(rest_note.json()) == [("note", "too_long")]


async def test_an_update_tells_a_left_out_field_from_null(acme: Tenant) -> None:
    async with acme.admin() as client:
        kpi = (await client.post("/v1/kpis", json=REVENUE)).json()
        nulls = await gql(
            client, UPDATE, {"input": {"id": kpi["id"], "name": None, "ownerId": None}}
        )
        rest_nulls = await client.patch(f"/v1/kpis/{kpi['id']}", json={"target": None})
        cleared = await gql(client, UPDATE, {"input": {"id": kpi["id"], "unit": None}})
        retargeted = await client.patch(f"/v1/kpis/{kpi['id']}", json={"target": 3})
    assert graphql_errors(nulls) == [("name", "null"), ("ownerId", "null")]
    assert rest_nulls.status_code == 422, rest_nulls.text
    assert field_errors(rest_nulls.json()) == [("target", "null")]
    assert cleared["data"]["updateKpi"]["kpi"] == {
        "name": REVENUE["name"],
        "unit": None,
        "target": "2000000",
        "version": 2,
    }
    assert {k: retargeted.json()[k] for k in ("name", "unit", "target", "version")} == {
        "name": REVENUE["name"],
        "unit": None,
        "target": "3",
        "version": 3,
    }
