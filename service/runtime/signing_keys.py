"""The service's own signing keys (API clients' tokens): read from PEM files, or, in
development, generated once into the data dir (as the development HMAC key and the embedded
database's files are), so a restart keeps issued tokens valid.

ES256 (EC P-256): every JWT library verifies it, its keys and signatures are small (a JWKS
entry of ~200 bytes, 64-byte signatures), and signing is fast (no 2048-bit RSA operation per
token). Only P-256 private keys are accepted for signing.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.config import ServiceTokenConfig
from service.runtime.settings import Settings

DEVELOPMENT_KEY_FILE = "service-signing-key.pem"


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_signing_key(path: Path) -> bytes:
    """The PEM EC P-256 private key at ``path``; anything else is refused at startup."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError):
        raise ValueError(
            f"OKR_SERVICE_SIGNING_KEY_FILE ({path}) must hold an unencrypted PEM private key"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"OKR_SERVICE_SIGNING_KEY_FILE ({path}) must hold an EC P-256 key")
    return _private_pem(key)


def load_previous_key(path: Path) -> bytes:
    """The public PEM of the previous key at ``path`` (a private or a public PEM)."""
    data = path.read_bytes()
    try:
        public = serialization.load_pem_private_key(data, password=None).public_key()
    except (ValueError, TypeError):
        try:
            public = serialization.load_pem_public_key(data)
        except ValueError:
            raise ValueError(
                f"OKR_SERVICE_PREVIOUS_SIGNING_KEY_FILE ({path}) holds no PEM key"
            ) from None
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(
        public.curve, ec.SECP256R1
    ):
        raise ValueError(f"OKR_SERVICE_PREVIOUS_SIGNING_KEY_FILE ({path}) is no EC P-256 key")
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def development_key(data_dir: Path) -> bytes:
    """The development signing key, generated on first use (owner-readable only)."""
    path = data_dir / DEVELOPMENT_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_private_pem(ec.generate_private_key(ec.SECP256R1())))
        path.chmod(0o600)
    return load_signing_key(path)


def service_token_config(settings: Settings) -> ServiceTokenConfig | None:
    """How client tokens are issued; None in production without a configured key (a key
    generated per replica would not verify on the others)."""
    if settings.service_signing_key_file is not None:
        signing = load_signing_key(settings.service_signing_key_file)
    elif settings.environment == "development":
        signing = development_key(settings.data_dir)
    else:
        return None
    previous = settings.service_previous_signing_key_file
    return ServiceTokenConfig(
        issuer=settings.service_token_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.service_token_ttl_seconds,
        signing_key_pem=signing,
        previous_key_pems=(load_previous_key(previous),) if previous else (),
    )
