"""Verified tokens are cached per process (issue 16: a signature check was a sixth of a single
objective's read), never past their expiry, and never longer than the bound."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import uuid4

import jwt
import pytest

from api.security import TokenVerifier, Unauthenticated, VerifiedToken, verified_tokens
from service.runtime.app import token_config
from service.runtime.settings import Settings
from service.runtime.tokens import mint_token
from tests.api.harness import TEST_SECRET


def _verifier(**settings: Any) -> TokenVerifier:
    return TokenVerifier(token_config(Settings(jwt_secret=TEST_SECRET, **settings)))


def _counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each signature PyJWT checks from now on (unverified peeks are not counted)."""
    checked: list[str] = []
    decode = jwt.decode

    def counting(token: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("options", {}).get("verify_signature", True):
            checked.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    return checked


async def test_a_token_verified_once_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = _verifier()
    settings = Settings(jwt_secret=TEST_SECRET)
    member, org = uuid4(), uuid4()
    token = mint_token(settings, organization_id=org, member_id=member, roles=["admin"])
    checked = _counting_decodes(monkeypatch)
    first = await verifier.verify(token)
    again = await verifier.verify(token)
    assert first == again
    assert first.member_id == member
    assert checked == [token]


async def test_a_cached_token_still_expires() -> None:
    verifier = _verifier(jwt_leeway_seconds=0)
    token = mint_token(
        Settings(jwt_secret=TEST_SECRET),
        organization_id=uuid4(),
        member_id=uuid4(),
        ttl=timedelta(seconds=1),
    )
    assert (await verifier.verify(token)).organization_id is not None
    await asyncio.sleep(1.2)
    with pytest.raises(Unauthenticated) as refused:
        await verifier.verify(token)
    assert refused.value.code == "token_expired"


async def test_a_refused_token_is_not_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = _verifier()
    forged = mint_token(
        Settings(jwt_secret="another-" + "s" * 40), organization_id=uuid4(), member_id=uuid4()
    )
    checked = _counting_decodes(monkeypatch)
    for _ in range(2):
        with pytest.raises(Unauthenticated):
            await verifier.verify(forged)
    assert checked == [forged, forged]


async def test_the_cache_keeps_a_token_no_longer_than_its_bound() -> None:
    token = mint_token(Settings(jwt_secret=TEST_SECRET), organization_id=uuid4(), member_id=uuid4())
    principal = await _verifier().verify(token)
    now = [1000.0]
    cache = verified_tokens(lambda: now[0], seconds=60)
    cache["soon"] = VerifiedToken(principal, expires_at=1010.0)
    cache["later"] = VerifiedToken(principal, expires_at=5000.0)
    now[0] = 1011.0
    assert "soon" not in cache  # its expiry first
    assert "later" in cache
    now[0] = 1061.0
    assert "later" not in cache  # then the bound
