"""Organizations kept per process, each confirmed current by a statement that runs anyway.

An organization's settings (time zone, scoring thresholds) are read by every scored read
and change rarely. The process keeps the organizations it has read; a read of objectives
asks, in its own statement, for the organization's row only if its version is not the one
kept (``version <> :known``: NULL when the kept one is current). So a kept organization is
never used unchecked, whichever process changed it, and the check costs no round trip.

Hand-written: a bounded dict; the check is the point, not the caching.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID

from sqlalchemy import ScalarSelect, bindparam, select

from domain.organizations import Organization
from service.storage.postgres import tables as t

# Far more organizations than one process serves at once; the least recently read go.
MAX_KEPT = 10_000
# No organization has this version: asks for the row.
UNKNOWN_VERSION = -1


class OrganizationCache:
    """The organizations this process has read, most recently read last."""

    def __init__(self, max_kept: int = MAX_KEPT) -> None:
        self._kept: OrderedDict[UUID, Organization] = OrderedDict()
        self._max_kept = max_kept

    def get(self, organization_id: UUID) -> Organization | None:
        found = self._kept.get(organization_id)
        if found is not None:
            self._kept.move_to_end(organization_id)
        return found

    def keep(self, organization: Organization) -> None:
        kept = self._kept.get(organization.id)
        # A read that began before a change may finish after it: never go back a version.
        if kept is None or kept.version <= organization.version:
            self._kept[organization.id] = organization
        self._kept.move_to_end(organization.id)
        while len(self._kept) > self._max_kept:
            self._kept.popitem(last=False)


class OrganizationsSeen:
    """One unit of work's view: the organizations a statement of it confirmed current."""

    def __init__(self, cache: OrganizationCache, *, may_keep: bool) -> None:
        self._cache = cache
        # Only a unit of work that writes nothing keeps what it reads for the process: a
        # writing one may read its own uncommitted change, which a rollback would undo.
        self._may_keep = may_keep
        self._current: dict[UUID, Organization] = {}

    def current(self, organization_id: UUID) -> Organization | None:
        return self._current.get(organization_id)

    def read(self, organization: Organization) -> None:
        """The organization as a statement just read it."""
        if self._may_keep:
            self._cache.keep(organization)
        self._current[organization.id] = organization

    def wrote(self, organization: Organization) -> None:
        """The organization as this unit of work just wrote it (not kept: uncommitted)."""
        self._current[organization.id] = organization

    def kept(self, organization_id: UUID) -> Organization | None:
        """What this process keeps of the organization (unconfirmed)."""
        return self._cache.get(organization_id)

    def confirm(self, organization: Organization | None) -> None:
        """A statement found ``organization`` current: the kept one it was asked about, or
        the row it brought because that one was not (None: nothing was kept nor found)."""
        if organization is not None:
            self.read(organization)


def if_changed() -> ScalarSelect[Any]:
    """The organization's whole row unless its version is ``:known_version`` (then NULL);
    binds ``organization_id`` and ``known_version``."""
    o = t.organizations
    return (
        select(o.table_valued())
        .where(
            o.c.organization_id == bindparam("organization_id"),
            o.c.version != bindparam("known_version"),
        )
        .scalar_subquery()
    )
