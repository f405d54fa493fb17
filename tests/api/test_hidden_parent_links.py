"""An objective's link up to something the caller may not see reads as no link: REST shows
`parent_key_result_id` (and `parent_objective_id`) null when the KR's objective (or the
parent objective) is private to others, exactly as GraphQL's `parentKeyResult` / `parent`
are null; those who may see the target see the link."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, patch
from tests.api.test_graphql import gql


def links(body: dict[str, Any]) -> tuple[Any, Any]:
    return body["parent_objective_id"], body["parent_key_result_id"]


async def rest_reads(client: httpx.AsyncClient, ids: list[str], cycle_id: str) -> list[Any]:
    """Each objective's links: alone, and in the cycle's list."""
    alone = [links(await get(client, f"/v1/objectives/{i}")) for i in ids]
    listed = {
        o["id"]: links(o)
        for o in (await get(client, f"/v1/objectives?cycle_id={cycle_id}"))["items"]
    }
    return [*alone, *(listed[i] for i in ids)]


async def test_links_to_a_private_objective_read_as_none_for_who_may_not_see_it(
    acme: Tenant,
) -> None:
    async with acme.admin() as admin:
        scoring = (await get(admin, "/v1/organization"))["scoring"]
        await patch(
            admin, "/v1/organization", {"scoring": {**scoring, "alignment_upward_only": False}}
        )
        owner = await create_member(admin, "Li Na")
        peer = await create_member(admin, "Qian Jun")
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    async with acme.as_member(UUID(owner["id"])) as oc:
        secret = await objective(oc, cycle_id=cycle["id"], title="Secret", visibility="private")
        secret_kr = await key_result(oc, secret["id"], title="Secret KR", owner_id=owner["id"])
        contributes = await objective(
            oc, cycle_id=cycle["id"], title="Open A", parent_key_result_id=secret_kr["id"]
        )
        aligned = await objective(
            oc, cycle_id=cycle["id"], title="Open B", parent_objective_id=secret["id"]
        )
        ids = [contributes["id"], aligned["id"]]
        by_owner = await rest_reads(oc, ids, cycle["id"])
    async with acme.as_member(UUID(peer["id"])) as pc:
        by_peer = await rest_reads(pc, ids, cycle["id"])
        graphql = await gql(
            pc,
            "query($a: UUID!, $b: UUID!) { a: objective(id: $a) { parent { id } "
            "parentKeyResult { id } } b: objective(id: $b) { parent { id } "
            "parentKeyResult { id } } }",
            {"a": contributes["id"], "b": aligned["id"]},
        )
    seen = [(None, secret_kr["id"]), (secret["id"], None)]
    assert by_owner == seen + seen
    assert by_peer == [(None, None)] * 4
    assert graphql["data"] == {
        "a": {"parent": None, "parentKeyResult": None},
        "b": {"parent": None, "parentKeyResult": None},
    }
