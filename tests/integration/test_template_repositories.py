"""The templates repository on Postgres. And instantiating a template writes the objective,
its KRs and actions in one transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.builtin_templates import MARKETING_MANAGER, SALES_MANAGER, SALES_OPERATIONS
from domain.cycles import CycleKind
from domain.errors import Conflict, RuleViolation, StaleVersion
from domain.okrs import Action, Direction, Level, MetricKind
from domain.organizations import Locale
from domain.templates import Template, TemplateAction, TemplateKeyResult, TemplateMilestone
from service.context import Deps
from service.cycles import NewCycle, create_cycle
from service.ids import new_id
from service.organizations import NewOrganization, create_organization
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from service.storage.postgres.okr_repositories import PostgresActions
from service.template_ports import TemplateFilter
from service.templates import (
    NewObjectiveFromTemplate,
    TemplateInput,
    create_template,
    instantiate_template,
)
from tests.integration.test_alignment_reader import factory
from tests.integration.test_repositories import NOW, engine, organization, uow
from tests.service.harness import principal_of

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "factory", "uow"]


@dataclass(frozen=True)
class Orgs:
    acme: UUID
    globex: UUID


async def _orgs(factory: UnitOfWorkFactory) -> Orgs:
    acme, globex = organization("Acme"), organization("Globex")
    async with factory() as work:
        await work.organizations.add(acme)
        await work.organizations.add(globex)
        await work.commit()
    return Orgs(acme.id, globex.id)


def _own(org_id: UUID, content: Template = SALES_MANAGER, key: str | None = None) -> Template:
    """A stored template of ``org_id`` with a built-in's content."""
    return replace(
        content,
        id=new_id(),
        organization_id=org_id,
        key=key,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


# Every part of the document: milestones, actions with and without a standard, units in
# two languages and none, a currency, decimals whose exponent must survive.
EVERYTHING = (
    TemplateKeyResult(
        "季度回款达到250.50万元",
        "Collect 2.5050 million yuan this quarter",
        metric_kind=MetricKind.CURRENCY,
        start=Decimal("0.00"),
        target=Decimal("2505000.50"),
        currency="CNY",
        weight=Decimal("0.60"),
        actions=(
            TemplateAction("每周复盘回款", "Review collections weekly", "周会有记录", "Minutes"),
            TemplateAction("更新客户名单", "Refresh the account list"),
        ),
    ),
    TemplateKeyResult(
        "客诉响应时间从48小时降到24小时",
        "Cut complaint response time from 48 to 24 hours",
        metric_kind=MetricKind.NUMBER,
        start=Decimal(48),
        target=Decimal("24.0"),
        direction=Direction.DECREASE,
        unit_zh="小时",
        unit_en="hours",
        weight=Decimal("0.4"),
    ),
    TemplateKeyResult(
        "上线新的客户反馈流程",
        "Launch the new customer-feedback process",
        metric_kind=MetricKind.MILESTONES,
        start=Decimal(0),
        target=Decimal(1),
        milestones=(
            TemplateMilestone("流程设计", "Design", Decimal("0.25")),
            TemplateMilestone("试点", "Pilot", Decimal("0.75")),
        ),
    ),
)


async def test_add_and_get_round_trip_in_its_organization_only(
    factory: UnitOfWorkFactory,
) -> None:
    orgs = await _orgs(factory)
    made = replace(
        _own(orgs.acme, key="quarterly-collections"),
        title_zh="把回款做实",
        description_zh="",
        description_en="",
        level=Level.DEPARTMENT,
        key_results=EVERYTHING,
    )
    async with factory() as work:
        await work.templates.add(made)
        await work.commit()
    async with factory() as work:
        found = await work.templates.get(orgs.acme, made.id)
        assert found == made
        assert found is not None
        # Exact decimals: the exponent is kept, not only the value.
        assert str(found.key_results[0].target) == "2505000.50"
        assert str(found.key_results[1].target) == "24.0"
        assert str(found.key_results[2].milestones[0].weight) == "0.25"
        assert await work.templates.get(orgs.globex, made.id) is None
        assert await work.templates.get(orgs.acme, new_id()) is None


async def test_a_unit_of_work_without_commit_keeps_nothing(factory: UnitOfWorkFactory) -> None:
    orgs = await _orgs(factory)
    made = _own(orgs.acme)
    async with factory() as work:
        await work.templates.add(made)
        assert await work.templates.get(orgs.acme, made.id) == made
    async with factory() as work:
        assert await work.templates.get(orgs.acme, made.id) is None


async def test_list_pages_by_id_filters_and_stays_in_its_organization(
    factory: UnitOfWorkFactory,
) -> None:
    orgs = await _orgs(factory)
    sales = _own(orgs.acme, SALES_MANAGER, "sales")
    marketing = _own(orgs.acme, MARKETING_MANAGER, "marketing")
    ops = _own(orgs.acme, SALES_OPERATIONS)
    percent = replace(_own(orgs.acme), title_en="Win 100% of renewals", title_zh="续约率100%")
    elsewhere = _own(orgs.globex, SALES_MANAGER, "sales")
    async with factory() as work:
        for template in (sales, marketing, ops, percent, elsewhere):
            await work.templates.add(template)
        await work.commit()

    async def ids(filters: TemplateFilter, org_id: UUID = orgs.acme) -> list[UUID]:
        async with factory() as work:
            found = await work.templates.list(org_id, filters, PageRequest())
        return [t.id for t in found.items]

    async with factory() as work:
        first = await work.templates.list(orgs.acme, TemplateFilter(), PageRequest(limit=3))
        assert [t.id for t in first.items] == [sales.id, marketing.id, ops.id]
        assert first.items[0] == sales
        assert first.next_after == ops.id
        rest = await work.templates.list(
            orgs.acme, TemplateFilter(), PageRequest(limit=3, after=first.next_after)
        )
        assert [t.id for t in rest.items] == [percent.id]
        assert rest.next_after is None

    assert await ids(TemplateFilter(key="sales")) == [sales.id]
    assert await ids(TemplateFilter(key="sale")) == []
    # A role name is matched whole, in either language, ignoring case.
    assert await ids(TemplateFilter(role="销售经理")) == [sales.id, percent.id]
    assert await ids(TemplateFilter(role="SALES MANAGER")) == [sales.id, percent.id]
    assert await ids(TemplateFilter(role="sales")) == []
    # q: a piece of a title or role name, in either language; % and _ are literal.
    assert await ids(TemplateFilter(q="线索")) == [marketing.id]
    assert await ids(TemplateFilter(q="marketing")) == [marketing.id]
    assert await ids(TemplateFilter(q="100%")) == [percent.id]
    assert await ids(TemplateFilter(q="1_0")) == []
    assert await ids(TemplateFilter(q="manager", key="sales")) == [sales.id]
    assert await ids(TemplateFilter(), orgs.globex) == [elsewhere.id]


async def test_update_replaces_the_template_at_its_version_only(
    factory: UnitOfWorkFactory,
) -> None:
    orgs = await _orgs(factory)
    made = _own(orgs.acme, key="sales")
    async with factory() as work:
        await work.templates.add(made)
        await work.commit()
    changed = replace(
        made,
        key=None,
        title_en="Grow revenue and keep it healthy",
        key_results=EVERYTHING[:2],
        version=2,
        updated_at=NOW + timedelta(hours=1),
    )
    async with factory() as work:
        await work.templates.update(changed, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.templates.get(orgs.acme, made.id) == changed
        with pytest.raises(StaleVersion):
            await work.templates.update(replace(changed, version=3), previous_version=1)
    # Another organization's id names nothing: stale, and the template is untouched.
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.templates.update(
                replace(changed, organization_id=orgs.globex, version=3), previous_version=2
            )
    async with factory() as work:
        assert await work.templates.get(orgs.acme, made.id) == changed
        assert await work.templates.get(orgs.globex, made.id) is None


async def test_delete_at_its_version_only(factory: UnitOfWorkFactory) -> None:
    orgs = await _orgs(factory)
    made, kept = _own(orgs.acme), _own(orgs.acme)
    async with factory() as work:
        await work.templates.add(made)
        await work.templates.add(kept)
        await work.commit()
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.templates.delete(orgs.acme, made.id, previous_version=2)
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.templates.delete(orgs.globex, made.id, previous_version=1)
    async with factory() as work:
        await work.templates.delete(orgs.acme, made.id, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.templates.get(orgs.acme, made.id) is None
        assert await work.templates.get(orgs.acme, kept.id) == kept
        with pytest.raises(StaleVersion):
            await work.templates.delete(orgs.acme, made.id, previous_version=1)


async def test_a_key_names_one_template_per_organization(factory: UnitOfWorkFactory) -> None:
    orgs = await _orgs(factory)
    sales, unnamed = _own(orgs.acme, key="sales"), _own(orgs.acme)
    async with factory() as work:
        await work.templates.add(sales)
        await work.templates.add(unnamed)
        await work.templates.add(_own(orgs.acme))  # any number without a key
        await work.templates.add(_own(orgs.globex, key="sales"))  # another organization's
        await work.commit()
    async with factory() as work:
        with pytest.raises(Conflict) as refused:
            await work.templates.add(_own(orgs.acme, key="sales"))
    assert refused.value.code == "template_key_taken"
    assert [e.field for e in refused.value.errors] == ["key"]
    async with factory() as work:
        with pytest.raises(Conflict) as refused:
            await work.templates.update(
                replace(unnamed, key="sales", version=2), previous_version=1
            )
    assert refused.value.code == "template_key_taken"
    async with factory() as work:
        # Keeping its own key is no clash.
        await work.templates.update(replace(sales, version=2), previous_version=1)
        await work.commit()


async def test_a_template_needs_its_organization(factory: UnitOfWorkFactory) -> None:
    async with factory() as work:
        with pytest.raises(RuleViolation) as refused:
            await work.templates.add(_own(new_id()))
    assert refused.value.code == "unknown_reference"


AddAction = Callable[[Any, Action], Awaitable[None]]


def _fail_after_one(add: AddAction, inserted: list[Action]) -> AddAction:
    """An actions repository's ``add`` that inserts one action, then fails."""

    async def add_then_fail(self: Any, action: Action) -> None:
        if inserted:
            raise Conflict("the change conflicts with existing data", code="conflict")
        await add(self, action)
        inserted.append(action)

    return add_then_fail


async def test_instantiating_writes_everything_or_nothing(
    factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = Deps(uow=factory)
    org, admin = await create_organization(
        deps, NewOrganization(name="Acme", admin_email="admin@acme.example")
    )
    cycle = await create_cycle(
        deps,
        principal_of(admin),
        NewCycle("Q2", CycleKind.QUARTER, date(2026, 4, 1), date(2026, 6, 30)),
    )
    into_q2 = NewObjectiveFromTemplate(cycle.id, locale=Locale.ZH_CN)
    # The organization's copy of a built-in, through the use case (and its audit event).
    own = await create_template(deps, principal_of(admin), TemplateInput.of(SALES_MANAGER))

    view = await instantiate_template(deps, principal_of(admin), own.id, into_q2)

    assert view.objective.title == SALES_MANAGER.title_zh
    krs = [kr.key_result for kr in view.key_results]
    assert [kr.title for kr in krs] == [kr.title_zh for kr in SALES_MANAGER.key_results]
    async with factory() as work:
        actions = await work.actions.of_key_results(org.id, [kr.id for kr in krs])
    assert sorted(a.title for found in actions.values() for a in found) == sorted(
        a.title_zh for kr in SALES_MANAGER.key_results for a in kr.actions
    )

    # The second action's insert fails, after the objective, its KRs and a first action.
    inserted: list[Action] = []
    monkeypatch.setattr(PostgresActions, "add", _fail_after_one(PostgresActions.add, inserted))
    with pytest.raises(Conflict):
        await instantiate_template(deps, principal_of(admin), own.id, into_q2)
    assert len(inserted) == 1
    async with factory() as work:
        assert [o.id for o in await work.objectives.open_in_cycle(org.id, cycle.id)] == [
            view.objective.id
        ]
        assert await work.actions.get(org.id, inserted[0].id) is None
