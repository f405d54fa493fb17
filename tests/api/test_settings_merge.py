"""Organization settings are merge-patched (RFC 7396) over REST and GraphQL.

Inside ``scoring`` and ``reviews`` a field left out stays as it is, a field sent as ``null``
goes back to its default, and the merged group is validated as a whole.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.api.harness import Tenant
from tests.api.test_graphql import codes, gql
from tests.api.test_organization import DEFAULT_REVIEWS, DEFAULT_SCORING, problem, read

CUSTOM_SCORING = {
    "red_below": "0.3",
    "yellow_below": "0.6",
    "on_track_margin": "0.05",
    "at_risk_margin": "0.2",
    "alignment_upward_only": False,
    "committed_red_below": "0.75",
    "committed_yellow_below": "0.95",
}
CUSTOM_REVIEWS = {
    "weight_self": "0.2",
    "weight_peer": "0.2",
    "weight_manager": "0.4",
    "weight_skip_level": "0.2",
    "peer_anonymity_threshold": 4,
    "min_peers": 2,
    "max_peers": 6,
}


async def customize(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.patch(
        "/v1/organization", json={"scoring": CUSTOM_SCORING, "reviews": CUSTOM_REVIEWS}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_one_scoring_field_changes_only_that_field(acme: Tenant) -> None:
    async with acme.admin() as client:
        await customize(client)
        patched = await client.patch("/v1/organization", json={"scoring": {"red_below": "0.35"}})
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert after["scoring"] == {**CUSTOM_SCORING, "red_below": "0.35"}
    assert after["reviews"] == CUSTOM_REVIEWS


async def test_one_review_field_keeps_weights_and_threshold(acme: Tenant) -> None:
    async with acme.admin() as client:
        await customize(client)
        patched = await client.patch("/v1/organization", json={"reviews": {"max_peers": 7}})
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert after["reviews"] == {**CUSTOM_REVIEWS, "max_peers": 7}
    assert after["scoring"] == CUSTOM_SCORING


async def test_null_resets_a_field_to_its_default(acme: Tenant) -> None:
    async with acme.admin() as client:
        await customize(client)
        patched = await client.patch(
            "/v1/organization",
            json={"scoring": {"at_risk_margin": None, "alignment_upward_only": None}},
        )
        after = await read(client)
    assert patched.status_code == 200, patched.text
    assert after["scoring"] == {
        **CUSTOM_SCORING,
        "at_risk_margin": DEFAULT_SCORING["at_risk_margin"],
        "alignment_upward_only": True,
    }


async def test_the_merged_group_is_validated_and_a_violation_changes_nothing(
    acme: Tenant,
) -> None:
    async with acme.admin() as client:
        before = await customize(client)
        # 0.65 alone is a fine threshold; against the stored yellow 0.6 it is not.
        red = await client.patch("/v1/organization", json={"scoring": {"red_below": "0.65"}})
        # The stored weights sum to 1 with 0.2 for self; 0.3 alone breaks the sum.
        weights = await client.patch("/v1/organization", json={"reviews": {"weight_self": "0.3"}})
        after = await read(client)
    red_fields = [e["field"] for e in problem(red, 422, "validation_failed")["errors"]]
    assert red_fields == ["scoring.red_below"]
    weight_fields = [e["field"] for e in problem(weights, 422, "validation_failed")["errors"]]
    assert weight_fields == ["reviews"]
    assert after == before


async def test_graphql_merges_settings_the_same_way(acme: Tenant) -> None:
    mutation = """
    mutation($input: UpdateOrganizationInput!) {
      updateOrganization(input: $input) {
        organization {
          scoring { redBelow yellowBelow onTrackMargin atRiskMargin }
          reviews { weightSelf maxPeers peerAnonymityThreshold }
        }
      }
    }"""
    async with acme.admin() as client:
        await customize(client)
        scoring = await gql(client, mutation, {"input": {"scoring": {"redBelow": "0.35"}}})
        reviews = await gql(client, mutation, {"input": {"reviews": {"maxPeers": 7}}})
        reset = await gql(client, mutation, {"input": {"scoring": {"atRiskMargin": None}}})
        invalid = await gql(client, mutation, {"input": {"scoring": {"redBelow": "0.65"}}})
        after = await read(client)
    assert "errors" not in scoring, scoring
    assert scoring["data"]["updateOrganization"]["organization"]["scoring"] == {
        "redBelow": "0.35",
        "yellowBelow": "0.6",
        "onTrackMargin": "0.05",
        "atRiskMargin": "0.2",
    }
    assert "errors" not in reviews, reviews
    assert reviews["data"]["updateOrganization"]["organization"]["reviews"] == {
        "weightSelf": "0.2",
        "maxPeers": 7,
        "peerAnonymityThreshold": 4,
    }
    assert "errors" not in reset, reset
    assert (
        reset["data"]["updateOrganization"]["organization"]["scoring"]["atRiskMargin"]
        == (DEFAULT_SCORING["at_risk_margin"])
    )
    assert codes(invalid) == ["validation_failed"]
    assert after["scoring"] == {
        **CUSTOM_SCORING,
        "red_below": "0.35",
        "at_risk_margin": DEFAULT_SCORING["at_risk_margin"],
    }
    assert after["reviews"] == {**CUSTOM_REVIEWS, "max_peers": 7}
    assert DEFAULT_REVIEWS["max_peers"] == 8  # the default stays what DOMAIN.md says
