"""The port of SCIM directory sync (service/scim.py): what SCIM keeps beside a member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class ScimProfile:
    """What a SCIM User carries that a member does not: its login and HR attributes."""

    member_id: UUID
    user_name: str
    given_name: str | None = None
    family_name: str | None = None
    department: str | None = None
    employee_number: str | None = None


class ScimAttribute(StrEnum):
    """The User attributes a SCIM filter or ``sortBy`` may name."""

    ID = "id"
    USER_NAME = "userName"
    EXTERNAL_ID = "externalId"
    EMAIL = "emails.value"
    ACTIVE = "active"
    FAMILY_NAME = "name.familyName"
    GIVEN_NAME = "name.givenName"
    CREATED = "meta.created"
    LAST_MODIFIED = "meta.lastModified"


class ScimOperator(StrEnum):
    EQ = "eq"
    CO = "co"
    SW = "sw"


@dataclass(frozen=True)
class ScimCondition:
    attribute: ScimAttribute
    operator: ScimOperator
    value: str | bool


@dataclass(frozen=True)
class ScimUserQuery:
    """A list request: every condition holds (``and``); 1-based ``start_index``."""

    conditions: tuple[ScimCondition, ...] = ()
    sort_by: ScimAttribute | None = None
    descending: bool = False
    start_index: int = 1
    count: int = 100


@dataclass(frozen=True)
class OwnedWork:
    """What a member owns that needs a new owner once they leave (ids, oldest first)."""

    objectives: tuple[UUID, ...] = ()
    key_results: tuple[UUID, ...] = ()
    kpis: tuple[UUID, ...] = ()
    actions: tuple[UUID, ...] = ()


class ScimStore(Protocol):
    async def profiles(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, ScimProfile]: ...

    async def save_profile(self, organization_id: UUID, profile: ScimProfile) -> None:
        """Insert or replace; raise Conflict (``user_name_taken``) on a duplicate userName."""

    async def member_named_by(self, organization_id: UUID, ref: str) -> UUID | None:
        """The member a manager reference names: its id, else its externalId (one probe)."""

    async def user_name_owner(self, organization_id: UUID, user_name: str) -> UUID | None:
        """The member whose userName is ``user_name``, ignoring case (an index probe)."""

    async def search(self, organization_id: UUID, query: ScimUserQuery) -> tuple[int, list[UUID]]:
        """The total of members matching and the ids of the requested page, in order."""

    async def pending_managers(
        self, organization_id: UUID, member_ids: Sequence[UUID]
    ) -> Mapping[UUID, str]:
        """The manager reference each of ``member_ids`` still waits for, if any."""

    async def waiting_for(self, organization_id: UUID, refs: Sequence[str]) -> list[UUID]:
        """The members whose pending manager reference is one of ``refs``."""

    async def lock_manager_references(self, organization_id: UUID, *, exclusive: bool) -> None:
        """Hold the organization's lock on manager references until the transaction ends.

        A write that stores a pending reference takes it ``exclusive``; a write that looks
        for the reports waiting for a User takes it shared (such writes never wait for each
        other). So a report's "manager not found, store it pending" and its manager's "who
        waits for me?" never run at once, and one of them always sees the other's commit.
        Take it before any graph lock (:meth:`UnitOfWork.lock_graph`): one order, no deadlock.
        """

    async def set_pending_manager(
        self, organization_id: UUID, member_id: UUID, manager_ref: str, at: datetime
    ) -> None: ...

    async def clear_pending_manager(self, organization_id: UUID, member_id: UUID) -> None: ...

    async def owned_by(self, organization_id: UUID, member_id: UUID) -> OwnedWork:
        """Objectives, KRs, KPIs and actions the member owns (one statement)."""
