"""A demo organization (``okr demo``) built from DOMAIN.md's worked examples.

"Acme Growth (demo)" runs its sales and marketing on OKRs the way the articles describe:
the company aim (+30% sales, satisfaction above 90%) cascades to the sales department's
objectives (001), marketing contributes to the sales department's new-customer KR (002,
003), and the reps' quarterly objectives align to their department's. KRs carry a few
weeks of check-ins, and actions (the A of OKMA) have owners, due dates and completion
standards; one is done and accepted.

Everything is made through the use cases, with principals of the people who would do it
(the CEO sets up the organization, the sales director writes the department's OKRs, each
rep checks in on their own KRs), so every rule of the service applies. The use cases
read a clock that this module moves through the past weeks: check-ins carry the dates
they would have had.

The organization is created as "Acme Growth (demo, loading)" and renamed to its final
name last: a demo whose loading broke off is never mistaken for a complete one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import NotFound
from domain.members import Member, Role
from domain.okrs import (
    ActionStatus,
    Direction,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale, OrganizationChanges
from domain.reviews import Answer, ReviewPhase, ReviewRole
from domain.scoring import expected_progress
from domain.units import OrgUnit, UnitKind
from service.actions import ActionChanges, NewAction, accept_action, create_action, update_action
from service.auth import Principal
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.cycles import CycleChanges, NewCycle, create_cycle, update_cycle
from service.key_results import MilestoneInput, NewKeyResult, create_key_result
from service.members import NewMember, create_member, list_members
from service.objectives import NewObjective, create_objective
from service.organizations import NewOrganization, create_organization, update_organization
from service.pagination import PageRequest
from service.ports import MemberFilter
from service.review_responses import my_reviews, submit_response
from service.reviews import (
    NewReviewCycle,
    QuestionInput,
    ReviewCycleChanges,
    add_participants,
    create_review_cycle,
    nominate_peers,
    update_review_cycle,
)
from service.scores import KeyResultView
from service.units import NewUnit, add_unit_member, create_unit

DEMO_NAME = "Acme Growth (demo)"
LOADING_NAME = "Acme Growth (demo, loading)"
TIME_ZONE = "Asia/Shanghai"
ADMIN_EMAIL = "ceo@demo.acme.example"
MANAGER_EMAIL = "zhang.wei@demo.acme.example"  # the sales director
MEMBER_EMAIL = "li.na@demo.acme.example"  # a sales rep

_SETUP_AGO = timedelta(weeks=7)  # the organization was set up this long before "now"

# (key, name, email, roles, manager key); the CEO (admin) comes with the organization.
_PEOPLE: tuple[tuple[str, str, str, frozenset[Role], str | None], ...] = (
    ("sales_director", "Zhang Wei 张伟", MANAGER_EMAIL, frozenset({Role.MANAGER}), "ceo"),
    ("rep_li", "Li Na 李娜", MEMBER_EMAIL, frozenset({Role.MEMBER}), "sales_director"),
    (
        "rep_wang",
        "Wang Fang 王芳",
        "wang.fang@demo.acme.example",
        frozenset({Role.MEMBER}),
        "sales_director",
    ),
    (
        "rep_liu",
        "Liu Yang 刘洋",
        "liu.yang@demo.acme.example",
        frozenset({Role.MEMBER}),
        "sales_director",
    ),
    (
        "marketing_manager",
        "Zhao Min 赵敏",
        "zhao.min@demo.acme.example",
        frozenset({Role.MANAGER}),
        "ceo",
    ),
    (
        "growth_specialist",
        "Sun Li 孙丽",
        "sun.li@demo.acme.example",
        frozenset({Role.MEMBER}),
        "marketing_manager",
    ),
    (
        "events_specialist",
        "Zhou Tao 周涛",
        "zhou.tao@demo.acme.example",
        frozenset({Role.MEMBER}),
        "marketing_manager",
    ),
    ("hr", "Huang Lei 黄磊", "huang.lei@demo.acme.example", frozenset({Role.HR}), "ceo"),
)


@dataclass(frozen=True)
class DemoOrganization:
    """The demo organization and the three people whose tokens ``okr demo`` prints."""

    organization_id: UUID
    admin_id: UUID
    manager_id: UUID
    member_id: UUID


@dataclass(frozen=True)
class _KR:
    """A KR to create, and how its check-ins go: ``pace`` is progress against the
    cycle's elapsed share (1.0 keeps exactly on track), ``check_ins`` how many weeks."""

    title: str
    owner: str
    start: str
    target: str
    pace: float
    check_ins: int
    notes: tuple[str, ...]
    unit: str | None = None
    metric_kind: MetricKind = MetricKind.NUMBER
    direction: Direction = Direction.INCREASE
    currency: str | None = None
    step: str = "1"  # check-in values are rounded to this
    confidence: int = 7  # 0-10, the first weeks' confidence
    milestones: tuple[str, ...] = ()
    blockers: str = ""  # what blocks it, reported in the later weeks


class _DemoClock:
    """The use cases' clock, set to whatever moment of the past the demo is acting in."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _principal(organization_id: UUID, member: Member) -> Principal:
    """The principal a token of this member would give (the API adds the member role)."""
    return Principal(
        organization_id=organization_id,
        subject=str(member.id),
        member_id=member.id,
        roles=member.roles | {Role.MEMBER},
    )


@dataclass
class _Loader:
    deps: Deps
    clock: _DemoClock
    now: datetime
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(TIME_ZONE))
    organization_id: UUID | None = None
    people: dict[str, Member] = field(default_factory=dict)
    planned: list[tuple[datetime, str, UUID, NewCheckIn]] = field(default_factory=list)

    @property
    def setup_at(self) -> datetime:
        return self.now - _SETUP_AGO

    def at(self, moment: datetime) -> Deps:
        self.clock.at = moment
        return self.deps

    def as_(self, key: str) -> Principal:
        assert self.organization_id is not None
        return _principal(self.organization_id, self.people[key])

    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    # -- organization, people, units, cycles -----------------------------------------------

    async def organization(self) -> None:
        org, ceo = await create_organization(
            self.at(self.setup_at),
            NewOrganization(
                name=LOADING_NAME,
                admin_email=ADMIN_EMAIL,
                admin_name="Chen Jie 陈杰",
                time_zone=TIME_ZONE,
                locale=Locale.ZH_CN,
            ),
        )
        self.organization_id = org.id
        self.people["ceo"] = ceo
        for key, name, email, roles, manager in _PEOPLE:
            self.people[key] = await create_member(
                self.deps,
                self.as_("ceo"),
                NewMember(
                    name=name,
                    email=email,
                    manager_id=self.people[manager].id if manager else None,
                    roles=roles,
                ),
            )

    async def units(self) -> dict[str, OrgUnit]:
        admin = self.as_("ceo")
        p = self.people

        async def unit(kind: UnitKind, name: str, parent: OrgUnit | None, lead: str) -> OrgUnit:
            return await create_unit(
                self.deps,
                admin,
                NewUnit(
                    kind=kind,
                    name=name,
                    parent_id=parent.id if parent else None,
                    lead_id=p[lead].id,
                ),
            )

        company = await unit(UnitKind.COMPANY, "Acme Growth 艾克美", None, "ceo")
        sales = await unit(UnitKind.DEPARTMENT, "Sales 销售部", company, "sales_director")
        marketing = await unit(
            UnitKind.DEPARTMENT, "Marketing 市场部", company, "marketing_manager"
        )
        east = await unit(UnitKind.TEAM, "East China sales team 华东销售组", sales, "rep_li")
        growth = await unit(
            UnitKind.TEAM, "Growth marketing team 增长组", marketing, "growth_specialist"
        )
        memberships = {
            company: ("ceo", "hr"),
            sales: ("sales_director",),
            marketing: ("marketing_manager",),
            east: ("rep_li", "rep_wang", "rep_liu"),
            growth: ("growth_specialist", "events_specialist"),
        }
        for where, keys in memberships.items():
            for key in keys:
                await add_unit_member(self.deps, admin, where.id, p[key].id)
        return {"company": company, "sales": sales, "marketing": marketing}

    async def cycles(self) -> tuple[Cycle, Cycle]:
        """The current year, active, with its four quarters: past ones closed, the current
        one active, later ones in planning."""
        admin = self.as_("ceo")
        today = self.today()
        year = await create_cycle(
            self.deps,
            admin,
            NewCycle(
                name=f"{today.year} 年度",
                kind=CycleKind.YEAR,
                start_date=date(today.year, 1, 1),
                end_date=date(today.year, 12, 31),
            ),
        )
        year = await update_cycle(self.deps, admin, year.id, CycleChanges(state=CycleState.ACTIVE))
        current: Cycle | None = None
        for q in range(4):
            start = date(today.year, 3 * q + 1, 1)
            end = (
                date(today.year, 12, 31)
                if q == 3
                else date(today.year, 3 * q + 4, 1) - timedelta(days=1)
            )
            quarter = await create_cycle(
                self.deps,
                admin,
                NewCycle(
                    name=f"{today.year} Q{q + 1}",
                    kind=CycleKind.QUARTER,
                    start_date=start,
                    end_date=end,
                    parent_id=year.id,
                ),
            )
            if start <= today:
                quarter = await update_cycle(
                    self.deps, admin, quarter.id, CycleChanges(state=CycleState.ACTIVE)
                )
            if end < today:
                quarter = await update_cycle(
                    self.deps, admin, quarter.id, CycleChanges(state=CycleState.CLOSED)
                )
            elif start <= today:
                current = quarter
        assert current is not None
        return year, current

    # -- objectives and KRs ------------------------------------------------------------------

    async def objective(
        self,
        by: str,
        cycle: Cycle,
        title: str,
        description: str,
        krs: tuple[_KR, ...],
        *,
        unit: OrgUnit | None = None,
        parent_objective_id: UUID | None = None,
        parent_key_result_id: UUID | None = None,
        visibility: Visibility = Visibility.PUBLIC,
    ) -> tuple[UUID, list[KeyResultView]]:
        view = await create_objective(
            self.deps,
            self.as_(by),
            NewObjective(
                cycle_id=cycle.id,
                title=title,
                description=description,
                owner_kind=OwnerKind.UNIT if unit else OwnerKind.MEMBER,
                owner_id=unit.id if unit else None,
                status=ObjectiveStatus.ACTIVE,
                visibility=visibility,
                parent_objective_id=parent_objective_id,
                parent_key_result_id=parent_key_result_id,
            ),
        )
        created: list[KeyResultView] = []
        for spec in krs:
            kr = await create_key_result(
                self.deps,
                self.as_(by),
                view.objective.id,
                NewKeyResult(
                    title=spec.title,
                    owner_id=self.people[spec.owner].id,
                    metric_kind=spec.metric_kind,
                    start=Decimal(spec.start),
                    target=Decimal(spec.target),
                    direction=spec.direction,
                    unit=spec.unit,
                    currency=spec.currency,
                    confidence=spec.confidence,
                    milestones=tuple(MilestoneInput(title=m) for m in spec.milestones),
                ),
            )
            self.plan_check_ins(spec, kr, cycle)
            created.append(kr)
        return view.objective.id, created

    def check_in_times(self, count: int, cycle: Cycle, minute: int) -> list[datetime]:
        """``count`` moments a week apart, the last yesterday, none before the setup or
        the cycle's first day; at the end of a local working day (17:00 plus ``minute``),
        unless the cycle began so recently that they must be closer than a day apart."""
        first_day = datetime.combine(cycle.start_date, time(), self.tz)
        lower = max(self.setup_at, first_day)
        last = max(self.now - timedelta(days=1), lower + (self.now - lower) / 2)
        step = min(timedelta(weeks=1), (last - lower) / count)
        moments = [last - step * (count - 1 - i) for i in range(count)]
        if step < timedelta(days=1):
            return moments
        evening = time(17, minute % 60)
        snapped = [
            datetime.combine(m.astimezone(self.tz).date(), evening, self.tz) for m in moments
        ]
        return snapped if lower <= snapped[0] and snapped[-1] <= self.now else moments

    def plan_check_ins(self, spec: _KR, kr: KeyResultView, cycle: Cycle) -> None:
        """Plan the KR's weekly check-ins, to be made by its owner: values move with the
        cycle's elapsed share times the KR's pace, confidence drifts with the pace, and
        the blockers show up in the later weeks."""
        start, target, step = Decimal(spec.start), Decimal(spec.target), Decimal(spec.step)
        milestone_ids = [m.id for m in kr.key_result.milestones]
        count = spec.check_ins
        times = self.check_in_times(count, cycle, minute=len(self.planned) % 50)
        for index, moment in enumerate(times):
            elapsed = expected_progress(
                cycle.start_date, cycle.end_date, moment.astimezone(self.tz).date()
            )
            # Ahead of or behind the calendar by the KR's pace; never quite nothing, even
            # on a cycle's first days.
            share = min(Decimal(1), elapsed * Decimal(str(spec.pace)))
            share = max(share, Decimal("0.05") * (index + 1))
            later = index >= count // 2
            confidence = spec.confidence + (0 if not later else 1 if spec.pace >= 1 else -1)
            note = spec.notes[index % len(spec.notes)]
            blockers = spec.blockers if later else ""
            if spec.metric_kind is MetricKind.MILESTONES:
                reached = int(share * len(milestone_ids)) - (count - 1 - index) // 2
                data = NewCheckIn(
                    milestones_done=tuple(milestone_ids[: max(1, reached)]),
                    confidence=confidence,
                    note=note,
                    blockers=blockers,
                )
            else:
                steps = ((start + (target - start) * share) / step).quantize(
                    Decimal(1), rounding=ROUND_HALF_UP
                )
                data = NewCheckIn(
                    value=steps * step, confidence=confidence, note=note, blockers=blockers
                )
            self.planned.append((moment, spec.owner, kr.key_result.id, data))

    async def check_in_week_by_week(self) -> None:
        """Every KR owner checks in on their KRs, the oldest updates first."""
        for moment, owner, kr_id, data in sorted(self.planned, key=lambda p: p[0]):
            await check_in(self.at(moment), self.as_(owner), kr_id, data)

    # -- actions (the A of OKMA) -------------------------------------------------------------

    async def action(
        self,
        by: str,
        kr: KeyResultView,
        title: str,
        owner: str,
        due: date,
        standard: str,
        moves: tuple[tuple[ActionStatus, timedelta], ...] = (),
        accepted_by: str | None = None,
        created_after: timedelta = timedelta(days=2),
    ) -> None:
        """Create an action at ``setup + created_after`` and let its owner move it on."""
        action = await create_action(
            self.at(self.setup_at + created_after),
            self.as_(by),
            kr.key_result.id,
            NewAction(
                title=title,
                owner_id=self.people[owner].id,
                due_date=due,
                completion_standard=standard,
            ),
        )
        for status, after in moves:
            action = await update_action(
                self.at(self.setup_at + after),
                self.as_(owner),
                action.id,
                ActionChanges(status=status),
            )
        if accepted_by is not None:
            await accept_action(
                self.at(self.now - timedelta(days=3)), self.as_(accepted_by), action.id
            )


async def _okrs(
    loader: _Loader, units: dict[str, OrgUnit], year: Cycle, quarter: Cycle
) -> dict[str, KeyResultView]:
    """The company aim, the departments' year objectives and the people's quarter ones."""
    company, _ = await loader.objective(
        "ceo",
        year,
        "+30% sales, satisfaction above 90% 销售额增长30%、客户满意度90%以上",
        "The year's company aim (001): grow, and keep customers happy while doing it.",
        (
            _KR(
                "Sales +30% year on year 销售额同比增长30%",
                "ceo",
                "0",
                "30",
                pace=0.95,
                check_ins=5,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Monthly report: growth in line with plan", "Two large orders slipped"),
            ),
            _KR(
                "Customer satisfaction above 90% 客户满意度90%以上",
                "ceo",
                "82",
                "90",
                pace=0.9,
                check_ins=4,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Quarterly survey results in", "Complaints about delivery times"),
            ),
        ),
        unit=units["company"],
    )

    performance, sales_krs = await loader.objective(
        "sales_director",
        year,
        "Improve sales performance 提升销售业绩",
        "Sales operations OKR (001). Weekly sales meeting on Mondays, monthly report to the CEO.",
        (
            _KR(
                "New customers +20% year on year: 240 (last year 200) 新客户同比增长20%",
                "sales_director",
                "0",
                "240",
                pace=1.0,
                check_ins=6,
                unit="customers",
                confidence=8,
                notes=(
                    "Weekly meeting: new accounts from the East China push",
                    "Marketing leads converting better than last quarter",
                    "Trade-fair contacts followed up",
                ),
            ),
            _KR(
                "Repeat-purchase rate to 60% 复购率提升至60%",
                "sales_director",
                "45",
                "60",
                pace=0.85,
                check_ins=5,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Key-account reviews under way", "Loyalty offer launched"),
            ),
            _KR(
                "Average sales cycle under 30 days 平均销售周期缩短至30天以内",
                "sales_director",
                "42",
                "30",
                pace=0.75,
                check_ins=4,
                unit="days",
                direction=Direction.DECREASE,
                confidence=5,
                notes=("Quote approvals still take a week", "Standard quote template in pilot"),
                blockers="Finance approves discounts once a week",
            ),
        ),
        unit=units["sales"],
        parent_objective_id=company,
    )

    await loader.objective(
        "sales_director",
        year,
        "Improve customer experience 提升客户体验",
        "Customer experience OKR (001): the health side of the sales numbers.",
        (
            _KR(
                "Complaint response under 24 hours 投诉响应时间缩短至24小时以内",
                "sales_director",
                "48",
                "24",
                pace=1.1,
                check_ins=4,
                unit="hours",
                direction=Direction.DECREASE,
                notes=("On-call rota for complaints started", "Weekend backlog cleared"),
            ),
            _KR(
                "'Very satisfied' share above 50% 非常满意比例超过50%",
                "sales_director",
                "38",
                "50",
                pace=0.9,
                check_ins=3,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Monthly survey: more 'very satisfied' answers",),
            ),
            _KR(
                "Monthly customer-feedback process in place 建立月度客户反馈机制",
                "sales_director",
                "0",
                "1",
                pace=1.0,
                check_ins=4,
                metric_kind=MetricKind.MILESTONES,
                milestones=(
                    "Feedback survey designed",
                    "First monthly feedback report",
                    "Feedback reviewed in the monthly sales meeting",
                    "Process written down and handed over",
                ),
                notes=("Milestone reached", "Report shared with the team"),
            ),
        ),
        unit=units["sales"],
        parent_objective_id=company,
    )

    new_customers = sales_krs[0]
    marketing, _ = await loader.objective(
        "marketing_manager",
        year,
        "Fill the sales pipeline with qualified demand 为销售提供高质量线索",
        "Marketing and sales aligned (002, 003): marketing contributes to the sales "
        "department's new-customer KR.",
        (
            _KR(
                "Qualified leads handed to sales: 1200 合格线索1200条",
                "marketing_manager",
                "0",
                "1200",
                pace=0.95,
                check_ins=5,
                unit="leads",
                notes=("Campaign leads above forecast", "Lead scoring tightened"),
            ),
            _KR(
                "Lead-to-customer conversion rate to 18% 线索转化率提升至18%",
                "marketing_manager",
                "12",
                "18",
                pace=0.7,
                check_ins=4,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                confidence=5,
                notes=("Sales follow-up slower than agreed", "Joint weekly lead review started"),
                blockers="Leads wait three days on average before a sales call",
            ),
            _KR(
                "Marketing-sourced new customers: 80 市场来源新客户80家",
                "marketing_manager",
                "0",
                "80",
                pace=1.0,
                check_ins=3,
                unit="customers",
                notes=("Webinar series brought two accounts",),
            ),
        ),
        unit=units["marketing"],
        parent_key_result_id=new_customers.key_result.id,
    )

    _, li_krs = await loader.objective(
        "rep_li",
        quarter,
        "Win new customers in East China 开拓华东新客户",
        "My part of the department's new-customer KR: 10 new customers a month (003).",
        (
            _KR(
                "New customers this quarter: 30 (10 a month) 本季度新客户30家",
                "rep_li",
                "0",
                "30",
                pace=1.1,
                check_ins=6,
                unit="customers",
                confidence=8,
                notes=(
                    "Signed two distributors in Hangzhou",
                    "Visit schedule kept; three proposals out",
                    "Trade-fair leads converting",
                ),
            ),
            _KR(
                "Revisit rate of first-time buyers to 80% 首购客户回访率80%以上",
                "rep_li",
                "50",
                "80",
                pace=0.9,
                check_ins=5,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Revisits booked in the CRM", "Two customers asked for a demo"),
            ),
        ),
        parent_objective_id=performance,
    )

    _, wang_krs = await loader.objective(
        "rep_wang",
        quarter,
        "Grow repeat business of key accounts 提升大客户复购",
        "My part of the repeat-purchase and sales-cycle KRs.",
        (
            _KR(
                "Repeat-purchase rate of my accounts to 60% 我的客户复购率60%",
                "rep_wang",
                "48",
                "60",
                pace=0.95,
                check_ins=5,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Quarterly business reviews held", "Bundle offer accepted by two accounts"),
            ),
            _KR(
                "Average sales cycle of my deals under 30 days 我的平均成交周期30天以内",
                "rep_wang",
                "38",
                "30",
                pace=0.7,
                check_ins=4,
                unit="days",
                direction=Direction.DECREASE,
                confidence=5,
                notes=("Legal review is the bottleneck", "Quote template cut two days"),
                blockers="Contract review by legal takes a week",
            ),
        ),
        parent_objective_id=performance,
    )

    # 003: "extra coaching for reps below target". A personal plan: private, seen by the
    # rep, his manager chain and admins only.
    _, liu_krs = await loader.objective(
        "rep_liu",
        quarter,
        "Get back on track to quota 业绩回到正轨",
        "Coaching plan agreed with my manager.",
        (
            _KR(
                "Monthly quota attainment to 100% 月度业绩达成率100%",
                "rep_liu",
                "60",
                "100",
                pace=0.6,
                check_ins=4,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="1",
                confidence=4,
                notes=("Coaching session: pipeline reviewed", "First deal closed after coaching"),
                blockers="Too few qualified opportunities in the pipeline",
            ),
            _KR(
                "Qualified opportunities in my pipeline: 15 有效商机15个",
                "rep_liu",
                "4",
                "15",
                pace=0.9,
                check_ins=3,
                unit="opportunities",
                notes=("New opportunities from marketing leads",),
            ),
        ),
        parent_objective_id=performance,
        visibility=Visibility.PRIVATE,
    )

    _, sun_krs = await loader.objective(
        "growth_specialist",
        quarter,
        "Grow qualified leads from online channels 提升线上渠道合格线索",
        "User-growth specialist template (004).",
        (
            _KR(
                "Qualified leads from online campaigns: 300 线上合格线索300条",
                "growth_specialist",
                "0",
                "300",
                pace=1.0,
                check_ins=5,
                unit="leads",
                notes=("Search campaign relaunched", "Landing page A/B test won"),
            ),
            _KR(
                "Cost per qualified lead under 120 CNY 单条合格线索成本低于120元",
                "growth_specialist",
                "180",
                "120",
                pace=0.8,
                check_ins=4,
                metric_kind=MetricKind.CURRENCY,
                currency="CNY",
                direction=Direction.DECREASE,
                notes=("Paused the weakest ad sets", "Keyword costs up before the holidays"),
                blockers="Keyword prices up before the holidays",
            ),
        ),
        parent_objective_id=marketing,
    )

    _, zhou_krs = await loader.objective(
        "events_specialist",
        quarter,
        "Turn customer events into sales opportunities 活动转化为销售商机",
        "Events that sales can follow up on.",
        (
            _KR(
                "Event attendees converted to opportunities: 60 活动转化商机60个",
                "events_specialist",
                "0",
                "60",
                pace=0.9,
                check_ins=3,
                unit="opportunities",
                notes=("Customer salon in Shanghai: 14 opportunities",),
            ),
            _KR(
                "Post-event satisfaction to 90% 活动满意度90%",
                "events_specialist",
                "75",
                "90",
                pace=1.0,
                check_ins=3,
                unit="%",
                metric_kind=MetricKind.PERCENT,
                step="0.1",
                notes=("Survey after each event",),
            ),
        ),
        parent_objective_id=marketing,
    )
    return {
        "new_customers": new_customers,
        "li_new_customers": li_krs[0],
        "wang_sales_cycle": wang_krs[1],
        "liu_quota": liu_krs[0],
        "sun_online_leads": sun_krs[0],
        "zhou_events": zhou_krs[0],
    }


async def _actions(loader: _Loader, quarter: Cycle, krs: dict[str, KeyResultView]) -> None:
    """Visit schedule, campaigns, training calendar (003), each with an owner, a due date
    and a completion standard; the training calendar is done and accepted."""
    today = loader.today()

    def due(days: int) -> date:
        return min(today + timedelta(days=days), quarter.end_date)

    doing = ((ActionStatus.DOING, timedelta(days=3)),)
    await loader.action(
        "rep_li",
        krs["li_new_customers"],
        "Weekly visit schedule for 20 target accounts 每周客户拜访计划",
        "rep_li",
        quarter.end_date,
        "Every Monday the week's visit plan is in the CRM; visit notes logged the same day.",
        doing,
    )
    await loader.action(
        "sales_director",
        krs["new_customers"],
        "Sales training calendar 销售培训日历",
        "hr",
        (loader.setup_at + timedelta(weeks=3)).astimezone(loader.tz).date(),
        "Six sessions scheduled and announced; every rep attends at least five; "
        "attendance recorded.",
        (
            (ActionStatus.DOING, timedelta(days=3)),
            (ActionStatus.DONE, timedelta(weeks=3) - timedelta(days=1)),
        ),
        accepted_by="sales_director",
    )
    await loader.action(
        "sales_director",
        krs["liu_quota"],
        "Weekly one-to-one coaching 每周一对一辅导",
        "sales_director",
        quarter.end_date,
        "30 minutes every Friday: pipeline reviewed, next week's three priorities written down.",
        doing,
    )
    await loader.action(
        "rep_wang",
        krs["wang_sales_cycle"],
        "Standard quotation template 标准报价模板",
        "rep_wang",
        due(-7) if due(-7) >= quarter.start_date else quarter.start_date,
        "Template approved by finance and used for every quote over 50,000 CNY.",
        (
            (ActionStatus.DOING, timedelta(days=4)),
            (ActionStatus.DONE, timedelta(weeks=5)),
        ),
    )
    await loader.action(
        "growth_specialist",
        krs["sun_online_leads"],
        "Online campaign: landing page, three ad sets, lead form 线上推广活动",
        "growth_specialist",
        due(7),
        "Campaign live; leads reach sales within 24 hours; cost per lead reported weekly.",
        doing,
    )
    await loader.action(
        "events_specialist",
        krs["zhou_events"],
        "Customer event campaign: invitations, agenda, follow-up calls 客户活动",
        "events_specialist",
        due(14),
        "100 invitations sent; every attendee called back within three days.",
    )


# The year's 360 review (360度评价): the reps and the marketing specialists, each reviewed
# by themself, three colleagues, their manager and the CEO above them.
_REVIEWEES = ("rep_li", "rep_wang", "rep_liu", "growth_specialist", "events_specialist")
_REVIEW_QUESTIONS = (
    QuestionInput("目标达成与结果质量", "Results and goal attainment"),
    QuestionInput("协作与支持", "Collaboration and support"),
    QuestionInput("成长与学习", "Growth and learning"),
)
# Ratings by reviewer role, one per question; peers vary around theirs by position.
_ROLE_RATINGS = {
    ReviewRole.SELF: (4, 4, 5),
    ReviewRole.PEER: (4, 3, 4),
    ReviewRole.MANAGER: (4, 4, 3),
    ReviewRole.SKIP_LEVEL: (3, 4, 4),
}


def _demo_ratings(role: ReviewRole, position: int) -> tuple[int, ...]:
    base = _ROLE_RATINGS[role]
    return tuple(max(1, min(5, r + (position + i) % 3 - 1)) for i, r in enumerate(base))


async def _review(loader: _Loader, year: Cycle) -> None:
    """A published 360 review of the year: peers nominated among the five colleagues, every
    reviewer answers except one peer of Liu Yang, published a day ago."""
    hr = loader.as_("hr")
    deps = loader.at(loader.now - timedelta(days=10))
    rc = await create_review_cycle(
        deps,
        hr,
        NewReviewCycle(cycle_id=year.id, name=f"{year.name} 360 评价", questions=_REVIEW_QUESTIONS),
    )
    ids = [loader.people[key].id for key in _REVIEWEES]
    await add_participants(deps, hr, rc.id, ids)
    for position, reviewee in enumerate(ids):
        peers = [ids[(position + k) % len(ids)] for k in (1, 2, 3)]
        await nominate_peers(deps, hr, rc.id, reviewee, peers)
    rc = await update_review_cycle(
        deps, hr, rc.id, ReviewCycleChanges(phase=ReviewPhase.COLLECTING)
    )
    silent = (loader.people["rep_liu"].id, loader.people["rep_li"].id)
    for key in loader.people:
        answering = loader.at(loader.now - timedelta(days=5))
        mine = await my_reviews(answering, loader.as_(key), rc.id)
        for position, review in enumerate(mine):
            a = review.assignment
            if (a.reviewee_id, a.reviewer_id) == silent:
                continue
            ratings = _demo_ratings(a.role, position)
            answers = [
                Answer(q.id, rating) for q, rating in zip(rc.questions, ratings, strict=True)
            ]
            await submit_response(answering, loader.as_(key), a.id, answers)
    closing = loader.at(loader.now - timedelta(days=1))
    for phase in (ReviewPhase.CLOSED, ReviewPhase.PUBLISHED):
        rc = await update_review_cycle(closing, hr, rc.id, ReviewCycleChanges(phase=phase))


async def find_demo_people(deps: Deps, organization_id: UUID, admin_id: UUID) -> DemoOrganization:
    """The demo's manager and member, looked up by email in its directory."""
    admin = Principal(
        organization_id=organization_id,
        subject=str(admin_id),
        member_id=admin_id,
        roles=frozenset({Role.ADMIN, Role.MEMBER}),
    )

    async def by_email(email: str) -> UUID:
        found = await list_members(deps, admin, MemberFilter(email=email), PageRequest(limit=1))
        if not found.items:
            raise NotFound(f"the demo organization has no member {email}")
        return found.items[0].id

    return DemoOrganization(
        organization_id=organization_id,
        admin_id=admin_id,
        manager_id=await by_email(MANAGER_EMAIL),
        member_id=await by_email(MEMBER_EMAIL),
    )


async def load_demo(deps: Deps) -> DemoOrganization:
    """Create the demo organization with its people, units, cycles and OKRs.

    ``deps.clock`` says what "now" is; the history is laid out in the weeks before it.
    Not idempotent by itself: the caller looks for an existing demo first
    (``okr demo`` does).
    """
    now = deps.clock.now()
    clock = _DemoClock(now - _SETUP_AGO)
    loader = _Loader(deps=Deps(uow=deps.uow, clock=clock, new_id=deps.new_id), clock=clock, now=now)
    await loader.organization()
    units = await loader.units()
    year, quarter = await loader.cycles()
    krs = await _okrs(loader, units, year, quarter)
    await loader.check_in_week_by_week()
    await _actions(loader, quarter, krs)
    await _review(loader, year)

    assert loader.organization_id is not None
    await update_organization(
        loader.at(now), loader.as_("ceo"), OrganizationChanges(name=DEMO_NAME)
    )
    return DemoOrganization(
        organization_id=loader.organization_id,
        admin_id=loader.people["ceo"].id,
        manager_id=loader.people["sales_director"].id,
        member_id=loader.people["rep_li"].id,
    )
