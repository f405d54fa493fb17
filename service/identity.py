"""Who a member token names: an active member of the token's organization, or nobody.

A signature proves who issued a token, not that its ``sub`` belongs to the organization its
``org`` claim names: the adapters call :func:`confirm_member` after verifying a token, and
refuse the request when it fails (fail closed). Roles still come from the token: the
identity provider is their authority.

A confirmed member is remembered for a short, bounded time (``ttl_seconds``), so a request
costs one lookup at most and none while remembered; a member deactivated meanwhile is
refused once the entry expires. Refusals are never remembered: a member reactivated, or
created just after its token, is let in on the next request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from uuid import UUID

from service.auth import Principal
from service.context import Deps

DEFAULT_TTL_SECONDS = 30.0
MAX_TTL_SECONDS = 300.0


class NotAnActiveMember(Exception):
    """The token names no active member of its organization. ``code`` is stable."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code


class MemberIdentities:
    """Members recently confirmed active, by (organization, member), oldest dropped first.

    Hand-written (an ordered dict) rather than a cache library: it needs a dozen lines and
    one lookup per request, and the project has no cache dependency to reuse. Not locked:
    the event loop runs one coroutine at a time and no method awaits.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        max_entries: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        # The bound is what the README promises for deactivation: keep it small.
        if not 0 < ttl_seconds <= MAX_TTL_SECONDS:
            raise ValueError(f"ttl_seconds must be in (0, {MAX_TTL_SECONDS:g}]")
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.ttl_seconds = ttl_seconds
        self._max_entries = max_entries
        # A monotonic timer, never the business clock: tests pin that, and a wall-clock jump
        # must not keep an entry alive.
        self._timer = timer
        self._expiry: OrderedDict[tuple[UUID, UUID], float] = OrderedDict()

    def is_confirmed(self, organization_id: UUID, member_id: UUID) -> bool:
        key = (organization_id, member_id)
        expires = self._expiry.get(key)
        if expires is None:
            return False
        if self._timer() >= expires:
            del self._expiry[key]
            return False
        return True

    def remember(self, organization_id: UUID, member_id: UUID) -> None:
        key = (organization_id, member_id)
        self._expiry.pop(key, None)
        self._expiry[key] = self._timer() + self.ttl_seconds
        while len(self._expiry) > self._max_entries:
            self._expiry.popitem(last=False)


async def confirm_member(deps: Deps, principal: Principal, identities: MemberIdentities) -> None:
    """Raise :class:`NotAnActiveMember` unless the caller is an active member of its org.

    Service tokens name a client, not a member: nothing to confirm (scopes govern them).
    """
    member_id = principal.member_id
    if member_id is None:
        return
    org_id = principal.organization_id
    if identities.is_confirmed(org_id, member_id):
        return
    async with deps.read() as uow:
        member = await uow.members.get(org_id, member_id)
    if member is None:
        # The same answer for another organization's member and for nobody: nothing leaks.
        raise NotAnActiveMember(
            "the token's sub is not a member of the token's organization", code="unknown_member"
        )
    if not member.active:
        raise NotAnActiveMember(
            "the member this token names is deactivated", code="member_inactive"
        )
    identities.remember(org_id, member_id)
