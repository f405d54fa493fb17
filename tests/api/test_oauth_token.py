"""POST /oauth/token (client credentials) and the verification of its tokens beside the
identity provider's member tokens; GET /.well-known/jwks.json."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
from jwt import PyJWK

from tests.api.harness import SettableClock, Tenant
from tests.api.test_api_clients import basic, new_client

GRANT = {"grant_type": "client_credentials"}


async def token_response(
    tenant: Tenant, data: dict[str, str], headers: dict[str, str] | None = None
) -> httpx.Response:
    async with tenant.client() as anonymous:
        return await anonymous.post("/oauth/token", data=data, headers=headers or {})


async def client_token(tenant: Tenant, created: dict[str, Any], **form: str) -> str:
    response = await token_response(
        tenant, GRANT | form, basic(created["client_id"], created["client_secret"])
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


async def test_basic_and_form_tokens_read_the_directory(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin, scopes=["org:read", "events:read"])
    by_basic = await token_response(
        acme, GRANT | {"scope": "org:read"}, basic(created["client_id"], created["client_secret"])
    )
    by_form = await token_response(
        acme,
        GRANT | {"client_id": created["client_id"], "client_secret": created["client_secret"]},
    )
    for response in (by_basic, by_form):
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 900
        async with acme.client(body["access_token"]) as integration:
            members = await integration.get("/v1/members")
        assert members.status_code == 200, members.text
        assert [m["id"] for m in members.json()["items"]] == [str(acme.admin_id)]
    assert by_basic.json()["scope"] == "org:read"
    assert by_form.json()["scope"] == "events:read org:read"
    claims = jwt.decode(by_basic.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == f"client:{created['client_id']}"
    assert claims["org"] == str(acme.organization_id)
    assert claims["token_use"] == "client"
    assert claims["iss"] == "okr-service"
    assert {"jti", "exp", "iat", "aud"} <= claims.keys()
    assert "unit" not in claims


async def test_oauth_errors(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin, scopes=["org:read"])
    good = basic(created["client_id"], created["client_secret"])
    wrong_basic = await token_response(acme, GRANT, basic(created["client_id"], "okrcs_wrong"))
    wrong_form = await token_response(
        acme, GRANT | {"client_id": created["client_id"], "client_secret": "okrcs_wrong"}
    )
    unknown = await token_response(acme, GRANT, basic(str(uuid.uuid4()), "okrcs_x"))
    scope = await token_response(acme, GRANT | {"scope": "org:read members:write"}, good)
    grant = await token_response(acme, {"grant_type": "password"}, good)
    missing = await token_response(acme, {}, good)
    both = await token_response(
        acme,
        GRANT | {"client_id": created["client_id"], "client_secret": created["client_secret"]},
        good,
    )

    assert wrong_basic.status_code == 401
    assert wrong_basic.json()["error"] == "invalid_client"
    assert wrong_basic.headers["www-authenticate"].startswith("Basic ")
    assert wrong_basic.headers["content-type"] == "application/json"
    assert (wrong_form.status_code, wrong_form.json()["error"]) == (400, "invalid_client")
    assert "www-authenticate" not in wrong_form.headers
    assert (unknown.status_code, unknown.json()["error"]) == (401, "invalid_client")
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    assert (both.status_code, both.json()["error"]) == (400, "invalid_request")


async def test_a_revoked_clients_tokens_stop_within_the_bound(
    acme: Tenant, clock: SettableClock
) -> None:
    now = datetime.now(UTC)
    clock.pin(now)
    async with acme.admin() as admin:
        created = await new_client(admin)
        token = await client_token(acme, created)
        async with acme.client(token) as integration:
            assert (await integration.get("/v1/members")).status_code == 200
            await admin.delete(f"/v1/api-clients/{created['id']}")
            clock.pin(now + timedelta(seconds=31))
            after = await integration.get("/v1/members")
    again = await token_response(acme, GRANT, basic(created["client_id"], created["client_secret"]))
    assert after.status_code == 401
    assert (again.status_code, again.json()["error"]) == (401, "invalid_client")


async def test_an_expired_client_gets_no_token(acme: Tenant, clock: SettableClock) -> None:
    now = datetime.now(UTC)
    clock.pin(now)
    async with acme.admin() as admin:
        created = await new_client(
            admin, expires_at=(now + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        )
    assert (
        await token_response(acme, GRANT, basic(created["id"], created["client_secret"]))
    ).status_code == 200
    clock.pin(now + timedelta(hours=1, seconds=1))
    expired = await token_response(acme, GRANT, basic(created["id"], created["client_secret"]))
    assert (expired.status_code, expired.json()["error"]) == (401, "invalid_client")


async def test_the_published_jwks_verifies_a_token(acme: Tenant) -> None:
    """Verified with the published JWK directly (PyJWK), as a resource server would."""
    async with acme.admin() as admin:
        created = await new_client(admin)
        jwks = (await admin.get("/.well-known/jwks.json")).json()
    token = await client_token(acme, created)
    kid = jwt.get_unverified_header(token)["kid"]
    [key] = [PyJWK(k) for k in jwks["keys"] if k["kid"] == kid]
    claims = jwt.decode(token, key, algorithms=["ES256"], audience="okr-api", issuer="okr-service")
    assert claims["client_id"] == created["client_id"]


async def test_member_tokens_claiming_the_service_issuer_or_client_use_are_refused(
    acme: Tenant,
) -> None:
    settings = acme.settings
    secret = settings.hmac_secret
    base: dict[str, object] = {
        "aud": settings.jwt_audience,
        "org": str(acme.organization_id),
        "exp": datetime.now(UTC) + timedelta(minutes=5),
        "sub": str(acme.admin_id),
        "roles": ["admin"],
    }
    as_service = jwt.encode(base | {"iss": "okr-service"}, secret, algorithm="HS256")
    as_client = jwt.encode(
        base | {"iss": settings.jwt_issuer, "token_use": "client", "scope": "org:read"},
        secret,
        algorithm="HS256",
    )
    for token in (as_service, as_client):
        async with acme.client(token) as caller:
            assert (await caller.get("/v1/members")).status_code == 401


async def test_a_client_token_claiming_roles_gets_none(acme: Tenant) -> None:
    async with acme.admin() as admin:
        created = await new_client(admin, scopes=["org:read"])
    keys = acme.app.state.okr.verifier.service_keys
    now = datetime.now(UTC)
    token = keys.sign(
        {
            "iss": "okr-service",
            "aud": "okr-api",
            "sub": f"client:{created['id']}",
            "org": str(acme.organization_id),
            "scope": "org:read",
            "roles": ["admin"],
            "token_use": "client",
            "jti": "x",
            "iat": now,
            "exp": now + timedelta(minutes=5),
        }
    )
    async with acme.client(token) as caller:
        assert (await caller.get("/v1/members")).status_code == 200
        assert (await caller.get("/v1/api-clients")).status_code == 403
        assert (await caller.patch("/v1/organization", json={"name": "x"})).status_code == 403


async def test_basic_credentials_that_are_no_text_are_invalid_client(acme: Tenant) -> None:
    # "/w==" decodes to the byte 0xff (no UTF-8), "é" is no base64: both answered 500.
    async with acme.client() as anonymous:
        for value in (b"Basic /w==", "Basic é".encode()):
            answer = await anonymous.post(
                "/oauth/token",
                content=b"grant_type=client_credentials",
                headers={
                    b"Authorization": value,
                    b"Content-Type": b"application/x-www-form-urlencoded",
                },
            )
            assert answer.status_code == 401, (value, answer.text)
            assert answer.json()["error"] == "invalid_client"
