"""The Postgres repositories, unit of work and idempotency store on a real Postgres."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.cycles import CycleKind
from domain.errors import Conflict, StaleVersion
from domain.members import Member, Role
from domain.organizations import Organization, ReviewSettings, ScoringSettings
from service.ids import new_id
from service.pagination import PageRequest
from service.ports import CycleFilter, IdempotencyRecord, MemberFilter, StoredResponse
from service.storage.postgres.database import create_engine
from service.storage.postgres.repositories import PostgresIdempotencyStore
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests import factories as make

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
async def engine(shared_database_url: str) -> AsyncIterator[AsyncEngine]:
    # The session's database: every test works in organizations of its own (fresh ids).
    created = create_engine(shared_database_url, pool_size=2, statement_cache_size=0)
    yield created
    await created.dispose()


@pytest.fixture
def uow(engine: AsyncEngine) -> PostgresUnitOfWorkFactory:
    return PostgresUnitOfWorkFactory(engine)


# The row builders, shared: the integration tests import them from here too.
organization, member, cycle = make.organization_row, make.member_row, make.cycle_row


@pytest.fixture
async def org(uow: PostgresUnitOfWorkFactory) -> Organization:
    created = organization()
    async with uow() as work:
        await work.organizations.add(created)
        await work.commit()
    return created


async def add_members(uow: PostgresUnitOfWorkFactory, *members: Member) -> None:
    async with uow() as work:
        for one in members:
            await work.members.add(one)
        await work.commit()


class StatementCounter:
    """Counts the SQL statements an engine sends while it is active."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, *args: Any) -> None:
        self.statements.append(str(args[2]))

    def __enter__(self) -> StatementCounter:
        event.listen(self._engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self._engine, "before_cursor_execute", self._record)


@pytest.fixture
def counter(engine: AsyncEngine) -> Iterator[StatementCounter]:
    with StatementCounter(engine) as counting:
        yield counting


# -- unit of work --------------------------------------------------------------------------


async def test_a_unit_of_work_without_commit_keeps_nothing(uow: PostgresUnitOfWorkFactory) -> None:
    dropped = organization("Dropped")
    async with uow() as work:
        await work.organizations.add(dropped)
        await work.members.add(member(dropped.id, "Ann"))
        assert await work.organizations.get(dropped.id) is not None  # seen inside

    failed = organization("Failed")

    async def fail_before_commit() -> None:
        async with uow() as work:
            await work.organizations.add(failed)
            raise RuntimeError("the use case fails before commit")

    with pytest.raises(RuntimeError):
        await fail_before_commit()

    async with uow() as work:
        assert await work.organizations.get(dropped.id) is None
        assert await work.organizations.get(failed.id) is None
        assert (await work.members.list(dropped.id, MemberFilter(), PageRequest())).items == []


async def test_committed_rows_are_kept_and_scoped_to_their_organization(
    uow: PostgresUnitOfWorkFactory, org: Organization
) -> None:
    other = organization("Globex")
    ann = member(org.id, "Ann", roles=frozenset({Role.ADMIN, Role.MANAGER}), external_id="HR-1")
    async with uow() as work:
        await work.organizations.add(other)
        await work.members.add(ann)
        await work.commit()

    async with uow() as work:
        assert await work.members.get(org.id, ann.id) == ann
        assert await work.members.get(other.id, ann.id) is None
        assert await work.members.get_many(other.id, [ann.id]) == {}


# -- members -------------------------------------------------------------------------------


async def test_a_duplicate_email_is_the_domain_conflict_email_taken(
    uow: PostgresUnitOfWorkFactory, org: Organization
) -> None:
    await add_members(uow, member(org.id, "Ann", email="ann@example.com", external_id="HR-1"))

    async with uow() as work:
        with pytest.raises(Conflict) as taken:
            await work.members.add(member(org.id, "Ann Two", email="ann@example.com"))
    assert taken.value.code == "email_taken"
    assert [e.field for e in taken.value.errors] == ["email"]

    async with uow() as work:
        with pytest.raises(Conflict) as external:
            await work.members.add(member(org.id, "Ann Three", external_id="HR-1"))
    assert external.value.code == "external_id_taken"

    # Another organization may use the same email.
    other = organization("Globex")
    async with uow() as work:
        await work.organizations.add(other)
        await work.members.add(member(other.id, "Ann", email="ann@example.com"))
        await work.commit()


async def test_an_update_with_a_stale_version_is_refused(
    uow: PostgresUnitOfWorkFactory, org: Organization
) -> None:
    ann = member(org.id, "Ann")
    await add_members(uow, ann)
    renamed = replace(ann, name="Ann Li", version=2)

    async with uow() as work:
        with pytest.raises(StaleVersion):
            await work.members.update(renamed, previous_version=5)
        with pytest.raises(StaleVersion):
            await work.organizations.update(replace(org, version=2), previous_version=7)
        await work.members.update(renamed, previous_version=1)
        await work.commit()

    async with uow() as work:
        assert await work.members.get(org.id, ann.id) == renamed
        with pytest.raises(StaleVersion):
            await work.members.update(replace(renamed, version=3), previous_version=1)


async def test_manager_chain_is_one_statement(
    uow: PostgresUnitOfWorkFactory, org: Organization, counter: StatementCounter
) -> None:
    ceo = member(org.id, "Ceo")
    vp = member(org.id, "Vp", manager_id=ceo.id)
    lead = member(org.id, "Lead", manager_id=vp.id)
    dev = member(org.id, "Dev", manager_id=lead.id)
    await add_members(uow, ceo, vp, lead, dev)

    async with uow() as work:
        counter.statements.clear()
        chain = await work.members.manager_chain(org.id, dev.id)
        assert len(counter.statements) == 1, counter.statements
        assert await work.members.manager_chain(new_id(), dev.id) == {}

    assert chain == {dev.id: lead.id, lead.id: vp.id, vp.id: ceo.id, ceo.id: None}


async def test_manager_chain_stops_on_a_loop_in_the_data(
    uow: PostgresUnitOfWorkFactory, org: Organization, counter: StatementCounter
) -> None:
    a = member(org.id, "Ann")
    b = member(org.id, "Bob", manager_id=a.id)
    c = member(org.id, "Cai", manager_id=b.id)
    await add_members(uow, a, b, c)
    # The repository does not guard against loops (the use case does): write one directly.
    async with uow() as work:
        await work.members.update(replace(a, manager_id=c.id, version=2), previous_version=1)
        await work.commit()

    async with uow() as work:
        counter.statements.clear()
        chain = await work.members.manager_chain(org.id, a.id)
        assert len(counter.statements) == 1, counter.statements

    assert chain == {a.id: c.id, c.id: b.id, b.id: a.id}


async def test_members_q_matches_percent_and_underscore_literally(
    uow: PostgresUnitOfWorkFactory, org: Organization
) -> None:
    sure = member(org.id, "100%_sure", email="sure@example.com")
    others = [
        member(org.id, "100 percent sure", email="percent@example.com"),
        member(org.id, "Plain Name", email="plain@example.com"),
        member(org.id, "Back\\slash", email="backslash@example.com"),
    ]
    await add_members(uow, sure, *others)

    async def names(q: str) -> list[str]:
        async with uow() as work:
            page = await work.members.list(org.id, MemberFilter(q=q), PageRequest())
        return sorted(m.name for m in page.items)

    assert await names("%_") == ["100%_sure"]
    assert await names("%") == ["100%_sure"]
    assert await names("_") == ["100%_sure"]
    assert await names("0%_S") == ["100%_sure"]  # case-insensitive
    assert await names("\\") == ["Back\\slash"]
    assert await names("100") == ["100 percent sure", "100%_sure"]
    assert await names("example.com") == sorted(m.name for m in [sure, *others])


# -- cycles --------------------------------------------------------------------------------


async def test_cycles_contains_date_includes_both_ends(
    uow: PostgresUnitOfWorkFactory, org: Organization
) -> None:
    year = cycle(org.id, "FY2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    q1 = cycle(org.id, "Q1", date(2026, 1, 1), date(2026, 3, 31), CycleKind.QUARTER)
    q2 = cycle(org.id, "Q2", date(2026, 4, 1), date(2026, 6, 30), CycleKind.QUARTER)
    async with uow() as work:
        for one in (year, q1, q2):
            await work.cycles.add(one)
        await work.commit()

    async def containing(day: date) -> set[str]:
        async with uow() as work:
            page = await work.cycles.list(org.id, CycleFilter(contains_date=day), PageRequest())
        return {c.name for c in page.items}

    assert await containing(date(2026, 1, 1)) == {"FY2026", "Q1"}
    assert await containing(date(2026, 3, 31)) == {"FY2026", "Q1"}
    assert await containing(date(2026, 4, 1)) == {"FY2026", "Q2"}
    assert await containing(date(2026, 8, 15)) == {"FY2026"}
    assert await containing(date(2025, 12, 31)) == set()
    async with uow() as work:
        assert await work.cycles.get(org.id, q1.id) == q1


# -- organizations -------------------------------------------------------------------------


async def test_organization_settings_round_trip_with_exact_decimals(
    uow: PostgresUnitOfWorkFactory,
) -> None:
    scoring = ScoringSettings(
        red_below=Decimal("0.35"),
        yellow_below=Decimal("0.700"),
        on_track_margin=Decimal("0.123456789012345678901234567890"),
        at_risk_margin=Decimal("0.25"),
        alignment_upward_only=False,
    )
    reviews = ReviewSettings(
        weight_self=Decimal("0.05"),
        weight_peer=Decimal("0.35"),
        weight_manager=Decimal("0.40"),
        weight_skip_level=Decimal("0.20"),
        peer_anonymity_threshold=4,
        min_peers=2,
        max_peers=6,
    )
    org = organization("Initech", scoring=scoring, reviews=reviews)
    async with uow() as work:
        await work.organizations.add(org)
        await work.commit()

    async with uow() as work:
        got = await work.organizations.get(org.id)

    assert got == org
    assert got is not None
    assert got.scoring == scoring
    assert got.reviews == reviews
    # Exactly, not merely equal: no float ever stood in between.
    assert str(got.scoring.on_track_margin) == "0.123456789012345678901234567890"
    assert str(got.scoring.yellow_below) == "0.700"
    assert str(got.reviews.weight_manager) == "0.40"
    assert isinstance(got.reviews.max_peers, int)
    assert got.scoring.alignment_upward_only is False


async def test_organization_settings_missing_from_storage_take_their_defaults(
    uow: PostgresUnitOfWorkFactory, engine: AsyncEngine, org: Organization
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE organizations SET settings = "
                """'{"scoring": {"red_below": "0.3"}}'::jsonb WHERE organization_id = :id"""
            ),
            {"id": org.id},
        )
    async with uow() as work:
        got = await work.organizations.get(org.id)
    assert got is not None
    assert got.scoring == replace(ScoringSettings(), red_below=Decimal("0.3"))
    assert got.reviews == ReviewSettings()


# -- idempotency keys ----------------------------------------------------------------------


async def test_idempotency_claim_complete_and_expiry(
    engine: AsyncEngine, org: Organization
) -> None:
    store = PostgresIdempotencyStore(engine, retention_hours=24)
    key: dict[str, Any] = {"organization_id": org.id, "caller": "member:1", "key": "k-1"}

    assert await store.claim(**key, request_hash="h1", now=NOW) is None
    assert await store.claim(**key, request_hash="h2", now=NOW) == IdempotencyRecord(
        request_hash="h1", response=None, lease_ends_at=NOW + PostgresIdempotencyStore.DEFAULT_LEASE
    )
    # Keys are per caller.
    assert await store.claim(**{**key, "caller": "member:2"}, request_hash="h1", now=NOW) is None

    response = StoredResponse(
        status=201, body=b'{"id": "x"}\x00\xff', headers={"etag": '"1"', "location": "/v1/x"}
    )
    await store.complete(**key, response=response, claimed_at=NOW)
    later = NOW + timedelta(hours=23)
    assert await store.claim(**key, request_hash="h1", now=later) == IdempotencyRecord(
        request_hash="h1", response=response
    )

    # Past the retention the key is forgotten and can be claimed anew.
    expired = NOW + timedelta(hours=24, seconds=1)
    assert await store.claim(**key, request_hash="h3", now=expired) is None
    assert await store.claim(**key, request_hash="h4", now=expired) == IdempotencyRecord(
        request_hash="h3",
        response=None,
        lease_ends_at=expired + PostgresIdempotencyStore.DEFAULT_LEASE,
    )


async def test_idempotency_release_frees_the_key(engine: AsyncEngine, org: Organization) -> None:
    store = PostgresIdempotencyStore(engine, retention_hours=24)
    key: dict[str, Any] = {"organization_id": org.id, "caller": "member:1", "key": "k-2"}

    assert await store.claim(**key, request_hash="h1", now=NOW) is None
    await store.release(**key, claimed_at=NOW)
    assert await store.claim(**key, request_hash="h2", now=NOW) is None
