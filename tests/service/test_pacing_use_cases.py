"""Pacing curves in the use cases (issue 18): the track sweep judges a KR by its curve, and
an organization's default reaches KRs that set none.

Q2 2026 runs from April 1 to June 30 (90 days): on May 16 half of it has passed. At 0.30
the straight line expects 0.50 (at risk: below 0.40, not below 0.25); the back-loaded curve
expects 0.2 + (0.5 - 1/3) x 0.9 = 0.35 (on track: 0.30 >= 0.25).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from domain.cycles import CycleState
from domain.okrs import Cadence, KeyResult, ObjectiveStatus
from domain.organizations import OrganizationChanges
from domain.pacing_setting import CurveKind, PacingSetting
from service.audit import list_audit_events
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.key_result_tracks import sweep_key_result_tracks
from service.key_results import get_key_result
from service.okr_ports import AuditFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, principal_of

APRIL_1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
MAY_16 = datetime(2026, 5, 16, 9, 0, tzinfo=UTC)
BACK_LOADED = PacingSetting(kind=CurveKind.BACK_LOADED)


async def test_the_sweep_reads_a_back_loaded_kr_on_track_where_linear_is_at_risk(
    deps: Deps, clock: FixedClock
) -> None:
    clock.current = APRIL_1
    acme = await make.tenant(deps, time_zone="UTC")
    ann = await make.member(deps, acme, "Ann")
    q2 = await make.cycle(deps, acme, state=CycleState.ACTIVE)
    grow = await make.objective(deps, ann, q2, status=ObjectiveStatus.ACTIVE)
    krs: list[KeyResult] = []
    for pacing in (None, BACK_LOADED):
        krs.append(
            await make.key_result(
                deps,
                ann,
                grow,
                owner=ann,
                target=Decimal(100),
                cadence=Cadence.MONTHLY,
                pacing=pacing,
            )
        )
        await check_in(deps, principal_of(ann), krs[-1].id, NewCheckIn(value=Decimal(30)))
    linear, back_loaded = krs

    clock.current = MAY_16
    await sweep_key_result_tracks(deps)

    async def changes(kr: KeyResult) -> list[object]:
        found = await list_audit_events(
            deps, acme.admin, AuditFilter(resource_id=kr.id), PageRequest(limit=50)
        )
        return [
            (e.after or {}).get("to")
            for e in found.items
            if e.action == "key_result.track_status_changed"
        ]

    assert await changes(linear) == ["at_risk"]
    assert await changes(back_loaded) == []  # still on track: nothing to report
    view = await get_key_result(deps, principal_of(ann), back_loaded.id)
    assert (view.expected_progress, view.status) == (Decimal("0.3500"), "on_track")


async def test_an_organization_default_reaches_krs_without_their_own(
    deps: Deps, clock: FixedClock
) -> None:
    clock.current = APRIL_1
    acme = await make.tenant(deps, time_zone="UTC")
    ann = await make.member(deps, acme, "Ann")
    q2 = await make.cycle(deps, acme, state=CycleState.ACTIVE)
    grow = await make.objective(deps, ann, q2, status=ObjectiveStatus.ACTIVE)
    kr = await make.key_result(deps, ann, grow, owner=ann, target=Decimal(100))
    await check_in(deps, principal_of(ann), kr.id, NewCheckIn(value=Decimal(30)))
    await update_organization(deps, acme.admin, OrganizationChanges(pacing=BACK_LOADED))

    clock.current = MAY_16
    view = await get_key_result(deps, principal_of(ann), kr.id)
    assert view.pacing.source == "organization"
    assert view.expected_progress == Decimal("0.3500")
    assert (view.forecast.projected, view.forecast.status) == (Decimal("0.8571"), "at_risk")
    await update_organization(deps, acme.admin, OrganizationChanges(reset_pacing=True))
    view = await get_key_result(deps, principal_of(ann), kr.id)
    assert (view.pacing.source, view.expected_progress) == ("default", Decimal("0.5000"))
