"""External forecasts of KRs (issue 18): a CRM's commit and best case kept as a series beside
the check-ins. Posted by who may check in (and `check_ins:write` tokens), read by who may
read the KR; the same external id twice is one entry (under concurrency too); a best case
worse than the commit is refused at `best_case`; `as_of` reads the series as it stood."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective
from tests.api.test_graphql import codes, gql

T0 = datetime(2027, 2, 10, 9, tzinfo=UTC)
T1 = datetime(2027, 2, 20, 9, tzinfo=UTC)
CONCURRENT = 10


@dataclass(frozen=True)
class World:
    ann: dict[str, Any]  # owns the KRs
    bob: dict[str, Any]  # a colleague: sees Ann's public KRs, not her private one
    kr: str  # revenue, increasing, public objective
    churn: str  # churned accounts, decreasing, public objective
    private_kr: str  # Ann's, in her private objective


def _path(kr_id: str) -> str:
    return f"/v1/key-results/{kr_id}/forecasts"


async def _world(acme: Tenant, clock: SettableClock) -> World:
    clock.pin(T0)
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
        bob = await create_member(admin, "Bob")
        cycle = await active_cycle(admin, "Q1", "quarter", "2027-01-01", "2027-03-31")
    async with acme.as_member(ann["id"]) as as_ann:
        sell = await objective(as_ann, cycle_id=cycle["id"], title="Sell", status="active")
        quiet = await objective(
            as_ann, cycle_id=cycle["id"], title="Quiet", status="active", visibility="private"
        )
        kr = await key_result(
            as_ann, sell["id"], title="Revenue", target="200000", owner_id=ann["id"]
        )
        churn = await key_result(
            as_ann,
            sell["id"],
            title="Churned accounts",
            start="40",
            target="10",
            direction="decrease",
            owner_id=ann["id"],
        )
        private = await key_result(as_ann, quiet["id"], title="P", target="9", owner_id=ann["id"])
    return World(ann, bob, kr["id"], churn["id"], private["id"])


async def test_post_and_list_a_forecast_series(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.ann["id"]) as as_ann:
        first = await as_ann.post(
            _path(w.kr), json={"commit": "150000", "best_case": "210000", "note": " pipeline "}
        )
        clock.pin(T1)
        second = await as_ann.post(
            _path(w.kr),
            json={
                "commit": "180000",
                "as_of_date": "2027-02-19",
                "integration": "salesforce",
                "external_id": "snap-0219",
            },
        )
        listed = await get(as_ann, _path(w.kr))
        page = await get(as_ann, _path(w.kr) + "?limit=1")
        rest = await get(as_ann, _path(w.kr) + f"?limit=1&cursor={page['next_cursor']}")
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert first.headers["location"] == _path(w.kr)
    one = first.json()
    assert (one["commit"], one["best_case"], one["note"], one["as_of_date"]) == (
        "150000",
        "210000",
        "pipeline",
        "2027-02-10",  # left out: today (UTC)
    )
    assert (one["source"], one["integration"], one["author"]) == (
        "person",
        None,
        w.ann["id"],
    )
    two = second.json()
    assert (two["source"], two["integration"], two["external_id"], two["best_case"]) == (
        "integration",
        "salesforce",
        "snap-0219",
        None,
    )
    assert [f["id"] for f in listed["items"]] == [two["id"], one["id"]]  # newest first
    assert [f["id"] for f in page["items"] + rest["items"]] == [two["id"], one["id"]]
    assert rest["next_cursor"] is None


async def test_as_of_reads_the_forecasts_posted_by_then(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.ann["id"]) as as_ann:
        early = (await as_ann.post(_path(w.kr), json={"commit": "100"})).json()
        clock.pin(T1)
        await as_ann.post(_path(w.kr), json={"commit": "120"})
        at_t0 = await get(as_ann, _path(w.kr) + "?as_of=2027-02-15T00:00:00Z")
        by_date = await get(as_ann, _path(w.kr) + "?as_of=2027-02-10")
        before = await get(as_ann, _path(w.kr) + "?as_of=2027-02-01")
        future = await as_ann.get(_path(w.kr) + "?as_of=2027-03-01")
    assert [f["id"] for f in at_t0["items"]] == [early["id"]]
    assert [f["id"] for f in by_date["items"]] == [early["id"]]
    assert before["items"] == []
    assert future.status_code == 422
    assert future.json()["code"] == "as_of_in_future"


async def test_the_same_external_id_twice_is_one_forecast(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.ann["id"]) as as_ann:
        first = await as_ann.post(_path(w.kr), json={"commit": "10", "external_id": "s-1"})
        again = await as_ann.post(_path(w.kr), json={"commit": "99", "external_id": "s-1"})
        # An external id is the KR's: another KR may use it.
        elsewhere = await as_ann.post(_path(w.churn), json={"commit": "20", "external_id": "s-1"})
        listed = await get(as_ann, _path(w.kr))
    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 201)
    assert again.json() == first.json()
    assert [f["commit"] for f in listed["items"]] == ["10"]


async def test_the_same_external_id_fired_at_once_is_stored_once(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    body = {"commit": "5", "external_id": "burst"}
    async with acme.as_member(w.ann["id"]) as as_ann:
        answers = await asyncio.gather(
            *(as_ann.post(_path(w.kr), json=body) for _ in range(CONCURRENT))
        )
        listed = await get(as_ann, _path(w.kr))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * (CONCURRENT - 1) + [201], [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert len(listed["items"]) == 1


async def test_a_best_case_worse_than_the_commit_is_refused(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.ann["id"]) as as_ann:
        below = await as_ann.post(_path(w.kr), json={"commit": "100", "best_case": "90"})
        # Fewer churned accounts is better: a best case above the commit is worse.
        above = await as_ann.post(_path(w.churn), json={"commit": "20", "best_case": "25"})
        fine = await as_ann.post(_path(w.churn), json={"commit": "20", "best_case": "15"})
        tomorrow_plus = await as_ann.post(
            _path(w.kr), json={"commit": "1", "as_of_date": "2027-02-13"}
        )
        listed = await get(as_ann, _path(w.kr))
    for refused in (below, above):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "validation_failed"
        assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
            ("best_case", "best_case_below_commit")
        ]
    assert fine.status_code == 201
    assert tomorrow_plus.status_code == 422
    assert [e["field"] for e in tomorrow_plus.json()["errors"]] == ["as_of_date"]
    assert listed["items"] == []


async def test_who_may_post_and_read(acme: Tenant, globex: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.ann["id"]) as as_ann:
        hidden = await as_ann.post(_path(w.private_kr), json={"commit": "3"})
    async with acme.as_member(w.bob["id"]) as as_bob:
        bob_reads_public = await as_bob.get(_path(w.kr))
        bob_posts_public = await as_bob.post(_path(w.kr), json={"commit": "1"})
        bob_reads_private = await as_bob.get(_path(w.private_kr))
        bob_posts_private = await as_bob.post(_path(w.private_kr), json={"commit": "1"})
    async with globex.admin() as other:
        other_reads = await other.get(_path(w.kr))
        other_posts = await other.post(_path(w.kr), json={"commit": "1"})
    sync = acme.client(acme.token(None, scopes=("check_ins:write",)))
    bare = acme.client(acme.token(None, scopes=("org:read",)))
    async with sync, bare:
        by_sync = await sync.post(_path(w.kr), json={"commit": "7"})
        sync_private = await sync.post(_path(w.private_kr), json={"commit": "7"})
        sync_reads = await sync.get(_path(w.kr))
        bare_posts = await bare.post(_path(w.kr), json={"commit": "7"})
    assert hidden.status_code == 201
    assert bob_reads_public.status_code == 200
    assert bob_posts_public.status_code == 403
    assert (bob_reads_private.status_code, bob_posts_private.status_code) == (404, 404)
    assert (other_reads.status_code, other_posts.status_code) == (404, 404)
    assert by_sync.status_code == 201, by_sync.text
    # A token's forecast names the token as its integration, as its check-ins do.
    synced = by_sync.json()
    assert (synced["source"], synced["integration"], synced["author"]) == (
        "integration",
        "okr-cli",
        "service:okr-cli",
    )
    assert sync_private.status_code == 404
    assert sync_reads.status_code == 403  # reading OKRs stays for members
    assert bare_posts.status_code == 403


async def test_graphql_mutation_and_query(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    mutation = """
      mutation($input: PostKeyResultForecastInput!) {
        postKeyResultForecast(input: $input) {
          duplicate
          forecast { id commit bestCase asOfDate source integration externalId note }
        }
      }
    """
    query = """
      query($id: UUID!, $first: Int!, $after: String, $asOf: String) {
        keyResultForecasts(keyResultId: $id, first: $first, after: $after, asOf: $asOf) {
          nodes { id commit }
          pageInfo { hasNextPage endCursor }
        }
      }
    """
    body = {
        "keyResultId": w.kr,
        "commit": "150000",
        "bestCase": "200000",
        "integration": "salesforce",
        "externalId": "g-1",
    }
    async with acme.as_member(w.ann["id"]) as as_ann:
        posted = await gql(as_ann, mutation, {"input": body})
        again = await gql(as_ann, mutation, {"input": {**body, "commit": "1"}})
        worse = await gql(
            as_ann, mutation, {"input": {"keyResultId": w.kr, "commit": "5", "bestCase": "4"}}
        )
        clock.pin(T1)
        await gql(as_ann, mutation, {"input": {"keyResultId": w.kr, "commit": "160000"}})
        first_page = await gql(as_ann, query, {"id": w.kr, "first": 1})
        cursor = first_page["data"]["keyResultForecasts"]["pageInfo"]["endCursor"]
        second_page = await gql(as_ann, query, {"id": w.kr, "first": 1, "after": cursor})
        then = await gql(as_ann, query, {"id": w.kr, "first": 5, "asOf": "2027-02-15"})
    async with acme.as_member(w.bob["id"]) as as_bob:
        hidden = await gql(as_bob, query, {"id": w.private_kr, "first": 5})
    made = posted["data"]["postKeyResultForecast"]
    assert made["duplicate"] is False
    assert made["forecast"]["commit"] == "150000"
    assert made["forecast"]["bestCase"] == "200000"
    assert (made["forecast"]["source"], made["forecast"]["integration"]) == (
        "INTEGRATION",
        "salesforce",
    )
    assert again["data"]["postKeyResultForecast"] == {**made, "duplicate": True}
    assert codes(worse) == ["validation_failed"]
    assert [e["field"] for e in worse["errors"][0]["extensions"]["errors"]] == ["bestCase"]
    first_nodes = first_page["data"]["keyResultForecasts"]["nodes"]
    assert [n["commit"] for n in first_nodes] == ["160000"]
    assert first_page["data"]["keyResultForecasts"]["pageInfo"]["hasNextPage"] is True
    assert [n["commit"] for n in second_page["data"]["keyResultForecasts"]["nodes"]] == ["150000"]
    assert [n["id"] for n in then["data"]["keyResultForecasts"]["nodes"]] == [
        made["forecast"]["id"]
    ]
    assert codes(hidden) == ["not_found"]
