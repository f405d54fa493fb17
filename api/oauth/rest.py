"""``POST /oauth/token`` (OAuth2 client credentials, RFC 6749 section 4.4) and
``GET /.well-known/jwks.json`` (the public keys its tokens are signed with).

Errors here are RFC 6749 section 5.2 JSON (``{"error", "error_description"}``), never
problem+json: OAuth client libraries read that shape. Authlib supplies the protocol parts:
the error classes (their codes, statuses and ``WWW-Authenticate``), HTTP Basic credential
extraction and scope parsing. The form body is parsed with the standard library (no
multipart parser is installed, and this endpoint takes urlencoded forms only).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2.base import OAuth2Error  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped]
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    UnsupportedGrantTypeError,
)
from authlib.oauth2.rfc6749.util import (  # type: ignore[import-untyped]
    extract_basic_authorization,
    scope_to_list,
)
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import app_state
from api.oauth.keys import ServiceKeys
from api.security import CLIENT_SUBJECT_PREFIX, CLIENT_TOKEN_USE, TOKEN_USE_CLAIM
from domain.api_clients import ApiClient, InvalidClient, InvalidScopeRequest
from service import api_clients

router = APIRouter(tags=["oauth"])

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_FORM = "application/x-www-form-urlencoded"

_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "string",
            "enum": [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "invalid_scope",
                "unsupported_grant_type",
                "temporarily_unavailable",
            ],
        },
        "error_description": {"type": "string"},
    },
}


def _error_response(description: str, example: dict[str, str]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ERROR_SCHEMA, "example": example}},
    }


_TOKEN_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            _FORM: {
                "schema": {
                    "type": "object",
                    "required": ["grant_type"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {
                            "type": "string",
                            "description": "Space-separated subset of the client's scopes; "
                            "omitted: all of them.",
                        },
                        "client_id": {
                            "type": "string",
                            "description": "client_secret_post only (else HTTP Basic).",
                        },
                        "client_secret": {
                            "type": "string",
                            "description": "client_secret_post only (else HTTP Basic).",
                        },
                    },
                },
                "example": {"grant_type": "client_credentials", "scope": "org:read"},
            }
        },
    },
}

_TOKEN_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A bearer token.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["access_token", "token_type", "expires_in", "scope"],
                    "properties": {
                        "access_token": {"type": "string"},
                        "token_type": {"type": "string", "enum": ["Bearer"]},
                        "expires_in": {"type": "integer"},
                        "scope": {"type": "string"},
                    },
                },
                "example": {
                    "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9...",
                    "token_type": "Bearer",
                    "expires_in": 900,
                    "scope": "org:read",
                },
            }
        },
    },
    400: _error_response(
        "invalid_request, invalid_scope, unsupported_grant_type; invalid_client when the "
        "credentials came in the form.",
        {"error": "invalid_scope", "error_description": "scopes not granted to this client"},
    ),
    401: _error_response(
        "invalid_client when the credentials came by HTTP Basic (with WWW-Authenticate).",
        {"error": "invalid_client", "error_description": "the client id or secret is wrong"},
    ),
    503: _error_response(
        "temporarily_unavailable: this deployment issues no client tokens (no signing key).",
        {"error": "temporarily_unavailable"},
    ),
}


def _oauth_error(error: OAuth2Error) -> JSONResponse:
    headers = {name: value for name, value in error.get_headers() if name != "Content-Type"}
    return JSONResponse(
        dict(error.get_body()), status_code=error.status_code, headers=headers | _NO_STORE
    )


async def _form(request: Request) -> Mapping[str, str]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != _FORM:
        raise InvalidRequestError(f"send the request as {_FORM}")
    try:
        pairs = parse_qsl((await request.body()).decode(), strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise InvalidRequestError("the form is not valid") from None
    form: dict[str, str] = {}
    for name, value in pairs:
        # RFC 6749 section 3.2: parameters MUST NOT be included more than once.
        if name in form:
            raise InvalidRequestError(f"the parameter {name} is repeated")
        form[name] = value
    return form


def _credentials(request: Request, form: Mapping[str, str]) -> tuple[str, str, bool]:
    """(client id, secret, whether by HTTP Basic): exactly one method (section 2.3)."""
    try:
        basic_id, basic_secret = extract_basic_authorization(request.headers)
    except ValueError:  # UnicodeDecodeError too: bytes that are no text (Authlib lets it out)
        error = InvalidClientError("the HTTP Basic credentials are not valid")
        error.status_code = 401
        raise error from None
    in_form = "client_id" in form or "client_secret" in form
    if basic_id is not None and in_form:
        raise InvalidRequestError("authenticate the client by one method only")
    if basic_id is not None:
        return str(basic_id), str(basic_secret or ""), True
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"], False
    error = InvalidClientError("authenticate with HTTP Basic or client_id and client_secret")
    error.status_code = 401 if request.headers.get("authorization") else 400
    raise error


@router.post(
    "/oauth/token",
    summary="Get a token (OAuth2 client credentials)",
    description="RFC 6749 section 4.4. Authenticate the API client with HTTP Basic "
    "(`client_secret_basic`) or with `client_id` and `client_secret` in the form "
    "(`client_secret_post`); `grant_type=client_credentials`; `scope` optional (a subset of "
    "the client's; default all). The answer is a short-lived ES256 JWT (15 minutes by "
    "default) signed with this service's key, published at `/.well-known/jwks.json`. Errors "
    "are RFC 6749 JSON (`error`, `error_description`), not problem+json.",
    openapi_extra=_TOKEN_OPENAPI,
    responses=_TOKEN_RESPONSES,
    response_class=JSONResponse,
)
async def create_oauth_token(request: Request) -> JSONResponse:
    state = app_state(request)
    keys = state.verifier.service_keys
    try:
        if keys is None:
            return JSONResponse(
                {"error": "temporarily_unavailable", "error_description": "no signing key"},
                status_code=503,
                headers=_NO_STORE,
            )
        form = await _form(request)
        client_id, secret, by_basic = _credentials(request, form)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise InvalidRequestError("grant_type is missing")
        if grant_type != "client_credentials":
            raise UnsupportedGrantTypeError(f"{grant_type} is not supported")
        client = await _client(state.services.deps, client_id, secret, by_basic=by_basic)
        try:
            scopes = api_clients.granted_scopes(client, scope_to_list(form.get("scope")))
        except InvalidScopeRequest as refused:
            raise InvalidScopeError(str(refused)) from None
    except OAuth2Error as error:
        return _oauth_error(error)
    now = state.services.deps.clock.now()
    return JSONResponse(
        _issue(keys, client, scopes, now, state.services.deps.new_id()), headers=_NO_STORE
    )


async def _client(deps: Any, client_id: str, secret: str, *, by_basic: bool) -> ApiClient:
    try:
        return await api_clients.authenticate(deps, client_id, secret)
    except InvalidClient as refused:
        error = InvalidClientError(str(refused))
        # RFC 6749 section 5.2: 401 with WWW-Authenticate when the client used the
        # Authorization header; 400 for form credentials (no challenge to answer with).
        error.status_code = 401 if by_basic else 400
        raise error from None


def _issue(
    keys: ServiceKeys, client: ApiClient, scopes: frozenset[str], now: Any, jti: Any
) -> dict[str, object]:
    config = keys.config
    scope = " ".join(sorted(scopes))
    claims: dict[str, object] = {
        "iss": config.issuer,
        "aud": config.audience,
        "sub": f"{CLIENT_SUBJECT_PREFIX}{client.id}",
        "client_id": str(client.id),
        "org": str(client.organization_id),
        "scope": scope,
        TOKEN_USE_CLAIM: CLIENT_TOKEN_USE,
        "jti": str(jti),
        "iat": now,
        "exp": now + timedelta(seconds=config.ttl_seconds),
    }
    if client.unit_id is not None:
        claims["unit"] = str(client.unit_id)
    return {
        "access_token": keys.sign(claims),
        "token_type": "Bearer",
        "expires_in": config.ttl_seconds,
        "scope": scope,
    }


@router.get(
    "/.well-known/jwks.json",
    summary="The service's public signing keys",
    description="The JWK Set (RFC 7517) verifying API clients' tokens: the current key and, "
    "after a rotation, the previous one. Each token's `kid` names its key.",
    responses={
        200: {
            "description": "The JWK Set.",
            "content": {
                "application/json": {
                    "example": {
                        "keys": [
                            {
                                "kty": "EC",
                                "crv": "P-256",
                                "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                                "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
                                "kid": "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
                                "use": "sig",
                                "alg": "ES256",
                            }
                        ]
                    }
                }
            },
        }
    },
)
async def get_jwks(request: Request) -> JSONResponse:
    keys = app_state(request).verifier.service_keys
    body = keys.jwks() if keys is not None else {"keys": []}
    return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})
