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
        self._kept[organization.id] = organization
        self._kept.move_to_end(organization.id)
        while len(self._kept) > self._max_kept:
            self._kept.popitem(last=False)


class OrganizationsSeen:
    """One unit of work's view: the organizations a statement of it confirmed current."""

    def __init__(self, cache: OrganizationCache) -> None:
        self._cache = cache
        self._current: dict[UUID, Organization] = {}

    def current(self, organization_id: UUID) -> Organization | None:
        return self._current.get(organization_id)

    def read(self, organization: Organization) -> None:
        """The organization as a statement just read it."""
        self._cache.keep(organization)
        self._current[organization.id] = organization

    def known_version(self, organization_id: UUID) -> int:
        kept = self._cache.get(organization_id)
        return kept.version if kept is not None else UNKNOWN_VERSION

    def confirm(self, organization_id: UUID, changed: Organization | None) -> None:
        """The answer of :func:`if_changed` for ``organization_id``: the organization when
        the kept version was not current, None when it was."""
        if changed is not None:
            self.read(changed)
            return
        kept = self._cache.get(organization_id)
        if kept is not None:
            self._current[organization_id] = kept


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
