"""/v1/api-clients: admins register, read, rotate and revoke API clients; all audited."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


async def new_client(admin: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "HR sync", "scopes": ["org:read"], **fields}
    response = await admin.post("/v1/api-clients", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def token_status(tenant: Tenant, client_id: str, secret: str) -> int:
    async with tenant.client() as anonymous:
        response = await anonymous.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers=basic(client_id, secret),
        )
    return response.status_code


async def test_the_secret_is_shown_once_and_reads_show_a_hint(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin, scopes=["org:read", "reviews:export"])
        listed = (await admin.get("/v1/api-clients")).json()["items"]
        one = (await admin.get(f"/v1/api-clients/{created['id']}")).json()

    assert created["client_secret"].startswith("okrcs_")
    assert created["client_id"] == created["id"]
    assert created["scopes"] == ["org:read", "reviews:export"]
    assert [c["id"] for c in listed] == [created["id"]]
    for read in (listed[0], one):
        assert "client_secret" not in read
        assert created["client_secret"].startswith(read["secret_hint"])
        assert "secret_hash" not in read


async def test_only_admins_manage_clients_and_scopes_are_checked(acme: Tenant) -> None:
    async with acme.admin() as admin:
        unknown = await admin.post("/v1/api-clients", json={"name": "x", "scopes": ["root"]})
        no_unit = await admin.post(
            "/v1/api-clients",
            json={"name": "x", "scopes": ["org:read"], "unit_id": str(acme.organization_id)},
        )
    async with acme.client(acme.token(acme.admin_id)) as member:
        refused = await member.get("/v1/api-clients")
    assert unknown.status_code == 422
    assert no_unit.status_code == 422
    assert refused.status_code == 403


async def test_another_organizations_client_does_not_exist(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin)
    async with globex.admin() as other:
        assert (await other.get(f"/v1/api-clients/{created['id']}")).status_code == 404
        assert (await other.delete(f"/v1/api-clients/{created['id']}")).status_code == 404


async def test_rotation_keeps_the_old_secret_working_for_the_overlap(
    acme: Tenant, clock: SettableClock
) -> None:
    now = datetime.now(UTC)
    clock.pin(now)
    async with acme.admin() as admin:
        created = await new_client(admin)
        rotated = (await admin.post(f"/v1/api-clients/{created['id']}/rotate-secret")).json()
    old, new = created["client_secret"], rotated["client_secret"]
    assert old != new
    assert await token_status(acme, created["id"], old) == 200
    assert await token_status(acme, created["id"], new) == 200
    clock.pin(now + timedelta(hours=24, seconds=1))
    assert await token_status(acme, created["id"], old) == 401
    assert await token_status(acme, created["id"], new) == 200


async def test_create_rotate_revoke_are_audited_without_secrets(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin)
        await admin.post(f"/v1/api-clients/{created['id']}/rotate-secret")
        revoked = await admin.delete(f"/v1/api-clients/{created['id']}")
        audit = (await admin.get("/v1/audit-events", params={"resource_type": "api_client"})).json()
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    actions = [e["action"] for e in audit["items"]]
    assert actions == ["api_client.created", "api_client.secret_rotated", "api_client.revoked"]
    assert created["client_secret"] not in str(audit)
    assert "secret_hash" not in str(audit)


async def test_last_use_is_recorded_at_token_issuance(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin)
        assert created["last_used_at"] is None
        assert await token_status(acme, created["id"], created["client_secret"]) == 200
        read = (await admin.get(f"/v1/api-clients/{created['id']}")).json()
    assert read["last_used_at"] is not None


async def test_a_unit_scoped_client_may_not_hold_scim(acme: Tenant) -> None:
    # SCIM keeps the whole directory: a client limited to a unit would write outside it
    # (a review found one listing and renaming the organization's members and units).
    async with acme.admin() as admin:
        unit = await admin.post("/v1/units", json={"name": "Acme", "kind": "company"})
        assert unit.status_code == 201, unit.text
        refused = await admin.post(
            "/v1/api-clients",
            json={"name": "x", "scopes": ["scim"], "unit_id": unit.json()["id"]},
        )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "scopes"
