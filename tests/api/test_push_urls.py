"""Data in (issue 17): a push URL per KR. Its editors create one (the secret shown once),
list and revoke it; a push with the secret, in the URL or a header and without a JWT, sets
or increments the KR's value as a check-in of the integration; increments at once never
lose one; revoked and unknown secrets are the same 404; pushes are rate-limited per URL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from service.push_urls import PUSH_LIMIT
from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, post
from tests.api.test_graphql import codes, gql

CONCURRENT = 12


@dataclass(frozen=True)
class World:
    ann: dict[str, Any]  # owns the KRs
    bob: dict[str, Any]  # a colleague: sees Ann's public KR, may not edit it
    kr: str  # Ann's, public, start 10
    private_kr: str  # Ann's, in a private objective


async def _world(acme: Tenant) -> World:
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
        bob = await create_member(admin, "Bob")
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
    async with acme.as_member(ann["id"]) as as_ann:
        grow = await objective(as_ann, cycle_id=cycle["id"], title="Grow", status="active")
        quiet = await objective(
            as_ann, cycle_id=cycle["id"], title="Quiet", status="active", visibility="private"
        )
        kr = await key_result(
            as_ann, grow["id"], title="Deals", start="10", target="100", owner_id=ann["id"]
        )
        hidden = await key_result(as_ann, quiet["id"], title="P", target="9", owner_id=ann["id"])
    return World(ann, bob, kr["id"], hidden["id"])


async def _create(client: httpx.AsyncClient, kr: str, name: str = "hubspot") -> dict[str, Any]:
    return await post(client, f"/v1/key-results/{kr}/push-urls", {"name": name})


def _anonymous(acme: Tenant) -> httpx.AsyncClient:
    return acme.client()


async def _current(acme: Tenant, w: World) -> Decimal:
    async with acme.as_member(w.ann["id"]) as as_ann:
        kr = await get(as_ann, f"/v1/key-results/{w.kr}")
    return Decimal(kr["current"])


async def test_the_owner_creates_a_push_url_whose_secret_is_shown_once(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        response = await as_ann.post(f"/v1/key-results/{w.kr}/push-urls", json={"name": " crm "})
        created = response.json()
        listed = await get(as_ann, f"/v1/key-results/{w.kr}/push-urls")
        one = await get(as_ann, f"/v1/key-results/{w.kr}/push-urls/{created['id']}")
        blank = await as_ann.post(f"/v1/key-results/{w.kr}/push-urls", json={"name": "  "})
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/key-results/{w.kr}/push-urls/{created['id']}"
    token = created["token"]
    assert token.startswith("okrp_")
    assert len(token) > 40
    assert created["url"] == f"http://okr.test/v1/push/{token}"
    assert (created["name"], created["created_by"], created["revoked"]) == (
        "crm",
        w.ann["id"],
        False,
    )
    assert created["last_used_at"] is None
    # The secret is never shown again.
    assert [p["id"] for p in listed["items"]] == [created["id"]]
    assert "token" not in listed["items"][0]
    assert "url" not in listed["items"][0]
    assert token not in str(listed) + str(one)
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["name"]


async def test_only_the_krs_editors_manage_its_push_urls(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.bob["id"]) as as_bob:
        not_bobs = await as_bob.post(f"/v1/key-results/{w.kr}/push-urls", json={"name": "x"})
        hidden = await as_bob.post(f"/v1/key-results/{w.private_kr}/push-urls", json={"name": "x"})
        listing = await as_bob.get(f"/v1/key-results/{w.kr}/push-urls")
    async with acme.admin() as admin:
        by_admin = await _create(admin, w.private_kr)
    async with acme.client(acme.token(scopes=("kpis:write",))) as service:
        by_service = await service.post(f"/v1/key-results/{w.kr}/push-urls", json={"name": "x"})
    assert (not_bobs.status_code, hidden.status_code, listing.status_code) == (403, 404, 403)
    assert by_admin["key_result_id"] == w.private_kr
    assert by_service.status_code in (403, 404)


async def test_a_push_checks_in_as_the_integration_without_a_jwt(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    async with _anonymous(acme) as anyone:
        by_url = await anyone.post(f"/v1/push/{created['token']}", json={"value": "42"})
        by_header = await anyone.post(
            "/v1/push",
            json={"increment": "3", "note": "deal won"},
            headers={"Authorization": f"Bearer {created['token']}"},
        )
        no_header = await anyone.post("/v1/push", json={"value": "1"})
    assert by_url.status_code == 201, by_url.text
    first, second = by_url.json(), by_header.json()
    assert by_header.status_code == 201, by_header.text
    assert (first["source"], first["integration"], first["author"]) == (
        "integration",
        "hubspot",
        f"push:{created['id']}",
    )
    assert (Decimal(first["value"]), Decimal(second["value"])) == (Decimal(42), Decimal(45))
    assert second["note"] == "deal won"
    assert await _current(acme, w) == Decimal(45)
    assert no_header.status_code == 401
    async with acme.as_member(w.ann["id"]) as as_ann:
        listed = await get(as_ann, f"/v1/key-results/{w.kr}/push-urls")
    assert listed["items"][0]["last_used_at"] is not None


async def test_an_increment_before_any_check_in_adds_to_the_start(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    async with _anonymous(acme) as anyone:
        response = await anyone.post(f"/v1/push/{created['token']}", json={"increment": "2.5"})
    assert response.status_code == 201, response.text
    assert Decimal(response.json()["value"]) == Decimal("12.5")


async def test_a_push_is_judged_as_a_check_in(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    path = f"/v1/push/{created['token']}"
    async with _anonymous(acme) as anyone:
        both = await anyone.post(path, json={"value": "1", "increment": "1"})
        neither = await anyone.post(path, json={"note": "nothing"})
        unknown_field = await anyone.post(path, json={"value": "1", "confidence": 3})
        not_a_number = await anyone.post(path, json={"value": "many"})
    assert [r.status_code for r in (both, neither, unknown_field, not_a_number)] == [422] * 4
    assert [e["field"] for e in both.json()["errors"]] == ["increment"]
    assert [e["field"] for e in neither.json()["errors"]] == ["value"]


async def test_revoked_and_unknown_secrets_are_the_same_404_and_both_are_audited(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
        revoked = await as_ann.delete(f"/v1/key-results/{w.kr}/push-urls/{created['id']}")
        again = await as_ann.delete(f"/v1/key-results/{w.kr}/push-urls/{created['id']}")
        listed = await get(as_ann, f"/v1/key-results/{w.kr}/push-urls")
    async with _anonymous(acme) as anyone:
        gone = await anyone.post(f"/v1/push/{created['token']}", json={"value": "1"})
        never = await anyone.post(
            "/v1/push/okrp_not-a-secret-anyone-was-given", json={"value": "1"}
        )
        gone_by_header = await anyone.post(
            "/v1/push", json={"value": "1"}, headers={"Authorization": f"Bearer {created['token']}"}
        )
    async with acme.admin() as admin:
        audited = await get(admin, "/v1/audit-events?resource_type=push_url")
    assert (revoked.status_code, again.status_code) == (204, 204)
    assert listed["items"][0]["revoked"] is True
    assert listed["items"][0]["revoked_by"] == w.ann["id"]
    assert (gone.status_code, never.status_code, gone_by_header.status_code) == (404, 404, 404)

    def same(response: httpx.Response) -> dict[str, Any]:
        body: dict[str, Any] = response.json()
        body.pop("request_id")
        return body

    assert same(gone) == same(never) == same(gone_by_header)
    assert [(e["action"], e["actor"]) for e in audited["items"]] == [
        ("push_url.created", w.ann["id"]),
        ("push_url.revoked", w.ann["id"]),
    ]
    assert "token_hash" not in str(audited)
    assert created["token"] not in str(audited)


async def test_concurrent_increments_never_lose_one(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    async with _anonymous(acme) as anyone:
        answers = await asyncio.gather(
            *(
                anyone.post(f"/v1/push/{created['token']}", json={"increment": "1"})
                for _ in range(CONCURRENT)
            )
        )
    assert [a.status_code for a in answers] == [201] * CONCURRENT
    assert await _current(acme, w) == Decimal(10 + CONCURRENT)
    values = sorted(Decimal(a.json()["value"]) for a in answers)
    assert values == [Decimal(10 + i) for i in range(1, CONCURRENT + 1)]


async def test_the_same_external_id_pushed_at_once_is_one_increment(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    body = {"increment": "5", "external_id": "deal-8812-won"}
    async with _anonymous(acme) as anyone:
        answers = await asyncio.gather(
            *(anyone.post(f"/v1/push/{created['token']}", json=body) for _ in range(CONCURRENT))
        )
    assert sorted(a.status_code for a in answers) == [200] * (CONCURRENT - 1) + [201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _current(acme, w) == Decimal(15)


async def test_pushes_past_the_limit_wait_for_the_next_window(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
        other = await _create(as_ann, w.kr, "sheet")
    start = datetime(2027, 3, 1, 9, 0, 0, tzinfo=UTC)
    clock.pin(start)
    path = f"/v1/push/{created['token']}"
    async with _anonymous(acme) as anyone:
        # Refused pushes count too: a script looping on a bad body is stopped as well.
        counted = [
            await anyone.post(path, json={"value": "1", "increment": "1"})
            for _ in range(PUSH_LIMIT)
        ]
        clock.pin(start + timedelta(seconds=20))
        limited = await anyone.post(path, json={"value": "20"})
        other_url = await anyone.post(f"/v1/push/{other['token']}", json={"value": "21"})
        clock.pin(start + timedelta(seconds=60))
        next_window = await anyone.post(path, json={"value": "22"})
    assert {r.status_code for r in counted} == {422}
    assert limited.status_code == 429, limited.text
    assert limited.headers["retry-after"] == "40"
    assert limited.json()["code"] == "rate_limited"
    assert other_url.status_code == 201  # the limit is per push URL
    assert next_window.status_code == 201, next_window.text


async def test_a_replayed_creation_makes_no_second_push_url_and_never_shows_the_secret(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    path = f"/v1/key-results/{w.kr}/push-urls"
    headers = {"Idempotency-Key": "create-crm-url-1"}
    async with acme.as_member(w.ann["id"]) as as_ann:
        first = await as_ann.post(path, json={"name": "crm"}, headers=headers)
        replayed = await as_ann.post(path, json={"name": "crm"}, headers=headers)
        listed = await get(as_ann, path)
    assert (first.status_code, replayed.status_code) == (201, 201)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == first.json()["id"]
    assert (replayed.json()["token"], replayed.json()["url"]) == (None, None)
    assert first.json()["token"] not in replayed.text
    assert len(listed["items"]) == 1


async def test_a_pushs_idempotency_key_is_its_external_id(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        created = await _create(as_ann, w.kr)
    headers = {"Idempotency-Key": "row-7"}
    async with _anonymous(acme) as anyone:
        first = await anyone.post(
            f"/v1/push/{created['token']}", json={"increment": "4"}, headers=headers
        )
        again = await anyone.post(
            f"/v1/push/{created['token']}", json={"increment": "4"}, headers=headers
        )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["external_id"] == "row-7"
    assert await _current(acme, w) == Decimal(14)


CREATE = """
mutation ($kr: UUID!, $name: String!) {
  createPushUrl(input: {keyResultId: $kr, name: $name}) {
    pushUrl { id name revoked createdBy } url token
  }
}"""
REVOKE = """
mutation ($kr: UUID!, $id: UUID!) {
  revokePushUrl(input: {keyResultId: $kr, pushUrlId: $id}) { pushUrl { id revoked revokedAt } }
}"""


async def test_graphql_creates_and_revokes_push_urls_as_rest_does(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.as_member(w.ann["id"]) as as_ann:
        made = await gql(as_ann, CREATE, {"kr": w.kr, "name": "sheet"})
    created = made["data"]["createPushUrl"]
    async with _anonymous(acme) as anyone:
        pushed = await anyone.post(created["url"], json={"value": "11"})
    async with acme.as_member(w.bob["id"]) as as_bob:
        refused = await gql(as_bob, REVOKE, {"kr": w.kr, "id": created["pushUrl"]["id"]})
    async with acme.as_member(w.ann["id"]) as as_ann:
        revoked = await gql(as_ann, REVOKE, {"kr": w.kr, "id": created["pushUrl"]["id"]})
    assert created["pushUrl"]["name"] == "sheet"
    assert created["url"].endswith(f"/v1/push/{created['token']}")
    assert pushed.status_code == 201, pushed.text
    assert codes(refused) == ["forbidden"]
    assert revoked["data"]["revokePushUrl"]["pushUrl"]["revoked"] is True
