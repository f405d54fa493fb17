"""The service's own keys, as the token endpoint signs and the verifier checks with them.

Every key is named by its RFC 7638 JWK thumbprint (``kid``), so a token names the key that
signed it and the JWKS publishes each key once under a stable name across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from api.config import ServiceTokenConfig

ALGORITHM: Final = "ES256"


def _public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    jwk: dict[str, str] = ECAlgorithm.to_jwk(key, as_dict=True)
    return {name: jwk[name] for name in ("kty", "crv", "x", "y")}


def thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638: SHA-256 of the required members, in lexical order, without whitespace."""
    canonical = json.dumps(
        {name: jwk[name] for name in ("crv", "kty", "x", "y")}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class ServiceKeys:
    """The current signing key and every public key tokens may be verified with."""

    def __init__(self, config: ServiceTokenConfig) -> None:
        key = serialization.load_pem_private_key(config.signing_key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the service's signing key must be an EC P-256 key")
        self.config = config
        self._signing_key = key
        self._public: dict[str, ec.EllipticCurvePublicKey] = {}
        self._jwks: list[dict[str, str]] = []
        self.kid = self._add(key.public_key())
        for pem in config.previous_key_pems:
            public = serialization.load_pem_public_key(pem)
            if isinstance(public, ec.EllipticCurvePublicKey):
                self._add(public)

    def _add(self, public: ec.EllipticCurvePublicKey) -> str:
        jwk = _public_jwk(public)
        kid = thumbprint(jwk)
        if kid not in self._public:
            self._public[kid] = public
            self._jwks.append({**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM})
        return kid

    def sign(self, claims: Mapping[str, Any]) -> str:
        return jwt.encode(
            dict(claims),
            self._signing_key,
            algorithm=ALGORITHM,
            headers={
                "kid": self.kid,
                "typ": "at+jwt",
            },
        )

    def public_key(self, kid: str) -> ec.EllipticCurvePublicKey | None:
        return self._public.get(kid)

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The JWK Set of ``GET /.well-known/jwks.json``: the current key first."""
        return {"keys": [dict(jwk) for jwk in self._jwks]}
