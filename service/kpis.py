"""Use cases of KPIs (关键绩效指标) and their link to key results (OKR 与 KPI 融合, article 004).

A KPI is a standing metric (name, owner, unit, target, direction) measured period after
period. A key result may follow a KPI: each new measurement of the KPI then becomes a
check-in of the KR, in the same transaction, attributed to whoever posted it.

Who may do what:

- Reading KPIs and their measurements: every member; a service token with ``org:read``
  or ``kpis:write``. Another organization's KPI does not exist (``not_found``).
- Creating a KPI: admins and managers (the owner defaults to the caller).
- Changing or deleting a KPI: admins, managers, and the KPI's owner.
- Posting a measurement: the same people (admins, managers, the owner), and service
  tokens with the ``kpis:write`` scope (a CRM or BI feed). Not any member: a measurement
  moves every KR that follows the KPI.
- Linking a KR to a KPI or unlinking it: whoever may edit the KR
  (:func:`service.okr_access.ensure_may_edit_key_result`), in a cycle that is not closed.
  Linking needs no right on the KPI beyond reading it: the KR's editor chooses to follow.

Rules:

- A measurement's ``measured_at`` defaults to now; a reading dated in the past is fine
  (a month's revenue posted on the 2nd), one more than ``FUTURE_TOLERANCE`` ahead of the
  clock is refused (``validation_failed`` on ``measured_at``).
- The check-ins follow :func:`domain.kpis.check_in_of_measurement`: every measurement makes
  one on each following KR, dated at the reading's ``measured_at``. A late-posted past
  reading takes its place in the KR's history and does not move the KR back: the KR's
  current value is its latest check-in by time, so it is the newest reading's (or a later
  hand-made check-in's) whatever order readings arrive in, and N readings make N check-ins
  per KR in any order. Readings for the same moment are corrections: the last posted wins,
  in the KPI and in the KR alike (writers of one KPI's readings take turns on a lock of the
  KPI's row, and date and number their records under it). The check-in's author is the
  poster's subject (a member id, or ``service:<client>``), its note
  ``from KPI <name>[: <note>]``.
- Only KRs that still take updates get one: the cycle is not closed, the objective is a
  draft or active (not closed or archived), and the KR has no final score. A KR whose
  direction was changed after it was linked (so the link no longer holds,
  :func:`domain.kpis.ensure_linkable`) gets none either, until it is linked again.
- Linking is refused for a KR that cannot follow the KPI (a yes/no or milestones KR, or
  one pointing the other way: ``validation_failed`` on ``kpi_id``); an unknown KPI, or
  another organization's, is ``unknown_reference`` on ``kpi_id``. Linking takes effect
  from the next measurement. Linking to another KPI replaces the link.
- Unlinking keeps the KR's history: the check-ins measurements made stay, and the
  measurements stay with the KPI; only later measurements stop reaching the KR.
- Deleting a KPI that KRs follow is refused (409 ``kpi_has_linked_key_results``: unlink
  them first); the database refuses it too. A KPI without followers is deleted with its
  measurements; the check-ins they made stay in the KRs' histories. So is changing the
  direction of a KPI that KRs follow (they would no longer point the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

from domain.cycles import CycleState
from domain.errors import Conflict, DomainError, FieldError, Forbidden, NotFound, RuleViolation
from domain.kpis import (
    Kpi,
    KpiMeasurement,
    KpiStatus,
    attainment,
    check_in_of_measurement,
    ensure_linkable,
    kpi_status,
    validate_kpi,
    validate_measurement,
)
from domain.members import Role
from domain.okrs import (
    Aggregation,
    CheckIn,
    CheckInSource,
    Direction,
    KeyResult,
    Objective,
    ObjectiveStatus,
)
from service import audit
from service.auth import (
    Principal,
    Scope,
    ensure_can_read_kpis,
    ensure_can_read_okrs,
)
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.key_result_tracks import report_check_ins
from service.key_results import visible_key_results
from service.kpi_ports import KpiFilter, kpi_has_linked_key_results
from service.objectives import organization_of, writable_cycle
from service.okr_access import ensure_may_edit_key_result, viewer_of, visible_key_result
from service.okr_ports import AuditEvent
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import UnitOfWork
from service.quotas import ensure_takes_check_ins, summed_values, without_hidden_targets
from service.scores import KeyResultView, local_today, view_key_result

# How far ahead of the service's clock a reading may be dated (the poster's clock may run
# a little fast); further is a mistake.
FUTURE_TOLERANCE: Final = timedelta(minutes=5)

# Objectives whose KRs take KPI check-ins.
_OPEN_STATUSES: Final = frozenset({ObjectiveStatus.DRAFT, ObjectiveStatus.ACTIVE})


@dataclass(frozen=True)
class NewKpi:
    name: str
    target: Decimal
    owner_id: UUID | None = None  # default: the caller
    unit: str | None = None
    direction: Direction = Direction.INCREASE


@dataclass(frozen=True)
class KpiChanges:
    """A merge patch of a KPI: the fields sent replace the stored ones."""

    name: Maybe[str] = UNSET
    owner_id: Maybe[UUID] = UNSET
    unit: Maybe[str | None] = UNSET
    target: Maybe[Decimal] = UNSET
    direction: Maybe[Direction] = UNSET


@dataclass(frozen=True)
class NewMeasurement:
    value: Decimal
    measured_at: datetime | None = None  # default: now
    note: str = ""


@dataclass(frozen=True)
class KpiView:
    """A KPI with its current reading (the latest measurement) and what it says."""

    kpi: Kpi
    latest: KpiMeasurement | None

    @property
    def status(self) -> KpiStatus | None:
        """None before the first measurement."""
        return kpi_status(self.kpi, self.latest.value) if self.latest is not None else None

    @property
    def attainment(self) -> Decimal | None:
        """达成率 on the 0-1 scale; None before the first measurement."""
        return attainment(self.kpi, self.latest.value) if self.latest is not None else None


@dataclass(frozen=True)
class RecordedMeasurement:
    """A new measurement and the check-ins it made on the KRs following the KPI."""

    measurement: KpiMeasurement
    check_ins: tuple[CheckIn, ...]


# -- permissions -----------------------------------------------------------------------------


def may_create_kpis(principal: Principal) -> bool:
    """Admins and managers."""
    return not principal.is_service and bool(principal.roles & {Role.ADMIN, Role.MANAGER})


def may_manage_kpi(principal: Principal, kpi: Kpi) -> bool:
    """Admins, managers and the KPI's owner change it, delete it and post its readings."""
    return may_create_kpis(principal) or (
        principal.member_id is not None and principal.member_id == kpi.owner_id
    )


def may_record_measurements(principal: Principal, kpi: Kpi) -> bool:
    """Who manages the KPI, and integrations with ``kpis:write``."""
    if principal.is_service:
        return Scope.KPIS_WRITE in principal.scopes
    return may_manage_kpi(principal, kpi)


def _ensure_may_manage(principal: Principal, kpi: Kpi) -> None:
    if not may_manage_kpi(principal, kpi):
        raise Forbidden("only admins, managers and the KPI's owner may")


# -- helpers ---------------------------------------------------------------------------------


async def _kpi_of(uow: UnitOfWork, principal: Principal, kpi_id: UUID) -> Kpi:
    """One of the caller's organization's KPIs; NotFound otherwise (no leak)."""
    found = await uow.kpis.get(principal.organization_id, kpi_id)
    if found is None:
        raise NotFound("KPI not found")
    return found


def _unknown(field: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"{field}: {message}",
        code="unknown_reference",
        errors=[FieldError(field, message, "unknown_reference")],
    )


async def _ensure_member(uow: UnitOfWork, org_id: UUID, member_id: UUID) -> None:
    if await uow.members.get(org_id, member_id) is None:
        raise _unknown("owner_id", "no such member")


async def _ensure_unfollowed(uow: UnitOfWork, kpi: Kpi, why: str) -> None:
    followers = (await uow.kpis.linked_key_results(kpi.organization_id, [kpi.id])).get(kpi.id)
    if followers:
        error = kpi_has_linked_key_results()
        raise Conflict(f"{why}: {error.detail}", code=error.code)


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    kpi_id: UUID,
    before: Kpi | None,
    after: Kpi | None,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="kpi",
        resource_id=kpi_id,
        before=before,
        after=after,
    )


async def _key_result_view(
    deps: Deps, uow: UnitOfWork, principal: Principal, kr: KeyResult, objective: Objective
) -> KeyResultView:
    org = await organization_of(uow, principal)
    cycle = await uow.cycles.get(org.id, objective.cycle_id)
    assert cycle is not None
    latest = (await uow.check_ins.latest(org.id, [kr.id])).get(kr.id)
    today = local_today(org, deps.clock.now())
    viewer = viewer_of(principal)
    summed = await summed_values(uow, org.id, [kr], viewer)
    (kr,) = await without_hidden_targets(uow, org.id, [kr], viewer)
    return view_key_result(
        kr, latest, cycle, org, today, ambition=objective.ambition, summed=summed.get(kr.id)
    )


# -- reads -----------------------------------------------------------------------------------


async def get_kpi(deps: Deps, principal: Principal, kpi_id: UUID) -> KpiView:
    """One KPI of the organization with its current reading."""
    ensure_can_read_kpis(principal)
    async with deps.read() as uow:
        kpi = await _kpi_of(uow, principal, kpi_id)
        latest = (await uow.kpis.latest_measurements(kpi.organization_id, [kpi.id])).get(kpi.id)
        return KpiView(kpi, latest)


async def list_kpis(
    deps: Deps, principal: Principal, filters: KpiFilter, page: PageRequest
) -> Page[KpiView]:
    """The organization's KPIs, oldest first, each with its current reading (two
    statements whatever the page size)."""
    ensure_can_read_kpis(principal)
    async with deps.read() as uow:
        org_id = principal.organization_id
        found = await uow.kpis.list(org_id, filters, page)
        latest = await uow.kpis.latest_measurements(org_id, [k.id for k in found.items])
    return found.map(lambda k: KpiView(k, latest.get(k.id)))


async def list_measurements(
    deps: Deps, principal: Principal, kpi_id: UUID, page: PageRequest
) -> Page[KpiMeasurement]:
    """A KPI's measurements, newest first (by the moment they describe; of readings for
    one moment, the last posted first)."""
    ensure_can_read_kpis(principal)
    async with deps.read() as uow:
        kpi = await _kpi_of(uow, principal, kpi_id)
        return await uow.kpis.measurements(kpi.organization_id, kpi.id, page)


async def linked_key_results(
    deps: Deps, principal: Principal, kpi_ids: Sequence[UUID]
) -> dict[UUID, list[KeyResultView]]:
    """The KRs following each KPI that the caller may see, oldest first, with their values
    and scores, in a fixed number of statements (for GraphQL DataLoaders too); a KPI no
    visible KR follows, unknown or another organization's, maps to nothing."""
    ensure_can_read_kpis(principal)
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        linked = await uow.kpis.linked_key_results(org.id, kpi_ids)
        all_ids = [kr.id for krs in linked.values() for kr in krs]
        visible = await visible_key_results(uow, principal, all_ids)
        latest = await uow.check_ins.latest(org.id, list(visible))
        cycles = await uow.cycles.get_many(org.id, list({o.cycle_id for _, o in visible.values()}))
        today = local_today(org, deps.clock.now())
        # Sum KRs read their contributors' sum, as every other KR read does (service.quotas).
        viewer = viewer_of(principal)
        shown_krs = [kr for kr, _ in visible.values()]
        summed = await summed_values(uow, org.id, shown_krs, viewer)
        shown = {kr.id: kr for kr in await without_hidden_targets(uow, org.id, shown_krs, viewer)}
        found: dict[UUID, list[KeyResultView]] = {}
        for kpi_id, krs in linked.items():
            views = [
                view_key_result(
                    shown[kr.id],
                    latest.get(kr.id),
                    cycles[o.cycle_id],
                    org,
                    today,
                    ambition=o.ambition,
                    summed=summed.get(kr.id),
                )
                for kr, o in (visible[k.id] for k in krs if k.id in visible)
            ]
            if views:
                found[kpi_id] = views
        return found


# -- writes ----------------------------------------------------------------------------------


async def create_kpi(deps: Deps, principal: Principal, data: NewKpi) -> KpiView:
    """Add a KPI (admins and managers), owned by ``owner_id`` (a member; default the
    caller). Refused with ``validation_failed`` as :func:`domain.kpis.validate_kpi` says."""
    if not may_create_kpis(principal):
        raise Forbidden("only admins and managers create KPIs")
    now = deps.clock.now()
    owner_id = data.owner_id or principal.member_id
    assert owner_id is not None  # a member: services may not create
    kpi = validate_kpi(
        Kpi(
            id=deps.new_id(),
            organization_id=principal.organization_id,
            name=data.name,
            owner_id=owner_id,
            unit=data.unit,
            target=data.target,
            direction=data.direction,
            version=1,
            created_at=now,
            updated_at=now,
        )
    )
    async with deps.uow() as uow:
        await _ensure_member(uow, kpi.organization_id, kpi.owner_id)
        await uow.kpis.add(kpi)
        await _audit(uow, deps, principal, "kpi.created", kpi.id, None, kpi)
        await uow.commit()
    return KpiView(kpi, None)


@retry_lost_updates
async def update_kpi(
    deps: Deps,
    principal: Principal,
    kpi_id: UUID,
    changes: KpiChanges,
    *,
    expected_version: int | None = None,
) -> KpiView:
    """Merge ``changes`` onto a KPI (admins, managers, its owner) and validate it again;
    ``expected_version`` as ``If-Match``. Its direction stays while KRs follow it."""
    ensure_can_read_kpis(principal)
    async with deps.uow() as uow:
        current = await _kpi_of(uow, principal, kpi_id)
        _ensure_may_manage(principal, current)
        ensure_version(current.version, expected_version)
        sent: dict[str, Any] = {
            f.name: getattr(changes, f.name)
            for f in fields(changes)
            if getattr(changes, f.name) is not UNSET
        }
        updated = validate_kpi(replace(current, **sent))
        latest = (await uow.kpis.latest_measurements(current.organization_id, [kpi_id])).get(kpi_id)
        if updated == current:
            return KpiView(current, latest)
        if updated.owner_id != current.owner_id:
            await _ensure_member(uow, current.organization_id, updated.owner_id)
        if updated.direction is not current.direction:
            await _ensure_unfollowed(uow, current, "its direction cannot change")
        updated = replace(updated, version=current.version + 1, updated_at=deps.clock.now())
        await uow.kpis.update(updated, previous_version=current.version)
        await _audit(uow, deps, principal, "kpi.updated", kpi_id, current, updated)
        await uow.commit()
    return KpiView(updated, latest)


@retry_lost_updates
async def delete_kpi(
    deps: Deps, principal: Principal, kpi_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete a KPI with its measurements (admins, managers, its owner); refused while KRs
    follow it (``kpi_has_linked_key_results``). The check-ins it made stay with the KRs."""
    ensure_can_read_kpis(principal)
    async with deps.uow() as uow:
        current = await _kpi_of(uow, principal, kpi_id)
        _ensure_may_manage(principal, current)
        ensure_version(current.version, expected_version)
        await _ensure_unfollowed(uow, current, "the KPI cannot be deleted")
        await uow.kpis.delete(current.organization_id, kpi_id, previous_version=current.version)
        await _audit(uow, deps, principal, "kpi.deleted", kpi_id, current, None)
        await uow.commit()


def _takes_updates(kr: KeyResult, objective: Objective | None, state: CycleState | None) -> bool:
    return (
        objective is not None
        and objective.status in _OPEN_STATUSES
        and state is not None
        and state is not CycleState.CLOSED
        and kr.final_score is None
    )


def _still_linkable(kpi: Kpi, kr: KeyResult) -> bool:
    try:
        ensure_linkable(kpi, kr)
    except DomainError:
        return False
    return True


async def _followers_taking_updates(
    uow: UnitOfWork, kpi: Kpi, followers: Iterable[KeyResult]
) -> list[KeyResult]:
    """The KRs following ``kpi`` that a measurement reaches (see the module's rules), in
    two statements: their objectives, then those objectives' cycles."""
    krs = list(followers)
    if not krs:
        return []
    org_id = kpi.organization_id
    objectives: Mapping[UUID, Objective] = await uow.objectives.get_many(
        org_id, list({kr.objective_id for kr in krs})
    )
    cycles = await uow.cycles.get_many(org_id, list({o.cycle_id for o in objectives.values()}))

    def state_of(objective: Objective | None) -> CycleState | None:
        cycle = cycles.get(objective.cycle_id) if objective is not None else None
        return cycle.state if cycle is not None else None

    return [
        kr
        for kr in krs
        if _takes_updates(
            kr, objectives.get(kr.objective_id), state_of(objectives.get(kr.objective_id))
        )
        and _still_linkable(kpi, kr)
        # A sum KR's value is its contributors' sum: a check-in of its own would never show.
        and kr.aggregation is not Aggregation.SUM
    ]


async def record_measurement(
    deps: Deps, principal: Principal, kpi_id: UUID, data: NewMeasurement
) -> RecordedMeasurement:
    """Post a reading of a KPI (its manager or an integration with ``kpis:write``), and
    check in, in the same transaction, on every KR that follows it and takes updates, by
    :func:`domain.kpis.check_in_of_measurement`. Everything is audited under the poster."""
    ensure_can_read_kpis(principal)
    async with deps.uow() as uow:
        # Writers of this KPI's readings take turns from here to the commit, and the time
        # and ids below are taken under the lock: corrections for one moment then order the
        # same way in the KPI (created_at, id) and in its KRs (check-in id).
        kpi = await uow.kpis.get_for_update(principal.organization_id, kpi_id)
        if kpi is None:
            raise NotFound("KPI not found")
        now = deps.clock.now()
        if not may_record_measurements(principal, kpi):
            raise Forbidden(
                "only admins, managers, the KPI's owner and tokens with the kpis:write "
                "scope post measurements"
            )
        measurement = validate_measurement(
            KpiMeasurement(
                id=deps.new_id(),
                organization_id=kpi.organization_id,
                kpi_id=kpi.id,
                value=data.value,
                measured_at=data.measured_at or now,
                recorded_by=principal.subject,
                note=data.note,
                created_at=now,
            )
        )
        if measurement.measured_at > now + FUTURE_TOLERANCE:
            raise RuleViolation(
                "a measurement cannot be dated in the future",
                code="validation_failed",
                errors=[FieldError("measured_at", "must not be in the future", "in_future")],
            )
        measurement = replace(measurement, measured_at=measurement.measured_at.astimezone(UTC))
        org_id = kpi.organization_id
        await uow.kpis.add_measurement(measurement)
        await uow.kpis.touch(org_id, kpi.id, now)
        followers = (await uow.kpis.linked_key_results(org_id, [kpi.id])).get(kpi.id, ())
        check_ins: list[CheckIn] = []
        for kr in await _followers_taking_updates(uow, kpi, followers):
            made = check_in_of_measurement(measurement, kr, kpi=kpi)
            check_ins.append(
                CheckIn(
                    id=deps.new_id(),
                    organization_id=made.organization_id,
                    key_result_id=made.key_result_id,
                    author=made.author,
                    value=made.value,
                    milestones_done=None,
                    confidence=made.confidence,
                    note=made.note,
                    blockers=made.blockers,
                    created_at=made.created_at,
                    source=CheckInSource.KPI,
                )
            )
        for entry in check_ins:
            await uow.check_ins.add(entry)
        if check_ins:
            # Their KRs' current values and their objectives' scores changed: both move in a
            # sync (``updated_at`` only), in two statements for any number of KRs.
            checked = {e.key_result_id for e in check_ins}
            objective_ids = {kr.objective_id for kr in followers if kr.id in checked}
            await uow.key_results.touch(org_id, checked, now)
            await uow.objectives.touch(org_id, objective_ids, now)
        tracks: list[AuditEvent] = []
        if check_ins:
            # A reading moves its KRs' track status as any check-in does: reported now, in
            # this transaction (service.key_result_tracks), not an hour later by the sweep.
            contexts = await uow.objective_records.key_result_contexts(
                org_id, [e.key_result_id for e in check_ins]
            )
            tracks = await report_check_ins(
                uow,
                deps,
                principal,
                [(contexts[e.key_result_id], e) for e in check_ins if e.key_result_id in contexts],
            )
        events: list[AuditEvent] = [
            audit.event(
                deps,
                principal,
                action="kpi_measurement.recorded",
                resource_type="kpi_measurement",
                resource_id=measurement.id,
                before=None,
                after=measurement,
            ),
            *(
                audit.event(
                    deps,
                    principal,
                    action="check_in.created",
                    resource_type="check_in",
                    resource_id=entry.id,
                    before=None,
                    after=entry,
                )
                for entry in check_ins
            ),
            *tracks,
        ]
        await uow.audit.record_many(events)
        await uow.commit()
    return RecordedMeasurement(measurement, tuple(check_ins))


# -- the KR link -----------------------------------------------------------------------------


@retry_lost_updates
async def link_key_result(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    kpi_id: UUID,
    *,
    expected_version: int | None = None,
) -> KeyResultView:
    """Make a KR follow a KPI (whoever may edit the KR, in a cycle not closed): from the
    next measurement on, each one is a check-in of the KR. Linking it again to the KPI it
    follows changes nothing; to another, replaces the link."""
    async with deps.uow() as uow:
        org_id = principal.organization_id
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_key_result(uow, principal, kr, objective)
        ensure_version(kr.version, expected_version)
        await writable_cycle(uow, org_id, objective.cycle_id, "cycle_id")
        kpi = await uow.kpis.get(org_id, kpi_id)
        if kpi is None:
            raise _unknown("kpi_id", "no such KPI")
        ensure_linkable(kpi, kr)
        ensure_takes_check_ins(kr, field="kpi_id")  # its measurements would never show
        if kr.kpi_id == kpi.id:
            return await _key_result_view(deps, uow, principal, kr, objective)
        linked = replace(kr, kpi_id=kpi.id, version=kr.version + 1, updated_at=deps.clock.now())
        await uow.key_results.update(linked, previous_version=kr.version)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(kr.organization_id, [objective.id], linked.updated_at)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.kpi_linked",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=linked,
        )
        await uow.commit()
        return await _key_result_view(deps, uow, principal, linked, objective)


@retry_lost_updates
async def unlink_key_result(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    *,
    expected_version: int | None = None,
) -> KeyResultView:
    """Stop a KR following its KPI (whoever may edit the KR). Its history stays: the
    check-ins measurements made are kept. Allowed in a closed cycle too: it rewrites no
    history (a closed cycle's KRs take no measurements anyway), and otherwise a KPI
    followed from a closed cycle could never be deleted. A KR following no KPI is left as
    it is."""
    async with deps.uow() as uow:
        kr, objective = await visible_key_result(uow, principal, key_result_id)
        await ensure_may_edit_key_result(uow, principal, kr, objective)
        ensure_version(kr.version, expected_version)
        if kr.kpi_id is None:
            return await _key_result_view(deps, uow, principal, kr, objective)
        unlinked = replace(kr, kpi_id=None, version=kr.version + 1, updated_at=deps.clock.now())
        await uow.key_results.update(unlinked, previous_version=kr.version)
        # The objective embeds its KRs: its updated_at moves too (not its version).
        await uow.objectives.touch(kr.organization_id, [objective.id], unlinked.updated_at)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.kpi_unlinked",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=unlinked,
        )
        await uow.commit()
        return await _key_result_view(deps, uow, principal, unlinked, objective)
