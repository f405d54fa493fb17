"""One shape of a review cycle for both adapters: REST and GraphQL refuse the same input the
same way.

The name's length limit lives in the shape (``domain.limits``), so a too-long name is the
same field error over REST and GraphQL; a field sent as ``null`` is told from one left out
(the ``Patch`` shape) in both.
"""

from __future__ import annotations

from typing import Any

from domain.limits import REVIEW_CYCLE_NAME_MAX_LENGTH
from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle
from tests.api.test_graphql import codes, gql

CREATE = """
mutation($input: CreateReviewCycleInput!) {
  createReviewCycle(input: $input) { reviewCycle { id name version } }
}"""
UPDATE = """
mutation($input: UpdateReviewCycleInput!) {
  updateReviewCycle(input: $input) { reviewCycle { name minPeers version } }
}"""
QUESTION = {"text_zh": "本季度目标达成情况", "text_en": "How well did they deliver?"}
GRAPH_QUESTION = {"textZh": QUESTION["text_zh"], "textEn": QUESTION["text_en"]}


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


async def test_a_too_long_name_is_the_same_error_in_rest_and_graphql(acme: Tenant) -> None:
    too_long = "x" * (REVIEW_CYCLE_NAME_MAX_LENGTH + 1)
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        rest = await client.post(
            "/v1/review-cycles",
            json={"cycle_id": cycle["id"], "name": too_long, "questions": [QUESTION]},
        )
        graph = await gql(
            client,
            CREATE,
            {"input": {"cycleId": cycle["id"], "name": too_long, "questions": [GRAPH_QUESTION]}},
        )
        listed = await client.get("/v1/review-cycles")
    assert rest.status_code == 422, rest.text
    problem = rest.json()
    assert problem["code"] == "validation_failed"
    assert field_errors(problem) == [("name", "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["extensions"]["errors"] == problem["errors"]
    assert graph["errors"][0]["path"] == ["createReviewCycle"]
    assert listed.json()["items"] == []


async def test_null_is_refused_and_a_left_out_field_kept_in_both_adapters(acme: Tenant) -> None:
    async with acme.admin() as client:
        cycle = await active_cycle(client, "2027", "year", "2027-01-01", "2027-12-31")
        created = await gql(
            client,
            CREATE,
            {"input": {"cycleId": cycle["id"], "name": "H1", "questions": [GRAPH_QUESTION]}},
        )
        review_cycle_id = created["data"]["createReviewCycle"]["reviewCycle"]["id"]
        graph_null = await gql(client, UPDATE, {"input": {"id": review_cycle_id, "name": None}})
        rest_null = await client.patch(f"/v1/review-cycles/{review_cycle_id}", json={"name": None})
        changed = await gql(client, UPDATE, {"input": {"id": review_cycle_id, "minPeers": 2}})
    assert codes(graph_null) == ["validation_failed"]
    assert rest_null.status_code == 422, rest_null.text
    assert field_errors(graph_null["errors"][0]["extensions"]) == field_errors(rest_null.json())
    assert field_errors(rest_null.json()) == [("name", "null")]
    # minPeers alone changes; the name, left out, stays.
    assert changed["data"]["updateReviewCycle"]["reviewCycle"] == {
        "name": "H1",
        "minPeers": 2,
        "version": 2,
    }
