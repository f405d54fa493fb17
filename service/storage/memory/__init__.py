"""In-memory twins of the storage ports: the same semantics as Postgres, no I/O.

The use-case tests run on these; nothing in production wires them.
"""

from service.storage.memory.okr_repositories import (
    MemoryActions,
    MemoryAuditLog,
    MemoryCheckIns,
    MemoryKeyResults,
    MemoryObjectives,
)
from service.storage.memory.repositories import (
    ColumnTooLongError,
    MemoryCycles,
    MemoryIdempotencyStore,
    MemoryMembers,
    MemoryOrganizations,
    MemoryReadiness,
    MemoryUnits,
)
from service.storage.memory.store import MemoryStore
from service.storage.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory

__all__ = [
    "ColumnTooLongError",
    "MemoryActions",
    "MemoryAuditLog",
    "MemoryCheckIns",
    "MemoryCycles",
    "MemoryIdempotencyStore",
    "MemoryKeyResults",
    "MemoryMembers",
    "MemoryObjectives",
    "MemoryOrganizations",
    "MemoryReadiness",
    "MemoryStore",
    "MemoryUnitOfWork",
    "MemoryUnitOfWorkFactory",
    "MemoryUnits",
]
