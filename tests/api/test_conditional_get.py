"""Conditional GET: ``If-None-Match`` with the current ETag answers 304 with no body."""

from __future__ import annotations

import httpx

from tests.api.harness import Tenant
from tests.api.okr_harness import active_cycle, check_in, key_result, objective


async def _objective(admin: httpx.AsyncClient) -> str:
    cycle = await active_cycle(admin, "Q1 2027", "quarter", "2027-01-01", "2027-03-31")
    created = await objective(admin, cycle_id=cycle["id"], title="Win the east region")
    return str(created["id"])


async def test_the_current_etag_answers_304_without_a_body(acme: Tenant) -> None:
    async with acme.admin() as admin:
        path = f"/v1/objectives/{await _objective(admin)}"
        first = await admin.get(path)
        current = first.headers["ETag"]

        again = await admin.get(path, headers={"If-None-Match": current})

        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["ETag"] == current
        assert "content-type" not in again.headers


async def test_a_weak_etag_and_star_match_too(acme: Tenant) -> None:
    async with acme.admin() as admin:
        path = f"/v1/objectives/{await _objective(admin)}"
        current = (await admin.get(path)).headers["ETag"]

        weak = await admin.get(path, headers={"If-None-Match": f"W/{current}"})
        star = await admin.get(path, headers={"If-None-Match": "*"})

        assert weak.status_code == 304
        assert star.status_code == 304


async def test_a_list_of_etags_matches_when_any_is_current(acme: Tenant) -> None:
    async with acme.admin() as admin:
        path = f"/v1/objectives/{await _objective(admin)}"
        current = (await admin.get(path)).headers["ETag"]

        hit = await admin.get(path, headers={"If-None-Match": f'"998", {current} ,W/"999"'})
        miss = await admin.get(path, headers={"If-None-Match": '"998", W/"999"'})

        assert hit.status_code == 304
        assert miss.status_code == 200
        assert miss.json()["title"] == "Win the east region"


async def test_after_a_change_the_old_etag_gets_the_new_body(acme: Tenant) -> None:
    async with acme.admin() as admin:
        path = f"/v1/objectives/{await _objective(admin)}"
        old = (await admin.get(path)).headers["ETag"]
        changed = await admin.patch(path, json={"title": "Win the west"}, headers={"If-Match": old})
        assert changed.status_code == 200

        stale = await admin.get(path, headers={"If-None-Match": old})

        assert stale.status_code == 200
        assert stale.json()["title"] == "Win the west"
        assert stale.headers["ETag"] == changed.headers["ETag"] != old


async def test_a_malformed_header_is_ignored(acme: Tenant) -> None:
    async with acme.admin() as admin:
        path = f"/v1/objectives/{await _objective(admin)}"
        current = (await admin.get(path)).headers["ETag"].strip('"')

        for header in (current, f"'{current}'", "W/", '"', ","):
            answer = await admin.get(path, headers={"If-None-Match": header})
            assert answer.status_code == 200, header


async def test_other_resources_and_writes(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, "Q1 2027", "quarter", "2027-01-01", "2027-03-31")
        for path in (
            f"/v1/cycles/{cycle['id']}",
            "/v1/organization",
            f"/v1/members/{acme.admin_id}",
        ):
            current = (await admin.get(path)).headers["ETag"]
            answer = await admin.get(path, headers={"If-None-Match": current})
            assert answer.status_code == 304, path
            assert answer.content == b""

        # A write is never answered "not modified": If-None-Match is for reads here.
        current = (await admin.get(f"/v1/cycles/{cycle['id']}")).headers["ETag"]
        renamed = await admin.patch(
            f"/v1/cycles/{cycle['id']}", json={"name": "Q1"}, headers={"If-None-Match": current}
        )
        assert renamed.status_code == 200
        assert renamed.json()["name"] == "Q1"


async def test_a_check_in_changes_the_objective_so_its_old_etag_no_longer_matches(
    acme: Tenant,
) -> None:
    # The objective's body embeds its KRs and scores: a check-in changes it without
    # touching the objective's own version, so a 304 on the version alone would hand a
    # client the old score forever.
    async with acme.admin() as admin:
        objective_id = await _objective(admin)
        path = f"/v1/objectives/{objective_id}"
        kr = await key_result(
            admin, objective_id, title="Sign 10 partners", owner_id=str(acme.admin_id), target="10"
        )
        before = await admin.get(path)
        await check_in(admin, kr["id"], value="5")

        after = await admin.get(path, headers={"If-None-Match": before.headers["ETag"]})

        assert after.status_code == 200
        assert after.json()["key_results"][0]["current"] == "5"
        assert after.headers["ETag"] != before.headers["ETag"]
        # The body-aware ETag still works for writes: If-Match with it succeeds.
        renamed = await admin.patch(
            path, json={"title": "Win the west"}, headers={"If-Match": after.headers["ETag"]}
        )
        assert renamed.status_code == 200


async def test_a_check_in_may_name_the_key_result_it_read_with_if_match(acme: Tenant) -> None:
    # A UI shows the KR (target 10), the user types a value; meanwhile someone moves the
    # target. A check-in sent with If-Match is refused rather than read against a target
    # the user never saw; without If-Match it is recorded as before.
    async with acme.admin() as admin:
        objective_id = await _objective(admin)
        kr = await key_result(
            admin, objective_id, title="Sign 10 partners", owner_id=str(acme.admin_id), target="10"
        )
        path = f"/v1/key-results/{kr['id']}"
        seen = (await admin.get(path)).headers["ETag"]
        moved = await admin.patch(path, json={"target": "20"}, headers={"If-Match": seen})
        assert moved.status_code == 200

        stale = await admin.post(
            f"{path}/check-ins", json={"value": "5"}, headers={"If-Match": seen}
        )
        current = await admin.post(
            f"{path}/check-ins", json={"value": "5"}, headers={"If-Match": moved.headers["ETag"]}
        )
        history = (await admin.get(f"{path}/check-ins")).json()["items"]

    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert current.status_code == 201
    assert len(history) == 1


async def test_graphql_check_in_takes_the_version_it_read(acme: Tenant) -> None:
    async with acme.admin() as admin:
        objective_id = await _objective(admin)
        kr = await key_result(admin, objective_id, title="Sign", owner_id=str(acme.admin_id))
        await admin.patch(f"/v1/key-results/{kr['id']}", json={"target": "20"})
        mutation = (
            'mutation($k: UUID!, $v: Int) { checkIn(input: {keyResultId: $k, value: "5", '
            "expectedVersion: $v}) { checkIn { value } } }"
        )
        stale = await admin.post(
            "/graphql", json={"query": mutation, "variables": {"k": kr["id"], "v": 1}}
        )
        current = await admin.post(
            "/graphql", json={"query": mutation, "variables": {"k": kr["id"], "v": 2}}
        )
    assert stale.json()["errors"][0]["extensions"]["code"] == "stale_version"
    assert current.json()["data"]["checkIn"]["checkIn"]["value"] == "5"
