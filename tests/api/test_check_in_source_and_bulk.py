"""Data in (issue 17): a check-in says its source and may carry the sender's external id,
which makes a resent update the same check-in, under concurrency too; bulk check-ins answer
each item on its own (applied, duplicate, refused with the single check-in's error) in a
fixed number of statements, and the whole call is idempotent."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post
from tests.api.test_graphql import gql
from tests.api.test_rest_okr_counts import sql_statements

CONCURRENT = 16


@dataclass(frozen=True)
class World:
    ann: dict[str, Any]  # owns the KRs
    bob: dict[str, Any]  # a colleague: may see Ann's public KRs, not check in on them
    krs: list[str]  # Ann's, in her public objective
    private_kr: str  # Ann's, in her private objective
    closed_kr: str  # Ann's, in a closed cycle


async def _world(acme: Tenant, krs: int = 3) -> World:
    async with acme.admin() as admin:
        ann = await create_member(admin, "Ann")
        bob = await create_member(admin, "Bob")
        cycle = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        old = await active_cycle(admin, "2026", "year", "2026-01-01", "2026-12-31")
    async with acme.as_member(ann["id"]) as as_ann:
        grow = await objective(as_ann, cycle_id=cycle["id"], title="Grow", status="active")
        hidden = await objective(
            as_ann, cycle_id=cycle["id"], title="Quiet", status="active", visibility="private"
        )
        past = await objective(as_ann, cycle_id=old["id"], title="Past", status="active")
        made = [
            await key_result(as_ann, grow["id"], title=f"KR {i}", target="100", owner_id=ann["id"])
            for i in range(krs)
        ]
        private = await key_result(as_ann, hidden["id"], title="P", target="9", owner_id=ann["id"])
        closed = await key_result(as_ann, past["id"], title="C", target="9", owner_id=ann["id"])
    async with acme.admin() as admin:
        response = await admin.patch(f"/v1/cycles/{old['id']}", json={"state": "closed"})
        assert response.status_code == 200, response.text
    return World(ann, bob, [kr["id"] for kr in made], private["id"], closed["id"])


async def test_a_check_in_says_its_source_and_keeps_its_external_id(acme: Tenant) -> None:
    w = await _world(acme, krs=1)
    async with acme.as_member(w.ann["id"]) as as_ann:
        by_hand = await check_in(as_ann, w.krs[0], value="3")
        by_sheet = await check_in(
            as_ann, w.krs[0], value="4", integration=" sheets ", external_id=" row-7 "
        )
        history = await get(as_ann, f"/v1/key-results/{w.krs[0]}/check-ins")
        blank = await as_ann.post(
            f"/v1/key-results/{w.krs[0]}/check-ins", json={"value": "5", "external_id": "  "}
        )
    assert (by_hand["source"], by_hand["integration"], by_hand["external_id"]) == (
        "person",
        None,
        None,
    )
    assert (by_sheet["source"], by_sheet["integration"], by_sheet["external_id"]) == (
        "integration",
        "sheets",
        "row-7",
    )
    assert [(c["source"], c["external_id"]) for c in history["items"]] == [
        ("integration", "row-7"),
        ("person", None),
    ]
    assert blank.status_code == 422
    assert [e["field"] for e in blank.json()["errors"]] == ["external_id"]


async def test_the_same_external_id_twice_is_one_check_in(acme: Tenant) -> None:
    w = await _world(acme, krs=2)
    async with acme.as_member(w.ann["id"]) as as_ann:
        path = f"/v1/key-results/{w.krs[0]}/check-ins"
        first = await as_ann.post(path, json={"value": "10", "external_id": "deal-1"})
        again = await as_ann.post(path, json={"value": "99", "external_id": "deal-1"})
        # An external id is the KR's: another KR may use it.
        elsewhere = await as_ann.post(
            f"/v1/key-results/{w.krs[1]}/check-ins", json={"value": "7", "external_id": "deal-1"}
        )
        kr = await get(as_ann, f"/v1/key-results/{w.krs[0]}")
        history = await get(as_ann, path)
    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 201)
    assert again.json() == first.json()
    assert elsewhere.json()["id"] != first.json()["id"]
    assert kr["current"] == "10"
    assert len(history["items"]) == 1


async def test_the_same_external_id_fired_at_once_is_stored_once(acme: Tenant) -> None:
    w = await _world(acme, krs=1)
    path = f"/v1/key-results/{w.krs[0]}/check-ins"
    async with acme.as_member(w.ann["id"]) as as_ann:
        for round_ in range(3):
            body = {"value": str(round_ + 1), "external_id": f"event-{round_}"}
            answers = await asyncio.gather(
                *(as_ann.post(path, json=body) for _ in range(CONCURRENT))
            )
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200] * (CONCURRENT - 1) + [201], [a.text for a in answers]
            assert len({a.json()["id"] for a in answers}) == 1
        history = await get(as_ann, path)
        kr = await get(as_ann, f"/v1/key-results/{w.krs[0]}")
    assert [c["external_id"] for c in history["items"]] == ["event-2", "event-1", "event-0"]
    assert kr["current"] == "3"


def _item(kr_id: str, **body: Any) -> dict[str, Any]:
    return {"key_result_id": kr_id, **body}


async def test_bulk_answers_each_item_on_its_own(acme: Tenant) -> None:
    w = await _world(acme, krs=2)
    unknown = str(uuid.uuid4())
    async with acme.as_member(w.ann["id"]) as as_ann:
        await check_in(as_ann, w.krs[1], value="1", external_id="known")
        response = await as_ann.post(
            "/v1/check-ins/bulk",
            json={
                "items": [
                    _item(w.krs[0], value="20", external_id="a", note=" synced "),
                    _item(w.krs[0], value="30", external_id="b"),
                    _item(w.krs[0], value="99", external_id="a"),  # earlier in this call
                    _item(w.krs[1], value="99", external_id="known"),  # stored before
                    _item(unknown, value="1"),
                    _item(w.closed_kr, value="1"),
                    _item(w.krs[1]),  # no value
                    _item(w.krs[1], value="2", integration="hubspot"),
                ]
            },
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        kr0 = await get(as_ann, f"/v1/key-results/{w.krs[0]}")
        kr1 = await get(as_ann, f"/v1/key-results/{w.krs[1]}")
        history0 = await get(as_ann, f"/v1/key-results/{w.krs[0]}/check-ins")
    items = answer["items"]
    assert [i["outcome"] for i in items] == [
        "applied",
        "applied",
        "duplicate",
        "duplicate",
        "refused",
        "refused",
        "refused",
        "applied",
    ]
    assert [i["index"] for i in items] == list(range(8))
    assert (answer["applied"], answer["duplicates"], answer["refused"]) == (3, 2, 3)
    assert items[0]["check_in"]["source"] == "api"
    assert items[0]["check_in"]["note"] == "synced"
    assert items[2]["check_in"] == items[0]["check_in"]
    assert items[3]["check_in"]["value"] == "1"
    assert items[7]["check_in"]["source"] == "integration"
    assert items[7]["check_in"]["integration"] == "hubspot"
    assert [i["error"]["code"] for i in items[4:7]] == [
        "not_found",
        "cycle_closed",
        "validation_failed",
    ]
    assert items[6]["error"]["errors"] == [
        {"field": "value", "message": "is required", "code": "required"}
    ]
    assert all(i["error"] is None for i in items[:4])
    # The later of the KR's two new check-ins is its value; the duplicates moved nothing.
    assert kr0["current"] == "30"
    assert kr1["current"] == "2"
    assert [c["external_id"] for c in history0["items"]] == ["b", "a"]


async def test_bulk_refuses_as_a_single_check_in_does(acme: Tenant) -> None:
    """Who may: the same answers item by item as the single check-in gives."""
    w = await _world(acme, krs=1)
    service = acme.token(scopes=("kpis:write",))
    for client in (acme.as_member(w.bob["id"]), acme.client(service)):
        async with client:
            singles = [
                await client.post(f"/v1/key-results/{kr}/check-ins", json={"value": "1"})
                for kr in (w.krs[0], w.private_kr)
            ]
            bulk = await client.post(
                "/v1/check-ins/bulk",
                json={"items": [_item(w.krs[0], value="1"), _item(w.private_kr, value="1")]},
            )
        assert [s.status_code for s in singles] == [403, 404]
        assert bulk.status_code == 200, bulk.text
        assert [i["error"]["code"] for i in bulk.json()["items"]] == [
            s.json()["code"] for s in singles
        ]
    async with acme.admin() as admin:
        answer = await post(
            admin, "/v1/check-ins/bulk", {"items": [_item(w.private_kr, value="4")]}
        )
    assert answer["applied"] == 1


async def test_bulk_refuses_an_invalid_item_alone(acme: Tenant) -> None:
    """A value the body's schema refuses (a confidence out of 0-10, a NUL character, a
    text too long, a wrong type, a bad KR id) refuses that item with the field errors a
    single check-in's 422 has; the others are applied."""
    w = await _world(acme, krs=2)
    async with acme.as_member(w.ann["id"]) as as_ann:
        single = await as_ann.post(
            f"/v1/key-results/{w.krs[0]}/check-ins", json={"value": "1", "confidence": 11}
        )
        response = await as_ann.post(
            "/v1/check-ins/bulk",
            json={
                "items": [
                    _item(w.krs[0], value="10"),
                    _item(w.krs[0], value="11", confidence=11),
                    _item(w.krs[1], value="12", note="a\x00b"),
                    _item(w.krs[1], value="13", blockers="x" * 10_001),
                    _item(w.krs[1], value=[1]),
                    _item("not-a-uuid", value="1"),
                    "not an object",
                    _item(w.krs[1], value="14"),
                ]
            },
        )
        assert response.status_code == 200, response.text
        kr1 = await get(as_ann, f"/v1/key-results/{w.krs[1]}")
    items = response.json()["items"]
    assert [i["outcome"] for i in items] == ["applied"] + ["refused"] * 6 + ["applied"]
    assert response.json()["refused"] == 6
    assert {i["error"]["code"] for i in items[1:7]} == {"validation_failed"}
    assert single.status_code == 422
    assert items[1]["error"]["errors"] == single.json()["errors"]
    assert [(e["field"], e["code"]) for e in items[1]["error"]["errors"]] == [
        ("confidence", "less_than_equal")
    ]
    assert [e["field"] for e in items[2]["error"]["errors"]] == ["note"]
    assert [(e["field"], e["code"]) for e in items[3]["error"]["errors"]] == [
        ("blockers", "string_too_long")
    ]
    assert [e["field"] for e in items[4]["error"]["errors"]] == ["value"]
    assert [e["field"] for e in items[5]["error"]["errors"]] == ["key_result_id"]
    assert (items[5]["key_result_id"], items[6]["key_result_id"]) == (None, None)
    assert items[0]["key_result_id"] == w.krs[0]
    assert kr1["current"] == "14"


async def test_bulk_costs_the_same_statements_for_5_items_or_100(acme: Tenant) -> None:
    w = await _world(acme, krs=5)
    counts = []
    async with acme.as_member(w.ann["id"]) as as_ann:
        await get(as_ann, "/v1/organization")
        for size in (5, 100):
            items = [
                _item(w.krs[i % 5], value=str(i), external_id=f"{size}-{i}") for i in range(size)
            ]
            items.append(_item(w.krs[0], value="1", external_id=f"{size}-0"))  # a duplicate
            with sql_statements(acme.app) as seen:
                answer = await post(as_ann, "/v1/check-ins/bulk", {"items": items})
            assert (answer["applied"], answer["duplicates"]) == (size, 1)
            counts.append(len(seen))
    assert counts[0] == counts[1], counts
    # KRs with objectives and cycles; the units and reporting line for who may; the insert
    # that moves the KRs; the duplicates; the objectives' updated_at; the audit events.
    assert counts[0] <= 8, counts


async def test_bulk_calls_racing_store_each_external_id_once(acme: Tenant) -> None:
    w = await _world(acme, krs=3)
    # The same updates in different orders, so two calls would deadlock on their rows if
    # they took them in the order given.
    base = [_item(kr, value=str(n), external_id=f"{kr}-{n}") for kr in w.krs for n in range(4)]
    calls = [{"items": base[i:] + base[:i]} for i in range(0, 12, 2)]
    async with acme.as_member(w.ann["id"]) as as_ann:
        answers = await asyncio.gather(*(as_ann.post("/v1/check-ins/bulk", json=c) for c in calls))
        assert [a.status_code for a in answers] == [200] * len(calls), [a.text for a in answers]
        histories = [await get(as_ann, f"/v1/key-results/{kr}/check-ins") for kr in w.krs]
    assert sum(a.json()["applied"] for a in answers) == len(base)
    for history in histories:
        assert len(history["items"]) == 4
    ids = {
        (i["key_result_id"], i["check_in"]["external_id"]): i["check_in"]["id"]
        for a in answers
        for i in a.json()["items"]
    }
    assert len(ids) == len(base)
    assert len(set(ids.values())) == len(base)


async def test_a_bulk_call_is_idempotent_and_bounded(acme: Tenant) -> None:
    w = await _world(acme, krs=1)
    body = {"items": [_item(w.krs[0], value="5")]}
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    async with acme.as_member(w.ann["id"]) as as_ann:
        first = await as_ann.post("/v1/check-ins/bulk", json=body, headers=headers)
        again = await as_ann.post("/v1/check-ins/bulk", json=body, headers=headers)
        too_many = await as_ann.post(
            "/v1/check-ins/bulk", json={"items": [_item(w.krs[0], value="1")] * 501}
        )
        none = await as_ann.post("/v1/check-ins/bulk", json={"items": []})
        history = await get(as_ann, f"/v1/key-results/{w.krs[0]}/check-ins")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len(history["items"]) == 1
    assert (too_many.status_code, none.status_code) == (422, 422)


_CHECK_IN = """
mutation($input: CheckInInput!) {
  checkIn(input: $input) { duplicate checkIn { id source integration externalId } }
}"""

_BULK = """
mutation($input: BulkCheckInInput!) {
  checkInBulk(input: $input) {
    applied duplicates refused
    items { index outcome checkIn { id source externalId } error { code errors { field code } } }
  }
}"""


async def test_graphql_says_source_duplicates_and_bulk_outcomes(acme: Tenant) -> None:
    w = await _world(acme, krs=1)
    kr = w.krs[0]
    async with acme.as_member(w.ann["id"]) as as_ann:
        sent = {"keyResultId": kr, "value": "3", "externalId": "x-1", "integration": "zapier"}
        first = await gql(as_ann, _CHECK_IN, {"input": sent})
        again = await gql(as_ann, _CHECK_IN, {"input": sent})
        bulk = await gql(
            as_ann,
            _BULK,
            {
                "input": {
                    "items": [
                        {"keyResultId": kr, "value": "4", "externalId": "x-1"},
                        {"keyResultId": kr, "value": "5", "externalId": "x-2"},
                        {"keyResultId": w.closed_kr, "value": "5"},
                    ]
                }
            },
        )
    made = first["data"]["checkIn"]
    assert made["duplicate"] is False
    assert made["checkIn"]["source"] == "INTEGRATION"
    assert made["checkIn"]["integration"] == "zapier"
    assert again["data"]["checkIn"] == {**made, "duplicate": True}
    answer = bulk["data"]["checkInBulk"]
    assert [i["outcome"] for i in answer["items"]] == ["DUPLICATE", "APPLIED", "REFUSED"]
    assert answer["items"][0]["checkIn"]["id"] == made["checkIn"]["id"]
    assert answer["items"][1]["checkIn"]["source"] == "API"
    assert answer["items"][2]["error"] == {"code": "cycle_closed", "errors": []}
    assert (answer["applied"], answer["duplicates"], answer["refused"]) == (1, 1, 1)


async def test_a_kpi_reading_checks_in_with_source_kpi(acme: Tenant) -> None:
    w = await _world(acme, krs=1)
    async with acme.admin() as admin:
        kpi = await post(
            admin,
            "/v1/kpis",
            {"name": "Revenue", "target": "100", "direction": "increase", "owner_id": w.ann["id"]},
        )
    async with acme.as_member(w.ann["id"]) as as_ann:
        linked = await as_ann.put(f"/v1/key-results/{w.krs[0]}/kpi", json={"kpi_id": kpi["id"]})
        assert linked.status_code == 200, linked.text
        await post(as_ann, f"/v1/kpis/{kpi['id']}/measurements", {"value": 40})
        history = await get(as_ann, f"/v1/key-results/{w.krs[0]}/check-ins")
    assert [(c["source"], c["value"]) for c in history["items"]] == [("kpi", "40")]
