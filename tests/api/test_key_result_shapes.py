"""One shape of a key result and a check-in for both adapters: REST and GraphQL refuse the
same input alike.

The title, milestone title, reason and note limits live in the shapes (``domain.limits``), so
a too-long text is the same field error over REST and GraphQL, down to the path of a nested
milestone (``milestones.0.title``).
"""

from __future__ import annotations

from typing import Any

from domain.limits import CHECK_IN_TEXT_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, key_result, objective
from tests.api.test_graphql import codes, gql

CREATE = """
mutation($input: CreateKeyResultInput!) {
  createKeyResult(input: $input) { keyResult { id } }
}"""
CHECK_IN = """
mutation($input: CheckInInput!) {
  checkIn(input: $input) { checkIn { id } }
}"""


def field_errors(problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in problem["errors"]]


async def test_a_too_long_milestone_title_is_the_same_error_in_rest_and_graphql(
    acme: Tenant,
) -> None:
    milestones = [{"title": "Pilot"}, {"title": "x" * (OKR_TITLE_MAX_LENGTH + 1)}]
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        obj = await objective(client, cycle_id=cycle["id"], title="Grow")
        me = (await client.get("/v1/me")).json()["id"]
        body = {"title": "Ship", "owner_id": me, "metric_kind": "milestones"}
        rest = await client.post(
            f"/v1/objectives/{obj['id']}/key-results", json={**body, "milestones": milestones}
        )
        graph = await gql(
            client,
            CREATE,
            {
                "input": {
                    "objectiveId": obj["id"],
                    "title": "Ship",
                    "ownerId": me,
                    "metricKind": "MILESTONES",
                    "milestones": milestones,
                }
            },
        )
        listed = await client.get(f"/v1/objectives/{obj['id']}/key-results")
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("milestones.1.title", "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == rest.json()["errors"]
    assert listed.json()["items"] == []


async def test_a_too_long_check_in_note_is_the_same_error(acme: Tenant) -> None:
    note = "x" * (CHECK_IN_TEXT_MAX_LENGTH + 1)
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        obj = await objective(client, cycle_id=cycle["id"], title="Grow")
        me = (await client.get("/v1/me")).json()["id"]
        kr = await key_result(client, obj["id"], title="Sell", owner_id=me, target="10")
        rest = await client.post(
            f"/v1/key-results/{kr['id']}/check-ins", json={"value": "1", "note": note}
        )
        graph = await gql(
            client, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": "1", "note": note}}
        )
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("note", "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == rest.json()["errors"]


async def test_a_confidence_out_of_range_is_the_same_error(acme: Tenant) -> None:
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        obj = await objective(client, cycle_id=cycle["id"], title="Grow")
        me = (await client.get("/v1/me")).json()["id"]
        kr = await key_result(client, obj["id"], title="Sell", owner_id=me, target="10")
        rest = await client.post(
            f"/v1/key-results/{kr['id']}/check-ins", json={"value": "1", "confidence": 11}
        )
        graph = await gql(
            client, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": "1", "confidence": 11}}
        )
    assert rest.status_code == 422, rest.text
    assert field_errors(rest.json()) == [("confidence", "less_than_equal")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == rest.json()["errors"]
