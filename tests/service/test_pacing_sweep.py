"""The sweep and the check-in's track reports judge a KR by its pacing curve, its owning
unit's default included (issue 18, DOMAIN.md "Sales pacing").

Q2 2026 runs from April 1 to June 30 (90 days). On May 1 a third of it has passed: the
straight line expects 0.3333, the back-loaded curve 0.2. A KR at 0.15 is at risk by the
line (below 0.2333) and on track by the curve (from 0.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.cycles import Cycle, CycleState
from domain.members import Member
from domain.okrs import KeyResult
from domain.pacing_setting import CurveKind, PacingSetting
from domain.units import OrgUnit, UnitKind
from service.audit import list_audit_events
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_result_tracks import sweep_key_result_tracks
from service.okr_ports import AuditFilter
from service.pagination import PageRequest
from service.units import UnitChanges, update_unit
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

APRIL_1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
APRIL_5 = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)
MAY_1 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
TRACKED = ("key_result.track_status_changed",)  # a stale spell is no matter of curves


@dataclass(frozen=True)
class World:
    acme: Tenant
    ann: Member
    q2: Cycle
    sales: OrgUnit


async def _world(deps: Deps, clock: FixedClock) -> World:
    clock.current = APRIL_1
    acme = await make.tenant(deps, time_zone="UTC")
    ann = await make.member(deps, acme, "Ann")
    q2 = await make.cycle(deps, acme, state=CycleState.ACTIVE)
    sales = await make.unit(deps, acme, "Sales", UnitKind.COMPANY, lead=ann, members=[ann])
    sales = await update_unit(
        deps,
        acme.admin,
        sales.id,
        UnitChanges(pacing=PacingSetting(kind=CurveKind.BACK_LOADED)),
    )
    return World(acme, ann, q2, sales)


async def _kr(deps: Deps, w: World, *, unit: OrgUnit | None) -> KeyResult:
    grow = await make.objective(deps, w.acme.admin, w.q2, unit=unit, status="active")
    return await make.key_result(deps, w.acme.admin, grow, owner=w.ann, target=Decimal(100))


async def _check_in(deps: Deps, w: World, kr: KeyResult, value: int) -> None:
    await check_in(deps, principal_of(w.ann), kr.id, NewCheckIn(value=Decimal(value)))


async def _tracked(deps: Deps, w: World, kr: KeyResult) -> list[tuple[str, dict[str, Any]]]:
    found = await list_audit_events(
        deps, w.acme.admin, AuditFilter(resource_id=kr.id), PageRequest(limit=200)
    )
    return [(e.action, e.after or {}) for e in found.items if e.action in TRACKED]


async def test_the_sweep_judges_a_unit_kr_by_the_units_curve(deps: Deps, clock: FixedClock) -> None:
    w = await _world(deps, clock)
    paced, straight = await _kr(deps, w, unit=w.sales), await _kr(deps, w, unit=None)
    clock.current = APRIL_5
    await _check_in(deps, w, paced, 15)  # on track on both curves: the baseline
    await _check_in(deps, w, straight, 15)
    await sweep_key_result_tracks(deps)

    clock.current = MAY_1
    await sweep_key_result_tracks(deps, limit=1)  # a batch per KR
    # The member's KR, on the straight line: at risk. The unit's, back-loaded: no news.
    assert [
        (e["from"], e["to"], e["expected_progress"]) for _, e in await _tracked(deps, w, straight)
    ] == [("on_track", "at_risk", "0.3333")]
    assert await _tracked(deps, w, paced) == []


async def test_a_check_in_judges_a_unit_kr_by_the_units_curve(
    deps: Deps, clock: FixedClock
) -> None:
    w = await _world(deps, clock)
    paced, straight = await _kr(deps, w, unit=w.sales), await _kr(deps, w, unit=None)
    clock.current = MAY_1
    for kr in (paced, straight):
        await _check_in(deps, w, kr, 40)  # on track: the baseline
        await _check_in(deps, w, kr, 15)
    assert [(e["to"], e["expected_progress"]) for _, e in await _tracked(deps, w, straight)] == [
        ("at_risk", "0.3333")
    ]
    assert await _tracked(deps, w, paced) == []
