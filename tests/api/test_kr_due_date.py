"""A KR's custom due date lies inside its cycle, on create and on PATCH."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import active_cycle, key_result, objective


def outside_cycle(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_failed", body
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("due_date", "outside_cycle")]


@pytest.mark.parametrize("due_date", ["2026-12-31", "2027-04-01"])
async def test_a_due_date_outside_the_cycle_is_refused(
    acme: Tenant, clock: SettableClock, due_date: str
) -> None:
    clock.pin(datetime(2027, 1, 10, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        goal = await objective(admin, cycle_id=cycle["id"], title="Win the north")
        body = {"title": "New customers", "target": "10", "owner_id": str(acme.admin_id)}
        created = await admin.post(
            f"/v1/objectives/{goal['id']}/key-results", json={**body, "due_date": due_date}
        )
        kr = await key_result(admin, goal["id"], **body, due_date="2027-01-01")
        patched = await admin.patch(f"/v1/key-results/{kr['id']}", json={"due_date": due_date})
        last_day = await admin.patch(f"/v1/key-results/{kr['id']}", json={"due_date": "2027-03-31"})
    outside_cycle(created)
    outside_cycle(patched)
    assert kr["due_date"] == "2027-01-01"  # the first day is inside
    assert last_day.status_code == 200, last_day.text
    assert last_day.json()["due_date"] == "2027-03-31"
