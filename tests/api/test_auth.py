"""Bearer auth over REST, as API.md says: every bad token is a 401 that shows nothing.

Against the real app on Postgres: HS256 (the default), an RS256 app with a PEM public key,
and an RS256 app that reads its keys from a JWKS URL served on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from api.security import TokenVerifier, Unauthenticated
from service.runtime.app import build_app, token_config
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token
from tests.api.harness import TEST_SECRET, Tenant, new_tenant

ISSUER = "okr-dev"
AUDIENCE = "okr-api"
LEEWAY = 30  # Settings.jwt_leeway_seconds


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the environment: no OKR_* of the caller's shell may leak in."""
    for name in list(os.environ):
        if name.startswith("OKR_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    # The JWKS server is on 127.0.0.1: never send that through a proxy.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


# -- helpers -------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def json_b64(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def member_claims(tenant: Tenant, **overrides: Any) -> dict[str, Any]:
    """Valid claims of the tenant's admin; ``overrides`` change them (None drops one)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "sub": str(tenant.admin_id),
        "org": str(tenant.organization_id),
        "roles": ["admin"],
    }
    for name, value in overrides.items():
        if value is None:
            claims.pop(name, None)
        else:
            claims[name] = value
    return claims


def hs256(claims: dict[str, Any], secret: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def client_for(app: FastAPI, authorization: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://okr.test",
        headers=headers,
    )


async def get_organization(app: FastAPI, authorization: str | None) -> httpx.Response:
    async with client_for(app, authorization) as client:
        return await client.get("/v1/organization")


async def get_with_token(app: FastAPI, token: str) -> httpx.Response:
    return await get_organization(app, f"Bearer {token}")


def assert_unauthenticated(
    response: httpx.Response, tenant: Tenant, code: str | None = None
) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body: dict[str, Any] = response.json()
    assert body["status"] == 401
    if code is not None:
        assert body["code"] == code
    # Nothing of the organization leaks into the answer.
    for secret_bit in (str(tenant.organization_id), str(tenant.admin_id), "Acme", "Rsacorp"):
        assert secret_bit not in response.text
    assert "name" not in body
    return body


# -- the HS256 app (the default) -----------------------------------------------------------


async def test_a_valid_token_reads_the_organization(app: FastAPI, acme: Tenant) -> None:
    response = await get_with_token(app, hs256(member_claims(acme)))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(acme.organization_id)


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing-header"),
        pytest.param("", id="empty-header"),
        pytest.param("Basic YWRtaW46YWRtaW4=", id="basic-scheme"),
        pytest.param("Bearer", id="bearer-without-token"),
        pytest.param("Bearer    ", id="bearer-blank-token"),
    ],
)
async def test_no_bearer_token_is_401(
    app: FastAPI, acme: Tenant, authorization: str | None
) -> None:
    assert_unauthenticated(await get_organization(app, authorization), acme, "missing_token")


async def test_a_valid_token_under_another_scheme_is_401(app: FastAPI, acme: Tenant) -> None:
    token = hs256(member_claims(acme))
    for scheme in ("Token", "JWT", "Basic"):
        response = await get_organization(app, f"{scheme} {token}")
        assert_unauthenticated(response, acme, "missing_token")


@pytest.mark.parametrize(
    "token",
    ["garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30", "...", "Bearer x"],
)
async def test_garbage_token_is_401(app: FastAPI, acme: Tenant, token: str) -> None:
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_expired_token_is_401_token_expired(app: FastAPI, acme: Tenant) -> None:
    past = datetime.now(UTC) - timedelta(seconds=LEEWAY + 60)
    token = hs256(member_claims(acme, exp=int(past.timestamp()), iat=int(past.timestamp()) - 60))
    body = assert_unauthenticated(await get_with_token(app, token), acme, "token_expired")
    assert "expired" in body["detail"]


async def test_a_token_just_expired_within_the_leeway_still_works(
    app: FastAPI, acme: Tenant
) -> None:
    just = datetime.now(UTC) - timedelta(seconds=LEEWAY // 3)
    response = await get_with_token(app, hs256(member_claims(acme, exp=int(just.timestamp()))))
    assert response.status_code == 200, response.text


async def test_token_not_yet_valid_is_401(app: FastAPI, acme: Tenant) -> None:
    future = datetime.now(UTC) + timedelta(seconds=LEEWAY + 120)
    token = hs256(member_claims(acme, nbf=int(future.timestamp())))
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_wrong_signature_is_401(app: FastAPI, acme: Tenant) -> None:
    token = hs256(member_claims(acme), secret="another-secret-" + "y" * 40)
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_tampered_payload_is_401(app: FastAPI, acme: Tenant, globex: Tenant) -> None:
    header, _, signature = hs256(member_claims(acme)).split(".")
    forged = json_b64(member_claims(globex))
    assert_unauthenticated(
        await get_with_token(app, f"{header}.{forged}.{signature}"), acme, "invalid_token"
    )


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_hs512_is_refused_when_only_hs256_is_pinned(app: FastAPI, acme: Tenant) -> None:
    token = hs256(member_claims(acme), algorithm="HS512")
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_wrong_audience_is_401(app: FastAPI, acme: Tenant) -> None:
    for audience in ("another-api", ["another-api", "yet-another"]):
        token = hs256(member_claims(acme, aud=audience))
        assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_wrong_issuer_is_401(app: FastAPI, acme: Tenant) -> None:
    for issuer in ("someone-else", "okr-dev-evil", "okr"):
        token = hs256(member_claims(acme, iss=issuer))
        assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


@pytest.mark.parametrize("claim", ["exp", "iss", "aud", "sub", "org"])
async def test_each_required_claim_missing_is_401(app: FastAPI, acme: Tenant, claim: str) -> None:
    token = hs256(member_claims(acme, **{claim: None}))
    body = assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")
    assert claim in body["detail"]


@pytest.mark.parametrize(
    ("claim", "value"),
    [("org", "not-a-uuid"), ("sub", "not-a-uuid"), ("org", 12), ("roles", 12)],
)
async def test_malformed_identity_claims_are_401(
    app: FastAPI, acme: Tenant, claim: str, value: object
) -> None:
    token = hs256(member_claims(acme, **{claim: value}))
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_is_401(app: FastAPI, acme: Tenant, alg: str) -> None:
    header = json_b64({"alg": alg, "typ": "JWT"})
    token = f"{header}.{json_b64(member_claims(acme))}."
    assert_unauthenticated(await get_with_token(app, token), acme, "invalid_token")


async def test_service_token_with_org_read_reads_but_cannot_write(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.client(acme.token(scopes=("org:read",))) as client:
        read = await client.get("/v1/organization")
        listed = await client.get("/v1/members")
        write = await client.post("/v1/members", json={"name": "Eve", "email": "eve@example.com"})
    assert read.status_code == 200, read.text
    assert read.json()["id"] == str(acme.organization_id)
    assert listed.status_code == 200, listed.text
    assert write.status_code == 403, write.text
    assert write.headers["content-type"] == "application/problem+json"
    assert write.json()["code"] == "forbidden"


async def test_service_token_with_members_write_creates_a_member(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.client(acme.token(scopes=("members:write",))) as client:
        created = await client.post(
            "/v1/members", json={"name": "Hana", "email": "hana@example.com"}
        )
    assert created.status_code == 201, created.text
    async with acme.admin() as admin:
        listed = await admin.get("/v1/members", params={"email": "hana@example.com"})
    assert [m["id"] for m in listed.json()["items"]] == [created.json()["id"]]


async def test_service_token_with_an_unrelated_scope_cannot_read(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.client(acme.token(scopes=("reviews:export",))) as client:
        read = await client.get("/v1/organization")
    assert read.status_code == 403, read.text
    assert read.json()["code"] == "forbidden"


async def test_a_token_for_an_organization_that_does_not_exist_is_401(
    app: FastAPI, acme: Tenant
) -> None:
    # Its sub is a member of no such organization: refused before anything is read.
    token = hs256(member_claims(acme, org=str(uuid4())))
    response = await get_with_token(app, token)
    assert_unauthenticated(response, acme, "unknown_member")


async def test_a_token_for_org_b_sees_only_org_b(
    app: FastAPI, acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as client:
        own = await client.get("/v1/organization")
        acme_admin = await client.get(f"/v1/members/{acme.admin_id}")
        directory = await client.get("/v1/members")
    assert own.json()["id"] == str(globex.organization_id)
    assert acme_admin.status_code == 404, acme_admin.text
    assert str(acme.admin_id) not in directory.text
    assert [m["id"] for m in directory.json()["items"]] == [str(globex.admin_id)]


# -- keys ----------------------------------------------------------------------------------


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def rs256(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str | None = None) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(claims, key, algorithm="RS256", headers=headers)


def asymmetric_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(
        database_url=None,
        data_dir=tmp_path,
        jwt_algorithms=["RS256"],
        jwt_secret=None,
        log_json=True,
        **overrides,
    )


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture
async def rs_app(
    shared_database_url: str, tmp_path: Path, signing_key: rsa.RSAPrivateKey
) -> AsyncIterator[FastAPI]:
    key_file = tmp_path / "okr-public.pem"
    key_file.write_text(public_pem(signing_key))
    settings = asymmetric_settings(tmp_path, jwt_public_key_file=key_file)
    application = build_app(settings, shared_database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def rsa_corp(rs_app: FastAPI) -> Tenant:
    return await new_tenant(rs_app, rs_app.state.settings, "Rsacorp")


async def test_rs256_token_signed_with_the_private_key_is_accepted(
    rs_app: FastAPI, rsa_corp: Tenant, signing_key: rsa.RSAPrivateKey
) -> None:
    response = await get_with_token(rs_app, rs256(member_claims(rsa_corp), signing_key))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(rsa_corp.organization_id)


async def test_rs256_token_signed_with_another_key_is_401(
    rs_app: FastAPI, rsa_corp: Tenant
) -> None:
    token = rs256(member_claims(rsa_corp), rsa_key())
    assert_unauthenticated(await get_with_token(rs_app, token), rsa_corp, "invalid_token")


def hmac_token(claims: dict[str, Any], secret: bytes, alg: str = "HS256") -> str:
    """An HS token signed by hand: PyJWT refuses a PEM as an HMAC secret when encoding."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signing_input = f"{json_b64({'alg': alg, 'typ': 'JWT'})}.{json_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64url(signature)}"


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
async def test_hs_token_keyed_with_the_public_pem_is_401(
    rs_app: FastAPI, rsa_corp: Tenant, signing_key: rsa.RSAPrivateKey, alg: str
) -> None:
    """The classic algorithm-confusion attack: the public key used as an HMAC secret."""
    pem = public_pem(signing_key)
    for secret in (pem.encode(), pem.strip().encode()):
        token = hmac_token(member_claims(rsa_corp), secret, alg)
        response = await get_with_token(rs_app, token)
        assert_unauthenticated(response, rsa_corp, "invalid_token")


async def test_alg_none_is_401_on_the_rs256_app(rs_app: FastAPI, rsa_corp: Tenant) -> None:
    token = f"{json_b64({'alg': 'none', 'typ': 'JWT'})}.{json_b64(member_claims(rsa_corp))}."
    assert_unauthenticated(await get_with_token(rs_app, token), rsa_corp, "invalid_token")


def test_a_private_key_in_the_public_key_file_is_refused_at_startup(tmp_path: Path) -> None:
    """Before: every request failed with a 500 (PyJWT cannot verify with a private key)."""
    key_file = tmp_path / "oops.pem"
    key_file.write_text(private_pem(rsa_key()))
    with pytest.raises(ValueError, match="PEM public key"):
        TokenVerifier(token_config(asymmetric_settings(tmp_path, jwt_public_key_file=key_file)))


def test_a_public_key_of_the_wrong_type_is_refused_at_startup(tmp_path: Path) -> None:
    """Before: every request failed with a 500 (an EC key cannot verify RS256)."""
    key_file = tmp_path / "ec.pem"
    key_file.write_text(public_pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ValueError, match="fits none"):
        TokenVerifier(token_config(asymmetric_settings(tmp_path, jwt_public_key_file=key_file)))


# -- JWKS ----------------------------------------------------------------------------------


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 whose keys a test can change; it counts fetches."""

    def __init__(self) -> None:
        self.keys: list[dict[str, Any]] = []
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps({"keys": owner.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/.well-known/jwks.json"

    def publish(self, *keys: tuple[str, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey]) -> None:
        published = []
        for kid, key in keys:
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            else:
                jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
            published.append({**jwk, "kid": kid, "use": "sig"})
        self.keys = published

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture(scope="module")
def key_one() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="module")
def key_two() -> rsa.RSAPrivateKey:
    return rsa_key()


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
async def jwks_app(
    shared_database_url: str,
    tmp_path: Path,
    jwks: JwksServer,
    key_one: rsa.RSAPrivateKey,
    key_two: rsa.RSAPrivateKey,
    ec_key: ec.EllipticCurvePrivateKey,
) -> AsyncIterator[FastAPI]:
    jwks.publish(("k1", key_one), ("k2", key_two), ("ec1", ec_key))
    settings = asymmetric_settings(tmp_path, jwt_jwks_url=jwks.url)
    application = build_app(settings, shared_database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def jwks_corp(jwks_app: FastAPI) -> Tenant:
    return await new_tenant(jwks_app, jwks_app.state.settings, "Acme")


async def test_jwks_tokens_of_either_key_are_accepted(
    jwks_app: FastAPI,
    jwks_corp: Tenant,
    key_one: rsa.RSAPrivateKey,
    key_two: rsa.RSAPrivateKey,
) -> None:
    for kid, key in (("k1", key_one), ("k2", key_two)):
        response = await get_with_token(jwks_app, rs256(member_claims(jwks_corp), key, kid))
        assert response.status_code == 200, (kid, response.text)
        assert response.json()["id"] == str(jwks_corp.organization_id)


async def test_jwks_unknown_or_missing_kid_is_401(
    jwks_app: FastAPI, jwks_corp: Tenant, key_one: rsa.RSAPrivateKey
) -> None:
    for kid in ("nope", None):
        token = rs256(member_claims(jwks_corp), key_one, kid)
        assert_unauthenticated(await get_with_token(jwks_app, token), jwks_corp, "invalid_token")


async def test_jwks_right_kid_wrong_key_is_401(
    jwks_app: FastAPI, jwks_corp: Tenant, key_one: rsa.RSAPrivateKey
) -> None:
    token = rs256(member_claims(jwks_corp), key_one, "k2")
    assert_unauthenticated(await get_with_token(jwks_app, token), jwks_corp, "invalid_token")


async def test_made_up_kids_do_not_hammer_the_identity_provider(
    jwks_app: FastAPI, jwks_corp: Tenant, jwks: JwksServer, key_one: rsa.RSAPrivateKey
) -> None:
    assert (
        await get_with_token(jwks_app, rs256(member_claims(jwks_corp), key_one, "k1"))
    ).is_success
    before = jwks.fetches
    for n in range(8):
        token = rs256(member_claims(jwks_corp), key_one, f"made-up-{n}")
        assert_unauthenticated(await get_with_token(jwks_app, token), jwks_corp)
    assert jwks.fetches - before <= 1


async def test_jwks_kid_of_a_key_of_another_type_is_401(
    jwks_app: FastAPI,
    jwks_corp: Tenant,
    key_one: rsa.RSAPrivateKey,
    ec_key: ec.EllipticCurvePrivateKey,
) -> None:
    """Before: RS256 with the kid of the EC key made PyJWT raise TypeError, a 500."""
    rs_with_ec_kid = rs256(member_claims(jwks_corp), key_one, "ec1")
    assert_unauthenticated(await get_with_token(jwks_app, rs_with_ec_kid), jwks_corp)
    es256 = jwt.encode(member_claims(jwks_corp), ec_key, algorithm="ES256", headers={"kid": "ec1"})
    assert_unauthenticated(await get_with_token(jwks_app, es256), jwks_corp)


async def test_jwks_hs_token_keyed_with_a_published_key_is_401(
    jwks_app: FastAPI, jwks_corp: Tenant, key_one: rsa.RSAPrivateKey
) -> None:
    pem = public_pem(key_one).encode()
    claims = member_claims(jwks_corp)
    signing_input = f"{json_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'k1'})}.{json_b64(claims)}"
    signature = b64url(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())
    response = await get_with_token(jwks_app, f"{signing_input}.{signature}")
    assert_unauthenticated(response, jwks_corp, "invalid_token")


def claims_for(org: UUID, member: UUID) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "sub": str(member),
        "org": str(org),
    }


async def test_jwks_keys_rotate_without_a_restart(
    tmp_path: Path, jwks: JwksServer, key_one: rsa.RSAPrivateKey, key_two: rsa.RSAPrivateKey
) -> None:
    org, member = uuid4(), uuid4()
    jwks.publish(("k1", key_one))
    verifier = TokenVerifier(
        token_config(asymmetric_settings(tmp_path, jwt_jwks_url=jwks.url)),
        jwks_cache_seconds=0.3,
        jwks_refresh_cooldown_seconds=0,
    )
    old = rs256(claims_for(org, member), key_one, "k1")
    assert (await verifier.verify(old)).member_id == member

    # The identity provider adds a key: the unknown kid refreshes the set.
    jwks.publish(("k1", key_one), ("k2", key_two))
    new = rs256(claims_for(org, member), key_two, "k2")
    assert (await verifier.verify(new)).organization_id == org

    # ... then withdraws the old one: once the cached set expires, it is no longer trusted.
    jwks.publish(("k2", key_two))
    await asyncio.sleep(0.5)
    with pytest.raises(Unauthenticated):
        await verifier.verify(old)
    assert (await verifier.verify(new)).member_id == member


async def test_a_service_subject_longer_than_we_store_is_refused_not_a_500(acme: Tenant) -> None:
    # The subject is written as the author of what the token does (audit actor, check-in
    # author, idempotency caller): one too long to store must be refused at the door.
    long_client = mint_token(
        acme.settings,
        organization_id=acme.organization_id,
        client="crm-" + "x" * 300,
        scopes=("kpis:write",),
    )
    fits = mint_token(
        acme.settings, organization_id=acme.organization_id, client="crm", scopes=("kpis:write",)
    )
    async with acme.admin() as admin:
        kpi = await admin.post(
            "/v1/kpis", json={"name": "GMV", "target": 100, "owner_id": str(acme.admin_id)}
        )
    path = f"/v1/kpis/{kpi.json()['id']}/measurements"
    async with acme.client(long_client) as too_long, acme.client(fits) as crm:
        refused = await too_long.post(path, json={"value": 40})
        created = await crm.post(path, json={"value": 41})
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "invalid_token"
    assert "sub" in refused.json()["detail"]
    assert created.status_code == 201
