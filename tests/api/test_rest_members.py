"""/v1/members in depth: uniqueness, the manager chain, deactivation, filters, pages,
versions, input rules and who may write."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from tests.api.harness import Tenant, create_member


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def listed_ids(client: httpx.AsyncClient, **params: Any) -> list[str]:
    response = await client.get("/v1/members", params=params)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["items"]]


# -- create and read -----------------------------------------------------------------------


async def test_create_answers_201_with_location_etag_and_the_member(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = await client.post(
            "/v1/members",
            json={"name": "  Li Wei ", "email": " Li.Wei@Example.COM ", "external_id": "HR-7"},
        )
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["location"] == f"/v1/members/{body['id']}"
    assert created.headers["etag"].startswith('"1-')
    UUID(body["id"])
    assert body["name"] == "Li Wei"
    assert body["email"] == "li.wei@example.com"
    assert body["external_id"] == "HR-7"
    assert body["manager_id"] is None
    assert body["roles"] == ["member"]
    assert body["active"] is True
    assert body["version"] == 1
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert "organization_id" not in body


async def test_roles_are_kept_and_an_unknown_role_is_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        hr = await create_member(client, "Hana", roles=["hr", "manager"])
        refused = await client.post(
            "/v1/members", json={"name": "X", "email": "x@example.com", "roles": ["boss"]}
        )
    assert hr["roles"] == ["hr", "manager"]
    body = problem(refused, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == ["roles.0"]


async def test_blank_name_and_bad_email_are_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        blank = await client.post("/v1/members", json={"name": "  ", "email": "a@example.com"})
        bad = await client.post("/v1/members", json={"name": "A", "email": "not-an-email"})
        blank_external = await client.post(
            "/v1/members", json={"name": "A", "email": "a@example.com", "external_id": " "}
        )
        ids = await listed_ids(client)
    assert [e["field"] for e in problem(blank, 422, "validation_failed")["errors"]] == ["name"]
    assert [e["field"] for e in problem(bad, 422, "validation_failed")["errors"]] == ["email"]
    assert [e["field"] for e in problem(blank_external, 422, "validation_failed")["errors"]] == [
        "external_id"
    ]
    assert ids == [str(acme.admin_id)]


# -- uniqueness ----------------------------------------------------------------------------


async def test_email_is_unique_per_organization_regardless_of_case(
    acme: Tenant, globex: Tenant
) -> None:
    async with acme.admin() as client:
        await create_member(client, "Li", email="li@example.com")
        dup = await client.post("/v1/members", json={"name": "Li 2", "email": "LI@Example.com"})
        count = len(await listed_ids(client))
    async with globex.admin() as other:
        elsewhere = await other.post("/v1/members", json={"name": "Li", "email": "li@example.com"})
    body = problem(dup, 409, "email_taken")
    assert body["errors"] == [
        {"field": "email", "message": "already used by another member", "code": "taken"}
    ]
    assert count == 2
    assert elsewhere.status_code == 201


async def test_changing_email_to_a_taken_one_is_409_and_changes_nothing(acme: Tenant) -> None:
    async with acme.admin() as client:
        await create_member(client, "Ann", email="ann@example.com")
        bob = await create_member(client, "Bob", email="bob@example.com")
        refused = await client.patch(f"/v1/members/{bob['id']}", json={"email": "ANN@example.com"})
        after = await client.get(f"/v1/members/{bob['id']}")
    problem(refused, 409, "email_taken")
    assert after.json() == bob


async def test_external_id_is_unique_per_organization(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as client:
        await create_member(client, "Ann", external_id="HR-1")
        bob = await create_member(client, "Bob", external_id="HR-2")
        dup = await client.post(
            "/v1/members", json={"name": "Cai", "email": "cai@example.com", "external_id": "HR-1"}
        )
        moved = await client.patch(f"/v1/members/{bob['id']}", json={"external_id": "HR-1"})
        after = await client.get(f"/v1/members/{bob['id']}")
    async with globex.admin() as other:
        elsewhere = await create_member(other, "Ann", external_id="HR-1")
    problem(dup, 409, "external_id_taken")
    problem(moved, 409, "external_id_taken")
    assert after.json() == bob
    assert elsewhere["external_id"] == "HR-1"


async def test_null_clears_external_id(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann", external_id="HR-1")
        cleared = await client.patch(f"/v1/members/{ann['id']}", json={"external_id": None})
        reused = await create_member(client, "Bob", external_id="HR-1")
    assert cleared.status_code == 200
    assert cleared.json()["external_id"] is None
    assert reused["external_id"] == "HR-1"


# -- the manager chain ---------------------------------------------------------------------


async def test_manager_must_be_a_member_of_the_organization(acme: Tenant) -> None:
    async with acme.admin() as client:
        refused = await client.post(
            "/v1/members",
            json={"name": "Ann", "email": "ann@example.com", "manager_id": str(uuid4())},
        )
        ann = await create_member(client, "Ann")
        patched = await client.patch(f"/v1/members/{ann['id']}", json={"manager_id": str(uuid4())})
    body = problem(refused, 422, "unknown_reference")
    assert [e["field"] for e in body["errors"]] == ["manager_id"]
    problem(patched, 422, "unknown_reference")


async def test_own_manager_is_a_loop(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        refused = await client.patch(f"/v1/members/{ann['id']}", json={"manager_id": ann["id"]})
        after = await client.get(f"/v1/members/{ann['id']}")
    body = problem(refused, 422, "manager_cycle")
    assert body["cycle"] == [ann["id"], ann["id"]]
    assert after.json()["version"] == 1


async def test_manager_changes_and_clears(acme: Tenant) -> None:
    async with acme.admin() as client:
        boss = await create_member(client, "Boss")
        ann = await create_member(client, "Ann", manager_id=boss["id"])
        # A chain that is not a loop: the boss gets a manager of their own.
        top = await create_member(client, "Top")
        promoted = await client.patch(f"/v1/members/{boss['id']}", json={"manager_id": top["id"]})
        cleared = await client.patch(f"/v1/members/{ann['id']}", json={"manager_id": None})
    assert ann["manager_id"] == boss["id"]
    assert promoted.status_code == 200
    assert promoted.json()["manager_id"] == top["id"]
    assert cleared.status_code == 200
    assert cleared.json()["manager_id"] is None
    assert cleared.json()["version"] == 2


# -- deactivation --------------------------------------------------------------------------


async def test_delete_deactivates_and_patch_reactivates(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        deleted = await client.delete(f"/v1/members/{ann['id']}")
        still_there = await client.get(f"/v1/members/{ann['id']}")
        active = await listed_ids(client, active="true")
        inactive = await listed_ids(client, active="false")
        back = await client.patch(f"/v1/members/{ann['id']}", json={"active": True})
    assert deleted.status_code == 200
    assert deleted.json()["active"] is False
    assert deleted.json()["version"] == 2
    assert deleted.headers["etag"].startswith('"2-')
    assert still_there.status_code == 200
    assert still_there.json()["active"] is False
    assert ann["id"] not in active
    assert inactive == [ann["id"]]
    assert back.json()["active"] is True
    assert back.json()["version"] == 3


# -- filters and pages ---------------------------------------------------------------------


async def test_filters(acme: Tenant) -> None:
    async with acme.admin() as client:
        boss = await create_member(client, "Boss Lady", email="boss@example.com")
        ann = await create_member(
            client, "Ann Lee", email="ann@example.com", manager_id=boss["id"], external_id="E-1"
        )
        bob = await create_member(
            client, "Bob Stone", email="bob@sales.example", manager_id=boss["id"]
        )
        pct = await create_member(client, "Cai 100%", email="cai@example.com")
        await client.delete(f"/v1/members/{bob['id']}")
        company = await client.post("/v1/units", json={"kind": "company", "name": "Acme"})
        unit_id = company.json()["id"]
        await client.put(f"/v1/units/{unit_id}/members/{ann['id']}")

        by_manager = await listed_ids(client, manager_id=boss["id"])
        by_manager_active = await listed_ids(client, manager_id=boss["id"], active="true")
        by_unit = await listed_ids(client, unit_id=unit_id)
        by_email = await listed_ids(client, email="ANN@example.com")
        by_external_id = await listed_ids(client, external_id="E-1")
        by_q_name = await listed_ids(client, q="LEE")
        by_q_email = await listed_ids(client, q="sales.exa")
        by_q_percent = await listed_ids(client, q="100%")
        by_q_wildcard = await listed_ids(client, q="%")
        nothing = await listed_ids(client, q="nobody")
    assert by_manager == [ann["id"], bob["id"]]
    assert by_manager_active == [ann["id"]]
    assert by_unit == [ann["id"]]
    assert by_email == [ann["id"]]
    assert by_external_id == [ann["id"]]
    assert by_q_name == [ann["id"]]
    assert by_q_email == [bob["id"]]
    assert by_q_percent == [pct["id"]]
    assert by_q_wildcard == [pct["id"]]  # % is a character, not a wildcard
    assert nothing == []


async def test_pages_walk_every_member_once(acme: Tenant) -> None:
    async with acme.admin() as client:
        created = [str(acme.admin_id)]
        for i in range(6):
            created.append((await create_member(client, f"Member {i}"))["id"])
        seen: list[str] = []
        cursor: str | None = None
        pages = 0
        while True:
            params: dict[str, Any] = {"limit": 4}
            if cursor:
                params["cursor"] = cursor
            page = await client.get("/v1/members", params=params)
            assert page.status_code == 200, page.text
            seen.extend(m["id"] for m in page.json()["items"])
            assert len(page.json()["items"]) <= 4
            pages += 1
            cursor = page.json()["next_cursor"]
            if cursor is None:
                break
            assert str(acme.admin_id) not in cursor  # opaque, not a raw id
    assert seen == created
    assert pages == 2


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": 201}, "validation_failed"),
        ({"limit": 0}, "validation_failed"),
        ({"limit": -1}, "validation_failed"),
        ({"cursor": "garbage"}, "invalid_cursor"),
        ({"cursor": "eyJhIjoxfQ"}, "invalid_cursor"),  # {"a":1}
        ({"active": "maybe"}, "validation_failed"),
        ({"manager_id": "not-a-uuid"}, "validation_failed"),
    ],
)
async def test_bad_list_parameters_are_422(acme: Tenant, params: dict[str, Any], code: str) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/members", params=params)
    problem(response, 422, code)


async def test_limit_200_is_allowed(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/members", params={"limit": 200})
    assert response.status_code == 200
    assert response.json() == {
        "items": [response.json()["items"][0]],
        "next_cursor": None,
    }


# -- versions ------------------------------------------------------------------------------


async def test_if_match_guards_patch_and_delete(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        fresh = await client.patch(
            f"/v1/members/{ann['id']}", json={"name": "Ann B"}, headers={"If-Match": '"1"'}
        )
        stale_patch = await client.patch(
            f"/v1/members/{ann['id']}", json={"name": "Ann C"}, headers={"If-Match": '"1"'}
        )
        stale_delete = await client.delete(f"/v1/members/{ann['id']}", headers={"If-Match": '"1"'})
        weak = await client.patch(
            f"/v1/members/{ann['id']}", json={"name": "Ann D"}, headers={"If-Match": 'W/"2"'}
        )
        garbage = await client.patch(
            f"/v1/members/{ann['id']}", json={"name": "Ann E"}, headers={"If-Match": "nope"}
        )
        after = await client.get(f"/v1/members/{ann['id']}")
    assert fresh.status_code == 200
    assert fresh.headers["etag"].startswith('"2-')
    body = problem(stale_patch, 412, "stale_version")
    assert body["current_version"] == 2
    problem(stale_delete, 412, "stale_version")
    assert weak.status_code == 200
    assert weak.json()["version"] == 3
    problem(garbage, 412, "stale_version")
    assert after.json()["name"] == "Ann D"
    assert after.json()["active"] is True
    assert after.json()["version"] == 3
    assert after.headers["etag"].startswith('"3-')


# -- input rules ---------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["id", "organization_id", "version", "created_at", "updated_at"])
async def test_read_only_fields_are_refused(acme: Tenant, field: str) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        patched = await client.patch(f"/v1/members/{ann['id']}", json={field: ann.get(field, 1)})
        created = await client.post(
            "/v1/members", json={"name": "Bob", "email": "bob@example.com", field: "x"}
        )
        after = await client.get(f"/v1/members/{ann['id']}")
    for refused in (patched, created):
        body = problem(refused, 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [(field, "read_only")]
    assert after.json() == ann


async def test_unknown_fields_are_refused(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        patched = await client.patch(f"/v1/members/{ann['id']}", json={"nickname": "A"})
        created = await client.post(
            "/v1/members", json={"name": "Bob", "email": "bob@example.com", "salary": 1}
        )
    for refused, name in ((patched, "nickname"), (created, "salary")):
        body = problem(refused, 422, "validation_failed")
        assert [(e["field"], e["code"]) for e in body["errors"]] == [(name, "unknown_field")]


@pytest.mark.parametrize("field", ["name", "email", "roles", "active"])
async def test_null_for_a_non_nullable_field_is_refused(acme: Tenant, field: str) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
        refused = await client.patch(f"/v1/members/{ann['id']}", json={field: None})
        after = await client.get(f"/v1/members/{ann['id']}")
    body = problem(refused, 422, "validation_failed")
    assert [e["field"] for e in body["errors"]] == [field]
    assert after.json() == ann


# -- who may write -------------------------------------------------------------------------


async def test_hr_manages_members(acme: Tenant) -> None:
    async with acme.admin() as client:
        hr = await create_member(client, "Hana", roles=["hr"])
    async with acme.as_member(UUID(hr["id"]), "hr") as client:
        created = await client.post("/v1/members", json={"name": "New", "email": "new@example.com"})
        patched = await client.patch(
            f"/v1/members/{created.json()['id']}", json={"name": "New Name"}
        )
        deleted = await client.delete(f"/v1/members/{created.json()['id']}")
    assert created.status_code == 201
    assert patched.status_code == 200
    assert deleted.status_code == 200
    assert deleted.json()["active"] is False


async def test_plain_members_read_the_directory_but_cannot_write(acme: Tenant) -> None:
    async with acme.admin() as client:
        ann = await create_member(client, "Ann")
    async with acme.as_member(UUID(ann["id"]), "member") as client:
        listed = await client.get("/v1/members")
        got = await client.get(f"/v1/members/{acme.admin_id}")
        created = await client.post("/v1/members", json={"name": "X", "email": "x@example.com"})
        patched_self = await client.patch(f"/v1/members/{ann['id']}", json={"roles": ["admin"]})
        deleted = await client.delete(f"/v1/members/{acme.admin_id}")
    async with acme.admin() as client:
        after = await client.get(f"/v1/members/{ann['id']}")
        admin_after = await client.get(f"/v1/members/{acme.admin_id}")
    assert listed.status_code == 200
    assert len(listed.json()["items"]) == 2
    assert got.status_code == 200
    for refused in (created, patched_self, deleted):
        problem(refused, 403, "forbidden")
    assert after.json() == ann
    assert admin_after.json()["active"] is True
