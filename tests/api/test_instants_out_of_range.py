"""An instant whose UTC form falls outside years 1-9999 is refused with a 422, not passed to
the database (which answered 500: "date value out of range")."""

from __future__ import annotations

import pytest

from tests.api.harness import Tenant

FAR_FUTURE, FAR_PAST = "9999-12-31T23:00:00-01:00", "0001-01-01T00:00:00+01:00"


@pytest.mark.parametrize("instant", [FAR_FUTURE, FAR_PAST])
async def test_updated_since_out_of_range_is_422(acme: Tenant, instant: str) -> None:
    async with acme.admin() as admin:
        answer = await admin.get("/v1/objectives", params={"updated_since": instant})
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_failed"


@pytest.mark.parametrize(
    "window",
    [
        {"since": FAR_FUTURE},
        {"since": "2099-01-01T00:00:00Z", "until": "9999-12-31T23:59:59-05:00"},
    ],
)
async def test_a_replay_window_out_of_range_is_422(acme: Tenant, window: dict[str, str]) -> None:
    async with acme.admin() as admin:
        made = await admin.post(
            "/v1/webhook-endpoints", json={"url": "https://hooks.example.com/okr"}
        )
        answer = await admin.post(f"/v1/webhook-endpoints/{made.json()['id']}/replay", json=window)
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_failed"
