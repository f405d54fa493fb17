"""What every use case receives: the unit-of-work factory, the clock and the id source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from service.ids import new_id
from service.ports import Clock, IdempotencyStore, Readiness, UnitOfWork, UnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    new_id: Callable[[], UUID] = new_id
    # Units of work for use cases that only read: no transaction around their statements.
    # None: ``uow`` (a transaction that is rolled back).
    reads: UnitOfWorkFactory | None = None
    # Where the heavy read models (trees, unit scores, stats, exports) may be read: a read
    # replica, used only when it has caught up with the primary. None: the primary.
    read_models_uow: UnitOfWorkFactory | None = None

    def read(self) -> UnitOfWork:
        """A unit of work for a use case that never writes."""
        return (self.reads or self.uow)()

    def read_models(self) -> UnitOfWork:
        """A unit of work for a heavy read that never writes: it sees at least everything
        committed before it began (the caller's own writes included), wherever it runs."""
        return (self.read_models_uow or self.reads or self.uow)()


@dataclass(frozen=True)
class Services:
    """Everything the inbound adapters need, built once by the composition root."""

    deps: Deps
    idempotency: IdempotencyStore
    readiness: Readiness
    # Whether an unexpected error means the database is down or unreachable: the adapters
    # then answer 503 ``database_unavailable`` with Retry-After, not 500. Given by the
    # storage adapter, which alone knows its driver's errors.
    is_outage: Callable[[BaseException], bool]
