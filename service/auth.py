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
    # Read the change feed (service/events.py): what else it shows follows the other scopes.
    EVENTS_READ = "events:read"
    # Check in on KRs of public objectives (single and bulk), as the integration the token
    # names: service/checkins.py. Writes only: reading OKRs stays for members.
    CHECK_INS_WRITE = "check_ins:write"
    # SCIM 2.0 directory sync (service/scim.py, /scim/v2): Users and Groups, nothing else.
    SCIM = "scim"
    # Read objectives, KRs, check-ins and alignment as a reader who sees public objectives
    # only (within the client's unit subtree, if it has one); never an owner or editor.
    OKRS_READ = "okrs:read"
    # ``okrs:read`` and the private objectives of the same scope: every such read is audited
    # (``okrs.private_read``, service/okr_access.py).
    OKRS_READ_PRIVATE = "okrs:read_private"

    ALL = frozenset(
        {
            ORG_READ,
            MEMBERS_WRITE,
            REVIEWS_EXPORT,
            KPIS_WRITE,
            EVENTS_READ,
            CHECK_INS_WRITE,
            SCIM,
            OKRS_READ,
            OKRS_READ_PRIVATE,
        }
    )


@dataclass(frozen=True)
class Principal:
    """The verified caller: a member of one organization, or a service acting for it."""

    organization_id: UUID
    subject: str
    member_id: UUID | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    scopes: frozenset[str] = field(default_factory=frozenset)
    # An API client's token (service/api_clients.py): the client, and the root of the unit
    # subtree it is limited to (None: the whole organization).
    client_id: UUID | None = None
    unit_scope: UUID | None = None

    @property
    def is_service(self) -> bool:
        return self.member_id is None

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


# -- reads: one gate per kind of content, so each scope reads what its README line says ------


def may_read_directory(principal: Principal) -> bool:
    """The directory: the organization, its members, units and cycles.

    Members read it; a service needs ``org:read``, or ``members:write`` (an HR sync reads
    the directory it keeps in step: members to match, their versions for ``If-Match``).
    """
    return not principal.is_service or bool(
        principal.scopes & {Scope.ORG_READ, Scope.MEMBERS_WRITE}
    )


def ensure_can_read_directory(principal: Principal) -> None:
    if not may_read_directory(principal):
        raise Forbidden("this token lacks the org:read scope", code="forbidden")


def may_read_okrs(principal: Principal) -> bool:
    """Members; a service with ``okrs:read`` or ``okrs:read_private`` (what it then sees is
    the Viewer's: service/okr_access.py ``viewer_of``)."""
    return not principal.is_service or bool(
        principal.scopes & {Scope.OKRS_READ, Scope.OKRS_READ_PRIVATE}
    )


def may_read_private_okrs(principal: Principal) -> bool:
    """A service reading private objectives too (of its unit subtree, if it has one)."""
    return principal.is_service and Scope.OKRS_READ_PRIVATE in principal.scopes


def ensure_can_read_okrs(principal: Principal) -> None:
    """OKR content: objectives, KRs, check-ins, actions, alignment and roll-ups. Members; a
    service with an OKR read scope, seeing only what its Viewer lets it (never an editor)."""
    if not may_read_okrs(principal):
        raise Forbidden("this token lacks the okrs:read scope", code="forbidden")


def ensure_member_reads_okr_workspace(principal: Principal) -> None:
    """Comments, meetings, work plans and templates: members only, no scope grants them
    to a service (they are not filtered by a client's unit subtree)."""
    if principal.is_service:
        raise Forbidden("no scope of a service token reads this", code="forbidden")


def may_read_kpis(principal: Principal) -> bool:
    """KPIs and their measurements: members; a service with ``kpis:write`` (a BI or CRM
    feed reads the KPIs it posts to). The KRs following a KPI are OKR content."""
    if principal.is_service:
        return Scope.KPIS_WRITE in principal.scopes
    return True


def ensure_can_read_kpis(principal: Principal) -> None:
    if not may_read_kpis(principal):
        raise Forbidden("this token lacks the kpis:write scope", code="forbidden")


def ensure_can_read_review_cycles(principal: Principal) -> None:
    """Review cycles (their setup, questions, phase): members; an HR export needs
    ``reviews:export`` and ``org:read`` both (README: reading review cycles needs org:read
    too). Results and completion figures are :func:`may_export_reviews`'."""
    if principal.is_service and not {Scope.REVIEWS_EXPORT, Scope.ORG_READ} <= principal.scopes:
        raise Forbidden(
            "reading review cycles needs the reviews:export and org:read scopes", code="forbidden"
        )


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
