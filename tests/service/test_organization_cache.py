"""Organizations kept per process are confirmed current by the reads that use them.

Two unit-of-work factories with caches of their own stand for two processes (workers or
replicas of the API) on one database: what one changes, the other's next read sees.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.organizations import OrganizationChanges, ScoringChanges
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.objectives import get_objective, list_objectives
from service.okr_ports import ObjectiveFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from service.storage.postgres.organization_cache import OrganizationCache
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.factories import cycle, key_result, objective, tenant
from tests.service.harness import FixedClock


def _process(engine: AsyncEngine, clock: FixedClock) -> Deps:
    kept = OrganizationCache()
    return Deps(
        uow=PostgresUnitOfWorkFactory(engine, organizations=kept),
        reads=PostgresUnitOfWorkFactory(engine, read_only=True, organizations=kept),
        clock=clock,
    )


async def test_a_change_made_by_another_process_is_seen_at_the_next_read(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    writer, reader = _process(engine, clock), _process(engine, clock)
    acme = await tenant(writer)
    quarter = await cycle(writer, acme)
    grow = await objective(writer, acme.admin, quarter)
    kr = await key_result(writer, acme.admin, grow, owner=acme.admin_member, target=Decimal(10))
    await check_in(writer, acme.admin, kr.id, NewCheckIn(value=Decimal(5)))

    # The reader keeps the organization (progress 0.5: yellow below 0.7)...
    assert (await get_objective(reader, acme.admin, grow.id)).grade == "yellow"
    # ...another process lowers the bar to 0.5...
    changes = OrganizationChanges(
        scoring=ScoringChanges(red_below=Decimal("0.3"), yellow_below=Decimal("0.5"))
    )
    await update_organization(writer, acme.admin, changes)
    # ...and the reader's next reads grade by the new bar, the single read and the page.
    assert (await get_objective(reader, acme.admin, grow.id)).grade == "green"
    page = await list_objectives(reader, acme.admin, ObjectiveFilter(), PageRequest())
    assert [v.grade for v in page.items] == ["green"]
