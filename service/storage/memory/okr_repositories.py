"""In-memory twins of the OKR repositories, with the Postgres adapter's semantics
(``service/storage/postgres/okr_repositories.py``), constraint for constraint.

Every lookup is scoped by ``organization_id``; updates compare versions; the foreign keys
and checks of ``service/storage/postgres/tables.py`` raise the errors the Postgres adapter
translates them into: a violated foreign key is ``unknown_reference``, a violated check is
the generic ``conflict``. A write checks everything before it changes anything, like one
statement in a savepoint; where Postgres runs several statements (the deletes), the twin
runs as many writes, so a refused later statement keeps the earlier ones, as there.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Protocol, TypeVar
from uuid import UUID

from domain.cadence import is_stale
from domain.errors import Conflict
from domain.okrs import (
    Action,
    Cadence,
    CheckIn,
    KeyResult,
    Level,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from service.okr_ports import (
    ActionFilter,
    AuditEvent,
    AuditFilter,
    KeyResultFilter,
    ObjectiveFilter,
    Viewer,
)
from service.pagination import Page, PageRequest, page_of
from service.storage.memory.repositories import (
    ColumnTooLongError,
    _check_length,
    _duplicate_key,
    _paged,
    _stale,
    _walk_up,
)
from service.storage.memory.store import StoreState, TenantData, Transaction, unknown_reference

_SMALLINT_MIN, _SMALLINT_MAX = -32768, 32767
_CADENCES = frozenset(c.value for c in Cadence)


class _HasId(Protocol):
    @property
    def id(self) -> UUID: ...


R = TypeVar("R", bound=_HasId)


def _plain(value: Decimal) -> Decimal:
    """A NUMERIC as the Postgres adapter reads it back: in fixed-point form (8E+7 reads
    as 80000000), so a value's text is the same through either store."""
    return Decimal(format(value, "f"))


def _check_failed() -> Conflict:
    # A violated CHECK constraint: no named mapping, so the adapter's generic conflict.
    return Conflict("the change conflicts with existing data", code="conflict")


def _check_confidence(column: str, confidence: int | None) -> None:
    """A ``SmallInteger`` with ``CHECK (confidence BETWEEN 0 AND 10)``."""
    if confidence is None:
        return
    if not _SMALLINT_MIN <= confidence <= _SMALLINT_MAX:
        # Postgres refuses it before the check: a DataError ("smallint out of range").
        raise ColumnTooLongError(f"value out of range for {column} (smallint)")
    if not 0 <= confidence <= 10:
        raise _check_failed()


# -- objectives ----------------------------------------------------------------------------


def _check_objective(tenant: TenantData, objective: Objective) -> None:
    """The column length, the checks and the foreign keys of ``objectives``."""
    _check_length("objectives.title", objective.title, 300)
    if objective.parent_objective_id is not None and objective.parent_key_result_id is not None:
        raise _check_failed()  # ck_objectives_one_parent_link
    if objective.cycle_id not in tenant.cycles:
        raise unknown_reference()
    owners: Mapping[UUID, object] = (
        tenant.members if objective.owner_kind is OwnerKind.MEMBER else tenant.units
    )
    if objective.owner_id not in owners:
        raise unknown_reference()
    # Self-references pass: the row itself is there when the statement's keys are checked.
    for referenced in (objective.parent_objective_id, objective.source_objective_id):
        if (
            referenced is not None
            and referenced != objective.id
            and referenced not in tenant.objectives
        ):
            raise unknown_reference()
    parent_kr = objective.parent_key_result_id
    if parent_kr is not None and parent_kr not in tenant.key_results:
        raise unknown_reference()


def _reporting_line(tenant: TenantData, member_id: UUID) -> set[UUID]:
    """The member and everyone below them in the manager chain (empty for a stranger)."""
    if member_id not in tenant.members:
        return set()
    reports: dict[UUID, builtins.list[UUID]] = {}
    for member in tenant.members.values():
        if member.manager_id is not None:
            reports.setdefault(member.manager_id, []).append(member.id)
    line = {member_id}
    todo = [member_id]
    while todo:
        for report in reports.get(todo.pop(), ()):
            if report not in line:
                line.add(report)
                todo.append(report)
    return line


class _Visibility:
    """``visible_to`` of the Postgres adapter: public, or owned by the viewer's line (a
    member of it, or a unit one of them leads); admins see everything."""

    def __init__(self, tenant: TenantData, viewer: Viewer) -> None:
        self._everything = viewer.sees_everything
        self._line: set[UUID] = set()
        self._led_units: set[UUID] = set()
        if not self._everything and viewer.member_id is not None:
            self._line = _reporting_line(tenant, viewer.member_id)
            self._led_units = {
                u.id
                for u in tenant.units.values()
                if u.lead_id is not None and u.lead_id in self._line
            }

    def __call__(self, objective: Objective) -> bool:
        if self._everything or objective.visibility is Visibility.PUBLIC:
            return True
        if objective.owner_kind is OwnerKind.MEMBER:
            return objective.owner_id in self._line
        return objective.owner_id in self._led_units


class _BelowUnit:
    """``_below_unit`` of the Postgres adapter: owned by the unit or a unit under it (the
    ``org_units`` parent chain), or by a member of one of them (``unit_members``)."""

    def __init__(self, tenant: TenantData, unit_id: UUID) -> None:
        children: dict[UUID, builtins.list[UUID]] = {}
        for unit in tenant.units.values():
            if unit.parent_id is not None:
                children.setdefault(unit.parent_id, []).append(unit.id)
        self._units: set[UUID] = {unit_id} if unit_id in tenant.units else set()
        todo = list(self._units)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in self._units:
                    self._units.add(child)
                    todo.append(child)
        self._members = {m for u, m in tenant.unit_members if u in self._units}

    def __call__(self, objective: Objective) -> bool:
        if objective.owner_kind is OwnerKind.MEMBER:
            return objective.owner_id in self._members
        return objective.owner_id in self._units


def _matches(objective: Objective, filters: ObjectiveFilter, below: _BelowUnit | None) -> bool:
    """``below`` resolves ``filters.below_unit_id`` (None when the filter does not ask)."""
    member_owned = objective.owner_kind is OwnerKind.MEMBER
    needle = filters.q.lower() if filters.q else None
    return (
        (filters.cycle_id is None or objective.cycle_id == filters.cycle_id)
        and (filters.owner_id is None or (member_owned and objective.owner_id == filters.owner_id))
        and (
            filters.unit_id is None or (not member_owned and objective.owner_id == filters.unit_id)
        )
        and (filters.level is None or objective.level is filters.level)
        and (filters.status is None or objective.status is filters.status)
        and (needle is None or needle in objective.title.lower())
        and (below is None or below(objective))
        and (
            not filters.orphans
            or (
                objective.level is not Level.COMPANY
                and objective.parent_objective_id is None
                and objective.parent_key_result_id is None
            )
        )
    )


def _parent_objective(tenant: TenantData, objective: Objective) -> UUID | None:
    """What the objective aligns to: its parent objective, else the objective owning the
    KR it contributes to (``coalesce`` in the Postgres query)."""
    if objective.parent_objective_id is not None:
        return objective.parent_objective_id
    if objective.parent_key_result_id is not None:
        kr = tenant.key_results.get(objective.parent_key_result_id)
        return kr.objective_id if kr is not None else None
    return None


def _kr_ids_of(tenant: TenantData, objective_id: UUID) -> set[UUID]:
    return {k.id for k in tenant.key_results.values() if k.objective_id == objective_id}


def _delete_actions_of(tenant: TenantData, kr_ids: set[UUID]) -> None:
    tenant.actions = {i: a for i, a in tenant.actions.items() if a.key_result_id not in kr_ids}


def _delete_key_results(tenant: TenantData, kr_ids: set[UUID]) -> None:
    """``DELETE FROM key_results`` for these ids: refused while a check-in, an action or
    an objective (contributing to one) still references them."""
    if not kr_ids:
        return
    if (
        any(c.key_result_id in kr_ids for c in tenant.check_ins.values())
        or any(a.key_result_id in kr_ids for a in tenant.actions.values())
        or any(o.parent_key_result_id in kr_ids for o in tenant.objectives.values())
    ):
        raise unknown_reference()
    tenant.key_results = {i: k for i, k in tenant.key_results.items() if i not in kr_ids}


_Touched = TypeVar("_Touched", Objective, KeyResult)


def _touch(
    tx: Transaction,
    rows_of: Callable[[StoreState], dict[UUID, _Touched]],
    ids: Collection[UUID],
    now: datetime,
) -> None:
    def write(state: StoreState) -> None:
        rows = rows_of(state)
        for i in set(ids) & set(rows):
            rows[i] = replace(rows[i], updated_at=max(rows[i].updated_at, now))

    tx.write(write)


class MemoryObjectives:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _tenant(self, organization_id: UUID) -> TenantData:
        return self._tx.state.tenant(organization_id)

    async def get(self, organization_id: UUID, objective_id: UUID) -> Objective | None:
        return self._tenant(organization_id).objectives.get(objective_id)

    async def get_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Objective]:
        rows = self._tenant(organization_id).objectives
        return {i: rows[i] for i in set(objective_ids) if i in rows}

    async def list(
        self,
        organization_id: UUID,
        filters: ObjectiveFilter,
        page: PageRequest,
        viewer: Viewer,
    ) -> Page[Objective]:
        tenant = self._tenant(organization_id)
        visible = _Visibility(tenant, viewer)
        below = None
        if filters.below_unit_id is not None:
            below = _BelowUnit(tenant, filters.below_unit_id)
        rows = (o for o in tenant.objectives.values() if _matches(o, filters, below) and visible(o))
        return _paged(rows, page)

    async def is_visible(self, organization_id: UUID, objective_id: UUID, viewer: Viewer) -> bool:
        tenant = self._tenant(organization_id)
        objective = tenant.objectives.get(objective_id)
        return objective is not None and _Visibility(tenant, viewer)(objective)

    async def visible_link_targets(
        self,
        organization_id: UUID,
        *,
        objective_ids: Sequence[UUID],
        key_result_ids: Sequence[UUID],
        viewer: Viewer,
    ) -> frozenset[UUID]:
        tenant = self._tenant(organization_id)
        visible = _Visibility(tenant, viewer)
        found = (tenant.objectives.get(i) for i in objective_ids)
        seen = {o.id for o in found if o is not None and visible(o)}
        for kr_id in key_result_ids:
            kr = tenant.key_results.get(kr_id)
            if kr is not None and visible(tenant.objectives[kr.objective_id]):
                seen.add(kr_id)
        return frozenset(seen)

    async def alignment_ancestors(
        self, organization_id: UUID, objective_id: UUID
    ) -> Mapping[UUID, UUID | None]:
        tenant = self._tenant(organization_id)
        parents = {i: _parent_objective(tenant, o) for i, o in tenant.objectives.items()}
        return _walk_up(objective_id, parents)

    async def has_check_ins(self, organization_id: UUID, objective_id: UUID) -> bool:
        tenant = self._tenant(organization_id)
        kr_ids = _kr_ids_of(tenant, objective_id)
        return any(c.key_result_id in kr_ids for c in tenant.check_ins.values())

    async def aligned_children(
        self, organization_id: UUID, objective_id: UUID
    ) -> Sequence[Objective]:
        tenant = self._tenant(organization_id)
        kr_ids = _kr_ids_of(tenant, objective_id)
        return sorted(
            (
                o
                for o in tenant.objectives.values()
                if o.parent_objective_id == objective_id or o.parent_key_result_id in kr_ids
            ),
            key=lambda o: o.id,
        )

    async def aligned_to(
        self, organization_id: UUID, parent_ids: Sequence[UUID], viewer: Viewer
    ) -> Sequence[Objective]:
        tenant = self._tenant(organization_id)
        visible = _Visibility(tenant, viewer)
        wanted = set(parent_ids)
        return sorted(
            (
                o
                for o in tenant.objectives.values()
                if o.parent_objective_id in wanted and visible(o)
            ),
            key=lambda o: o.id,
        )

    async def open_in_cycle(self, organization_id: UUID, cycle_id: UUID) -> Sequence[Objective]:
        done = {ObjectiveStatus.CLOSED, ObjectiveStatus.ARCHIVED}
        objectives = self._tenant(organization_id).objectives.values()
        return sorted(
            (o for o in objectives if o.cycle_id == cycle_id and o.status not in done),
            key=lambda o: o.id,
        )

    async def close_many(
        self, organization_id: UUID, objective_ids: Sequence[UUID], now: datetime
    ) -> None:
        ids = set(objective_ids)

        def write(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            for i in ids & set(tenant.objectives):
                o = tenant.objectives[i]
                tenant.objectives[i] = replace(
                    o, status=ObjectiveStatus.CLOSED, version=o.version + 1, updated_at=now
                )

        self._tx.write(write)

    async def contributor_ids(self, organization_id: UUID, key_result_id: UUID) -> Sequence[UUID]:
        objectives = self._tenant(organization_id).objectives.values()
        return sorted(o.id for o in objectives if o.parent_key_result_id == key_result_id)

    async def has_aligned_children(self, organization_id: UUID, objective_id: UUID) -> bool:
        tenant = self._tenant(organization_id)
        kr_ids = _kr_ids_of(tenant, objective_id)
        return any(
            o.parent_objective_id == objective_id or o.parent_key_result_id in kr_ids
            for o in tenant.objectives.values()
        )

    async def add(self, objective: Objective) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(objective.organization_id)
            if objective.id in tenant.objectives:
                raise _duplicate_key()
            _check_objective(tenant, objective)
            tenant.objectives[objective.id] = objective

        self._tx.write(write)

    async def touch(
        self, organization_id: UUID, objective_ids: Collection[UUID], now: datetime
    ) -> None:
        """Moves only these objectives, not their roll-up parents (the twin goes away)."""
        _touch(self._tx, lambda state: state.tenant(organization_id).objectives, objective_ids, now)

    async def update(self, objective: Objective, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(objective.organization_id)
            current = tenant.objectives.get(objective.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_objective(tenant, objective)
            tenant.objectives[objective.id] = objective

        self._tx.write(write)

    async def delete(self, organization_id: UUID, objective_id: UUID) -> None:
        """Delete an objective with its KRs and actions: four statements, as in Postgres.

        Copies carried over from it forget their source first; the other foreign keys
        still hold: check-ins of its KRs and objectives aligned to it or to its KRs refuse
        the delete (``unknown_reference``) after the earlier statements ran.
        """

        def delete_actions(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            _delete_actions_of(tenant, _kr_ids_of(tenant, objective_id))

        def delete_key_results(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            _delete_key_results(tenant, _kr_ids_of(tenant, objective_id))

        def forget_source(state: StoreState) -> None:
            # Copies carried over from it forget their source, as in Postgres.
            tenant = state.tenant(organization_id)
            for o in list(tenant.objectives.values()):
                if o.source_objective_id == objective_id:
                    tenant.objectives[o.id] = replace(o, source_objective_id=None)

        def delete_objective(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            if objective_id not in tenant.objectives:
                return  # deleting nothing is no error, as in SQL
            if any(
                objective_id == o.parent_objective_id
                for o in tenant.objectives.values()
                if o.id != objective_id
            ) or any(k.objective_id == objective_id for k in tenant.key_results.values()):
                raise unknown_reference()
            del tenant.objectives[objective_id]

        self._tx.write(forget_source)
        self._tx.write(delete_actions)
        self._tx.write(delete_key_results)
        self._tx.write(delete_objective)


# -- key results ---------------------------------------------------------------------------


def _check_key_result(tenant: TenantData, kr: KeyResult) -> None:
    """The column lengths, the checks and the foreign keys of ``key_results``."""
    _check_length("key_results.title", kr.title, 300)
    _check_length("key_results.unit", kr.unit, 40)
    _check_length("key_results.currency", kr.currency, 3)
    _check_confidence("key_results.confidence", kr.confidence)
    # NaN sorts above every number in Postgres, so it passes ``weight >= 0`` there.
    if not kr.weight.is_nan() and kr.weight < Decimal(0):
        raise _check_failed()
    _check_length("key_results.cadence", kr.cadence, 8)
    if kr.cadence not in _CADENCES:
        raise _check_failed()  # ck_key_results_cadence
    if kr.objective_id not in tenant.objectives or kr.owner_id not in tenant.members:
        raise unknown_reference()
    if kr.kpi_id is not None and kr.kpi_id not in tenant.kpis:
        raise unknown_reference()  # fk_key_results_kpi_id_kpis


def _stored_key_result(kr: KeyResult) -> KeyResult:
    """The KR as it reads back from Postgres: NUMERIC columns in fixed-point form."""
    final = kr.final_score
    return replace(
        kr,
        start=_plain(kr.start),
        target=_plain(kr.target),
        weight=_plain(kr.weight),
        final_score=_plain(final) if final is not None else None,
    )


class MemoryKeyResults:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, KeyResult]:
        return self._tx.state.tenant(organization_id).key_results

    async def get(self, organization_id: UUID, key_result_id: UUID) -> KeyResult | None:
        return self._rows(organization_id).get(key_result_id)

    async def get_many(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, KeyResult]:
        rows = self._rows(organization_id)
        return {i: rows[i] for i in set(key_result_ids) if i in rows}

    async def of_objectives(
        self, organization_id: UUID, objective_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[KeyResult]]:
        wanted = set(objective_ids)
        found: dict[UUID, builtins.list[KeyResult]] = {}
        for kr in sorted(self._rows(organization_id).values(), key=lambda k: k.id):
            if kr.objective_id in wanted:
                found.setdefault(kr.objective_id, []).append(kr)
        return found

    async def list(
        self,
        organization_id: UUID,
        filters: KeyResultFilter,
        page: PageRequest,
        viewer: Viewer,
        *,
        now: datetime,
        time_zone: str,
    ) -> Page[KeyResult]:
        """As Postgres: the KRs of visible objectives, the stale filter by the domain's
        rule over each KR's latest check-in time."""
        tenant = self._tx.state.tenant(organization_id)
        visible = _Visibility(tenant, viewer)
        latest: dict[UUID, datetime] = {}
        if filters.stale is not None:
            for c in tenant.check_ins.values():
                seen = latest.get(c.key_result_id)
                if seen is None or c.created_at > seen:
                    latest[c.key_result_id] = c.created_at

        def matches(kr: KeyResult) -> bool:
            objective = tenant.objectives.get(kr.objective_id)
            if objective is None or not visible(objective):
                return False
            if (
                (filters.cycle_id is not None and objective.cycle_id != filters.cycle_id)
                or (filters.objective_id is not None and kr.objective_id != filters.objective_id)
                or (filters.owner_id is not None and kr.owner_id != filters.owner_id)
            ):
                return False
            if filters.stale is None:
                return True
            stale = is_stale(
                kr,
                latest.get(kr.id),
                objective_status=objective.status,
                cycle_state=tenant.cycles[objective.cycle_id].state,
                now=now,
                time_zone=time_zone,
            )
            return stale is filters.stale

        return _paged((kr for kr in tenant.key_results.values() if matches(kr)), page)

    async def add(self, key_result: KeyResult) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(key_result.organization_id)
            if key_result.id in tenant.key_results:
                raise _duplicate_key()
            _check_key_result(tenant, key_result)
            tenant.key_results[key_result.id] = _stored_key_result(key_result)

        self._tx.write(write)

    async def update(self, key_result: KeyResult, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(key_result.organization_id)
            current = tenant.key_results.get(key_result.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_key_result(tenant, key_result)
            tenant.key_results[key_result.id] = _stored_key_result(key_result)

        self._tx.write(write)

    async def touch(
        self, organization_id: UUID, key_result_ids: Collection[UUID], now: datetime
    ) -> None:
        _touch(self._tx, lambda s: s.tenant(organization_id).key_results, key_result_ids, now)

    async def delete(self, organization_id: UUID, key_result_id: UUID) -> None:
        """Delete a KR with its actions (two statements); its check-ins, or an objective
        contributing to it, refuse the delete (``unknown_reference``)."""

        def delete_actions(state: StoreState) -> None:
            _delete_actions_of(state.tenant(organization_id), {key_result_id})

        def delete_key_result(state: StoreState) -> None:
            tenant = state.tenant(organization_id)
            if key_result_id in tenant.key_results:
                _delete_key_results(tenant, {key_result_id})

        self._tx.write(delete_actions)
        self._tx.write(delete_key_result)


# -- check-ins -----------------------------------------------------------------------------


def _check_check_in(tenant: TenantData, check_in: CheckIn) -> None:
    _check_length("check_ins.author", check_in.author, 200)
    _check_confidence("check_ins.confidence", check_in.confidence)
    if check_in.key_result_id not in tenant.key_results:
        raise unknown_reference()


class MemoryCheckIns:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, CheckIn]:
        return self._tx.state.tenant(organization_id).check_ins

    async def add(self, check_in: CheckIn) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(check_in.organization_id)
            if check_in.id in tenant.check_ins:
                raise _duplicate_key()
            _check_check_in(tenant, check_in)
            value = check_in.value
            tenant.check_ins[check_in.id] = replace(
                check_in, value=_plain(value) if value is not None else None
            )

        self._tx.write(write)

    async def history(
        self, organization_id: UUID, key_result_id: UUID, page: PageRequest
    ) -> Page[CheckIn]:
        """Newest first by ``(created_at, id)``; the cursor is the last id seen."""
        rows = [c for c in self._rows(organization_id).values() if c.key_result_id == key_result_id]
        rows.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        if page.after is not None:
            cursor = next((c for c in rows if c.id == page.after), None)
            rows = [] if cursor is None else rows[rows.index(cursor) + 1 :]
        return page_of(rows[: page.limit + 1], page, lambda c: c.id)

    async def latest(
        self,
        organization_id: UUID,
        key_result_ids: Sequence[UUID],
        *,
        as_of: datetime | None = None,
    ) -> Mapping[UUID, CheckIn]:
        """Each KR's check-in with the greatest ``(created_at, id)``, among those made at
        or before ``as_of`` when given."""
        wanted = set(key_result_ids)
        found: dict[UUID, CheckIn] = {}
        for c in self._rows(organization_id).values():
            if c.key_result_id not in wanted or (as_of is not None and c.created_at > as_of):
                continue
            best = found.get(c.key_result_id)
            if best is None or (c.created_at, c.id) > (best.created_at, best.id):
                found[c.key_result_id] = c
        return found


# -- actions -------------------------------------------------------------------------------


def _check_action(tenant: TenantData, action: Action) -> None:
    _check_length("actions.title", action.title, 300)
    if action.key_result_id not in tenant.key_results:
        raise unknown_reference()
    for member_id in (action.owner_id, action.accepted_by):
        if member_id is not None and member_id not in tenant.members:
            raise unknown_reference()


def _action_matches(action: Action, filters: ActionFilter) -> bool:
    due = action.due_date
    # SQL compares NULL to nothing: an action without a due date fails both date filters.
    return (
        (filters.key_result_id is None or action.key_result_id == filters.key_result_id)
        and (filters.owner_id is None or action.owner_id == filters.owner_id)
        and (filters.status is None or action.status is filters.status)
        and (filters.due_before is None or (due is not None and due < filters.due_before))
        and (filters.due_after is None or (due is not None and due > filters.due_after))
    )


class MemoryActions:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _rows(self, organization_id: UUID) -> dict[UUID, Action]:
        return self._tx.state.tenant(organization_id).actions

    async def get(self, organization_id: UUID, action_id: UUID) -> Action | None:
        return self._rows(organization_id).get(action_id)

    async def list(
        self, organization_id: UUID, filters: ActionFilter, page: PageRequest
    ) -> Page[Action]:
        rows = (a for a in self._rows(organization_id).values() if _action_matches(a, filters))
        return _paged(rows, page)

    async def of_key_results(
        self, organization_id: UUID, key_result_ids: Sequence[UUID]
    ) -> Mapping[UUID, Sequence[Action]]:
        wanted = set(key_result_ids)
        found: dict[UUID, builtins.list[Action]] = {}
        for action in sorted(self._rows(organization_id).values(), key=lambda a: a.id):
            if action.key_result_id in wanted:
                found.setdefault(action.key_result_id, []).append(action)
        return found

    async def add(self, action: Action) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant_for_write(action.organization_id)
            if action.id in tenant.actions:
                raise _duplicate_key()
            _check_action(tenant, action)
            tenant.actions[action.id] = action

        self._tx.write(write)

    async def update(self, action: Action, *, previous_version: int) -> None:
        def write(state: StoreState) -> None:
            tenant = state.tenant(action.organization_id)
            current = tenant.actions.get(action.id)
            if current is None or current.version != previous_version:
                raise _stale()
            _check_action(tenant, action)
            tenant.actions[action.id] = action

        self._tx.write(write)


# -- audit ---------------------------------------------------------------------------------


def _detached(event: AuditEvent) -> AuditEvent:
    """A copy whose JSON parts share nothing with the stored row (as a JSONB round trip)."""
    return copy.deepcopy(event)


class MemoryAuditLog:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def record(self, event: AuditEvent) -> None:
        stored = _detached(event)

        def write(state: StoreState) -> None:
            _check_length("audit_events.actor", stored.actor, 200)
            _check_length("audit_events.action", stored.action, 60)
            _check_length("audit_events.resource_type", stored.resource_type, 40)
            tenant = state.tenant_for_write(stored.organization_id)
            if stored.id in tenant.audit_events:
                raise _duplicate_key()
            tenant.audit_events[stored.id] = stored

        self._tx.write(write)

    async def record_many(self, events: Sequence[AuditEvent]) -> None:
        for event in events:
            await self.record(event)

    async def list(
        self, organization_id: UUID, filters: AuditFilter, page: PageRequest
    ) -> Page[AuditEvent]:
        rows = (
            e
            for e in self._tx.state.tenant(organization_id).audit_events.values()
            if (filters.resource_type is None or e.resource_type == filters.resource_type)
            and (filters.resource_id is None or e.resource_id == filters.resource_id)
            and (filters.actor is None or e.actor == filters.actor)
        )
        return _paged(rows, page).map(_detached)
