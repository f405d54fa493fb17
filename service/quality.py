"""Use cases of the OKR linter (domain/quality.py): lint a stored objective, or a draft an
editor is typing, without saving anything.

The findings carry both languages; the adapters pick one by ``Accept-Language`` and fall
back to the organization's locale, which every report carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.errors import FieldError, RuleViolation
from domain.okrs import Objective, ObjectiveStatus, OwnerKind
from domain.organizations import Locale
from domain.quality import Finding, ObjectiveDraft, draft_of, lint
from service.auth import Principal, ensure_can_read_okrs
from service.context import Deps
from service.objectives import organization_of
from service.okr_access import viewer_of, visible_objective
from service.okr_ports import ObjectiveFilter
from service.pagination import MAX_LIMIT, PageRequest
from service.ports import UnitOfWork


@dataclass(frozen=True)
class QualityReport:
    objective_id: UUID | None  # None for a draft
    locale: Locale  # the organization's, for callers that name no language
    findings: list[Finding]


@dataclass(frozen=True)
class DraftContext:
    """What a draft says about where it will live; each part turns on the rules that need
    it (``cycle_id``: due dates against the cycle's end; an owner: focus)."""

    cycle_id: UUID | None = None
    owner_kind: OwnerKind = OwnerKind.MEMBER
    owner_id: UUID | None = None  # default: the caller, for a member's draft


async def _cycle_end(uow: UnitOfWork, org_id: UUID, cycle_id: UUID) -> date:
    cycle = await uow.cycles.get(org_id, cycle_id)
    if cycle is None:
        raise RuleViolation(
            "the cycle does not exist",
            code="unknown_reference",
            errors=[FieldError("cycle_id", "no such cycle", "unknown_reference")],
        )
    return cycle.end_date


async def _objectives_of_owner(
    uow: UnitOfWork,
    principal: Principal,
    cycle_id: UUID,
    owner_kind: OwnerKind,
    owner_id: UUID,
) -> list[Objective]:
    """The owner's live objectives in the cycle that the caller may see (archived ones are
    out of the count; a hidden one is too, or the count would betray it)."""
    org_id = principal.organization_id
    filters = (
        ObjectiveFilter(cycle_id=cycle_id, owner_id=owner_id)
        if owner_kind is OwnerKind.MEMBER
        else ObjectiveFilter(cycle_id=cycle_id, unit_id=owner_id)
    )
    # A focused owner has a handful; past a page the count is past any sensible limit.
    found = await uow.objectives.list(
        org_id, filters, PageRequest(limit=MAX_LIMIT), viewer_of(principal)
    )
    return [o for o in found.items if o.status is not ObjectiveStatus.ARCHIVED]


async def objective_quality(deps: Deps, principal: Principal, objective_id: UUID) -> QualityReport:
    """The findings on a stored objective the caller may see (else ``404``)."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        objective = await visible_objective(uow, principal, objective_id)
        krs = (await uow.key_results.of_objectives(org.id, [objective.id])).get(objective.id, [])
        cycle_end = await _cycle_end(uow, org.id, objective.cycle_id)
        owned = await _objectives_of_owner(
            uow, principal, objective.cycle_id, objective.owner_kind, objective.owner_id
        )
    findings = lint(
        draft_of(objective, list(krs)),
        cycle_end=cycle_end,
        objectives_of_owner_in_cycle=len(owned),
    )
    return QualityReport(objective.id, org.locale, findings)


async def check_draft(
    deps: Deps, principal: Principal, draft: ObjectiveDraft, context: DraftContext
) -> QualityReport:
    """The findings on a draft, saving nothing. With a cycle, KR due dates are checked
    against its end and the owner's objectives in it are counted (the draft adds one)."""
    ensure_can_read_okrs(principal)
    owner_id = context.owner_id
    if owner_id is None and context.owner_kind is OwnerKind.MEMBER:
        owner_id = principal.member_id
    async with deps.read() as uow:
        org = await organization_of(uow, principal)
        cycle_end = None
        count = None
        if context.cycle_id is not None:
            cycle_end = await _cycle_end(uow, org.id, context.cycle_id)
            if owner_id is not None:
                owned = await _objectives_of_owner(
                    uow, principal, context.cycle_id, context.owner_kind, owner_id
                )
                count = len(owned) + 1
    findings = lint(draft, cycle_end=cycle_end, objectives_of_owner_in_cycle=count)
    return QualityReport(None, org.locale, findings)
