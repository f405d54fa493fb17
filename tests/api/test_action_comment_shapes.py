"""One shape of an action, a comment and an audit event for both adapters.

An action's limits live in its shape (``domain.limits``), so an overlong title or completion
standard is the same field error over REST and GraphQL, in a create and in an update; a
field sent as ``null`` is told from one left out in both. A comment reads the same from
either adapter.
"""

from __future__ import annotations

from typing import Any

from strawberry.utils.str_converters import to_camel_case

from domain.limits import ACTION_COMPLETION_STANDARD_MAX_LENGTH, OKR_TITLE_MAX_LENGTH
from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, key_result, objective, post
from tests.api.test_graphql import codes, gql

CREATE = """
mutation($input: CreateActionInput!) { createAction(input: $input) { action { id title } } }"""
UPDATE = """
mutation($input: UpdateActionInput!) {
  updateAction(input: $input) { action { title dueDate completionStandard version owner { id } } }
}"""
ADD_COMMENT = """
mutation($input: AddCommentInput!) {
  addComment(input: $input) { comment { id targetType targetId body mentionIds version } }
}"""


def field_errors(extensions_or_problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in extensions_or_problem["errors"]]


def same_error(rest: Any, graph: dict[str, Any], field: str, operation: str) -> None:
    """REST's 422 and GraphQL's error name the same field (in each one's spelling) with the
    same code and message."""
    assert rest.status_code == 422, rest.text
    problem = rest.json()
    assert problem["code"] == "validation_failed"
    assert field_errors(problem) == [(field, "string_too_long")]
    assert codes(graph) == ["validation_failed"]
    assert graph["errors"][0]["path"] == [operation]
    camel = {"field": to_camel_case(field)}
    assert graph["errors"][0]["extensions"]["errors"] == [{**e, **camel} for e in problem["errors"]]


async def _key_result(client: Any) -> dict[str, Any]:
    owner = await create_member(client, "Wu Hao")
    cycle = await active_cycle(client, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    goal = await objective(
        client, cycle_id=cycle["id"], title="Grow", owner={"kind": "member", "id": owner["id"]}
    )
    return await key_result(
        client, goal["id"], title="Sell", owner_id=owner["id"], metric_kind="number", target="10"
    )


async def test_an_overlong_action_text_is_the_same_error_in_rest_and_graphql(
    acme: Tenant,
) -> None:
    title = "x" * (OKR_TITLE_MAX_LENGTH + 1)
    standard = "x" * (ACTION_COMPLETION_STANDARD_MAX_LENGTH + 1)
    async with acme.admin() as client:
        kr = await _key_result(client)
        path = f"/v1/key-results/{kr['id']}/actions"
        rest_create = await client.post(path, json={"title": title})
        graph_create = await gql(
            client, CREATE, {"input": {"keyResultId": kr["id"], "title": title}}
        )
        action = await post(client, path, {"title": "Visit"})
        rest_update = await client.patch(
            f"/v1/actions/{action['id']}", json={"completion_standard": standard}
        )
        graph_update = await gql(
            client, UPDATE, {"input": {"id": action["id"], "completionStandard": standard}}
        )
        listed = await client.get(path)
    same_error(rest_create, graph_create, "title", "createAction")
    same_error(rest_update, graph_update, "completion_standard", "updateAction")
    assert [a["id"] for a in listed.json()["items"]] == [action["id"]]
    assert listed.json()["items"][0]["version"] == 1


async def test_an_action_update_tells_a_left_out_field_from_null(acme: Tenant) -> None:
    async with acme.admin() as client:
        kr = await _key_result(client)
        me = await create_member(client, "Ann")
        action = await post(
            client,
            f"/v1/key-results/{kr['id']}/actions",
            {"title": "Visit", "owner_id": me["id"], "due_date": "2027-03-15"},
        )
        null_title = await gql(client, UPDATE, {"input": {"id": action["id"], "title": None}})
        rest_null_title = await client.patch(f"/v1/actions/{action['id']}", json={"title": None})
        cleared = await gql(
            client,
            UPDATE,
            {"input": {"id": action["id"], "ownerId": None, "completionStandard": "All 20"}},
        )
    assert codes(null_title) == ["validation_failed"]
    assert null_title["errors"][0]["extensions"]["errors"] == [
        {"field": "title", "message": "cannot be null", "code": "null"}
    ]
    assert rest_null_title.status_code == 422
    assert field_errors(rest_null_title.json()) == [("title", "null")]
    # Left out, the due date stays; null cleared the owner.
    assert cleared["data"]["updateAction"]["action"] == {
        "title": "Visit",
        "dueDate": "2027-03-15",
        "completionStandard": "All 20",
        "version": 2,
        "owner": None,
    }


async def test_a_comment_reads_the_same_in_rest_and_graphql(acme: Tenant) -> None:
    async with acme.admin() as client:
        kr = await _key_result(client)
        made = await gql(
            client,
            ADD_COMMENT,
            {"input": {"targetType": "KEY_RESULT", "targetId": kr["id"], "body": "  On it  "}},
        )
        comment = made["data"]["addComment"]["comment"]
        rest = await client.get(f"/v1/comments/{comment['id']}")
    assert comment == {
        "id": rest.json()["id"],
        "targetType": "KEY_RESULT",
        "targetId": kr["id"],
        "body": rest.json()["body"],
        "mentionIds": [],
        "version": 1,
    }
    assert rest.json()["target_type"] == "key_result"
    assert rest.json()["body"] == "On it"
