"""A demo organization (``okr demo``) built from DOMAIN.md's worked examples.

"Acme Growth (demo)" runs its sales and marketing on OKRs the way the articles describe:
the company aim (+30% sales, satisfaction above 90%) cascades to the sales department's
objectives (001), marketing contributes to the sales department's new-customer KR (002,
003), and the reps' quarterly objectives align to their department's. KRs carry a few
weeks of check-ins, and actions (the A of OKMA) have owners, due dates and completion
standards; one is done and accepted. The year's 360 review is published.

The sales department reads its quarter the way a sales leader does (DOMAIN.md "Sales pacing,
forecast and quotas"): its KRs are judged by a back-loaded curve (the unit's default); two
closed quarters of bookings history teach this quarter's committed "Bookings" KR a learned
curve; that KR sums the reps' quota KRs; and a Salesforce-style forecast series sits beside it.

What the demo holds is data, in ``demo.toml`` next to this module; this module only reads
it (checked by pydantic, every key it refers to resolved) and lays it out in time.

Everything is made through the use cases, with principals of the people who would do it
(the CEO sets up the organization, the sales director writes the department's OKRs, each
rep checks in on their own KRs), so every rule of the service applies. The use cases
read a clock that this module moves through the past weeks: check-ins carry the dates
they would have had.

The organization is created under its loading name and renamed to its final name last:
a demo whose loading broke off is never mistaken for a complete one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Literal, Self
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.ambition import DEFAULT_AMBITION
from domain.cycles import Cycle, CycleKind, CycleState
from domain.errors import NotFound
from domain.members import Member, Role
from domain.okrs import (
    ActionStatus,
    Aggregation,
    Ambition,
    Direction,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale, OrganizationChanges
from domain.pacing import expected_progress as curve_progress
from domain.pacing import preset
from domain.pacing_setting import CurveKind, PacingSetting
from domain.reviews import Answer, ReviewCycle, ReviewPhase, ReviewRole
from domain.scoring import expected_progress
from domain.units import UnitKind
from service.actions import ActionChanges, NewAction, accept_action, create_action, update_action
from service.auth import Principal
from service.checkins import NewCheckIn, check_in
from service.context import Deps
from service.cycles import CycleChanges, NewCycle, create_cycle, update_cycle
from service.forecasts import NewForecast, record_forecast
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

# -- the data's shape (demo.toml) ------------------------------------------------------------


class _Data(BaseModel):
    # A misspelt field in the data file is an error, not a silently ignored line.
    model_config = ConfigDict(frozen=True, extra="forbid")


class OrganizationData(_Data):
    name: str
    loading_name: str
    time_zone: str
    locale: Locale
    admin: str  # comes with the organization
    manager: str  # with ``admin`` and ``member``: the people whose tokens ``okr demo`` prints
    member: str


class PersonData(_Data):
    name: str
    email: str
    roles: frozenset[Role] = frozenset({Role.MEMBER})
    manager: str | None = None


class UnitData(_Data):
    kind: UnitKind
    name: str
    parent: str | None = None
    lead: str
    members: tuple[str, ...] = ()
    pacing: CurveKind | None = None  # the default curve of its objectives' KRs


class ForecastData(_Data):
    """A CRM's forecast of a KR's value at the cycle's end, posted ``days_ago`` (kept
    within the current quarter) by the KR's owner on behalf of ``integration``."""

    days_ago: int = Field(ge=0)
    commit: Decimal
    best_case: Decimal
    integration: str
    external_id: str
    note: str = ""


class CycleNames(_Data):
    year: str  # with {year}
    quarter: str  # with {year} and {quarter}


class KeyResultData(_Data):
    """A KR, and how its check-ins go: ``pace`` is progress against the cycle's elapsed
    share read on the ``path`` curve (1.0 keeps exactly to it), ``check_ins`` how many
    weeks (none for a KR summing its contributors)."""

    key: str | None = None
    title: str
    owner: str
    metric_kind: MetricKind = MetricKind.NUMBER
    direction: Direction = Direction.INCREASE
    unit: str | None = None
    currency: str | None = None
    start: Decimal
    target: Decimal
    step: Decimal = Decimal(1)  # check-in values are rounded to this
    pace: Decimal = Decimal(1)
    path: Literal[CurveKind.LINEAR, CurveKind.BACK_LOADED] = CurveKind.LINEAR
    check_ins: int = Field(ge=0)
    confidence: int = 7  # 0-10, the first weeks' confidence
    notes: tuple[str, ...] = ()
    milestones: tuple[str, ...] = ()
    blockers: str = ""  # what blocks it, reported in the later weeks
    pacing: CurveKind | None = None  # its own curve (a preset or learned); None: inherited
    aggregation: Aggregation = Aggregation.NONE
    contributes_to: str | None = None  # the key of the KR it adds into (quota roll-up)
    forecasts: tuple[ForecastData, ...] = ()

    @model_validator(mode="after")
    def _notes_for_check_ins(self) -> Self:
        if self.check_ins and not self.notes:
            raise ValueError(f"key result {self.title!r}: check-ins need notes")
        return self


class ObjectiveData(_Data):
    key: str | None = None
    by: str
    # "past_quarters": one copy in each of the two closed quarters before the current one
    # (their title's {quarter} is the quarter's name), its KRs' check-ins spread over it.
    cycle: Literal["year", "quarter", "past_quarters"]
    unit: str | None = None  # the owning unit; without one, ``by`` owns it
    parent_objective: str | None = None
    parent_key_result: str | None = None
    visibility: Visibility = Visibility.PUBLIC
    ambition: Ambition = DEFAULT_AMBITION
    title: str
    description: str
    key_results: tuple[KeyResultData, ...] = ()

    @model_validator(mode="after")
    def _history_has_no_keys(self) -> Self:
        # A past-quarters objective is made twice: a key would name two things.
        if self.cycle == "past_quarters" and (
            self.key or any(kr.key or kr.contributes_to or kr.forecasts for kr in self.key_results)
        ):
            raise ValueError(
                f"objective {self.title!r}: past quarters' OKRs take no keys, "
                "contributions or forecasts"
            )
        return self


class DaysFromToday(_Data):
    days_from_today: int  # kept within the current quarter


class DaysAfterSetup(_Data):
    days_after_setup: int


class MoveData(_Data):
    status: ActionStatus
    days_after_setup: int


class ActionData(_Data):
    by: str
    key_result: str
    title: str
    owner: str
    due: Literal["end of quarter"] | DaysFromToday | DaysAfterSetup
    standard: str
    moves: tuple[MoveData, ...] = ()
    accepted_by: str | None = None


class ReviewPair(_Data):
    reviewee: str
    reviewer: str


class QuestionData(_Data):
    zh: str
    en: str


class ReviewData(_Data):
    by: str
    name: str  # with {cycle}
    reviewees: tuple[str, ...]
    silent: ReviewPair | None = None  # the one reviewer who does not answer
    questions: tuple[QuestionData, ...]
    ratings: dict[ReviewRole, tuple[int, ...]]  # by reviewer role, one per question


class DemoData(_Data):
    organization: OrganizationData
    people: dict[str, PersonData]
    units: dict[str, UnitData]
    cycles: CycleNames
    objectives: tuple[ObjectiveData, ...]
    actions: tuple[ActionData, ...]
    review: ReviewData

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        """Every key refers to something defined before it: loading never stops half-way
        on a typo, and each thing exists by the time the use cases are asked for it."""
        org, people, review = self.organization, [self.organization.admin], self.review
        _known((org.admin, org.manager, org.member), self.people, "organization")
        for key, person in self.people.items():
            _known((person.manager,), people, f"people.{key}.manager")
            people.append(key)
        units: list[str] = []
        for key, unit in self.units.items():
            _known((unit.parent,), units, f"units.{key}.parent")
            _known((unit.lead, *unit.members), people, f"units.{key}")
            units.append(key)
        objectives: list[str | None] = []
        krs: list[str | None] = []
        for objective in self.objectives:
            where = f"objective {objective.title!r}"
            _known((objective.by,), people, where)
            _known((objective.unit,), units, where)
            _known((objective.parent_objective,), objectives, where)
            _known((objective.parent_key_result,), krs, where)
            _known([kr.owner for kr in objective.key_results], people, where)
            _known([kr.contributes_to for kr in objective.key_results], krs, where)
            objectives.append(objective.key)
            krs.extend(kr.key for kr in objective.key_results)
        for action in self.actions:
            where = f"action {action.title!r}"
            _known((action.by, action.owner, action.accepted_by), people, where)
            _known((action.key_result,), krs, where)
        silent = (review.silent.reviewee, review.silent.reviewer) if review.silent else ()
        _known((review.by, *review.reviewees, *silent), people, "review")
        if set(review.ratings) != set(ReviewRole) or any(
            len(ratings) != len(review.questions) for ratings in review.ratings.values()
        ):
            raise ValueError("review.ratings: one rating per question for each reviewer role")
        return self


def _known(keys: Collection[str | None], defined: Collection[str | None], where: str) -> None:
    for key in keys:
        if key is not None and key not in defined:
            raise ValueError(f"{where}: {key!r} is not defined before it is used")


def read_demo_data(text: str | None = None) -> DemoData:
    """The demo as ``demo.toml`` (next to this module) writes it, or as ``text`` does.

    Raises pydantic's ``ValidationError`` when a field is missing, misspelt or refers to
    a key not defined before it.
    """
    if text is None:
        text = resources.files(__package__).joinpath("demo.toml").read_text(encoding="utf-8")
    # Decimals stay exact: 0.1 in the file is Decimal("0.1"), never a float.
    return DemoData.model_validate(tomllib.loads(text, parse_float=Decimal))


DEMO_DATA = read_demo_data()
DEMO_NAME = DEMO_DATA.organization.name
LOADING_NAME = DEMO_DATA.organization.loading_name
ADMIN_EMAIL = DEMO_DATA.people[DEMO_DATA.organization.admin].email
MANAGER_EMAIL = DEMO_DATA.people[DEMO_DATA.organization.manager].email
MEMBER_EMAIL = DEMO_DATA.people[DEMO_DATA.organization.member].email

_SETUP_AGO = timedelta(weeks=7)  # the current quarter's OKRs were set up this long ago
# The sales history: the quarters this many before the current one (closed, with OKRs).
_HISTORY_QUARTERS = (2, 1)
_FOUNDED_BEFORE_HISTORY = timedelta(days=14)  # the organization was made then
_HISTORY_CREATED = time(10)  # a past quarter's OKRs were written on its first day, then
_CHECK_IN_TIME = time(17)  # a past quarter's check-ins: at the end of a working day
_CLOSING_TIME = time(20)  # an ended cycle was closed on its last evening
_ACTIONS_CREATED = timedelta(days=2)  # after the setup
_ACCEPTED_AGO = timedelta(days=3)
# The 360 review: created, answered and closed-then-published this many days ago.
_REVIEW_DAYS_AGO = (10, 5, 1)
_PEERS = (1, 2, 3)  # a reviewee's peers: the next three reviewees, round the list


@dataclass(frozen=True)
class DemoOrganization:
    """The demo organization and the three people whose tokens ``okr demo`` prints."""

    organization_id: UUID
    admin_id: UUID
    manager_id: UUID
    member_id: UUID


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


def _id_of(ids: dict[str, UUID], key: str | None) -> UUID | None:
    return ids[key] if key is not None else None


def _ratings(base: tuple[int, ...], position: int) -> tuple[int, ...]:
    """The role's ratings, varied by the reviewer's position in their list (1 to 5)."""
    return tuple(max(1, min(5, r + (position + i) % 3 - 1)) for i, r in enumerate(base))


@dataclass
class _Loader:
    deps: Deps
    clock: _DemoClock
    now: datetime
    data: DemoData
    tz: ZoneInfo = field(init=False)
    organization_id: UUID | None = None
    people: dict[str, Member] = field(default_factory=dict)
    # What the data's keys refer to, once made (a unit and an objective may share a key).
    unit_ids: dict[str, UUID] = field(default_factory=dict)
    cycles: dict[str, Cycle] = field(default_factory=dict)  # "year" and the current "quarter"
    quarters: dict[tuple[int, int], Cycle] = field(default_factory=dict)  # (year, 0-3)
    past_quarters: list[Cycle] = field(default_factory=list)  # the sales history's, oldest first
    ended: list[Cycle] = field(default_factory=list)  # years that ended
    objective_ids: dict[str, UUID] = field(default_factory=dict)
    key_result_ids: dict[str, UUID] = field(default_factory=dict)
    planned: list[tuple[datetime, str, UUID, NewCheckIn]] = field(default_factory=list)
    forecasts: list[tuple[datetime, str, UUID, NewForecast]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.data.organization.time_zone)

    @property
    def setup_at(self) -> datetime:
        return self.now - _SETUP_AGO

    @property
    def founded_at(self) -> datetime:
        """When the organization, its people and units were made: before the sales
        history's first quarter (which the current quarter's date decides)."""
        today = self.today()
        index = today.year * 4 + (today.month - 1) // 3 - max(_HISTORY_QUARTERS)
        year, q = divmod(index, 4)
        first_day = datetime.combine(date(year, 3 * q + 1, 1), time(9), self.tz)
        return min(self.setup_at, first_day - _FOUNDED_BEFORE_HISTORY)

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
        org_data = self.data.organization
        admin = self.data.people[org_data.admin]
        org, self.people[org_data.admin] = await create_organization(
            self.at(self.founded_at),
            NewOrganization(
                name=org_data.loading_name,
                admin_email=admin.email,
                admin_name=admin.name,
                time_zone=org_data.time_zone,
                locale=org_data.locale,
            ),
        )
        self.organization_id = org.id
        for key, person in self.data.people.items():
            if key != org_data.admin:
                self.people[key] = await self.member(person)

    async def member(self, person: PersonData) -> Member:
        return await create_member(
            self.deps,
            self.as_(self.data.organization.admin),
            NewMember(
                name=person.name,
                email=person.email,
                manager_id=self.people[person.manager].id if person.manager else None,
                roles=person.roles,
            ),
        )

    async def units(self) -> None:
        admin = self.as_(self.data.organization.admin)
        for key, unit in self.data.units.items():
            made = await create_unit(
                self.deps,
                admin,
                NewUnit(
                    kind=unit.kind,
                    name=unit.name,
                    parent_id=_id_of(self.unit_ids, unit.parent),
                    lead_id=self.people[unit.lead].id,
                    pacing=PacingSetting(kind=unit.pacing) if unit.pacing else None,
                ),
            )
            self.unit_ids[key] = made.id
        for key, unit in self.data.units.items():
            for member in unit.members:
                await add_unit_member(self.deps, admin, self.unit_ids[key], self.people[member].id)

    async def make_cycles(self) -> None:
        """The current year, active, with its four quarters: past ones active until their
        history is in (then closed, by :meth:`close_past_cycles`), the current one active,
        later ones in planning. Last year too when the two quarters before the current one
        (the sales history) fall in it."""
        today = self.today()
        index = today.year * 4 + (today.month - 1) // 3  # quarters since year 0
        past = [divmod(index - back, 4) for back in _HISTORY_QUARTERS]
        for year in sorted({today.year} | {y for y, _ in past}):
            made = await self.year_with_quarters(year)
            if year == today.year:
                self.cycles["year"] = made
        self.past_quarters = [self.quarters[q] for q in past]
        self.cycles["quarter"] = self.quarters[divmod(index, 4)]

    async def year_with_quarters(self, year: int) -> Cycle:
        admin = self.as_(self.data.organization.admin)
        names, today = self.data.cycles, self.today()
        made = await create_cycle(
            self.deps,
            admin,
            NewCycle(
                name=names.year.format(year=year),
                kind=CycleKind.YEAR,
                start_date=date(year, 1, 1),
                end_date=date(year, 12, 31),
            ),
        )
        made = await update_cycle(self.deps, admin, made.id, CycleChanges(state=CycleState.ACTIVE))
        for q in range(4):
            start = date(year, 3 * q + 1, 1)
            end = date(year, 12, 31) if q == 3 else date(year, 3 * q + 4, 1) - timedelta(days=1)
            quarter = await create_cycle(
                self.deps,
                admin,
                NewCycle(
                    name=names.quarter.format(year=year, quarter=q + 1),
                    kind=CycleKind.QUARTER,
                    start_date=start,
                    end_date=end,
                    parent_id=made.id,
                ),
            )
            if start <= today:
                quarter = await update_cycle(
                    self.deps, admin, quarter.id, CycleChanges(state=CycleState.ACTIVE)
                )
            self.quarters[(year, q)] = quarter
        if made.end_date < today:
            self.ended.append(made)
        return made

    async def close_past_cycles(self) -> None:
        """Close every cycle that has ended, on its last evening (quarters before their
        year, which keeps them as they were): learned pacing counts a cycle closed before
        the day it is read."""
        admin = self.as_(self.data.organization.admin)
        today = self.today()
        ended = [q for q in self.quarters.values() if q.end_date < today] + self.ended
        for cycle in ended:
            evening = datetime.combine(cycle.end_date, _CLOSING_TIME, self.tz)
            await update_cycle(
                self.at(evening), admin, cycle.id, CycleChanges(state=CycleState.CLOSED)
            )

    # -- objectives and KRs ------------------------------------------------------------------

    async def objectives(self) -> None:
        """Every objective with its KRs, their check-ins and forecasts planned: the past
        quarters' on their first day, the others at the setup."""
        for spec in self.data.objectives:
            if spec.cycle == "past_quarters":
                for cycle in self.past_quarters:
                    first_day = datetime.combine(cycle.start_date, _HISTORY_CREATED, self.tz)
                    self.at(first_day)
                    await self.objective_with_key_results(spec, cycle)
            else:
                self.at(self.setup_at)
                await self.objective_with_key_results(spec, self.cycles[spec.cycle])

    async def objective_with_key_results(self, spec: ObjectiveData, cycle: Cycle) -> None:
        objective_id = await self.objective(spec, cycle)
        if spec.key:
            self.objective_ids[spec.key] = objective_id
        for kr_spec in spec.key_results:
            kr = await self.key_result(spec.by, objective_id, kr_spec)
            if spec.cycle == "past_quarters":
                self.plan_past_check_ins(kr_spec, kr, cycle)
            elif kr_spec.check_ins:
                self.plan_check_ins(kr_spec, kr, cycle)
            self.plan_forecasts(kr_spec, kr.key_result.id, cycle)
            if kr_spec.key:
                self.key_result_ids[kr_spec.key] = kr.key_result.id

    async def objective(self, spec: ObjectiveData, cycle: Cycle) -> UUID:
        view = await create_objective(
            self.deps,
            self.as_(spec.by),
            NewObjective(
                cycle_id=cycle.id,
                title=spec.title.format(quarter=cycle.name),
                description=spec.description,
                owner_kind=OwnerKind.UNIT if spec.unit else OwnerKind.MEMBER,
                owner_id=_id_of(self.unit_ids, spec.unit),
                status=ObjectiveStatus.ACTIVE,
                visibility=spec.visibility,
                parent_objective_id=_id_of(self.objective_ids, spec.parent_objective),
                parent_key_result_id=_id_of(self.key_result_ids, spec.parent_key_result),
                ambition=spec.ambition,
            ),
        )
        return view.objective.id

    async def key_result(self, by: str, objective_id: UUID, spec: KeyResultData) -> KeyResultView:
        return await create_key_result(
            self.deps,
            self.as_(by),
            objective_id,
            NewKeyResult(
                title=spec.title,
                owner_id=self.people[spec.owner].id,
                metric_kind=spec.metric_kind,
                start=spec.start,
                target=spec.target,
                direction=spec.direction,
                unit=spec.unit,
                currency=spec.currency,
                confidence=spec.confidence,
                milestones=tuple(MilestoneInput(title=m) for m in spec.milestones),
                pacing=PacingSetting(kind=spec.pacing) if spec.pacing else None,
                contributes_to_key_result_id=_id_of(self.key_result_ids, spec.contributes_to),
                aggregation=spec.aggregation,
            ),
        )

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

    def plan_check_ins(self, spec: KeyResultData, kr: KeyResultView, cycle: Cycle) -> None:
        """Plan the KR's weekly check-ins, to be made by its owner: values move with the
        cycle's elapsed share times the KR's pace, confidence drifts with the pace, and
        the blockers show up in the later weeks."""
        start, target, step = spec.start, spec.target, spec.step
        milestone_ids = [m.id for m in kr.key_result.milestones]
        count = spec.check_ins
        times = self.check_in_times(count, cycle, minute=len(self.planned) % 50)
        for index, moment in enumerate(times):
            elapsed = expected_progress(
                cycle.start_date, cycle.end_date, moment.astimezone(self.tz).date()
            )
            # Ahead of or behind its path by the KR's pace; never quite nothing, even on a
            # cycle's first days.
            share = min(Decimal(1), curve_progress(preset(spec.path), elapsed) * spec.pace)
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

    def plan_past_check_ins(self, spec: KeyResultData, kr: KeyResultView, cycle: Cycle) -> None:
        """A past quarter's KR: ``check_ins`` evenly over the quarter, the last on its last
        day, along its ``path`` to ``pace`` (its final progress), by its owner. These are
        the histories learned pacing reads."""
        days = (cycle.end_date - cycle.start_date).days
        for index in range(spec.check_ins):
            day = cycle.start_date + timedelta(days=round(days * (index + 1) / spec.check_ins))
            elapsed = expected_progress(cycle.start_date, cycle.end_date, day)
            share = curve_progress(preset(spec.path), elapsed) * spec.pace
            value = spec.start + (spec.target - spec.start) * share
            data = NewCheckIn(
                value=(value / spec.step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * spec.step,
                confidence=spec.confidence,
                note=spec.notes[index % len(spec.notes)],
            )
            moment = datetime.combine(day, _CHECK_IN_TIME, self.tz)
            self.planned.append((moment, spec.owner, kr.key_result.id, data))

    def plan_forecasts(self, spec: KeyResultData, kr_id: UUID, cycle: Cycle) -> None:
        """The KR's CRM forecasts, each posted ``days_ago`` by its owner, kept within the
        cycle and after the setup."""
        first_day = datetime.combine(cycle.start_date, time(), self.tz)
        for forecast in spec.forecasts:
            moment = max(self.now - timedelta(days=forecast.days_ago), first_day, self.setup_at)
            data = NewForecast(
                commit=forecast.commit,
                best_case=forecast.best_case,
                as_of_date=moment.astimezone(self.tz).date(),
                note=forecast.note,
                external_id=forecast.external_id,
                integration=forecast.integration,
            )
            self.forecasts.append((moment, spec.owner, kr_id, data))

    async def post_forecasts(self) -> None:
        for moment, owner, kr_id, data in sorted(self.forecasts, key=lambda f: f[0]):
            await record_forecast(self.at(moment), self.as_(owner), kr_id, data)

    async def check_in_week_by_week(self) -> None:
        """Every KR owner checks in on their KRs, the oldest updates first."""
        for moment, owner, kr_id, data in sorted(self.planned, key=lambda p: p[0]):
            await check_in(self.at(moment), self.as_(owner), kr_id, data)

    # -- actions (the A of OKMA) -------------------------------------------------------------

    def due(self, spec: ActionData) -> date:
        quarter = self.cycles["quarter"]
        match spec.due:
            case DaysFromToday(days_from_today=days):
                due = self.today() + timedelta(days=days)
                return max(quarter.start_date, min(due, quarter.end_date))
            case DaysAfterSetup(days_after_setup=days):
                return (self.setup_at + timedelta(days=days)).astimezone(self.tz).date()
            case _:
                return quarter.end_date

    async def action(self, spec: ActionData) -> None:
        """Create the action two days after the setup and let its owner move it on."""
        action = await create_action(
            self.at(self.setup_at + _ACTIONS_CREATED),
            self.as_(spec.by),
            self.key_result_ids[spec.key_result],
            NewAction(
                title=spec.title,
                owner_id=self.people[spec.owner].id,
                due_date=self.due(spec),
                completion_standard=spec.standard,
            ),
        )
        for move in spec.moves:
            action = await update_action(
                self.at(self.setup_at + timedelta(days=move.days_after_setup)),
                self.as_(spec.owner),
                action.id,
                ActionChanges(status=move.status),
            )
        if spec.accepted_by is not None:
            await accept_action(
                self.at(self.now - _ACCEPTED_AGO), self.as_(spec.accepted_by), action.id
            )

    # -- the 360 review (360度评价) ------------------------------------------------------------

    async def review(self) -> None:
        """A published 360 review of the year: peers nominated among the reviewees, every
        reviewer answers except the silent one."""
        created, answered, published = (self.now - timedelta(days=d) for d in _REVIEW_DAYS_AGO)
        rc = await self.open_review(self.at(created))
        await self.answer_reviews(self.at(answered), rc)
        by = self.as_(self.data.review.by)
        for phase in (ReviewPhase.CLOSED, ReviewPhase.PUBLISHED):
            rc = await update_review_cycle(
                self.at(published), by, rc.id, ReviewCycleChanges(phase=phase)
            )

    async def open_review(self, deps: Deps) -> ReviewCycle:
        spec, year = self.data.review, self.cycles["year"]
        by = self.as_(spec.by)
        rc = await create_review_cycle(
            deps,
            by,
            NewReviewCycle(
                cycle_id=year.id,
                name=spec.name.format(cycle=year.name),
                questions=tuple(QuestionInput(q.zh, q.en) for q in spec.questions),
            ),
        )
        ids = [self.people[key].id for key in spec.reviewees]
        await add_participants(deps, by, rc.id, ids)
        for position, reviewee in enumerate(ids):
            peers = [ids[(position + k) % len(ids)] for k in _PEERS]
            await nominate_peers(deps, by, rc.id, reviewee, peers)
        return await update_review_cycle(
            deps, by, rc.id, ReviewCycleChanges(phase=ReviewPhase.COLLECTING)
        )

    async def answer_reviews(self, deps: Deps, rc: ReviewCycle) -> None:
        """Each person answers the reviews assigned to them, but for the silent one."""
        spec = self.data.review
        silent: tuple[UUID, UUID] | None = None
        if spec.silent is not None:
            silent = (self.people[spec.silent.reviewee].id, self.people[spec.silent.reviewer].id)
        for key in self.people:
            mine = await my_reviews(deps, self.as_(key), rc.id)
            for position, review in enumerate(mine):
                a = review.assignment
                if (a.reviewee_id, a.reviewer_id) == silent:
                    continue
                ratings = _ratings(spec.ratings[a.role], position)
                answers = [
                    Answer(q.id, rating) for q, rating in zip(rc.questions, ratings, strict=True)
                ]
                await submit_response(deps, self.as_(key), a.id, answers)


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


async def load_demo(deps: Deps, data: DemoData = DEMO_DATA) -> DemoOrganization:
    """Create the demo organization with its people, units, cycles, OKRs and review.

    ``deps.clock`` says what "now" is; the history is laid out in the weeks before it.
    Not idempotent by itself: the caller looks for an existing demo first
    (``okr demo`` does).
    """
    now = deps.clock.now()
    clock = _DemoClock(now - _SETUP_AGO)
    loader = _Loader(
        deps=Deps(uow=deps.uow, clock=clock, new_id=deps.new_id), clock=clock, now=now, data=data
    )
    await loader.organization()
    await loader.units()
    await loader.make_cycles()
    await loader.objectives()
    await loader.check_in_week_by_week()
    await loader.close_past_cycles()
    await loader.post_forecasts()
    for action in data.actions:
        await loader.action(action)
    await loader.review()

    assert loader.organization_id is not None
    org = data.organization
    await update_organization(
        loader.at(now), loader.as_(org.admin), OrganizationChanges(name=org.name)
    )
    return DemoOrganization(
        organization_id=loader.organization_id,
        admin_id=loader.people[org.admin].id,
        manager_id=loader.people[org.manager].id,
        member_id=loader.people[org.member].id,
    )
