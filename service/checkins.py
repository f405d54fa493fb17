"""Use cases of check-ins (进度更新): the immutable history of a KR's progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from domain.cycles import ensure_writable
from domain.errors import FieldError, RuleViolation
from domain.key_results import (
    validate_check_in_texts,
    validate_check_in_value,
    validate_confidence,
    validate_milestones_done,
)
from domain.okrs import CheckIn, MetricKind
from service import audit
from service.auth import Principal, ensure_can_read_okrs
from service.concurrency import ensure_version
from service.context import Deps
from service.okr_access import (
    ensure_may_edit_key_result,
    visible_key_result,
    visible_key_result_context,
)
from service.pagination import Page, PageRequest


@dataclass(frozen=True)
class NewCheckIn:
    value: Decimal | None = None
    milestones_done: tuple[UUID, ...] | None = None
    confidence: int | None = None
    note: str = ""
    blockers: str = ""


async def check_in(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    data: NewCheckIn,
    *,
    expected_version: int | None = None,
) -> CheckIn:
    """Record a new value (or milestones done) of a KR; it becomes the KR's current value.

    History is never rewritten: a correction is another check-in. With
    ``expected_version`` the KR must still be the one the caller read (its target, metric
    and milestones judge the value): StaleVersion otherwise.
    """
    async with deps.uow() as uow:
        org_id = principal.organization_id
        found = await visible_key_result_context(uow, principal, key_result_id)
        kr, objective = found.key_result, found.objective
        await ensure_may_edit_key_result(uow, principal, kr, objective)
        ensure_version(kr.version, expected_version)
        ensure_writable(found.cycle)
        value = validate_check_in_value(kr, data.value)
        note, blockers = validate_check_in_texts(data.note, data.blockers)
        done: tuple[UUID, ...] | None = None
        if kr.metric_kind is not MetricKind.MILESTONES and data.milestones_done is not None:
            raise RuleViolation(
                "only a milestones KR reports milestones done",
                code="validation_failed",
                errors=[FieldError("milestones_done", "this KR takes a value", "not_allowed")],
            )
        if kr.metric_kind is MetricKind.MILESTONES:
            done = tuple(sorted(validate_milestones_done(kr, data.milestones_done or ())))
        entry = CheckIn(
            id=deps.new_id(),
            organization_id=org_id,
            key_result_id=kr.id,
            author=principal.subject,
            value=value,
            milestones_done=done,
            confidence=validate_confidence(data.confidence),
            note=note,
            blockers=blockers,
            created_at=deps.clock.now(),
        )
        # The KR's current value and the objective's score changed: both move in a sync
        # (``updated_at`` only; their versions guard their own fields). Adding the check-in
        # moves its KR.
        await uow.check_ins.add(entry)
        await uow.objectives.touch(org_id, [objective.id], entry.created_at)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="check_in.created",
            resource_type="check_in",
            resource_id=entry.id,
            before=None,
            after=entry,
        )
        await uow.commit()
    return entry


async def check_in_history(
    deps: Deps, principal: Principal, key_result_id: UUID, page: PageRequest
) -> Page[CheckIn]:
    """Every check-in of a KR, newest first."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        kr, _ = await visible_key_result(uow, principal, key_result_id)
        return await uow.check_ins.history(principal.organization_id, kr.id, page)
