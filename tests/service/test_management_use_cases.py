# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The management rhythm's use cases: review meetings, comments with @mentions, and work
plans.

The world: Acme in Asia/Shanghai with a year and its first quarter. Lin is a manager and
Carol's manager; Sue (a member) leads Sales and Tom (a member) leads Support; Bob is in
the Sales team (under Sales), Dan in Support. The Sales team owns a public objective with
Bob's KR; Carol has a private objective with her KR and an action; Dan has a public one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.comments import CommentTarget, mention_markup
from domain.cycles import Cycle, CycleKind
from domain.errors import FieldError, Forbidden, NotFound, RuleViolation, StaleVersion
from domain.limits import COMMENT_BODY_MAX_LENGTH
from domain.meetings import MeetingKind
from domain.members import Member, Role
from domain.okrs import Action, ActionStatus, Visibility
from domain.organizations import OrganizationChanges
from domain.units import OrgUnit, UnitKind
from service import comments, meetings, work_plans
from service.actions import ActionChanges, NewAction, create_action, update_action
from service.context import Deps
from service.cycles import NewCycle, create_cycle
from service.key_results import NewKeyResult, create_key_result
from service.management_ports import MeetingFilter
from service.meetings import MeetingChanges, NewMeeting
from service.objectives import NewObjective, ObjectiveChanges, create_objective, update_objective
from service.okr_ports import AuditFilter
from service.organizations import update_organization
from service.pagination import PageRequest
from service.storage.postgres import tables
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, count_rows, hire, principal_of

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


@dataclass(frozen=True)
class World:
    acme: Tenant
    year: Cycle
    q1: Cycle
    lin: Member  # a manager; Carol's manager
    sue: Member  # leads Sales (a department)
    tom: Member  # leads Support
    bob: Member  # in the Sales team
    carol: Member  # reports to Lin; owns a private objective
    dan: Member  # in Support
    sales: OrgUnit
    sales_team: OrgUnit  # under Sales, no lead
    support: OrgUnit
    team_objective: UUID  # the Sales team's, public
    team_kr: UUID  # Bob's
    private_objective: UUID  # Carol's
    private_kr: UUID
    private_action: Action
    dan_objective: UUID
    dan_kr: UUID


async def _world(deps: Deps, acme: Tenant) -> World:
    admin = acme.admin
    await update_organization(deps, admin, OrganizationChanges(time_zone="Asia/Shanghai"))
    lin = await make.member(deps, acme, "Lin", roles=frozenset({Role.MANAGER}))
    sue = await make.member(deps, acme, "Sue")
    tom = await make.member(deps, acme, "Tom")
    bob = await make.member(deps, acme, "Bob")
    carol = await make.member(deps, acme, "Carol", manager=lin)
    dan = await make.member(deps, acme, "Dan")
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY)
    sales = await make.unit(deps, acme, "Sales", UnitKind.DEPARTMENT, parent=company, lead=sue)
    sales_team = await make.unit(deps, acme, "Sales team", parent=sales, members=[bob])
    support = await make.unit(deps, acme, "Support", parent=company, lead=tom, members=[dan])
    year = await make.cycle(deps, acme, "2026", YEAR_START, YEAR_END, kind=CycleKind.YEAR)
    q1 = await make.cycle(deps, acme, "2026 Q1", YEAR_START, date(2026, 3, 31), parent=year)
    team_o = await make.objective(deps, admin, year, "把回款做实", unit=sales_team)
    team_kr = await make.key_result(deps, admin, team_o, "回款达到200万元", owner=bob)
    private_o = await make.objective(
        deps, carol, year, "Grow my accounts", visibility=Visibility.PRIVATE
    )
    private_kr = await make.key_result(deps, carol, private_o, "Renew 5 accounts", owner=carol)
    private_action = await make.action(
        deps, carol, private_kr, "Call the five", owner=carol, due_date=date(2026, 2, 1)
    )
    dan_o = await make.objective(deps, dan, year, "Answer every ticket within a day")
    dan_kr = await make.key_result(deps, dan, dan_o, "First reply < 24h", owner=dan)
    return World(
        acme=acme,
        year=year,
        q1=q1,
        lin=lin,
        sue=sue,
        tom=tom,
        bob=bob,
        carol=carol,
        dan=dan,
        sales=sales,
        sales_team=sales_team,
        support=support,
        team_objective=team_o.id,
        team_kr=team_kr.id,
        private_objective=private_o.id,
        private_kr=private_kr.id,
        private_action=private_action,
        dan_objective=dan_o.id,
        dan_kr=dan_kr.id,
    )


@pytest.fixture
async def w(deps: Deps, acme: Tenant) -> World:
    return await _world(deps, acme)


async def _action(
    deps: Deps,
    w: World,
    title: str,
    due: date | None,
    status: ActionStatus = ActionStatus.TODO,
    *,
    key_result_id: UUID | None = None,
    owner: Member | None = None,
) -> Action:
    made = await create_action(
        deps,
        w.acme.admin,
        key_result_id or w.team_kr,
        # A standard of done: work started or done needs one (and an owner, a due date).
        NewAction(
            title,
            owner_id=owner.id if owner else None,
            due_date=due,
            completion_standard="checked by the team lead",
        ),
    )
    if status is ActionStatus.TODO:
        return made
    return await update_action(deps, w.acme.admin, made.id, ActionChanges(status=status))


def _retro(w: World, **fields: object) -> NewMeeting:
    values: dict[str, object] = {
        "kind": MeetingKind.RETROSPECTIVE,
        "title": "  2026 Q1 销售复盘会  ",
        "held_on": date(2026, 4, 2),
        "cycle_id": w.q1.id,
        "unit_id": w.sales.id,
        "attendee_ids": (w.sue.id, w.bob.id, w.carol.id),
        "objective_ids": (w.team_objective,),
        "findings": "回款周期太长：合同审批平均两周。",
    }
    values.update(fields)
    return NewMeeting(**values)  # type: ignore[arg-type]


def _fields(error: RuleViolation) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.errors]


# -- meetings --------------------------------------------------------------------------------


async def test_a_retrospective_records_attendees_objectives_findings_and_follow_ups(
    deps: Deps, w: World
) -> None:
    follow_up = await _action(deps, w, "缩短合同审批到3天", date(2026, 4, 30), owner=w.bob)
    made = await meetings.create_meeting(
        deps, principal_of(w.sue), _retro(w, follow_up_action_ids=(follow_up.id,))
    )
    meeting = made.meeting
    assert meeting.title == "2026 Q1 销售复盘会"  # stripped
    assert (meeting.kind, meeting.held_on) == (MeetingKind.RETROSPECTIVE, date(2026, 4, 2))
    assert (meeting.cycle_id, meeting.unit_id) == (w.q1.id, w.sales.id)
    assert meeting.attendee_ids == (w.sue.id, w.bob.id, w.carol.id)
    assert meeting.objective_ids == (w.team_objective,)
    assert meeting.follow_up_action_ids == (follow_up.id,)
    assert made.follow_up_actions == (follow_up,)
    assert meeting.version == 1
    assert await meetings.get_meeting(deps, w.acme.viewer, meeting.id) == made

    async def listed(filters: MeetingFilter) -> list[UUID]:
        page = await meetings.list_meetings(deps, principal_of(w.bob), filters, PageRequest())
        return [v.meeting.id for v in page.items]

    weekly = await meetings.create_meeting(
        deps,
        principal_of(w.tom),
        NewMeeting(MeetingKind.WEEKLY, "Support weekly", date(2026, 3, 2), unit_id=w.support.id),
    )
    assert await listed(MeetingFilter()) == [meeting.id, weekly.meeting.id]
    assert await listed(MeetingFilter(cycle_id=w.q1.id)) == [meeting.id]
    assert await listed(MeetingFilter(unit_id=w.support.id)) == [weekly.meeting.id]
    assert await listed(MeetingFilter(kind=MeetingKind.MONTHLY_REPORT)) == []
    async with deps.uow() as uow:
        events = await uow.audit.list(
            w.acme.id, AuditFilter(resource_type="meeting"), PageRequest()
        )
    assert [(e.action, e.resource_id) for e in events.items] == [
        ("meeting.created", meeting.id),
        ("meeting.created", weekly.meeting.id),
    ]


async def test_who_may_record_a_meeting(deps: Deps, w: World) -> None:
    def of_unit(unit: OrgUnit | None, cycle: Cycle | None = None) -> NewMeeting:
        return NewMeeting(
            MeetingKind.WEEKLY,
            "Weekly",
            date(2026, 3, 2),
            cycle_id=cycle.id if cycle else None,
            unit_id=unit.id if unit else None,
        )

    allowed = [
        (w.acme.admin, of_unit(None, w.q1)),
        (principal_of(w.lin), of_unit(None, w.q1)),  # a manager: any meeting
        (principal_of(w.lin), of_unit(w.support)),
        (principal_of(w.tom), of_unit(w.support)),  # the unit's lead
        (principal_of(w.sue), of_unit(w.sales_team, w.q1)),  # the lead of a unit above it
    ]
    for who, data in allowed:
        await meetings.create_meeting(deps, who, data)
    refused = [
        (principal_of(w.bob), of_unit(w.sales_team)),  # a member
        (principal_of(w.tom), of_unit(w.sales)),  # another unit's lead
        (principal_of(w.sue), of_unit(w.support)),
        (principal_of(w.sue), of_unit(None, w.q1)),  # a cycle's: admins and managers
        (w.acme.reader, of_unit(None, w.q1)),  # a service
    ]
    for who, data in refused:
        with pytest.raises(Forbidden):
            await meetings.create_meeting(deps, who, data)
    page = await meetings.list_meetings(deps, w.acme.admin, MeetingFilter(), PageRequest())
    assert len(page.items) == len(allowed)

    made = (await meetings.create_meeting(deps, principal_of(w.tom), of_unit(w.support))).meeting
    with pytest.raises(Forbidden):  # moving it to a unit Tom does not lead
        await meetings.update_meeting(
            deps, principal_of(w.tom), made.id, MeetingChanges(unit_id=w.sales.id)
        )
    for who in (principal_of(w.sue), principal_of(w.bob)):
        with pytest.raises(Forbidden):
            await meetings.update_meeting(deps, who, made.id, MeetingChanges(title="x"))
        with pytest.raises(Forbidden):
            await meetings.delete_meeting(deps, who, made.id)
    await meetings.delete_meeting(deps, principal_of(w.tom), made.id, expected_version=1)
    with pytest.raises(NotFound):
        await meetings.get_meeting(deps, w.acme.admin, made.id)


async def test_a_meeting_names_only_what_its_writer_may_see(
    deps: Deps, w: World, globex: Tenant
) -> None:
    stranger = await hire(deps, globex, "Stranger")
    nobody = UUID(int=7)
    tom = principal_of(w.tom)
    with pytest.raises(RuleViolation) as refused:
        await meetings.create_meeting(
            deps,
            tom,
            NewMeeting(
                MeetingKind.WEEKLY,
                "Support weekly",
                date(2026, 3, 2),
                unit_id=w.support.id,
                attendee_ids=(w.dan.id, stranger.id, nobody),
                # Carol's objective is private: Tom may not see it, nor her action.
                objective_ids=(w.dan_objective, w.private_objective),
                follow_up_action_ids=(w.private_action.id,),
            ),
        )
    assert refused.value.code == "validation_failed"
    assert _fields(refused.value) == [
        ("attendee_ids[1]", "unknown"),
        ("attendee_ids[2]", "unknown"),
        ("objective_ids[1]", "unknown"),
        ("follow_up_action_ids[0]", "unknown"),
    ]
    # Her manager may name them.
    made = await meetings.create_meeting(
        deps,
        principal_of(w.lin),
        _retro(
            w,
            objective_ids=(w.private_objective,),
            follow_up_action_ids=(w.private_action.id,),
        ),
    )
    assert made.meeting.objective_ids == (w.private_objective,)
    for data, field in (
        (_retro(w, cycle_id=nobody), "cycle_id"),
        (_retro(w, unit_id=nobody), "unit_id"),
    ):
        with pytest.raises(RuleViolation) as unknown:
            await meetings.create_meeting(deps, w.acme.admin, data)
        assert (unknown.value.code, _fields(unknown.value)) == (
            "unknown_reference",
            [(field, "unknown_reference")],
        )
    with pytest.raises(RuleViolation) as shapeless:
        await meetings.create_meeting(
            deps,
            w.acme.admin,
            _retro(w, title=" ", cycle_id=None, unit_id=None, attendee_ids=(w.bob.id, w.bob.id)),
        )
    assert _fields(shapeless.value) == [
        ("title", "empty"),
        ("cycle_id", "required"),
        ("unit_id", "required"),
        ("attendee_ids[1]", "duplicate"),
    ]


async def test_a_meeting_reads_without_what_the_reader_may_not_see(deps: Deps, w: World) -> None:
    made = await meetings.create_meeting(
        deps,
        w.acme.admin,
        _retro(
            w,
            objective_ids=(w.private_objective, w.team_objective),
            follow_up_action_ids=(w.private_action.id,),
        ),
    )
    meeting_id = made.meeting.id
    for who in (w.acme.admin, principal_of(w.lin), principal_of(w.carol)):
        seen = await meetings.get_meeting(deps, who, meeting_id)
        assert seen.meeting.objective_ids == (w.private_objective, w.team_objective)
        assert seen.follow_up_actions == (w.private_action,)
    for who in (principal_of(w.bob), w.acme.viewer):
        seen = await meetings.get_meeting(deps, who, meeting_id)
        assert seen.meeting.objective_ids == (w.team_objective,)
        assert (seen.meeting.follow_up_action_ids, seen.follow_up_actions) == ((), ())
        page = await meetings.list_meetings(deps, who, MeetingFilter(), PageRequest())
        assert [v.meeting.objective_ids for v in page.items] == [(w.team_objective,)]


async def test_a_change_keeps_what_its_writer_may_not_see(deps: Deps, w: World) -> None:
    made = await meetings.create_meeting(
        deps,
        w.acme.admin,
        NewMeeting(
            MeetingKind.MONTHLY_REPORT,
            "Support, March",
            date(2026, 3, 31),
            unit_id=w.support.id,
            objective_ids=(w.private_objective,),
            follow_up_action_ids=(w.private_action.id,),
        ),
    )
    tom = principal_of(w.tom)
    changed = await meetings.update_meeting(
        deps,
        tom,
        made.meeting.id,
        MeetingChanges(
            objective_ids=(w.dan_objective,),
            follow_up_action_ids=(),
            findings="Tickets wait on weekends.",
            cycle_id=w.q1.id,
        ),
        expected_version=1,
    )
    assert changed.meeting.objective_ids == (w.dan_objective,)
    assert changed.meeting.version == 2
    full = await meetings.get_meeting(deps, w.acme.admin, made.meeting.id)
    assert full.meeting.objective_ids == (w.dan_objective, w.private_objective)
    assert full.meeting.follow_up_action_ids == (w.private_action.id,)
    assert (full.meeting.findings, full.meeting.cycle_id) == ("Tickets wait on weekends.", w.q1.id)
    with pytest.raises(StaleVersion):
        await meetings.update_meeting(
            deps, tom, made.meeting.id, MeetingChanges(title="x"), expected_version=1
        )
    # Naming the hidden objective it reviews answers exactly as naming an unknown one: the
    # writer cannot probe which hidden objectives a meeting lists.
    refusals = []
    for probe in (w.private_objective, UUID(int=404)):
        with pytest.raises(RuleViolation) as refused:
            await meetings.update_meeting(
                deps, tom, made.meeting.id, MeetingChanges(objective_ids=(probe,))
            )
        refusals.append((refused.value.code, _fields(refused.value)))
    assert refusals[0] == refusals[1]
    with pytest.raises(RuleViolation) as orphaned:  # a meeting keeps a cycle or a unit
        await meetings.update_meeting(
            deps, w.acme.admin, made.meeting.id, MeetingChanges(unit_id=None, cycle_id=None)
        )
    assert orphaned.value.code == "validation_failed"
    same = await meetings.update_meeting(
        deps, tom, made.meeting.id, MeetingChanges(title="Support, March")
    )
    assert same.meeting.version == 2  # nothing changed, nothing written


async def test_another_organizations_meeting_does_not_exist(
    deps: Deps, w: World, globex: Tenant
) -> None:
    made = await meetings.create_meeting(deps, w.acme.admin, _retro(w))
    mine = made.meeting.id
    with pytest.raises(NotFound):
        await meetings.get_meeting(deps, globex.admin, mine)
    with pytest.raises(NotFound):
        await meetings.update_meeting(deps, globex.admin, mine, MeetingChanges(title="x"))
    with pytest.raises(NotFound):
        await meetings.delete_meeting(deps, globex.admin, mine)
    page = await meetings.list_meetings(deps, globex.admin, MeetingFilter(), PageRequest())
    assert page.items == []
    with pytest.raises(RuleViolation) as theirs:  # and Acme's ids are unknown in Globex
        await meetings.create_meeting(
            deps,
            globex.admin,
            NewMeeting(
                MeetingKind.WEEKLY,
                "Weekly",
                date(2026, 3, 2),
                unit_id=None,
                cycle_id=w.q1.id,
            ),
        )
    assert theirs.value.code == "unknown_reference"


# -- comments --------------------------------------------------------------------------------


async def test_asking_another_team_for_help_shows_in_their_mentions(deps: Deps, w: World) -> None:
    """004: to ask another department for help, just @ them."""
    bob, dan = principal_of(w.bob), principal_of(w.dan)
    body = f"客户投诉的回复太慢，{mention_markup('王丹', w.dan.id)} 能帮忙看一下吗？"
    asked = await comments.add_comment(deps, bob, CommentTarget.KEY_RESULT, w.team_kr, body)
    assert asked.mentions == (w.dan.id,)
    assert (asked.author_id, asked.target, asked.target_id) == (
        w.bob.id,
        CommentTarget.KEY_RESULT,
        w.team_kr,
    )
    mine = await comments.mentions_of_me(deps, dan, PageRequest())
    assert mine.items == [asked]
    reply = await comments.add_comment(
        deps, dan, CommentTarget.KEY_RESULT, w.team_kr, f"好的 {mention_markup('Bob', w.bob.id)}"
    )
    later = await comments.add_comment(
        deps, dan, CommentTarget.OBJECTIVE, w.dan_objective, f"@[Bob]({w.bob.id}) FYI"
    )
    thread = await comments.list_comments(
        deps, w.acme.viewer, CommentTarget.KEY_RESULT, w.team_kr, PageRequest()
    )
    assert [c.id for c in thread.items] == [asked.id, reply.id]  # oldest first
    bobs = await comments.mentions_of_me(deps, bob, PageRequest())
    assert [c.id for c in bobs.items] == [later.id, reply.id]  # newest first
    first = await comments.mentions_of_me(deps, bob, PageRequest(limit=1))
    assert ([c.id for c in first.items], first.next_after) == ([later.id], later.id)
    assert await comments.mentions_of_me(deps, principal_of(w.sue), PageRequest()) == (
        await comments.mentions_of_me(deps, principal_of(w.tom), PageRequest())
    )


async def test_mentioning_another_organizations_member_is_refused_like_an_unknown_id(
    deps: Deps, w: World, globex: Tenant
) -> None:
    stranger = await hire(deps, globex, "Stranger")
    bob = principal_of(w.bob)
    refusals: list[RuleViolation] = []
    for someone in (stranger.id, UUID(int=7)):
        with pytest.raises(RuleViolation) as refused:
            await comments.add_comment(
                deps,
                bob,
                CommentTarget.KEY_RESULT,
                w.team_kr,
                f"{mention_markup('Dan', w.dan.id)} and @[Them]({someone}), please help",
            )
        refusals.append(refused.value)
    assert [(r.code, r.detail, _fields(r)) for r in refusals] == [
        ("validation_failed", "invalid comment", [("mentions[1]", "unknown_member")])
    ] * 2
    thread = await comments.list_comments(
        deps, bob, CommentTarget.KEY_RESULT, w.team_kr, PageRequest()
    )
    assert thread.items == []
    for member in (w.dan, stranger):
        assert (
            await comments.mentions_of_me(deps, principal_of(member), PageRequest())
        ).items == []


async def test_a_private_objectives_comments_exist_only_for_those_who_see_it(
    deps: Deps, w: World
) -> None:
    carol = principal_of(w.carol)
    on_objective = await comments.add_comment(
        deps,
        carol,
        CommentTarget.OBJECTIVE,
        w.private_objective,
        f"{mention_markup('Lin', w.lin.id)} {mention_markup('Bob', w.bob.id)} 请看一下",
    )
    on_action = await comments.add_comment(
        deps, carol, CommentTarget.ACTION, w.private_action.id, f"@[Bob]({w.bob.id})"
    )
    bob = principal_of(w.bob)
    for target, target_id, what in (
        (CommentTarget.OBJECTIVE, w.private_objective, "objective"),
        (CommentTarget.KEY_RESULT, w.private_kr, "key result"),
        (CommentTarget.ACTION, w.private_action.id, "action"),
    ):
        with pytest.raises(NotFound) as hidden:
            await comments.list_comments(deps, bob, target, target_id, PageRequest())
        assert hidden.value.detail == f"{what} not found"
        with pytest.raises(NotFound):
            await comments.add_comment(deps, bob, target, target_id, "hello")
    for comment_id in (on_objective.id, on_action.id):
        with pytest.raises(NotFound) as hidden:
            await comments.get_comment(deps, bob, comment_id)
        assert hidden.value.detail == "comment not found"
    # Bob is mentioned, but may not see the target: not his to read.
    assert (await comments.mentions_of_me(deps, bob, PageRequest())).items == []
    lins = await comments.mentions_of_me(deps, principal_of(w.lin), PageRequest())
    assert lins.items == [on_objective]
    # Made public, the objective shows its comments, and Bob his mentions.
    await update_objective(
        deps, carol, w.private_objective, ObjectiveChanges(visibility=Visibility.PUBLIC)
    )
    shown = await comments.mentions_of_me(deps, bob, PageRequest())
    assert [c.id for c in shown.items] == [on_action.id, on_objective.id]
    # And private again: gone again.
    await update_objective(
        deps, carol, w.private_objective, ObjectiveChanges(visibility=Visibility.PRIVATE)
    )
    assert (await comments.mentions_of_me(deps, bob, PageRequest())).items == []


async def test_only_the_author_edits_and_the_author_or_an_admin_deletes(
    deps: Deps, w: World, clock: FixedClock
) -> None:
    bob = principal_of(w.bob)
    made = await comments.add_comment(
        deps, bob, CommentTarget.KEY_RESULT, w.team_kr, f"@[Dan]({w.dan.id}) help?"
    )
    clock.current = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    edited = await comments.update_comment(
        deps, bob, made.id, f"  @[Sue]({w.sue.id}) help?  ", expected_version=1
    )
    assert (edited.body, edited.mentions, edited.version) == (
        f"@[Sue]({w.sue.id}) help?",
        (w.sue.id,),
        2,
    )
    assert (edited.created_at, edited.updated_at) == (made.created_at, clock.current)
    assert (await comments.mentions_of_me(deps, principal_of(w.dan), PageRequest())).items == []
    assert [
        c.id
        for c in (await comments.mentions_of_me(deps, principal_of(w.sue), PageRequest())).items
    ] == [made.id]
    unchanged = await comments.update_comment(deps, bob, made.id, edited.body)
    assert unchanged == edited
    with pytest.raises(StaleVersion):
        await comments.update_comment(deps, bob, made.id, "again", expected_version=1)
    for someone in (w.acme.admin, principal_of(w.lin), principal_of(w.dan)):
        with pytest.raises(Forbidden):
            await comments.update_comment(deps, someone, made.id, "not mine")
    for someone in (principal_of(w.lin), principal_of(w.dan), w.acme.reader):
        with pytest.raises(Forbidden):
            await comments.delete_comment(deps, someone, made.id)
    await comments.delete_comment(deps, bob, made.id, expected_version=2)
    with pytest.raises(NotFound):
        await comments.get_comment(deps, bob, made.id)
    moderated = await comments.add_comment(
        deps, bob, CommentTarget.OBJECTIVE, w.team_objective, "x"
    )
    await comments.delete_comment(deps, w.acme.admin, moderated.id)
    async with deps.uow() as uow:
        events = await uow.audit.list(
            w.acme.id, AuditFilter(resource_type="comment"), PageRequest()
        )
    assert [e.action for e in events.items] == [
        "comment.created",
        "comment.updated",
        "comment.deleted",
        "comment.created",
        "comment.deleted",
    ]


async def test_what_a_comment_may_be(deps: Deps, w: World, engine: AsyncEngine) -> None:
    bob = principal_of(w.bob)
    too_many = " ".join(f"@[M{i}]({UUID(int=i + 1)})" for i in range(21))
    cases: list[tuple[str, list[FieldError]]] = [
        ("   ", [FieldError("body", "must not be empty", "empty")]),
        (
            "x" * (COMMENT_BODY_MAX_LENGTH + 1),
            [FieldError("body", f"at most {COMMENT_BODY_MAX_LENGTH} characters", "too_long")],
        ),
    ]
    for body, errors in cases:
        with pytest.raises(RuleViolation) as refused:
            await comments.add_comment(deps, bob, CommentTarget.OBJECTIVE, w.team_objective, body)
        assert list(refused.value.errors) == errors
    with pytest.raises(RuleViolation) as crowded:
        await comments.add_comment(deps, bob, CommentTarget.OBJECTIVE, w.team_objective, too_many)
    assert ("mentions", "too_many") in _fields(crowded.value)
    with pytest.raises(Forbidden):  # an integration does not write comments
        await comments.add_comment(
            deps, w.acme.reader, CommentTarget.OBJECTIVE, w.team_objective, "hi"
        )
    with pytest.raises(Forbidden):
        await comments.mentions_of_me(deps, w.acme.reader, PageRequest())
    with pytest.raises(NotFound):
        await comments.add_comment(deps, bob, CommentTarget.ACTION, w.team_kr, "not an action")
    assert await count_rows(engine, w.acme.id, tables.comments) == (0,)


async def test_a_closed_or_another_organizations_target_and_comment(
    deps: Deps, w: World, globex: Tenant
) -> None:
    made = await comments.add_comment(
        deps, principal_of(w.bob), CommentTarget.OBJECTIVE, w.team_objective, "ours"
    )
    for call in (
        comments.get_comment(deps, globex.admin, made.id),
        comments.update_comment(deps, globex.admin, made.id, "theirs"),
        comments.delete_comment(deps, globex.admin, made.id),
        comments.list_comments(
            deps, globex.admin, CommentTarget.OBJECTIVE, w.team_objective, PageRequest()
        ),
        comments.add_comment(deps, globex.admin, CommentTarget.OBJECTIVE, w.team_objective, "x"),
    ):
        with pytest.raises(NotFound):
            await call


# -- work plans ------------------------------------------------------------------------------


async def test_a_members_work_plan_across_the_year(deps: Deps, w: World, clock: FixedClock) -> None:
    # 2026-04-01 01:00 in Shanghai, still March 31 in UTC: "today" is the organization's.
    clock.current = datetime(2026, 3, 31, 17, 0, tzinfo=UTC)
    bob = w.bob
    jan = await _action(deps, w, "拜访10家老客户", date(2026, 1, 20), ActionStatus.DONE, owner=bob)
    feb = await _action(deps, w, "整理客户名单", date(2026, 2, 10), owner=bob)
    mar_done = await _action(deps, w, "月度复盘", date(2026, 3, 31), ActionStatus.DONE, owner=bob)
    mar_late = await _action(
        deps, w, "报价模板", date(2026, 3, 31), ActionStatus.BLOCKED, owner=bob
    )
    may = await _action(deps, w, "新客户方案", date(2026, 5, 15), owner=bob)
    dec = await _action(deps, w, "年度总结", date(2026, 12, 20), owner=bob)
    unowned = await _action(deps, w, "更新销售手册", None)  # on Bob's KR, no owner
    outside = await _action(deps, w, "明年的事", date(2027, 1, 10), owner=bob)
    await _action(deps, w, "Dan's own", date(2026, 2, 1), owner=w.dan)  # Dan's, on Bob's KR
    await _action(deps, w, "On Dan's KR", date(2026, 2, 1), key_result_id=w.dan_kr, owner=w.dan)

    view = await work_plans.member_work_plan(deps, principal_of(w.sue), bob.id, w.year.id)
    plan = view.plan
    assert (view.member_id, view.unit_id, view.cycle) == (bob.id, None, w.year)
    assert plan.today == date(2026, 4, 1)
    assert [q.key for q in plan.quarters] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert [len(q.months) for q in plan.quarters] == [3, 3, 3, 3]
    months = {m.key: [a.id for a in m.actions] for q in plan.quarters for m in q.months}
    assert months == {
        "2026-01": [jan.id],
        "2026-02": [feb.id],
        "2026-03": [mar_done.id, mar_late.id],
        "2026-04": [],
        "2026-05": [may.id],
        "2026-06": [],
        "2026-07": [],
        "2026-08": [],
        "2026-09": [],
        "2026-10": [],
        "2026-11": [],
        "2026-12": [dec.id],
    }
    assert [a.id for a in plan.unscheduled.actions] == [unowned.id]
    assert [a.id for a in plan.outside_cycle.actions] == [outside.id]
    q1 = plan.quarters[0].counts
    assert (q1.of(ActionStatus.TODO), q1.of(ActionStatus.DONE), q1.of(ActionStatus.BLOCKED)) == (
        1,
        2,
        1,
    )
    assert q1.overdue == 2  # February's and March's blocked one, as of April 1 in Shanghai
    assert (plan.counts.total, plan.counts.overdue) == (8, 2)
    assert plan.counts.of(ActionStatus.TODO) == 5


async def test_a_years_plan_takes_in_its_quarters_objectives(deps: Deps, w: World) -> None:
    """004: a year's growth split into quarterly objectives, their actions in the year's plan."""
    bob = principal_of(w.bob)
    quarterly = await create_objective(deps, bob, NewObjective(w.q1.id, "Q1: 签下3家新客户"))
    kr = await create_key_result(
        deps, bob, quarterly.objective.id, NewKeyResult("新签约客户达到3家", owner_id=w.bob.id)
    )
    action = await create_action(
        deps,
        bob,
        kr.key_result.id,
        NewAction("拜访10家潜在客户", owner_id=w.bob.id, due_date=date(2026, 2, 20)),
    )

    year = await work_plans.member_work_plan(deps, bob, w.bob.id, w.year.id)
    quarter = await work_plans.member_work_plan(deps, bob, w.bob.id, w.q1.id)

    in_year = [a.id for q in year.plan.quarters for m in q.months for a in m.actions]
    in_quarter = [a.id for q in quarter.plan.quarters for m in q.months for a in m.actions]
    assert action.id in in_year
    assert action.id in in_quarter


async def test_a_units_plan_and_what_the_reader_may_see(deps: Deps, w: World) -> None:
    mine = await _action(deps, w, "Team task", date(2026, 2, 1), owner=w.lin)  # on the team KR
    dans = await _action(deps, w, "Dan's", date(2026, 3, 1), key_result_id=w.dan_kr, owner=w.dan)
    support = await work_plans.unit_work_plan(deps, w.acme.viewer, w.support.id, w.year.id)
    assert [a.id for q in support.plan.quarters for a in q.actions] == [dans.id]
    assert support.unit_id == w.support.id
    team = await work_plans.unit_work_plan(deps, w.acme.viewer, w.sales_team.id, w.year.id)
    assert [a.id for q in team.plan.quarters for a in q.actions] == [mine.id]
    # Carol's action is on her private objective.
    for who, seen in ((principal_of(w.bob), []), (principal_of(w.lin), [w.private_action.id])):
        carols = await work_plans.member_work_plan(deps, who, w.carol.id, w.year.id)
        assert [a.id for q in carols.plan.quarters for a in q.actions] == seen


async def test_a_plans_cycle_defaults_to_the_longest_running_today(
    deps: Deps, w: World, clock: FixedClock
) -> None:
    clock.current = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    view = await work_plans.member_work_plan(deps, principal_of(w.bob), w.bob.id)
    assert view.cycle == w.year  # the year, not its quarter
    quarter = await work_plans.member_work_plan(deps, principal_of(w.bob), w.bob.id, w.q1.id)
    assert [q.key for q in quarter.plan.quarters] == ["2026-Q1"]
    clock.current = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(RuleViolation) as none:
        await work_plans.member_work_plan(deps, principal_of(w.bob), w.bob.id)
    assert (none.value.code, _fields(none.value)) == (
        "validation_failed",
        [("cycle_id", "required")],
    )


async def test_a_plan_of_another_organization_or_of_nobody(
    deps: Deps, w: World, globex: Tenant
) -> None:
    nobody = UUID(int=7)
    with pytest.raises(NotFound):
        await work_plans.member_work_plan(deps, globex.admin, w.bob.id)
    with pytest.raises(NotFound):
        await work_plans.unit_work_plan(deps, globex.admin, w.sales.id)
    with pytest.raises(NotFound):
        await work_plans.member_work_plan(deps, w.acme.admin, nobody, w.year.id)
    with pytest.raises(RuleViolation) as unknown:
        await work_plans.member_work_plan(deps, w.acme.admin, w.bob.id, nobody)
    assert unknown.value.code == "unknown_reference"
    globex_cycle = await create_cycle(
        deps,
        globex.admin,
        NewCycle("2026", CycleKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
    )
    with pytest.raises(RuleViolation):
        await work_plans.member_work_plan(deps, w.acme.admin, w.bob.id, globex_cycle.id)
