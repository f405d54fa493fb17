"""A KR's push URLs in the graph (``keyResultPushUrls``): for whoever may edit the KR,
revoked ones included, a page at a time, never a secret; a colleague who may only read the
KR is refused, and a private KR is not found to who may not see it."""

from __future__ import annotations

from typing import Any

from tests.api.harness import Tenant
from tests.api.okr_harness import post
from tests.api.test_graphql import codes, gql
from tests.api.test_push_urls import _world

_QUERY = """query($kr: UUID!, $first: Int, $after: String) {
  keyResultPushUrls(keyResultId: $kr, first: $first, after: $after) {
    edges { node { id name revoked createdBy } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _names(body: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in body["data"]["keyResultPushUrls"]["edges"]]


async def test_the_krs_editors_list_its_push_urls_page_by_page_without_secrets(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        first = await post(as_ann, f"/v1/key-results/{w.kr}/push-urls", {"name": "hubspot"})
        second = await post(as_ann, f"/v1/key-results/{w.kr}/push-urls", {"name": "sheets"})
        revoked = await as_ann.delete(f"/v1/key-results/{w.kr}/push-urls/{second['id']}")
        assert revoked.status_code == 204, revoked.text
        page_one = await gql(as_ann, _QUERY, {"kr": w.kr, "first": 1})
        cursor = page_one["data"]["keyResultPushUrls"]["pageInfo"]["endCursor"]
        page_two = await gql(as_ann, _QUERY, {"kr": w.kr, "first": 1, "after": cursor})
    async with acme.admin() as admin:
        by_admin = await gql(admin, _QUERY, {"kr": w.kr})
    assert _names(page_one) == ["hubspot"]
    assert page_one["data"]["keyResultPushUrls"]["pageInfo"]["hasNextPage"] is True
    assert _names(page_two) == ["sheets"]
    assert page_two["data"]["keyResultPushUrls"]["edges"][0]["node"]["revoked"] is True
    assert _names(by_admin) == ["hubspot", "sheets"]
    for secret in (first["token"], second["token"]):
        assert secret not in str([page_one, page_two, by_admin])


async def test_a_reader_who_may_not_edit_the_kr_is_refused_and_a_hidden_kr_not_found(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    async with acme.as_member(w.bob["id"]) as as_bob:
        readable = await gql(as_bob, _QUERY, {"kr": w.kr})
        hidden = await gql(as_bob, _QUERY, {"kr": w.private_kr})
    assert codes(readable) == ["forbidden"]
    assert codes(hidden) == ["not_found"]
