"""Use cases of OKR templates (模板): read the built-in and the organization's own, write the
organization's own, and instantiate one into a cycle as a draft objective.

Who may do what:

- Everyone who reads the organization's directory (its members; a service with
  ``org:read``) lists and reads templates: the built-ins, shared by every organization,
  and the organization's own. Another organization's template does not exist for them.
- Admins and managers create, replace and delete the organization's own templates; any
  of them may change any of its templates (a template is shared know-how, not someone's
  objective). Built-ins are read-only for everyone (``template_read_only``): copy one to
  change it.
- Instantiating is creating an objective: the caller must be allowed to create that
  objective for its owner (themselves, a report, a unit they lead; admins anyone), in a
  cycle that is not closed, aligned where the alignment rules allow.

Instantiating writes the objective, its key results (with their milestones) and their
actions in one unit of work, so a refusal at any step leaves nothing behind. It checks
the rules of :func:`service.objectives.create_objective`,
:func:`service.key_results.create_key_result` and :func:`service.actions.create_action`
once for the whole objective, through the same functions (permission, writable cycle,
alignment; the KRs' metric rules) rather than calling those use cases, each of which
would commit on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from uuid import UUID

from domain.builtin_templates import BUILTIN_BY_ID, BUILTIN_BY_KEY, BUILTIN_TEMPLATES
from domain.cycles import Cycle
from domain.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from domain.key_results import validate_metric, validate_weight
from domain.limits import OKR_TITLE_MAX_LENGTH
from domain.members import Role
from domain.objectives import default_level
from domain.okrs import (
    Action,
    ActionStatus,
    KeyResult,
    Level,
    Milestone,
    Objective,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale, Organization, validate_name
from domain.templates import (
    ObjectivePlan,
    PlannedKeyResult,
    Template,
    TemplateKeyResult,
    ensure_editable,
    instantiate,
    validate_template,
)
from service import audit
from service.auth import Principal, ensure_member_reads_okr_workspace
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.objectives import ensure_alignment, organization_of, writable_cycle
from service.okr_access import ensure_may_edit_objective, viewer_of
from service.okr_ports import AuditEvent
from service.pagination import Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import UnitOfWork
from service.scores import ObjectiveView, view_objectives
from service.template_ports import TemplateFilter

# The order built-ins are listed in, before the organization's own.
_BUILTIN_ORDER = {template.id: index for index, template in enumerate(BUILTIN_TEMPLATES)}


@dataclass(frozen=True)
class TemplateInput:
    """A template as written: everything but its id, organization, version and times.
    An update replaces every field with these."""

    role_name_zh: str
    role_name_en: str
    title_zh: str
    title_en: str
    key_results: Sequence[TemplateKeyResult]
    level: Level = Level.INDIVIDUAL
    description_zh: str = ""
    description_en: str = ""
    key: str | None = None

    @classmethod
    def of(cls, template: Template, *, key: str | None = None) -> TemplateInput:
        """A copy of ``template``'s content (a built-in's, to change it), under ``key``."""
        return cls(
            role_name_zh=template.role_name_zh,
            role_name_en=template.role_name_en,
            title_zh=template.title_zh,
            title_en=template.title_en,
            key_results=template.key_results,
            level=template.level,
            description_zh=template.description_zh,
            description_en=template.description_en,
            key=key,
        )


@dataclass(frozen=True)
class TemplateChanges:
    """A merge patch of a template: the fields sent replace the stored ones."""

    role_name_zh: Maybe[str] = UNSET
    role_name_en: Maybe[str] = UNSET
    title_zh: Maybe[str] = UNSET
    title_en: Maybe[str] = UNSET
    key_results: Maybe[Sequence[TemplateKeyResult]] = UNSET
    level: Maybe[Level] = UNSET
    description_zh: Maybe[str] = UNSET
    description_en: Maybe[str] = UNSET
    key: Maybe[str | None] = UNSET

    def applied_to(self, template: Template) -> TemplateInput:
        sent = {f.name: getattr(self, f.name) for f in fields(self)}
        current = TemplateInput.of(template, key=template.key)
        return replace(current, **{k: v for k, v in sent.items() if v is not UNSET})


@dataclass(frozen=True)
class NewObjectiveFromTemplate:
    """Where a template's objective goes and who owns it."""

    cycle_id: UUID
    owner_kind: OwnerKind = OwnerKind.MEMBER
    owner_id: UUID | None = None  # default: the caller
    locale: Locale | None = None  # default: the organization's
    level: Level | None = None  # default: a unit's rank; individual for a member
    visibility: Visibility = Visibility.PUBLIC
    parent_objective_id: UUID | None = None
    parent_key_result_id: UUID | None = None


# -- permissions -----------------------------------------------------------------------------


def may_manage_templates(principal: Principal) -> bool:
    """Admins and managers write the organization's own templates."""
    return not principal.is_service and bool(principal.roles & {Role.ADMIN, Role.MANAGER})


def ensure_can_manage_templates(principal: Principal) -> None:
    if not may_manage_templates(principal):
        raise Forbidden("only admins and managers write the organization's templates")


# -- reads -----------------------------------------------------------------------------------


async def _template_of(uow: UnitOfWork, principal: Principal, template_id: UUID) -> Template:
    """A built-in, or one of the caller's organization's own; NotFound otherwise (another
    organization's template is not told apart from none)."""
    builtin = BUILTIN_BY_ID.get(template_id)
    if builtin is not None:
        return builtin
    found = await uow.templates.get(principal.organization_id, template_id)
    if found is None:
        raise NotFound("template not found")
    return found


async def get_template(deps: Deps, principal: Principal, template_id: UUID) -> Template:
    """A built-in (the same for every organization) or one of the organization's own."""
    ensure_member_reads_okr_workspace(principal)
    async with deps.read() as uow:
        return await _template_of(uow, principal, template_id)


async def list_templates(
    deps: Deps,
    principal: Principal,
    filters: TemplateFilter,
    page: PageRequest,
    *,
    include_builtin: bool = True,
) -> Page[Template]:
    """The templates matching ``filters``: the built-ins first, in a fixed order, then the
    organization's own by creation. One page is one statement; the cursor is the last
    template's id, built-in or not."""
    ensure_member_reads_okr_workspace(principal)
    after = page.after
    # No cursor or a built-in's id: built-ins may follow. One of the organization's own:
    # every built-in was listed before it.
    among_builtins = after is None or after in _BUILTIN_ORDER
    builtins: list[Template] = []
    if include_builtin and among_builtins:
        position = -1 if after is None else _BUILTIN_ORDER[after]
        builtins = [
            t for t in BUILTIN_TEMPLATES if _BUILTIN_ORDER[t.id] > position and filters.admits(t)
        ]
    if len(builtins) > page.limit:
        kept = builtins[: page.limit]
        return Page(kept, kept[-1].id)
    own_after = None if among_builtins else after
    room = page.limit - len(builtins)
    async with deps.read() as uow:
        own = await uow.templates.list(
            principal.organization_id, filters, PageRequest(limit=max(room, 1), after=own_after)
        )
    items = [*builtins, *own.items[:room]]
    more = own.next_after is not None or len(own.items) > room
    return Page(items, items[-1].id if more and items else None)


# -- writes ----------------------------------------------------------------------------------


def _validated(
    data: TemplateInput,
    *,
    template_id: UUID,
    organization_id: UUID | None,
    version: int,
    created_at: datetime | None,
    updated_at: datetime,
) -> Template:
    template = validate_template(
        Template(
            id=template_id,
            key=data.key,
            role_name_zh=data.role_name_zh,
            role_name_en=data.role_name_en,
            title_zh=data.title_zh,
            title_en=data.title_en,
            description_zh=data.description_zh,
            description_en=data.description_en,
            level=data.level,
            key_results=tuple(data.key_results),
            organization_id=organization_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
        )
    )
    if template.key is not None and template.key in BUILTIN_BY_KEY:
        # Keys name templates across the list the organization sees, built-ins included.
        raise Conflict(
            "a built-in template has this key",
            code="template_key_taken",
            errors=[FieldError("key", "used by a built-in template", "taken")],
        )
    return template


async def create_template(deps: Deps, principal: Principal, data: TemplateInput) -> Template:
    """Add a template to the organization (admins and managers). Refused with
    ``validation_failed`` as :func:`domain.templates.validate_template` says, and with
    ``template_key_taken`` when a built-in or another of its templates has the key."""
    ensure_can_manage_templates(principal)
    now = deps.clock.now()
    template = _validated(
        data,
        template_id=deps.new_id(),
        organization_id=principal.organization_id,
        version=1,
        created_at=now,
        updated_at=now,
    )
    async with deps.uow() as uow:
        await uow.templates.add(template)
        await _audit(uow, deps, principal, "template.created", template.id, None, template)
        await uow.commit()
    return template


@retry_lost_updates
async def update_template(
    deps: Deps,
    principal: Principal,
    template_id: UUID,
    data: TemplateInput | TemplateChanges,
    *,
    expected_version: int | None = None,
) -> Template:
    """Change one of the organization's templates (admins and managers): a ``TemplateInput``
    replaces every field, ``TemplateChanges`` merges onto the stored template in the same
    transaction (so a change made meanwhile is never overwritten). The whole template is
    validated again. Built-ins: ``template_read_only``; ``expected_version`` as ``If-Match``.
    """
    ensure_can_manage_templates(principal)
    async with deps.uow() as uow:
        current = await _template_of(uow, principal, template_id)
        ensure_editable(current)
        ensure_version(current.version, expected_version)
        written = data.applied_to(current) if isinstance(data, TemplateChanges) else data
        updated = _validated(
            written,
            template_id=current.id,
            organization_id=current.organization_id,
            version=current.version + 1,
            created_at=current.created_at,
            updated_at=deps.clock.now(),
        )
        await uow.templates.update(updated, previous_version=current.version)
        await _audit(uow, deps, principal, "template.updated", updated.id, current, updated)
        await uow.commit()
    return updated


@retry_lost_updates
async def delete_template(
    deps: Deps, principal: Principal, template_id: UUID, *, expected_version: int | None = None
) -> None:
    """Delete one of the organization's templates (admins and managers); the objectives
    made from it stay. Built-ins: ``template_read_only``."""
    ensure_can_manage_templates(principal)
    async with deps.uow() as uow:
        current = await _template_of(uow, principal, template_id)
        ensure_editable(current)
        ensure_version(current.version, expected_version)
        await uow.templates.delete(
            principal.organization_id, template_id, previous_version=current.version
        )
        await _audit(uow, deps, principal, "template.deleted", template_id, current, None)
        await uow.commit()


async def _audit(
    uow: UnitOfWork,
    deps: Deps,
    principal: Principal,
    action: str,
    template_id: UUID,
    before: Template | None,
    after: Template | None,
) -> None:
    await audit.record(
        uow.audit,
        deps,
        principal,
        action=action,
        resource_type="template",
        resource_id=template_id,
        before=before,
        after=after,
    )


# -- instantiation ---------------------------------------------------------------------------


def _unknown(field: str, message: str) -> RuleViolation:
    return RuleViolation(
        f"{field}: {message}",
        code="unknown_reference",
        errors=[FieldError(field, message, "unknown_reference")],
    )


@dataclass(frozen=True)
class _Owner:
    """The objective's owner, checked: who owns its KRs and actions, and the level a
    unit's objective takes by default (the unit's rank; None for a member)."""

    key_results_owner_id: UUID
    unit_level: Level | None


async def _owner(
    uow: UnitOfWork, principal: Principal, data: NewObjectiveFromTemplate, owner_id: UUID
) -> _Owner:
    """A member owns the KRs of their objective; a unit's lead those of the unit's (the
    caller when the unit has none). An unknown owner is ``unknown_reference``."""
    org_id = principal.organization_id
    if data.owner_kind is OwnerKind.MEMBER:
        if await uow.members.get(org_id, owner_id) is None:
            raise _unknown("owner_id", "no such member")
        return _Owner(owner_id, None)
    unit = await uow.units.get(org_id, owner_id)
    if unit is None:
        raise _unknown("owner_id", "no such unit")
    unit_level = default_level(OwnerKind.UNIT, unit.kind)
    if unit.lead_id is not None:
        return _Owner(unit.lead_id, unit_level)
    if principal.member_id is None:
        raise RuleViolation(
            "the unit has no lead to own the key results",
            code="validation_failed",
            errors=[FieldError("owner_id", "a unit without a lead", "no_lead")],
        )
    return _Owner(principal.member_id, unit_level)


def _key_result(
    deps: Deps,
    planned: PlannedKeyResult,
    *,
    objective: Objective,
    owner_id: UUID,
    cycle: Cycle,
    now: datetime,
) -> KeyResult:
    """The KR ``create_key_result`` would store for it, checked by the same rules."""
    kr = KeyResult(
        id=deps.new_id(),
        organization_id=objective.organization_id,
        objective_id=objective.id,
        title=validate_name(planned.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
        owner_id=owner_id,
        metric_kind=planned.metric_kind,
        unit=planned.unit,
        currency=planned.currency,
        start=planned.start,
        target=planned.target,
        direction=planned.direction,
        weight=planned.weight,
        due_date=cycle.end_date,
        confidence=None,
        milestones=tuple(
            Milestone(id=deps.new_id(), title=m.title, weight=m.weight) for m in planned.milestones
        ),
        final_score=None,
        final_score_reason=None,
        version=1,
        created_at=now,
        updated_at=now,
    )
    validate_metric(
        metric_kind=kr.metric_kind,
        start=kr.start,
        target=kr.target,
        direction=kr.direction,
        currency=kr.currency,
        milestones=kr.milestones,
    )
    validate_weight(kr.weight)
    return kr


def _actions(
    deps: Deps, planned: PlannedKeyResult, kr: KeyResult, cycle: Cycle, now: datetime
) -> list[Action]:
    """The KR's actions as ``create_action`` would store them: owned by the KR's owner,
    due at the cycle's end, to do."""
    return [
        Action(
            id=deps.new_id(),
            organization_id=kr.organization_id,
            key_result_id=kr.id,
            title=validate_name(a.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
            owner_id=kr.owner_id,
            due_date=cycle.end_date,
            status=ActionStatus.TODO,
            completion_standard=a.completion_standard,
            accepted_by=None,
            accepted_at=None,
            version=1,
            created_at=now,
            updated_at=now,
        )
        for a in planned.actions
    ]


def _objective(
    deps: Deps,
    plan: ObjectivePlan,
    data: NewObjectiveFromTemplate,
    *,
    org: Organization,
    owner_id: UUID,
    level: Level,
    now: datetime,
) -> Objective:
    return Objective(
        id=deps.new_id(),
        organization_id=org.id,
        cycle_id=data.cycle_id,
        title=validate_name(plan.title, field_name="title", max_length=OKR_TITLE_MAX_LENGTH),
        description=plan.description,
        owner_kind=data.owner_kind,
        owner_id=owner_id,
        level=level,
        status=ObjectiveStatus.DRAFT,
        visibility=data.visibility,
        roll_up=False,
        parent_objective_id=data.parent_objective_id,
        parent_key_result_id=data.parent_key_result_id,
        source_objective_id=None,
        version=1,
        created_at=now,
        updated_at=now,
    )


async def instantiate_template(
    deps: Deps, principal: Principal, template_id: UUID, data: NewObjectiveFromTemplate
) -> ObjectiveView:
    """Create a draft objective from a template in ``data.locale`` (default the
    organization's): its KRs (with milestones), due at the cycle's end and owned by the
    objective's owner (a unit's objective: the unit's lead, else the caller), and the KRs'
    actions, owned by the KR's owner and due at the cycle's end. The objective's level is
    ``data.level``, else a unit's rank for a unit's objective, else individual (as
    ``create_objective``: the template's level says whom it was written for).

    All or nothing, in one unit of work. Refusals are those of creating the objective and
    its KRs one by one: ``not_found`` (template), ``unknown_reference`` (cycle, owner,
    parent), ``cycle_closed``, ``forbidden``, the alignment rules. Audited as the separate
    creations would be. Returns the objective's view with its KRs.
    """
    ensure_member_reads_okr_workspace(principal)
    now = deps.clock.now()
    async with deps.uow() as uow:
        template = await _template_of(uow, principal, template_id)
        owner_id = data.owner_id
        if owner_id is None and data.owner_kind is OwnerKind.MEMBER:
            owner_id = principal.member_id
        if owner_id is None:
            raise RuleViolation(
                "name the objective's owner",
                code="validation_failed",
                errors=[FieldError("owner_id", "required for a unit or a service", "required")],
            )
        org = await organization_of(uow, principal)
        cycle = await writable_cycle(uow, org.id, data.cycle_id, "cycle_id")
        owner = await _owner(uow, principal, data, owner_id)
        plan = instantiate(template, data.locale or org.locale)
        # As create_objective: a person's objective is individual, a unit's takes its rank.
        # The template's level only says whom it was written for.
        level = data.level or owner.unit_level or Level.INDIVIDUAL
        objective = _objective(deps, plan, data, org=org, owner_id=owner_id, level=level, now=now)
        await ensure_may_edit_objective(uow, principal, objective)
        await ensure_alignment(uow, principal, org, objective)

        key_results: list[KeyResult] = []
        actions: list[Action] = []
        for planned in plan.key_results:
            kr = _key_result(
                deps,
                planned,
                objective=objective,
                owner_id=owner.key_results_owner_id,
                cycle=cycle,
                now=now,
            )
            key_results.append(kr)
            actions.extend(_actions(deps, planned, kr, cycle, now))

        await uow.objectives.add(objective)
        for kr in key_results:
            await uow.key_results.add(kr)
        for action in actions:
            await uow.actions.add(action)
        await uow.audit.record_many(
            [
                _created(deps, principal, "objective", objective.id, objective),
                *(_created(deps, principal, "key_result", kr.id, kr) for kr in key_results),
                *(_created(deps, principal, "action", a.id, a) for a in actions),
            ]
        )
        await uow.commit()
        return (await view_objectives(uow, org, [objective], now, viewer_of(principal)))[0]


def _created(
    deps: Deps, principal: Principal, resource_type: str, resource_id: UUID, after: object
) -> AuditEvent:
    return audit.event(
        deps,
        principal,
        action=f"{resource_type}.created",
        resource_type=resource_type,
        resource_id=resource_id,
        before=None,
        after=after,
    )
