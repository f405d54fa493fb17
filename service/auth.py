"""Who is calling (the Principal) and the permission policy: who may do what.

Every permission decision of the org model lives here so it is written once and shared
by REST and GraphQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.errors import Forbidden
from domain.members import Role


class Scope:
    """Scopes of service tokens (integrations act without a member)."""

    ORG_READ = "org:read"
    MEMBERS_WRITE = "members:write"
    REVIEWS_EXPORT = "reviews:export"
    # Post KPI measurements (and read KPIs): a BI or CRM feed. See service/kpis.py.
    KPIS_WRITE = "kpis:write"

    ALL = frozenset({ORG_READ, MEMBERS_WRITE, REVIEWS_EXPORT, KPIS_WRITE})


@dataclass(frozen=True)
class Principal:
    """The verified caller: a member of one organization, or a service acting for it."""

    organization_id: UUID
    subject: str
    member_id: UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_service(self) -> bool:
        return self.member_id is None

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


def ensure_can_read_directory(principal: Principal) -> None:
    """Members of the org read its directory; a service needs ``org:read``."""
    if principal.is_service and not principal.scopes & {Scope.ORG_READ, Scope.MEMBERS_WRITE}:
        raise Forbidden("this token lacks the org:read scope", code="forbidden")


def ensure_can_manage_members(principal: Principal) -> None:
    """Admins and HR manage members; an HR system may with ``members:write``."""
    if principal.is_service:
        if Scope.MEMBERS_WRITE not in principal.scopes:
            raise Forbidden("this token lacks the members:write scope")
        return
    if not principal.roles & {Role.ADMIN, Role.HR}:
        raise Forbidden("only admins and hr manage members")


def ensure_admin(principal: Principal) -> None:
    """Admins manage everything in the organization: its settings, units and cycles."""
    if not principal.is_admin:
        raise Forbidden("only admins may do this")


def may_manage_reviews(principal: Principal) -> bool:
    """Admins and HR run review cycles: their setup, participants and phases."""
    return not principal.is_service and bool(principal.roles & {Role.ADMIN, Role.HR})


def ensure_can_manage_reviews(principal: Principal) -> None:
    if not may_manage_reviews(principal):
        raise Forbidden("only admins and hr manage review cycles")


def may_export_reviews(principal: Principal) -> bool:
    """Admins and HR read every published result; an HR system may with ``reviews:export``."""
    if principal.is_service:
        return Scope.REVIEWS_EXPORT in principal.scopes
    return bool(principal.roles & {Role.ADMIN, Role.HR})


def ensure_can_export_reviews(principal: Principal) -> None:
    if not may_export_reviews(principal):
        raise Forbidden(
            "only admins, hr and tokens with the reviews:export scope read every result"
        )
