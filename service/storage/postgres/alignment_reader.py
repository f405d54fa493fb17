"""The alignment read model in Postgres: nodes, subtrees, KR figures, week activity.

Each method is one statement whatever the size of the answer. Subtrees walk down with a
recursive CTE over both kinds of link (aligned to an objective, contributing to a KR);
a KR's current figures come from its own row (its latest check-in, kept there by the
check-in's write), and only for a KR checked in after the instant read from its history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import (
    DateTime,
    Integer,
    Numeric,
    Select,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PGUUID
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.okrs import (
    Aggregation,
    Ambition,
    Direction,
    Level,
    MetricKind,
    Milestone,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.units import OrgUnit
from service.alignment_ports import KeyResultFigures, ObjectiveNode, OwnCurve, PacedProgress
from service.okr_ports import Viewer
from service.storage.postgres import tables as t
from service.storage.postgres.okr_repositories import visible_to
from service.storage.postgres.pacing_json import pacing_from_json
from service.storage.postgres.repositories import unit_from_row
from service.storage.postgres.sql import UUID_ARRAY, fetch_records, id_array, plain

# A stored loop cannot exist (writes refuse them), but a walk must never depend on that.
_MAX_WALK_DEPTH = 100


def _parent_id() -> Any:
    """The objective an objective serves: its parent, or the objective of the KR it
    contributes to (a correlated lookup through the KR's primary key)."""
    o, k = t.objectives, t.key_results
    via_kr = (
        select(k.c.objective_id)
        .where(k.c.organization_id == o.c.organization_id, k.c.id == o.c.parent_key_result_id)
        .scalar_subquery()
    )
    return func.coalesce(o.c.parent_objective_id, via_kr)


def _node_columns(organization_id: UUID, viewer: Viewer) -> list[Any]:
    o = t.objectives
    return [
        o.c.id,
        o.c.cycle_id,
        o.c.title,
        o.c.level,
        o.c.status,
        o.c.visibility,
        o.c.owner_kind,
        o.c.owner_member_id,
        o.c.owner_unit_id,
        o.c.roll_up,
        o.c.parent_objective_id,
        o.c.parent_key_result_id,
        o.c.ambition,
        _parent_id().label("parent_id"),
        visible_to(organization_id, viewer).label("visible"),
    ]


# Enum members by stored value: a dict lookup, where ``Level(value)`` costs a call per row.
_LEVELS = {m.value: m for m in Level}
_STATUSES = {m.value: m for m in ObjectiveStatus}
_VISIBILITIES = {m.value: m for m in Visibility}
_OWNER_KINDS = {m.value: m for m in OwnerKind}
_AMBITIONS = {m.value: m for m in Ambition}
_KINDS = {m.value: m for m in MetricKind}
_DIRECTIONS = {m.value: m for m in Direction}
_AGGREGATIONS = {m.value: m for m in Aggregation}
_SUM = Aggregation.SUM.value


def _node(row: Any) -> ObjectiveNode:
    owner_kind = _OWNER_KINDS[row["owner_kind"]]
    return ObjectiveNode(
        id=row["id"],
        cycle_id=row["cycle_id"],
        title=row["title"],
        level=_LEVELS[row["level"]],
        status=_STATUSES[row["status"]],
        visibility=_VISIBILITIES[row["visibility"]],
        owner_kind=owner_kind,
        owner_id=row["owner_member_id"] if owner_kind is OwnerKind.MEMBER else row["owner_unit_id"],
        roll_up=row["roll_up"],
        parent_objective_id=row["parent_objective_id"],
        parent_key_result_id=row["parent_key_result_id"],
        parent_id=row["parent_id"],
        visible=bool(row["visible"]),
        ambition=_AMBITIONS[row["ambition"]],
    )


_NO_MILESTONES: frozenset[UUID] = frozenset()


def _figures(row: Any, as_of: datetime) -> KeyResultFigures:
    kind = _KINDS[row["metric_kind"]]
    milestones: tuple[Milestone, ...] = ()
    if kind is MetricKind.MILESTONES:
        milestones = tuple(
            Milestone(id=UUID(m["id"]), title=m["title"], weight=Decimal(m["weight"]))
            for m in row["milestones"]
        )
    final = row["final_score"]
    if final is not None:
        scored_at = row["final_scored_at"]
        final = plain(final) if scored_at is None or scored_at <= as_of else None
    done = row["milestones_done"]
    return KeyResultFigures(
        id=row["id"],
        objective_id=row["objective_id"],
        metric_kind=kind,
        start=row["start_value"],
        target=row["target_value"],
        direction=_DIRECTIONS[row["direction"]],
        weight=row["weight"],
        milestones=milestones,
        final_score=final,
        current=row["value"],
        milestones_done=frozenset(done) if done else _NO_MILESTONES,
        pacing=pacing_from_json(row["pacing"]),
        aggregation=_AGGREGATIONS[row["aggregation"]],
    )


def _history(organization_id: Any, as_of: Any, column: Any) -> Any:
    """``column`` of a KR's latest check-in by ``as_of`` (an index probe of its history)."""
    k, c = t.key_results, t.check_ins
    return (
        select(column)
        .where(
            c.c.organization_id == organization_id,
            c.c.key_result_id == k.c.id,
            c.c.created_at <= as_of,
        )
        .order_by(c.c.created_at.desc(), c.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def current_figures_at(organization_id: UUID, as_of: datetime) -> tuple[Any, Any]:
    """A KR's value and milestones done at ``as_of`` (columns ``value``, ``milestones_done``).

    The KR row names its latest check-in (written with it, see ``PostgresCheckIns.add``):
    when that was made by ``as_of`` it is also the latest at ``as_of``, so a read of now
    takes the row's figures; only a KR checked in since (a read of the past) probes its
    history on ``(organization_id, key_result_id, created_at)``.
    """
    k, c = t.key_results, t.check_ins
    on_row = or_(k.c.latest_check_in_at.is_(None), k.c.latest_check_in_at <= as_of)
    return (
        case((on_row, k.c.current_value), else_=_history(organization_id, as_of, c.c.value)).label(
            "value"
        ),
        case(
            (on_row, k.c.current_milestones_done),
            else_=_history(organization_id, as_of, c.c.milestones_done),
        ).label("milestones_done"),
    )


# -- scores in Postgres ---------------------------------------------------------------------
# An objective's own progress computed where its KRs are (one figure per objective crosses
# the wire, not four KR rows decoded into Decimals), by the rules of ``domain.scoring``:
# every figure rounded half to even at four places. Postgres rounds a quotient to a scale of
# its own (and half away from zero), so each rounding here divides exactly: the integer
# quotient and remainder of ``p * 10000 / d`` decide it, as rounding the exact fraction does.
# A KR's own score is kept on its row (``current_score``, migration 0030's ``okr_kr_score``);
# the objective's mean is rounded here. Each step is a subquery of its own (see ``_step``),
# so a value is computed once per row.

_ZERO, _ONE = literal(0, Numeric), literal(1, Numeric)
_SCALE = literal(10000, Numeric)
_PLACE = literal("0.0001", Numeric)


def _step(statement: Select[Any], name: str) -> Any:
    """``statement`` as a subquery Postgres evaluates on its own: an OFFSET keeps the planner
    from inlining it into the next step, which would compute each of its expressions as
    often as that step mentions it (the rounding mentions its inputs a dozen times)."""
    return statement.offset(0).subquery(name)


def _divided(rows: Any, keep: Sequence[Any], numerator: Any, divisor: Any, name: str) -> Any:
    """A step with ``keep``, the floor of ``numerator * 10000 / divisor`` (``units``,
    ``divisor > 0``) and its remainder in ``[0, divisor)`` (``rest``), exactly: ``div`` and
    ``mod`` of numerics truncate without rounding."""
    inner = _step(
        select(
            *keep,
            func.div(numerator * _SCALE, divisor).label("truncated"),
            func.mod(numerator * _SCALE, divisor).label("signed_rest"),
            divisor.label("divisor"),
        ).select_from(rows),
        f"{name}_division",
    )
    below = inner.c.signed_rest < 0  # the remainder takes the numerator's sign
    return _step(
        select(
            *(inner.c[c.name] for c in keep),
            case((below, inner.c.truncated - 1), else_=inner.c.truncated).label("units"),
            case((below, inner.c.signed_rest + inner.c.divisor), else_=inner.c.signed_rest).label(
                "rest"
            ),
            inner.c.divisor,
        ),
        name,
    )


def _half_even(divided: Any) -> Any:
    """The quotient of a :func:`_divided` step rounded half to even, with four places."""
    units, twice, divisor = divided.c.units, divided.c.rest * 2, divided.c.divisor
    nearest = case(
        (twice > divisor, units + 1),
        (twice < divisor, units),
        else_=units + func.abs(func.mod(units, 2)),
    )
    return nearest * _PLACE


def _kr_scores(organization_id: Any, objective_ids: Any, as_of: Any) -> Any:
    """Per KR existing at ``as_of``: its objective, weight, own curve, whether it is a sum,
    and its score then (``domain.scoring``'s ``kr_score`` of ``kr_progress``): the final
    score if set by then; else the score its row keeps of its current figures (migration
    0030) when its latest check-in was made by then, as for nearly every KR of a read of
    now; else the same function of its figures at ``as_of``, from its history."""
    k = t.key_results
    on_row = or_(k.c.latest_check_in_at.is_(None), k.c.latest_check_in_at <= as_of)
    final = and_(
        k.c.final_score.is_not(None),
        or_(k.c.final_scored_at.is_(None), k.c.final_scored_at <= as_of),
    )
    then = func.okr_kr_score(
        k.c.metric_kind,
        k.c.start_value,
        k.c.target_value,
        k.c.direction,
        _history(organization_id, as_of, t.check_ins.c.value),
        k.c.milestones,
        _history(organization_id, as_of, t.check_ins.c.milestones_done),
        type_=Numeric,
    )
    score = case(
        (final, func.okr_half_even(k.c.final_score, _ONE, type_=Numeric)),
        (on_row, k.c.current_score),
        else_=then,
    )
    return _step(
        select(
            k.c.objective_id,
            k.c.weight,
            _own_curve(k),
            (k.c.aggregation == _SUM).label("is_sum"),
            score.label("score"),
        ).where(
            k.c.organization_id == organization_id,
            k.c.objective_id == any_(objective_ids),
            k.c.created_at <= as_of,
        ),
        "kr_scores",
    )


def _own_curve(rows: Any) -> Any:
    """A KR's own pacing curve with what judges it (weight, start, target; decimals as
    text, no digit lost to a float), NULL for the many KRs that inherit theirs."""
    curve = func.jsonb_build_object(
        "weight",
        cast(rows.c.weight, Text),
        "pacing",
        rows.c.pacing,
        "start",
        cast(rows.c.start_value, Text),
        "target",
        cast(rows.c.target_value, Text),
        type_=JSONB,
    )
    return case((rows.c.pacing.is_not(None), curve)).label("own_curve")


def _objective_progress(organization_id: Any, objective_ids: Any, as_of: Any) -> Select[Any]:
    """Per objective with a KR of positive weight: the weighted mean of its KRs' scores
    (``domain.scoring.objective_progress``), the mean rounded half to even; with the total
    of those weights and the KRs among them with a curve of their own (what its expected
    progress needs: ``PacedProgress``)."""
    scored = _kr_scores(organization_id, objective_ids, as_of)
    counted = scored.c.weight > 0
    own = and_(counted, scored.c.own_curve.is_not(None))
    sums = _step(
        select(
            scored.c.objective_id,
            func.sum(scored.c.score * scored.c.weight).filter(counted).label("weighted"),
            func.sum(scored.c.weight).filter(counted).label("weights"),
            func.jsonb_agg(scored.c.own_curve, type_=JSONB).filter(own).label("own_curves"),
            # A sum KR was scored at its row's value (its start): the caller rescores.
            func.coalesce(func.bool_or(scored.c.is_sum).filter(counted), False).label("sums"),
        )
        .group_by(scored.c.objective_id)
        .having(func.sum(scored.c.weight).filter(counted) > 0),
        "sums",
    )
    keep = [sums.c.objective_id, sums.c.weights, sums.c.own_curves, sums.c.sums]
    mean = _divided(sums, keep, sums.c.weighted, sums.c.weights, "means")
    return select(
        mean.c.objective_id,
        _half_even(mean).label("progress"),
        mean.c.weights,
        mean.c.own_curves,
        mean.c.sums,
    )


# Built once, with parameters: the statement is large, and building it anew cost a fifth of
# a page of objectives whose roll-ups read it (SQLAlchemy keeps a built statement's cache key).
_OBJECTIVE_PROGRESS = _objective_progress(
    bindparam("organization_id", type_=PGUUID(as_uuid=True)),
    bindparam("objective_ids", type_=UUID_ARRAY),
    bindparam("as_of", type_=DateTime(timezone=True)),
)


def _own_curves(data: Any) -> tuple[OwnCurve, ...]:
    """The ``own_curves`` JSON array of an objective (NULL: none, as for most)."""
    if data is None:
        return ()
    if isinstance(data, str):  # a driver without the JSONB codec
        data = json.loads(data)
    return tuple(
        OwnCurve(
            weight=plain(Decimal(c["weight"])),
            pacing=setting,
            start=plain(Decimal(c["start"])),
            target=plain(Decimal(c["target"])),
        )
        for c in data
        if (setting := pacing_from_json(c["pacing"])) is not None
    )


def nested_cycle_ids(organization_id: UUID, cycle_id: UUID) -> Select[tuple[UUID]]:
    """The cycle and every cycle nested in it (a year's quarters and their months)."""
    c = t.cycles
    nested = (
        select(c.c.id)
        .where(c.c.organization_id == organization_id, c.c.id == cycle_id)
        .cte("nested", recursive=True)
    )
    nested = nested.union(
        select(c.c.id).join(
            nested, and_(c.c.organization_id == organization_id, c.c.parent_id == nested.c.id)
        )
    )
    return select(nested.c.id)


class PostgresAlignmentReader:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def cycle_nodes(
        self, organization_id: UUID, cycle_id: UUID, *, viewer: Viewer, as_of: datetime
    ) -> Sequence[ObjectiveNode]:
        o = t.objectives
        statement = (
            select(*_node_columns(organization_id, viewer))
            .where(
                o.c.organization_id == organization_id,
                o.c.cycle_id.in_(nested_cycle_ids(organization_id, cycle_id)),
                o.c.created_at <= as_of,
            )
            .order_by(o.c.created_at, o.c.id)
        )
        return [_node(row) for row in await fetch_records(self._conn, statement)]

    async def subtree_nodes(
        self,
        organization_id: UUID,
        root_ids: Sequence[UUID],
        *,
        viewer: Viewer,
        as_of: datetime,
        max_depth: int | None = None,
        through_roll_ups: bool = False,
    ) -> Sequence[ObjectiveNode]:
        if not root_ids:
            return []
        o, k = t.objectives, t.key_results
        down = (
            select(o.c.id, o.c.roll_up, literal(0, Integer).label("depth"))
            .where(
                o.c.organization_id == organization_id,
                o.c.id == any_(id_array(root_ids)),
                o.c.created_at <= as_of,
            )
            .cte("down", recursive=True)
        )
        limit = _MAX_WALK_DEPTH if max_depth is None else min(max_depth, _MAX_WALK_DEPTH)
        # Each level by index probes from the objectives reached: those aligned to one, and
        # those contributing to one of its KRs (a page's few roll-ups walk a few hundred
        # objectives; a map of every link in the organization took 24 ms to build first).
        aligned = select(o.c.id, o.c.roll_up).where(
            o.c.organization_id == organization_id,
            o.c.parent_objective_id == down.c.id,
            o.c.created_at <= as_of,
        )
        contributing = (
            select(o.c.id, o.c.roll_up)
            .select_from(k)
            .join(
                o,
                and_(
                    o.c.organization_id == k.c.organization_id,
                    o.c.parent_key_result_id == k.c.id,
                ),
            )
            .where(
                k.c.organization_id == organization_id,
                k.c.objective_id == down.c.id,
                o.c.created_at <= as_of,
            )
        )
        below = union_all(aligned, contributing).lateral("below")
        step = (
            select(below.c.id, below.c.roll_up, (down.c.depth + 1).label("depth"))
            .select_from(down)
            .join(below, true())
            .where(down.c.depth < limit)
        )
        if through_roll_ups:
            # Below the roots, only a roll-up objective needs what is aligned to it.
            step = step.where(or_(down.c.depth == 0, down.c.roll_up.is_(True)))
        down = down.union_all(step)
        statement = (
            select(*_node_columns(organization_id, viewer))
            .where(
                o.c.organization_id == organization_id,
                # An array of the ids reached, not IN (subquery): the planner then probes the
                # primary key for each where it guessed a scan of every objective cheaper.
                o.c.id == any_(func.array(select(down.c.id).scalar_subquery())),
            )
            .order_by(o.c.created_at, o.c.id)
        )
        return [_node(row) for row in await fetch_records(self._conn, statement)]

    async def figures(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Sequence[KeyResultFigures]:
        if not objective_ids:
            return []
        k = t.key_results
        statement: Select[Any] = (
            select(
                k.c.id,
                k.c.objective_id,
                k.c.metric_kind,
                k.c.start_value,
                k.c.target_value,
                k.c.direction,
                k.c.weight,
                # Only milestones KRs need them: decoding 40,000 empty JSON arrays costs
                # more than the rest of the row.
                case((k.c.metric_kind == MetricKind.MILESTONES.value, k.c.milestones)).label(
                    "milestones"
                ),
                k.c.final_score,
                k.c.final_scored_at,
                k.c.pacing,  # NULL for most KRs: judged by their unit's or org's curve
                k.c.aggregation,
                *current_figures_at(organization_id, as_of),
            )
            .where(
                k.c.organization_id == organization_id,
                k.c.objective_id == any_(id_array(objective_ids)),
                k.c.created_at <= as_of,
            )
            .order_by(k.c.created_at, k.c.id)
        )
        return [_figures(row, as_of) for row in await fetch_records(self._conn, statement)]

    async def objective_progress(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Mapping[UUID, Decimal]:
        paced = await self.paced_progress(organization_id, objective_ids, as_of=as_of)
        return {objective_id: p.progress for objective_id, p in paced.items()}

    async def paced_progress(
        self, organization_id: UUID, objective_ids: Sequence[UUID], *, as_of: datetime
    ) -> Mapping[UUID, PacedProgress]:
        if not objective_ids:
            return {}
        params = {
            "organization_id": organization_id,
            "objective_ids": list(dict.fromkeys(objective_ids)),
            "as_of": as_of,
        }
        rows = await fetch_records(self._conn, _OBJECTIVE_PROGRESS, params)
        return {
            row["objective_id"]: PacedProgress(
                row["progress"], row["weights"], _own_curves(row["own_curves"]), row["sums"]
            )
            for row in rows
        }

    async def units(self, organization_id: UUID) -> Sequence[OrgUnit]:
        u = t.org_units
        rows = await self._conn.execute(
            select(u).where(u.c.organization_id == organization_id).order_by(u.c.id)
        )
        return [unit_from_row(row) for row in rows]

    async def unit_memberships(self, organization_id: UUID) -> Sequence[tuple[UUID, UUID]]:
        um, m = t.unit_members, t.members
        rows = await self._conn.execute(
            select(um.c.unit_id, um.c.member_id)
            .join(m, and_(m.c.organization_id == um.c.organization_id, m.c.id == um.c.member_id))
            .where(um.c.organization_id == organization_id, m.c.active.is_(True))
        )
        return [(row.unit_id, row.member_id) for row in rows]

    async def active_member_ids(self, organization_id: UUID) -> Sequence[UUID]:
        m = t.members
        rows = await self._conn.execute(
            select(m.c.id).where(m.c.organization_id == organization_id, m.c.active.is_(True))
        )
        return [row.id for row in rows]

    async def check_in_weeks(
        self,
        organization_id: UUID,
        objective_ids: Sequence[UUID],
        *,
        starts_on: date,
        ends_on: date,
        time_zone: str,
        as_of: datetime,
    ) -> Mapping[int, tuple[int, int]]:
        k, c = t.key_results, t.check_ins
        local_day = func.date(func.timezone(time_zone, c.c.created_at))
        # Integer division: the days since the start, in whole weeks.
        week = ((local_day - starts_on) // 7 + 1).label("week")
        if not objective_ids:
            return {}
        rows = await self._conn.execute(
            select(
                week,
                func.count().label("check_ins"),
                func.count(c.c.key_result_id.distinct()).label("krs"),
            )
            .select_from(
                c.join(
                    k,
                    and_(
                        k.c.organization_id == c.c.organization_id,
                        k.c.id == c.c.key_result_id,
                    ),
                )
            )
            .where(
                c.c.organization_id == organization_id,
                k.c.objective_id == any_(id_array(objective_ids)),
                c.c.created_at <= as_of,
                local_day >= starts_on,
                local_day <= ends_on,
            )
            .group_by(week)
        )
        return {int(row.week): (int(row.check_ins), int(row.krs)) for row in rows}
