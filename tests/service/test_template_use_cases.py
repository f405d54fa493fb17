"""Use cases of OKR templates (模板): built-ins shared and read-only, each
organization's own kept to itself, and instantiation into a draft objective with its KRs,
milestones and actions, in Chinese or English, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.builtin_templates import BUILTIN_TEMPLATES, SALES_MANAGER, SALES_SPECIALIST
from domain.cycles import Cycle, CycleState
from domain.errors import Conflict, DomainError, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.members import Member, Role
from domain.okrs import (
    Action,
    ActionStatus,
    Direction,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
)
from domain.organizations import Locale, OrganizationChanges
from domain.templates import Template, TemplateAction, TemplateKeyResult, TemplateMilestone
from domain.units import OrgUnit, UnitKind
from service.auth import Principal
from service.context import Deps
from service.ids import new_id
from service.key_results import NewKeyResult, create_key_result
from service.objectives import NewObjective, create_objective
from service.okr_ports import AuditFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from service.scores import ObjectiveView
from service.storage.postgres import tables
from service.storage.postgres.okr_repositories import PostgresActions
from service.template_ports import TemplateFilter
from service.templates import (
    NewObjectiveFromTemplate,
    TemplateInput,
    create_template,
    delete_template,
    get_template,
    instantiate_template,
    list_templates,
    update_template,
)
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, count_rows, principal_of

Q2_END = date(2026, 6, 30)

# An organization's own template with every part: a milestones KR, actions with and
# without a completion standard, units in both languages.
LAUNCH = TemplateInput(
    role_name_zh="客户成功经理",
    role_name_en="Customer success manager",
    title_zh="让新客户顺利上线并留下来",
    title_en="Get new customers live and keep them",
    description_zh="上线快、问题少，续约才有基础。",  # noqa: RUF001 - Chinese punctuation
    description_en="A fast, smooth start is what renewals stand on.",
    level=Level.TEAM,
    key="customer-success",
    key_results=(
        TemplateKeyResult(
            "新客户平均上线时间从30天缩短到14天",
            "Cut the average time to go live from 30 to 14 days",
            metric_kind=MetricKind.NUMBER,
            start=Decimal(30),
            target=Decimal(14),
            direction=Direction.DECREASE,
            unit_zh="天",
            unit_en="days",
            weight=Decimal("0.6"),
            actions=(
                TemplateAction(
                    "每个新客户指定一名上线负责人",
                    "Name an onboarding lead for every new customer",
                    "签约当天在客户档案中写明负责人",
                    "The lead is in the account record on the day the deal is signed",
                ),
                TemplateAction("每周检查上线进度", "Review onboarding progress weekly"),
            ),
        ),
        TemplateKeyResult(
            "上线新的客户健康度看板",
            "Launch the customer-health dashboard",
            metric_kind=MetricKind.MILESTONES,
            start=Decimal(0),
            target=Decimal(1),
            weight=Decimal("0.4"),
            milestones=(
                TemplateMilestone("确定健康度指标", "Agree the health measures", Decimal(1)),
                TemplateMilestone("看板试运行", "Pilot the dashboard", Decimal(2)),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class World:
    acme: Tenant
    q2: Cycle
    closed: Cycle  # Q1, closed
    vic: Member  # a manager: writes templates; leads Sales
    ann: Member  # reports to Vic
    bob: Member  # reports to Vic: Ann's peer
    sales: OrgUnit  # led by Vic
    support: OrgUnit  # no lead

    @property
    def ann_(self) -> Principal:
        return principal_of(self.ann)


async def _world(deps: Deps, acme: Tenant) -> World:
    vic = await make.member(deps, acme, "Vic", roles=frozenset({Role.MANAGER}))
    ann, bob = await make.reports(deps, acme, vic, "Ann", "Bob")
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY)
    sales = await make.unit(deps, acme, "Sales", UnitKind.DEPARTMENT, parent=company, lead=vic)
    support = await make.unit(deps, acme, "Support", parent=company)
    q2 = await make.cycle(deps, acme, "Q2", date(2026, 4, 1), Q2_END)
    closed = await make.cycle(
        deps, acme, "Q1", date(2026, 1, 1), date(2026, 3, 31), state=CycleState.CLOSED
    )
    return World(acme, q2, closed, vic, ann, bob, sales, support)


async def _okr_rows(engine: AsyncEngine, org_id: UUID) -> tuple[int, ...]:
    """How many objectives, KRs, actions and audit events the organization has committed."""
    return await count_rows(
        engine, org_id, tables.objectives, tables.key_results, tables.actions, tables.audit_events
    )


async def _actions_of(deps: Deps, view: ObjectiveView) -> dict[UUID, list[Action]]:
    async with deps.uow() as uow:
        found = await uow.actions.of_key_results(
            view.objective.organization_id, [kr.key_result.id for kr in view.key_results]
        )
    return {kr_id: list(actions) for kr_id, actions in found.items()}


# -- reading: built-ins for everyone, own templates for their organization ------------------


async def test_built_ins_are_listed_first_in_every_organization(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    for principal in (acme.viewer, acme.admin, globex.admin):
        page = await list_templates(deps, principal, TemplateFilter(), PageRequest())
        assert list(page.items) == list(BUILTIN_TEMPLATES)
        assert page.next_after is None
        assert await get_template(deps, principal, SALES_MANAGER.id) == SALES_MANAGER


async def test_built_ins_are_read_only_even_for_admins(deps: Deps, acme: Tenant) -> None:
    data = TemplateInput.of(SALES_MANAGER)
    with pytest.raises(Forbidden) as refused:
        await update_template(deps, acme.admin, SALES_MANAGER.id, data)
    assert refused.value.code == "template_read_only"
    with pytest.raises(Forbidden) as refused:
        await delete_template(deps, acme.admin, SALES_MANAGER.id)
    assert refused.value.code == "template_read_only"


async def test_an_organizations_templates_exist_for_it_alone(
    deps: Deps, acme: Tenant, globex: Tenant
) -> None:
    own = await create_template(deps, acme.admin, LAUNCH)

    assert await get_template(deps, acme.viewer, own.id) == own
    acme_page = await list_templates(deps, acme.viewer, TemplateFilter(), PageRequest())
    assert list(acme_page.items) == [*BUILTIN_TEMPLATES, own]
    globex_page = await list_templates(deps, globex.admin, TemplateFilter(), PageRequest())
    assert list(globex_page.items) == list(BUILTIN_TEMPLATES)
    with pytest.raises(NotFound):
        await get_template(deps, globex.admin, own.id)
    with pytest.raises(NotFound):
        await update_template(deps, globex.admin, own.id, LAUNCH)
    with pytest.raises(NotFound):
        await delete_template(deps, globex.admin, own.id)
    # The same key is free in another organization.
    assert (await create_template(deps, globex.admin, LAUNCH)).key == "customer-success"
    assert await get_template(deps, acme.viewer, own.id) == own


async def test_pages_run_through_the_built_ins_into_the_organizations_own(
    deps: Deps, acme: Tenant
) -> None:
    own = [
        await create_template(deps, acme.admin, replace(LAUNCH, key=f"launch-{i}"))
        for i in range(3)
    ]
    everything = [*BUILTIN_TEMPLATES, *own]

    seen: list[Template] = []
    after: UUID | None = None
    for _ in range(len(everything)):  # bounded: a cursor that never ends fails, not hangs
        page = await list_templates(deps, acme.viewer, TemplateFilter(), PageRequest(4, after))
        seen.extend(page.items)
        if page.next_after is None:
            break
        assert len(page.items) == 4
        after = page.next_after
    assert seen == everything

    # A page that ends exactly at the last built-in says whether the organization has more.
    sixth = await list_templates(deps, acme.viewer, TemplateFilter(), PageRequest(6))
    assert (list(sixth.items), sixth.next_after) == (
        list(BUILTIN_TEMPLATES),
        BUILTIN_TEMPLATES[-1].id,
    )
    only_own = await list_templates(
        deps, acme.viewer, TemplateFilter(), PageRequest(2), include_builtin=False
    )
    assert list(only_own.items) == own[:2]
    rest = await list_templates(
        deps,
        acme.viewer,
        TemplateFilter(),
        PageRequest(2, only_own.next_after),
        include_builtin=False,
    )
    assert (list(rest.items), rest.next_after) == ([own[2]], None)


async def test_filters_apply_to_built_ins_and_own_alike(deps: Deps, acme: Tenant) -> None:
    copy = await create_template(deps, acme.admin, TemplateInput.of(SALES_MANAGER, key="sales"))

    async def found(filters: TemplateFilter) -> list[UUID]:
        page = await list_templates(deps, acme.viewer, filters, PageRequest())
        return [t.id for t in page.items]

    assert await found(TemplateFilter(role="销售经理")) == [SALES_MANAGER.id, copy.id]
    assert await found(TemplateFilter(role="sales specialist")) == [SALES_SPECIALIST.id]
    assert await found(TemplateFilter(key="sales-manager")) == [SALES_MANAGER.id]
    assert await found(TemplateFilter(key="sales")) == [copy.id]
    assert await found(TemplateFilter(q="客户成功")) == []


# -- writing the organization's own ------------------------------------------------------


async def test_admins_and_managers_write_templates_members_and_services_do_not(
    deps: Deps, acme: Tenant
) -> None:
    w = await _world(deps, acme)
    by_manager = await create_template(deps, principal_of(w.vic), LAUNCH)
    assert (by_manager.organization_id, by_manager.version) == (acme.id, 1)
    assert not by_manager.is_builtin

    for principal in (w.ann_, acme.reader, acme.service("members:write")):
        with pytest.raises(Forbidden):
            await create_template(deps, principal, replace(LAUNCH, key=None))
        with pytest.raises(Forbidden):
            await update_template(deps, principal, by_manager.id, LAUNCH)
        with pytest.raises(Forbidden):
            await delete_template(deps, principal, by_manager.id)
    # A manager may change a template someone else wrote.
    changed = await update_template(
        deps, principal_of(w.vic), by_manager.id, replace(LAUNCH, title_en="Go live fast")
    )
    assert changed.title_en == "Go live fast"


async def test_create_validates_and_keeps_keys_unique(deps: Deps, acme: Tenant) -> None:
    created = await create_template(
        deps, acme.admin, replace(LAUNCH, title_zh="  让新客户顺利上线并留下来 ")
    )
    assert created.title_zh == "让新客户顺利上线并留下来"

    with pytest.raises(RuleViolation) as refused:
        await create_template(
            deps, acme.admin, replace(LAUNCH, key=None, title_en=" ", key_results=())
        )
    assert refused.value.code == "validation_failed"
    assert {e.field for e in refused.value.errors} == {"title_en", "key_results"}

    with pytest.raises(Conflict) as taken:
        await create_template(deps, acme.admin, LAUNCH)
    assert taken.value.code == "template_key_taken"
    with pytest.raises(Conflict) as builtin_key:
        await create_template(deps, acme.admin, replace(LAUNCH, key="sales-manager"))
    assert builtin_key.value.code == "template_key_taken"


async def test_update_replaces_every_field_at_the_expected_version(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    created = await create_template(deps, acme.admin, LAUNCH)
    later = clock.current.replace(hour=12)
    clock.current = later
    replacement = replace(
        TemplateInput.of(SALES_SPECIALIST, key=None),
        description_zh="",
        description_en="",
    )

    updated = await update_template(deps, acme.admin, created.id, replacement, expected_version=1)

    assert (updated.id, updated.organization_id, updated.version) == (created.id, acme.id, 2)
    assert (updated.created_at, updated.updated_at) == (created.created_at, later)
    assert (updated.key, updated.title_en, updated.description_en) == (
        None,
        SALES_SPECIALIST.title_en,
        "",
    )
    assert updated.key_results == SALES_SPECIALIST.key_results
    assert await get_template(deps, acme.viewer, created.id) == updated
    with pytest.raises(StaleVersion):
        await update_template(deps, acme.admin, created.id, LAUNCH, expected_version=1)
    assert await get_template(deps, acme.viewer, created.id) == updated


async def test_delete_at_the_expected_version_and_it_is_gone(deps: Deps, acme: Tenant) -> None:
    created = await create_template(deps, acme.admin, LAUNCH)
    with pytest.raises(StaleVersion):
        await delete_template(deps, acme.admin, created.id, expected_version=2)
    await delete_template(deps, acme.admin, created.id, expected_version=1)
    with pytest.raises(NotFound):
        await get_template(deps, acme.viewer, created.id)
    with pytest.raises(NotFound):
        await delete_template(deps, acme.admin, created.id)

    async with deps.uow() as uow:
        events = await uow.audit.list(acme.id, AuditFilter(resource_type="template"), PageRequest())
    assert [e.action for e in events.items] == ["template.created", "template.deleted"]


# -- instantiating -------------------------------------------------------------------------


async def test_a_built_in_becomes_a_draft_objective_in_english(deps: Deps, acme: Tenant) -> None:
    w = await _world(deps, acme)

    view = await instantiate_template(
        deps, w.ann_, SALES_MANAGER.id, NewObjectiveFromTemplate(cycle_id=w.q2.id)
    )

    o = view.objective
    assert (o.title, o.description) == (SALES_MANAGER.title_en, SALES_MANAGER.description_en)
    assert (o.owner_kind, o.owner_id, o.cycle_id) == (OwnerKind.MEMBER, w.ann.id, w.q2.id)
    # A person's objective is individual, whatever role the template was written for.
    assert (o.status, o.level) == (ObjectiveStatus.DRAFT, Level.INDIVIDUAL)
    krs = [kr.key_result for kr in view.key_results]
    assert [kr.title for kr in krs] == [kr.title_en for kr in SALES_MANAGER.key_results]
    assert [kr.unit for kr in krs] == [None, "%", "%", "days"]
    assert [(kr.start, kr.target, kr.direction) for kr in krs] == [
        (kr.start, kr.target, kr.direction) for kr in SALES_MANAGER.key_results
    ]
    assert {(kr.owner_id, kr.due_date, kr.confidence) for kr in krs} == {(w.ann.id, Q2_END, None)}
    actions = await _actions_of(deps, view)
    assert [[a.title for a in actions.get(kr.id, [])] for kr in krs] == [
        [a.title_en for a in kr.actions] for kr in SALES_MANAGER.key_results
    ]
    first = actions[krs[0].id][0]
    assert (
        first.completion_standard == SALES_MANAGER.key_results[0].actions[0].completion_standard_en
    )
    assert (first.owner_id, first.due_date, first.status) == (w.ann.id, Q2_END, ActionStatus.TODO)

    async with deps.uow() as uow:
        events = await uow.audit.list(acme.id, AuditFilter(actor=w.ann_.subject), PageRequest())
    assert sorted(e.action for e in events.items) == sorted(
        ["objective.created"] + ["key_result.created"] * 4 + ["action.created"] * 3
    )


async def test_an_organizations_own_template_in_chinese_with_milestones_for_a_unit(
    deps: Deps, acme: Tenant
) -> None:
    w = await _world(deps, acme)
    await update_organization(deps, acme.admin, OrganizationChanges(locale=Locale.ZH_CN))
    own = await create_template(deps, principal_of(w.vic), LAUNCH)

    # The organization's locale, now Chinese; the unit's rank; the KRs for the unit's lead.
    view = await instantiate_template(
        deps,
        acme.admin,
        own.id,
        NewObjectiveFromTemplate(cycle_id=w.q2.id, owner_kind=OwnerKind.UNIT, owner_id=w.sales.id),
    )

    o = view.objective
    assert (o.title, o.description) == (LAUNCH.title_zh, LAUNCH.description_zh)
    assert (o.owner_kind, o.owner_id, o.level) == (OwnerKind.UNIT, w.sales.id, Level.DEPARTMENT)
    time_to_live, dashboard = (kr.key_result for kr in view.key_results)
    assert (time_to_live.title, time_to_live.unit, time_to_live.weight) == (
        "新客户平均上线时间从30天缩短到14天",
        "天",
        Decimal("0.6"),
    )
    assert dashboard.metric_kind is MetricKind.MILESTONES
    assert [(m.title, m.weight) for m in dashboard.milestones] == [
        ("确定健康度指标", Decimal(1)),
        ("看板试运行", Decimal(2)),
    ]
    assert {time_to_live.owner_id, dashboard.owner_id} == {w.vic.id}
    actions = (await _actions_of(deps, view))[time_to_live.id]
    assert [(a.title, a.completion_standard, a.owner_id) for a in actions] == [
        ("每个新客户指定一名上线负责人", "签约当天在客户档案中写明负责人", w.vic.id),
        ("每周检查上线进度", None, w.vic.id),
    ]

    # The caller's language choice wins over the organization's.
    english = await instantiate_template(
        deps, w.ann_, own.id, NewObjectiveFromTemplate(cycle_id=w.q2.id, locale=Locale.EN)
    )
    assert english.objective.title == LAUNCH.title_en
    milestones = english.key_results[1].key_result.milestones
    assert [m.title for m in milestones] == ["Agree the health measures", "Pilot the dashboard"]


async def test_a_unit_without_a_lead_gives_its_krs_to_the_caller(deps: Deps, acme: Tenant) -> None:
    w = await _world(deps, acme)
    view = await instantiate_template(
        deps,
        acme.admin,
        SALES_SPECIALIST.id,
        NewObjectiveFromTemplate(
            cycle_id=w.q2.id, owner_kind=OwnerKind.UNIT, owner_id=w.support.id
        ),
    )
    assert view.objective.level is Level.TEAM  # the unit's rank
    assert {kr.key_result.owner_id for kr in view.key_results} == {acme.admin_member.id}


async def test_the_objective_aligns_where_the_rules_allow(
    deps: Deps, engine: AsyncEngine, acme: Tenant
) -> None:
    w = await _world(deps, acme)
    grow = await create_objective(
        deps,
        acme.admin,
        NewObjective(
            cycle_id=w.q2.id, title="Grow", owner_kind=OwnerKind.UNIT, owner_id=w.sales.id
        ),
    )
    kr = await create_key_result(
        deps, acme.admin, grow.objective.id, NewKeyResult(title="Revenue", owner_id=w.vic.id)
    )
    view = await instantiate_template(
        deps,
        w.ann_,
        SALES_MANAGER.id,
        NewObjectiveFromTemplate(
            cycle_id=w.q2.id, level=Level.INDIVIDUAL, parent_key_result_id=kr.key_result.id
        ),
    )
    assert view.objective.parent_key_result_id == kr.key_result.id
    assert view.objective.level is Level.INDIVIDUAL

    # Asked for at team level, it may not align to another team's objective.
    support = await create_objective(
        deps,
        acme.admin,
        NewObjective(
            cycle_id=w.q2.id, title="Answer fast", owner_kind=OwnerKind.UNIT, owner_id=w.support.id
        ),
    )
    before = await _okr_rows(engine, acme.id)
    with pytest.raises(RuleViolation) as refused:
        await instantiate_template(
            deps,
            principal_of(w.vic),
            SALES_MANAGER.id,
            NewObjectiveFromTemplate(
                cycle_id=w.q2.id, level=Level.TEAM, parent_objective_id=support.objective.id
            ),
        )
    assert refused.value.code == "alignment_level"
    assert await _okr_rows(engine, acme.id) == before


@dataclass(frozen=True)
class Refusal:
    name: str
    # (the world, another organization's template) -> who asks, for which template, what
    make: Callable[[World, Template], tuple[Principal, UUID, NewObjectiveFromTemplate]]
    error: type[DomainError]
    code: str


REFUSALS = [
    Refusal(
        "another member's objective",
        lambda w, _: (
            w.ann_,
            SALES_MANAGER.id,
            NewObjectiveFromTemplate(w.q2.id, owner_id=w.bob.id),
        ),
        Forbidden,
        "forbidden",
    ),
    Refusal(
        "a closed cycle",
        lambda w, _: (w.ann_, SALES_MANAGER.id, NewObjectiveFromTemplate(w.closed.id)),
        RuleViolation,
        "cycle_closed",
    ),
    Refusal(
        "an unknown cycle",
        lambda w, _: (w.ann_, SALES_MANAGER.id, NewObjectiveFromTemplate(new_id())),
        RuleViolation,
        "unknown_reference",
    ),
    Refusal(
        "an unknown parent",
        lambda w, _: (
            w.ann_,
            SALES_MANAGER.id,
            NewObjectiveFromTemplate(w.q2.id, parent_objective_id=new_id()),
        ),
        RuleViolation,
        "unknown_reference",
    ),
    Refusal(
        "an unknown unit",
        lambda w, _: (
            w.acme.admin,
            SALES_MANAGER.id,
            NewObjectiveFromTemplate(w.q2.id, owner_kind=OwnerKind.UNIT, owner_id=new_id()),
        ),
        RuleViolation,
        "unknown_reference",
    ),
    Refusal(
        "another organization's template",
        lambda w, other: (w.ann_, other.id, NewObjectiveFromTemplate(w.q2.id)),
        NotFound,
        "not_found",
    ),
    Refusal(
        "a service token",
        lambda w, _: (
            w.acme.service("org:read"),
            SALES_MANAGER.id,
            NewObjectiveFromTemplate(w.q2.id, owner_id=w.ann.id),
        ),
        Forbidden,
        "forbidden",
    ),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.name for r in REFUSALS])
async def test_a_refused_instantiation_leaves_nothing_behind(
    deps: Deps, engine: AsyncEngine, acme: Tenant, globex: Tenant, refusal: Refusal
) -> None:
    w = await _world(deps, acme)
    other = await create_template(deps, globex.admin, LAUNCH)
    principal, template_id, data = refusal.make(w, other)
    before = await _okr_rows(engine, acme.id)

    with pytest.raises(refusal.error) as refused:
        await instantiate_template(deps, principal, template_id, data)

    assert refused.value.code == refusal.code
    assert await _okr_rows(engine, acme.id) == before


async def test_a_failure_half_way_through_leaves_nothing_behind(
    deps: Deps, engine: AsyncEngine, acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The objective, its KRs and a first action are written when the second action's
    insert fails: none of them is kept."""
    w = await _world(deps, acme)
    before = await _okr_rows(engine, acme.id)
    add_action = PostgresActions.add
    written: list[Action] = []

    async def add_then_fail(self: PostgresActions, action: Action) -> None:
        if written:
            raise Conflict("the change conflicts with existing data", code="conflict")
        await add_action(self, action)
        written.append(action)

    monkeypatch.setattr(PostgresActions, "add", add_then_fail)
    with pytest.raises(Conflict):
        await instantiate_template(
            deps, w.ann_, SALES_MANAGER.id, NewObjectiveFromTemplate(w.q2.id)
        )
    assert len(written) == 1
    assert await _okr_rows(engine, acme.id) == before
