"""Use cases of push URLs: a KR's secret URL for tools that can only call a URL.

A CRM workflow or a spreadsheet script cannot mint a JWT; it can call a URL. A push URL is
created by whoever may edit the KR (its owner, their managers, the objective's editors,
admins) under the name of the integration. Its secret is shown once; a push with it (in the
URL, or as ``Authorization: Bearer``) sets the KR's value or adds to it, as a check-in with
the source ``integration``, the push URL's name as ``integration`` and ``push:<id>`` as
author. It works until revoked; a revoked or unknown secret is "not found", alike.

Only the SHA-256 of a secret is stored. A password hash (bcrypt, argon2) exists to slow down
guessing a low-entropy secret from a leaked hash; a secret of 32 random bytes cannot be
guessed however fast the hash, and an unsalted digest lets a push find its row by an
index lookup instead of trying every row's salt.

Pushes are rate-limited per push URL (:data:`PUSH_LIMIT` per :data:`PUSH_WINDOW`): a fixed
window counted in Postgres by the statement that looks the secret up, so every API process
shares it without another service; its transaction commits at once, so refused and invalid
pushes count too.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Final
from uuid import UUID

from domain.errors import DomainError, FieldError, NotFound, RuleViolation
from domain.limits import CHECK_IN_ORIGIN_MAX_LENGTH
from domain.okrs import KeyResult
from domain.organizations import too_long
from service import audit
from service.auth import Principal
from service.checkins import CheckedIn, NewCheckIn, add_check_in
from service.context import Deps
from service.okr_access import ensure_may_edit_key_result, visible_key_result_context
from service.okr_ports import AuditEvent
from service.pagination import Page, PageRequest
from service.ports import UnitOfWork
from service.push_ports import PushUrl
from service.quotas import ensure_takes_check_ins

PUSH_LIMIT: Final = 60
"""Pushes a push URL takes per :data:`PUSH_WINDOW`: one a second on average, which no
workflow updating a KR needs more of, while a script looping by mistake is stopped."""
PUSH_WINDOW: Final = timedelta(minutes=1)
TOKEN_PREFIX: Final = "okrp_"  # noqa: S105 - a public prefix, not a secret
"""Begins every secret, so secret scanners (and people) can tell what leaked."""
_TOKEN_BYTES: Final = 32


class PushRateLimited(DomainError):
    """Too many pushes to one push URL in its window: retry after ``retry_after`` seconds."""

    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"at most {PUSH_LIMIT} pushes a minute to one push URL: retry in {retry_after} s"
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class CreatedPushUrl:
    push_url: PushUrl
    token: str  # the secret: shown in this answer only, never stored


@dataclass(frozen=True)
class Push:
    """What a push sends: exactly one of ``value`` (the KR's new value) and ``increment``
    (added to its current value)."""

    value: Decimal | None = None
    increment: Decimal | None = None
    note: str = ""
    external_id: str | None = None


def token_hash(token: str) -> bytes:
    """The stored form of a secret (SHA-256; see the module's docstring for why not more)."""
    return hashlib.sha256(token.encode()).digest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(_TOKEN_BYTES)


def _push_url_name(name: str) -> str:
    """The name stripped: non-blank and short enough to be a check-in's ``integration``."""
    text = name.strip()
    errors = (
        [FieldError("name", "must not be blank", "empty")]
        if not text
        else too_long(text, max_length=CHECK_IN_ORIGIN_MAX_LENGTH, field_name="name")
    )
    if errors:
        raise RuleViolation("a push URL's name is invalid", code="validation_failed", errors=errors)
    return text


async def _editable_key_result(
    uow: UnitOfWork, principal: Principal, key_result_id: UUID
) -> KeyResult:
    """Those who may edit the KR manage its push URLs: a push URL writes as they would."""
    found = await visible_key_result_context(uow, principal, key_result_id)
    await ensure_may_edit_key_result(uow, principal, found.key_result, found.objective)
    return found.key_result


def _audited(
    deps: Deps, principal: Principal, action: str, before: PushUrl | None, after: PushUrl
) -> AuditEvent:
    return audit.event(
        deps,
        principal,
        action=action,
        resource_type="push_url",
        resource_id=after.id,
        before=before,
        after=after,
    )


async def create_push_url(
    deps: Deps, principal: Principal, key_result_id: UUID, name: str
) -> CreatedPushUrl:
    """A new push URL of the KR named ``name`` (the integration's); audited."""
    clean_name = _push_url_name(name)
    async with deps.uow() as uow:
        kr = await _editable_key_result(uow, principal, key_result_id)
        # A sum KR takes no check-ins: its push URL could only ever be refused.
        ensure_takes_check_ins(kr)
        token = _new_token()
        push_url = PushUrl(
            id=deps.new_id(),
            organization_id=principal.organization_id,
            key_result_id=key_result_id,
            name=clean_name,
            created_by=principal.subject,
            created_at=deps.clock.now(),
            last_used_at=None,
            revoked_at=None,
            revoked_by=None,
        )
        await uow.push_urls.add(push_url, token_hash=token_hash(token))
        await uow.audit.record(_audited(deps, principal, "push_url.created", None, push_url))
        await uow.commit()
    return CreatedPushUrl(push_url, token)


async def list_push_urls(
    deps: Deps, principal: Principal, key_result_id: UUID, page: PageRequest
) -> Page[PushUrl]:
    """The KR's push URLs, revoked ones included, oldest first (the KR's editors)."""
    async with deps.read() as uow:
        await _editable_key_result(uow, principal, key_result_id)
        return await uow.push_urls.list(principal.organization_id, key_result_id, page)


async def get_push_url(
    deps: Deps, principal: Principal, key_result_id: UUID, push_url_id: UUID
) -> PushUrl:
    async with deps.read() as uow:
        await _editable_key_result(uow, principal, key_result_id)
        found = await uow.push_urls.get(principal.organization_id, key_result_id, push_url_id)
    if found is None:
        raise NotFound("push URL not found")
    return found


async def revoke_push_url(
    deps: Deps, principal: Principal, key_result_id: UUID, push_url_id: UUID
) -> PushUrl:
    """Revoke a push URL for good: its pushes are 404 from the commit on (one already past
    its lookup is refused too unless it was writing its check-in then: it re-reads the push
    URL as it locks the KR). Revoking a revoked one changes nothing (and is not audited
    again). Answers the push URL, revoked."""
    org_id = principal.organization_id
    async with deps.uow() as uow:
        await _editable_key_result(uow, principal, key_result_id)
        before = await uow.push_urls.get(org_id, key_result_id, push_url_id)
        if before is None:
            raise NotFound("push URL not found")
        after = await uow.push_urls.revoke(
            org_id, push_url_id, at=deps.clock.now(), by=principal.subject
        )
        if after is None:
            return before
        await uow.audit.record(_audited(deps, principal, "push_url.revoked", before, after))
        await uow.commit()
    return after


def _new_value(push: Push, current: Decimal) -> Decimal | None:
    if (push.value is None) == (push.increment is None):
        field = "increment" if push.value is not None else "value"
        raise RuleViolation(
            "send either a value or an increment",
            code="validation_failed",
            errors=[FieldError(field, "send exactly one of value and increment", "invalid")],
        )
    return push.value if push.increment is None else current + push.increment


async def push(deps: Deps, token: str, data: Push) -> CheckedIn:
    """Check in on the KR of the push URL whose secret is ``token``.

    NotFound for an unknown or revoked secret (told apart from nothing else);
    PushRateLimited past the limit; otherwise the check-in a member's check-in with the same
    value, note and external id would be (the cycle open, the value valid for the KR; the
    same external id twice is one check-in). An increment reads the current value and
    writes the new one under the KR's row lock, so concurrent increments never lose one.
    """
    now = deps.clock.now()
    async with deps.uow() as uow:
        admitted = await uow.push_urls.admit(token_hash(token), now=now, window=PUSH_WINDOW)
        await uow.commit()
    if admitted is None:
        raise NotFound("push URL not found")
    if admitted.requests_in_window > PUSH_LIMIT:
        ends = admitted.window_started_at + PUSH_WINDOW
        raise PushRateLimited(max(1, math.ceil((ends - now).total_seconds())))
    # The push URL acts alone: no member, no role; the creator's right to edit the KR was
    # checked when it was made, and revoking it is how that right is taken back.
    principal = Principal(
        organization_id=admitted.organization_id, subject=f"push:{admitted.push_url_id}"
    )
    async with deps.uow() as uow:
        current = await uow.push_urls.lock_key_result_value(
            admitted.organization_id, admitted.push_url_id
        )
        found = await uow.objective_records.key_result_context(
            admitted.organization_id, admitted.key_result_id
        )
        if current is None or found is None:
            raise NotFound("push URL not found")
        check_in = NewCheckIn(
            value=_new_value(data, current),
            note=data.note,
            external_id=data.external_id,
            integration=admitted.name,
        )
        recorded = await add_check_in(uow, deps, principal, found, check_in)
        if not recorded.duplicate:
            await uow.commit()
    return recorded
