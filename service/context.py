"""What every use case receives: the unit-of-work factory, the clock and the id source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from service.ids import new_id
from service.ports import Clock, IdempotencyStore, Readiness, UnitOfWorkFactory


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)
    new_id: Callable[[], UUID] = new_id


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
