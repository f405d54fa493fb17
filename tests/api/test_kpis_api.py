"""KPIs (关键绩效指标) over REST and GraphQL, end to end on Postgres (OKR and KPI together,
article 004).

A KPI's new measurement becomes, in the same transaction, a check-in of every key result
following it, with the KR's progress moved and the check-in attributed to whoever posted it
(a member, or an integration's service token), dated at the reading. A reading older than
the latest lands in the KR's past and does not move it back; unlinking keeps the history; a
yes/no KR cannot follow a KPI; another organization's KPI does not exist; bad input is
refused and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, post
from tests.api.test_graphql import codes, gql, sql_statements

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
REVENUE: dict[str, Any] = {
    "name": "月销售额 Monthly revenue",
    "unit": "CNY",
    "target": "2000000",
    "direction": "increase",
}
FROM_KPI = "from KPI 月销售额 Monthly revenue"


@dataclass(frozen=True)
class World:
    vic: dict[str, Any]  # a manager
    ann: dict[str, Any]  # reports to Vic; owns the KRs and the KPI
    bob: dict[str, Any]  # reports to Vic
    cycle: dict[str, Any]
    revenue_kr: dict[str, Any]  # currency, 0 -> 6,000,000
    deals_kr: dict[str, Any]  # number, 0 -> 2,000,000 (the KPI's own target)
    crm_live_kr: dict[str, Any]  # boolean
    kpi: dict[str, Any]  # owned by Ann


async def _world(acme: Tenant, clock: SettableClock) -> World:
    clock.pin(NOW)
    async with acme.admin() as admin:
        vic = await create_member(admin, "Vic", roles=["manager"])
        ann = await create_member(admin, "Ann", manager_id=vic["id"])
        bob = await create_member(admin, "Bob", manager_id=vic["id"])
        cycle = await active_cycle(admin, "Q1", "quarter", "2026-01-01", "2026-03-31")
        kpi = await post(admin, "/v1/kpis", {**REVENUE, "owner_id": ann["id"]})
    async with acme.as_member(ann["id"]) as as_ann:
        grow = await objective(as_ann, cycle_id=cycle["id"], title="Grow", status="active")
        revenue = await key_result(
            as_ann,
            grow["id"],
            title="Q1 revenue reaches 6 million",
            owner_id=ann["id"],
            metric_kind="currency",
            currency="CNY",
            target="6000000",
        )
        deals = await key_result(
            as_ann, grow["id"], title="Monthly sales 2 million", owner_id=ann["id"], target=2000000
        )
        crm_live = await key_result(
            as_ann, grow["id"], title="CRM live", owner_id=ann["id"], metric_kind="boolean"
        )
    return World(vic, ann, bob, cycle, revenue, deals, crm_live, kpi)


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def _check_ins(client: httpx.AsyncClient, kr_id: str) -> list[tuple[str, str, str]]:
    """A KR's check-ins, newest first: (value, author, note)."""
    page = await get(client, f"/v1/key-results/{kr_id}/check-ins")
    return [(c["value"], c["author"], c["note"]) for c in page["items"]]


# -- REST ------------------------------------------------------------------------------------


async def test_a_measurement_becomes_a_check_in_of_every_linked_kr(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    kpi_id, ann_id = w.kpi["id"], w.ann["id"]
    async with acme.as_member(ann_id) as as_ann:
        for kr in (w.revenue_kr, w.deals_kr):
            linked = await as_ann.put(f"/v1/key-results/{kr['id']}/kpi", json={"kpi_id": kpi_id})
            body = ok(linked)
            assert (body["kpi_id"], body["version"]) == (kpi_id, 2)
            assert linked.headers["etag"].startswith('"2-')
        # The owner of the KPI posts February's revenue.
        posted = await as_ann.post(
            f"/v1/kpis/{kpi_id}/measurements",
            json={"value": "1650000", "measured_at": "2026-02-28T23:59:59+08:00", "note": "Feb"},
        )
        measurement = ok(posted, 201)
        assert posted.headers["location"] == f"/v1/kpis/{kpi_id}/measurements"
        revenue = await get(as_ann, f"/v1/key-results/{w.revenue_kr['id']}")
        deals = await get(as_ann, f"/v1/key-results/{w.deals_kr['id']}")
        revenue_history = await _check_ins(as_ann, w.revenue_kr["id"])

    assert {
        k: measurement[k] for k in ("kpi_id", "value", "measured_at", "recorded_by", "note")
    } == {
        "kpi_id": kpi_id,
        "value": "1650000",
        "measured_at": "2026-02-28T15:59:59Z",
        "recorded_by": ann_id,
        "note": "Feb",
    }
    assert (revenue["current"], revenue["score"]["progress"]) == ("1650000", "0.2750")
    assert (deals["current"], deals["score"]["progress"]) == ("1650000", "0.8250")
    assert revenue["last_check_in_at"] == "2026-02-28T15:59:59Z"  # the reading's time
    assert revenue_history == [("1650000", ann_id, f"{FROM_KPI}: Feb")]

    # An integration posts March's figure with its service token: the check-ins are its own.
    clock.pin(datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    async with acme.client(acme.token(scopes=("kpis:write",))) as crm:
        ok(await crm.post(f"/v1/kpis/{kpi_id}/measurements", json={"value": 2400000}), 201)
        kpi = ok(await crm.get(f"/v1/kpis/{kpi_id}"))
    async with acme.admin() as admin:
        revenue = await get(admin, f"/v1/key-results/{w.revenue_kr['id']}")
        deals = await get(admin, f"/v1/key-results/{w.deals_kr['id']}")
        deals_history = await _check_ins(admin, w.deals_kr["id"])
        events = await get(admin, "/v1/audit-events?resource_type=kpi_measurement")
    assert (revenue["current"], revenue["score"]["progress"]) == ("2400000", "0.4000")
    assert (deals["current"], deals["score"]["progress"]) == ("2400000", "1.0000")
    assert deals_history == [
        ("2400000", "service:okr-cli", FROM_KPI),
        ("1650000", ann_id, f"{FROM_KPI}: Feb"),
    ]
    assert kpi["latest_measurement"]["value"] == "2400000"
    assert kpi["latest_measurement"]["recorded_by"] == "service:okr-cli"
    assert (kpi["status"], kpi["attainment"]) == ("met", "1.0000")
    assert [e["actor"] for e in events["items"]] == [ann_id, "service:okr-cli"]


async def test_an_older_measurement_lands_in_the_past(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    kpi_id = w.kpi["id"]
    async with acme.as_member(w.ann["id"]) as as_ann:
        ok(await as_ann.put(f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": kpi_id}))
        march = ok(await as_ann.post(f"/v1/kpis/{kpi_id}/measurements", json={"value": 3}), 201)
        january = ok(
            await as_ann.post(
                f"/v1/kpis/{kpi_id}/measurements",
                json={"value": 1, "measured_at": "2026-01-31T12:00:00Z", "note": "late"},
            ),
            201,
        )
        history = await _check_ins(as_ann, w.revenue_kr["id"])
        revenue = await get(as_ann, f"/v1/key-results/{w.revenue_kr['id']}")
        listed = await get(as_ann, f"/v1/kpis/{kpi_id}/measurements")
        first = await get(as_ann, f"/v1/kpis/{kpi_id}/measurements?limit=1")
        second = await get(
            as_ann, f"/v1/kpis/{kpi_id}/measurements?limit=1&cursor={first['next_cursor']}"
        )
        kpi = await get(as_ann, f"/v1/kpis/{kpi_id}")
    assert history == [("3", w.ann["id"], FROM_KPI), ("1", w.ann["id"], f"{FROM_KPI}: late")]
    assert revenue["current"] == "3"
    assert [m["id"] for m in listed["items"]] == [march["id"], january["id"]]
    assert [m["id"] for m in first["items"] + second["items"]] == [march["id"], january["id"]]
    assert second["next_cursor"] is None
    assert kpi["latest_measurement"]["id"] == march["id"]
    assert (kpi["status"], kpi["attainment"]) == ("not_met", "0.0000")


async def test_unlinking_keeps_past_check_ins(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    kpi_id, kr_id = w.kpi["id"], w.revenue_kr["id"]
    async with acme.as_member(w.ann["id"]) as as_ann:
        ok(await as_ann.put(f"/v1/key-results/{kr_id}/kpi", json={"kpi_id": kpi_id}))
        ok(await as_ann.post(f"/v1/kpis/{kpi_id}/measurements", json={"value": 1000000}), 201)
        in_use = await as_ann.delete(f"/v1/kpis/{kpi_id}")
        stale = await as_ann.delete(f"/v1/key-results/{kr_id}/kpi", headers={"If-Match": '"1"'})
        unlinked = await as_ann.delete(f"/v1/key-results/{kr_id}/kpi", headers={"If-Match": '"2"'})
        clock.pin(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
        ok(await as_ann.post(f"/v1/kpis/{kpi_id}/measurements", json={"value": 2000000}), 201)
        history = await _check_ins(as_ann, kr_id)
        followers = await get(as_ann, f"/v1/kpis/{kpi_id}/key-results")
        deleted = await as_ann.delete(f"/v1/kpis/{kpi_id}", headers={"If-Match": '"1"'})
        gone = await as_ann.get(f"/v1/kpis/{kpi_id}")
        history_after = await _check_ins(as_ann, kr_id)
        revenue = await get(as_ann, f"/v1/key-results/{kr_id}")
    problem(in_use, 409, "kpi_has_linked_key_results")
    problem(stale, 412, "stale_version")
    body = ok(unlinked)
    assert (body["kpi_id"], body["version"], body["current"]) == (None, 3, "1000000")
    assert unlinked.headers["etag"].startswith('"3-')
    assert history == history_after == [("1000000", w.ann["id"], FROM_KPI)]
    assert followers == {"items": [], "next_cursor": None}
    assert deleted.status_code == 204, deleted.text
    problem(gone, 404, "not_found")
    assert (revenue["current"], revenue["kpi_id"]) == ("1000000", None)


async def test_a_kr_that_cannot_follow_the_kpi_is_refused(
    acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    async with acme.admin() as admin:
        fewer = await post(
            admin, "/v1/kpis", {"name": "客诉 Complaints", "target": 3, "direction": "decrease"}
        )
    async with acme.as_member(w.ann["id"]) as as_ann:
        yes_no = await as_ann.put(
            f"/v1/key-results/{w.crm_live_kr['id']}/kpi", json={"kpi_id": w.kpi["id"]}
        )
        turned = await as_ann.put(
            f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": fewer["id"]}
        )
        crm_live = await get(as_ann, f"/v1/key-results/{w.crm_live_kr['id']}")
    assert problem(yes_no, 422, "validation_failed")["errors"] == [
        {
            "field": "kpi_id",
            "message": "a boolean KR cannot follow a KPI's value",
            "code": "kind_not_linkable",
        }
    ]
    assert [e["code"] for e in problem(turned, 422, "validation_failed")["errors"]] == [
        "direction_mismatch"
    ]
    assert (crm_live["kpi_id"], crm_live["version"]) == (None, 1)


async def test_who_may_write_kpis_and_post_measurements(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    kpi_path = f"/v1/kpis/{w.kpi['id']}"
    async with acme.as_member(w.bob["id"]) as as_bob:
        created = await as_bob.post("/v1/kpis", json=REVENUE)
        changed = await as_bob.patch(kpi_path, json={"target": 1})
        posted = await as_bob.post(f"{kpi_path}/measurements", json={"value": 1})
        linked = await as_bob.put(
            f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": w.kpi["id"]}
        )
        read = await as_bob.get(kpi_path)
    async with acme.client(acme.token(scopes=("org:read",))) as reader:
        reader_posts = await reader.post(f"{kpi_path}/measurements", json={"value": 1})
        reader_reads = await reader.get("/v1/kpis")
    async with acme.client(acme.token(scopes=("reviews:export",))) as exporter:
        exporter_reads = await exporter.get("/v1/kpis")
    async with acme.as_member(w.vic["id"], "manager") as as_vic:
        by_manager = await as_vic.post("/v1/kpis", json={**REVENUE, "name": "GMV"})
    async with acme.as_member(w.ann["id"]) as as_ann:
        by_owner = await as_ann.patch(kpi_path, json={"target": "2200000", "unit": None})
        listed = await get(as_ann, f"/v1/kpis?owner_id={w.ann['id']}")
        by_name = await get(as_ann, "/v1/kpis?q=gmv")
    # org:read reads the directory, not KPIs: kpis:write is the KPI scope (README).
    for refused in (created, changed, posted, linked, reader_posts, reader_reads, exporter_reads):
        problem(refused, 403, "forbidden")
    assert ok(read)["id"] == w.kpi["id"]
    gmv = ok(by_manager, 201)
    assert by_manager.headers["location"] == f"/v1/kpis/{gmv['id']}"
    assert gmv["owner_id"] == w.vic["id"]  # the caller, by default
    patched = ok(by_owner)
    assert (patched["target"], patched["unit"], patched["version"]) == ("2200000", None, 2)
    assert by_owner.headers["etag"].startswith('"2-')
    assert [k["id"] for k in listed["items"]] == [w.kpi["id"]]
    assert [k["id"] for k in by_name["items"]] == [gmv["id"]]


async def test_bad_input_is_422_and_changes_nothing(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    kpi_path = f"/v1/kpis/{w.kpi['id']}"
    async with acme.admin() as admin:
        ok(
            await admin.put(
                f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": w.kpi["id"]}
            )
        )
        before = (
            await get(admin, "/v1/kpis"),
            await get(admin, f"{kpi_path}/measurements"),
            await _check_ins(admin, w.revenue_kr["id"]),
            await get(admin, "/v1/audit-events?limit=200"),
        )
        refused = {
            "blank KPI": await admin.post(
                "/v1/kpis", json={"name": " ", "target": 1, "unit": "x" * 41}
            ),
            "unknown field": await admin.post("/v1/kpis", json={**REVENUE, "version": 3}),
            "no such owner": await admin.post(
                "/v1/kpis", json={**REVENUE, "owner_id": "01a209b4-22a0-764f-84e2-80f0bf395a35"}
            ),
            "blank name": await admin.patch(kpi_path, json={"name": ""}),
            "null target": await admin.patch(kpi_path, json={"target": None}),
            "not a number": await admin.post(f"{kpi_path}/measurements", json={"value": "many"}),
            "infinite": await admin.post(f"{kpi_path}/measurements", json={"value": "Infinity"}),
            "future": await admin.post(
                f"{kpi_path}/measurements",
                json={"value": 1, "measured_at": "2026-03-02T09:36:00Z"},
            ),
            "no offset": await admin.post(
                f"{kpi_path}/measurements", json={"value": 1, "measured_at": "2026-03-01T09:00:00"}
            ),
            "long note": await admin.post(
                f"{kpi_path}/measurements", json={"value": 1, "note": "x" * 2001}
            ),
            "no KPI id": await admin.put(f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={}),
        }
        after = (
            await get(admin, "/v1/kpis"),
            await get(admin, f"{kpi_path}/measurements"),
            await _check_ins(admin, w.revenue_kr["id"]),
            await get(admin, "/v1/audit-events?limit=200"),
        )
    codes_of = {name: (r.status_code, r.json()["code"]) for name, r in refused.items()}
    assert codes_of == {
        **dict.fromkeys(refused, (422, "validation_failed")),
        "no such owner": (422, "unknown_reference"),
    }
    assert {e["field"] for e in refused["blank KPI"].json()["errors"]} == {"name", "unit"}
    assert [e["field"] for e in refused["future"].json()["errors"]] == ["measured_at"]
    assert after == before


async def test_another_organizations_kpi_does_not_exist(
    acme: Tenant, globex: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)
    async with globex.admin() as theirs:
        their_kpi = await post(theirs, "/v1/kpis", REVENUE)
    nobody = "01a209b4-22a0-764f-84e2-80f0bf395a35"
    async with acme.as_member(w.ann["id"]) as as_ann:
        answers = {
            f"{method} {suffix}": (
                await as_ann.request(method, f"/v1/kpis/{their_kpi['id']}{suffix}", json=body)
            )
            for method, suffix, body in (
                ("GET", "", None),
                ("PATCH", "", {"target": 1}),
                ("DELETE", "", None),
                ("GET", "/measurements", None),
                ("POST", "/measurements", {"value": 1}),
                ("GET", "/key-results", None),
            )
        }
        theirs_linked = await as_ann.put(
            f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": their_kpi["id"]}
        )
        none_linked = await as_ann.put(
            f"/v1/key-results/{w.revenue_kr['id']}/kpi", json={"kpi_id": nobody}
        )
        listed = await get(as_ann, "/v1/kpis")
    assert {k: (r.status_code, r.json()["code"]) for k, r in answers.items()} == dict.fromkeys(
        answers, (404, "not_found")
    )
    theirs_body = problem(theirs_linked, 422, "unknown_reference")
    none_body = problem(none_linked, 422, "unknown_reference")
    strip = {"request_id"}
    assert {k: v for k, v in theirs_body.items() if k not in strip} == {
        k: v for k, v in none_body.items() if k not in strip
    }
    assert [k["id"] for k in listed["items"]] == [w.kpi["id"]]
    async with globex.admin() as theirs:
        still = await get(theirs, f"/v1/kpis/{their_kpi['id']}")
        their_measurements = await get(theirs, f"/v1/kpis/{their_kpi['id']}/measurements")
    assert still == their_kpi
    assert their_measurements["items"] == []


async def test_a_retried_measurement_checks_in_once(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    kpi_id = w.kpi["id"]
    async with acme.as_member(w.ann["id"]) as as_ann:
        ok(await as_ann.put(f"/v1/key-results/{w.deals_kr['id']}/kpi", json={"kpi_id": kpi_id}))
        answers = [
            await as_ann.post(
                f"/v1/kpis/{kpi_id}/measurements",
                json={"value": 5},
                headers={"Idempotency-Key": "feb-2026"},
            )
            for _ in range(2)
        ]
        measurements = await get(as_ann, f"/v1/kpis/{kpi_id}/measurements")
        history = await _check_ins(as_ann, w.deals_kr["id"])
    assert answers[0].status_code == answers[1].status_code == 201
    assert answers[0].json() == answers[1].json()
    assert [m["id"] for m in measurements["items"]] == [answers[0].json()["id"]]
    assert history == [("5", w.ann["id"], FROM_KPI)]


# -- GraphQL ---------------------------------------------------------------------------------

KPI_FIELDS = """
id name unit target direction status attainment version owner { id }
latestMeasurement { id value recordedBy }
linkedKeyResults { id kpiId current score { progress } }"""
KPIS = (
    "query($first: Int!, $after: String, $filter: KpiFilterInput) {"
    " kpis(first: $first, after: $after, filter: $filter) {"
    " nodes { " + KPI_FIELDS + " } pageInfo { hasNextPage endCursor } } }"
)
KPI = """
query($id: UUID!, $first: Int!, $after: String) {
  kpi(id: $id) {
    id name
    measurements(first: $first, after: $after) {
      nodes { id value measuredAt recordedBy recordedByMember { id } note }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
CREATE = (
    "mutation($input: CreateKpiInput!) { createKpi(input: $input) { kpi { " + KPI_FIELDS + " } } }"
)
UPDATE = (
    "mutation($input: UpdateKpiInput!) { updateKpi(input: $input) { kpi { " + KPI_FIELDS + " } } }"
)
DELETE = "mutation($input: DeleteKpiInput!) { deleteKpi(input: $input) { deletedKpiId } }"
RECORD = """
mutation($input: RecordKpiMeasurementInput!) {
  recordKpiMeasurement(input: $input) {
    measurement { id value recordedBy note }
    kpi { status attainment latestMeasurement { id } }
  }
}"""
LINK = """
mutation($input: LinkKeyResultToKpiInput!) {
  linkKeyResultToKpi(input: $input) { keyResult { id kpiId version } }
}"""
UNLINK = """
mutation($input: UnlinkKeyResultFromKpiInput!) {
  unlinkKeyResultFromKpi(input: $input) { keyResult { id kpiId version } }
}"""
KEY_RESULT = """
query($id: UUID!) {
  keyResult(id: $id) {
    kpiId current score { progress }
    checkIns(first: 10) { nodes { value author note authorMember { id } } }
  }
}"""


def data(body: dict[str, Any], name: str) -> Any:
    assert "errors" not in body, body
    return body["data"][name]


async def test_kpis_over_graphql(acme: Tenant, globex: Tenant, clock: SettableClock) -> None:
    w = await _world(acme, clock)
    async with acme.as_member(w.vic["id"], "manager") as as_vic:
        created = data(
            await gql(
                as_vic,
                CREATE,
                {"input": {"name": "GMV", "target": "100", "unit": "万元", "ownerId": w.ann["id"]}},
            ),
            "createKpi",
        )["kpi"]
    gmv_id = created["id"]
    assert {
        k: created[k] for k in ("name", "unit", "target", "direction", "status", "version")
    } == {
        "name": "GMV",
        "unit": "万元",
        "target": "100",
        "direction": "INCREASE",
        "status": None,
        "version": 1,
    }
    assert (created["owner"], created["latestMeasurement"], created["linkedKeyResults"]) == (
        {"id": w.ann["id"]},
        None,
        [],
    )

    async with acme.as_member(w.ann["id"]) as as_ann:
        link = {"keyResultId": w.deals_kr["id"], "kpiId": gmv_id, "expectedVersion": 1}
        linked = data(await gql(as_ann, LINK, {"input": link}), "linkKeyResultToKpi")
        yes_no = await gql(
            as_ann, LINK, {"input": {"keyResultId": w.crm_live_kr["id"], "kpiId": gmv_id}}
        )
        recorded = data(
            await gql(as_ann, RECORD, {"input": {"kpiId": gmv_id, "value": "80", "note": "Q1"}}),
            "recordKpiMeasurement",
        )
        kr = data(await gql(as_ann, KEY_RESULT, {"id": w.deals_kr["id"]}), "keyResult")
        updated = data(
            await gql(as_ann, UPDATE, {"input": {"id": gmv_id, "target": "80", "unit": None}}),
            "updateKpi",
        )["kpi"]
        null_name = await gql(as_ann, UPDATE, {"input": {"id": gmv_id, "name": None}})
    assert linked["keyResult"] == {"id": w.deals_kr["id"], "kpiId": gmv_id, "version": 2}
    assert codes(yes_no) == ["validation_failed"]
    assert (recorded["measurement"]["value"], recorded["measurement"]["recordedBy"]) == (
        "80",
        w.ann["id"],
    )
    assert recorded["kpi"] == {
        "status": "NOT_MET",
        "attainment": "0.8000",
        "latestMeasurement": {"id": recorded["measurement"]["id"]},
    }
    assert (kr["kpiId"], kr["current"], kr["score"]["progress"]) == (gmv_id, "80", "0.0000")
    assert kr["checkIns"]["nodes"] == [
        {
            "value": "80",
            "author": w.ann["id"],
            "note": "from KPI GMV: Q1",
            "authorMember": {"id": w.ann["id"]},
        }
    ]
    assert (updated["target"], updated["unit"], updated["status"], updated["version"]) == (
        "80",
        None,
        "MET",
        2,
    )
    assert [k["id"] for k in updated["linkedKeyResults"]] == [w.deals_kr["id"]]
    assert codes(null_name) == ["validation_failed"]

    # An integration posts with kpis:write: the check-in is its own; the KR's progress moves.
    clock.pin(datetime(2026, 3, 3, 9, 30, tzinfo=UTC))
    async with acme.client(acme.token(scopes=("kpis:write",))) as crm:
        by_crm = data(
            await gql(crm, RECORD, {"input": {"kpiId": gmv_id, "value": 1000000}}),
            "recordKpiMeasurement",
        )
    assert by_crm["measurement"]["recordedBy"] == "service:okr-cli"
    async with acme.as_member(w.ann["id"]) as as_ann:
        kr = data(await gql(as_ann, KEY_RESULT, {"id": w.deals_kr["id"]}), "keyResult")
        first = data(await gql(as_ann, KPI, {"id": gmv_id, "first": 1}), "kpi")["measurements"]
        rest = data(
            await gql(
                as_ann, KPI, {"id": gmv_id, "first": 5, "after": first["pageInfo"]["endCursor"]}
            ),
            "kpi",
        )["measurements"]
        listed = data(await gql(as_ann, KPIS, {"first": 10, "filter": {"q": "gm"}}), "kpis")
        unlinked = data(
            await gql(as_ann, UNLINK, {"input": {"keyResultId": w.deals_kr["id"]}}),
            "unlinkKeyResultFromKpi",
        )
        kept = data(await gql(as_ann, KEY_RESULT, {"id": w.deals_kr["id"]}), "keyResult")
    assert (kr["current"], kr["score"]["progress"]) == ("1000000", "0.5000")
    assert kr["checkIns"]["nodes"][0] == {
        "value": "1000000",
        "author": "service:okr-cli",
        "note": "from KPI GMV",
        "authorMember": None,
    }
    assert [m["value"] for m in first["nodes"] + rest["nodes"]] == ["1000000", "80"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["nodes"][0]["recordedByMember"] == {"id": w.ann["id"]}
    assert rest["nodes"][0]["note"] == "Q1"
    assert [k["id"] for k in listed["nodes"]] == [gmv_id]
    assert unlinked["keyResult"] == {"id": w.deals_kr["id"], "kpiId": None, "version": 3}
    assert kept["kpiId"] is None
    assert [c["value"] for c in kept["checkIns"]["nodes"]] == ["1000000", "80"]

    async with globex.admin() as theirs:
        not_theirs = await gql(theirs, KPI, {"id": gmv_id, "first": 1})
        delete_theirs = await gql(theirs, DELETE, {"input": {"id": gmv_id}})
        record_theirs = await gql(theirs, RECORD, {"input": {"kpiId": gmv_id, "value": 1}})
    assert codes(not_theirs) == codes(delete_theirs) == codes(record_theirs) == ["not_found"]
    async with acme.as_member(w.ann["id"]) as as_ann:
        deleted = data(await gql(as_ann, DELETE, {"input": {"id": gmv_id}}), "deleteKpi")
    assert deleted == {"deletedKpiId": gmv_id}


async def test_linked_key_results_load_in_a_fixed_number_of_statements(
    app: FastAPI, acme: Tenant, clock: SettableClock
) -> None:
    w = await _world(acme, clock)

    async def statements() -> int:
        async with acme.admin() as admin:
            with sql_statements(app) as seen:
                listed = data(await gql(admin, KPIS, {"first": 50}), "kpis")
        assert all(len(k["linkedKeyResults"]) == 1 for k in listed["nodes"])
        return len(seen)

    async with acme.as_member(w.ann["id"]) as as_ann:
        ok(
            await as_ann.put(
                f"/v1/key-results/{w.deals_kr['id']}/kpi", json={"kpi_id": w.kpi["id"]}
            )
        )
    one = await statements()
    async with acme.admin() as admin:
        for name in ("A", "B", "C"):
            kpi = await post(admin, "/v1/kpis", {**REVENUE, "name": name})
            ok(await admin.post(f"/v1/kpis/{kpi['id']}/measurements", json={"value": 1}), 201)
            kr = await key_result(
                admin,
                w.revenue_kr["objective_id"],
                title=f"KR {name}",
                owner_id=w.ann["id"],
                target=10,
            )
            ok(await admin.put(f"/v1/key-results/{kr['id']}/kpi", json={"kpi_id": kpi["id"]}))
    assert await statements() == one
