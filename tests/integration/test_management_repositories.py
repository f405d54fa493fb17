"""The management rhythm's storage on Postgres: meetings, comments with mentions and the
work-plan reader.

One scenario, seeded through the repositories: Acme with an admin, a manager (Lead) who
leads Sales and manages Carol, Bob in the Sales team; a year and its first quarter; a
public team objective with Bob's KR and its actions, Carol's private objective with her KR
and action, an archived objective, an objective of next year; and Globex with one member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.comments import Comment, CommentTarget
from domain.cycles import Cycle, CycleKind
from domain.errors import Conflict, RuleViolation, StaleVersion
from domain.meetings import Meeting, MeetingKind
from domain.members import Member, Role
from domain.okrs import (
    Action,
    KeyResult,
    Level,
    Objective,
    ObjectiveStatus,
    Visibility,
)
from domain.units import OrgUnit, UnitKind
from service.ids import new_id
from service.management_ports import MeetingFilter
from service.okr_ports import Viewer
from service.pagination import PageRequest
from service.ports import UnitOfWorkFactory
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests import factories as make
from tests.integration.test_alignment_reader import factory
from tests.integration.test_repositories import NOW, engine, uow

# The fixtures, shared by import: pytest finds them in this module's namespace.
__all__ = ["engine", "factory", "uow"]


Q1_END = date(2026, 3, 31)


@dataclass(frozen=True)
class World:
    org_id: UUID
    globex_id: UUID
    admin: Member
    lead: Member  # a manager, leads Sales, manages Carol
    bob: Member  # in the Sales team
    carol: Member  # owns the private objective
    stranger: Member  # Globex's
    sales: OrgUnit
    team: OrgUnit
    support: OrgUnit  # owns nothing: may be deleted
    year: Cycle
    quarter: Cycle
    next_year: Cycle
    team_o: Objective
    team_kr: KeyResult  # Bob's
    private_o: Objective  # Carol's
    private_kr: KeyResult
    archived_o: Objective
    later_o: Objective  # next year's, Bob's
    bob_action: Action  # on the team KR, Bob's, due in February
    unowned_action: Action  # on the team KR (Bob's): no owner
    carol_action: Action  # on the private KR
    lead_action: Action  # on the team KR, owned by the lead (not in the team)
    archived_action: Action  # Bob's, on the archived objective
    later_action: Action  # Bob's, next year

    def viewer(self, who: Member) -> Viewer:
        return Viewer(member_id=who.id, sees_everything=Role.ADMIN in who.roles)


async def _world(factory: UnitOfWorkFactory) -> World:
    org, globex = make.organization_row("Acme"), make.organization_row("Globex")
    o = org.id
    admin = make.member_row(o, "Admin", roles=frozenset({Role.ADMIN}))
    lead = make.member_row(o, "Lead", roles=frozenset({Role.MANAGER}))
    bob = make.member_row(o, "Bob")
    carol = make.member_row(o, "Carol", manager_id=lead.id)
    stranger = make.member_row(globex.id, "Stranger")
    company = make.unit_row(o, "Acme", UnitKind.COMPANY, lead=admin)
    sales = make.unit_row(o, "Sales", UnitKind.DEPARTMENT, parent=company, lead=lead)
    team = make.unit_row(o, "Sales team", parent=sales)
    support = make.unit_row(o, "Support", parent=company)
    year = make.cycle_row(o, "FY2026", date(2026, 1, 1), date(2026, 12, 31), CycleKind.YEAR)
    quarter = make.cycle_row(o, "Q1", date(2026, 1, 1), Q1_END, parent_id=year.id)
    next_year = make.cycle_row(o, "FY2027", date(2027, 1, 1), date(2027, 12, 31), CycleKind.YEAR)
    team_o = make.objective_row(year, "Close deals", team, Level.TEAM)
    team_kr = make.key_result_row(team_o, bob, Q1_END)
    private_o = make.objective_row(year, "Grow", carol, visibility=Visibility.PRIVATE)
    private_kr = make.key_result_row(private_o, carol, Q1_END)
    archived_o = make.objective_row(year, "Old", bob, status=ObjectiveStatus.ARCHIVED)
    archived_kr = make.key_result_row(archived_o, bob, Q1_END)
    later_o = make.objective_row(next_year, "Later", bob)
    later_kr = make.key_result_row(later_o, bob, date(2027, 12, 31))
    bob_action = make.action_row(team_kr, "Call ten accounts", bob, date(2026, 2, 10))
    unowned_action = make.action_row(team_kr, "Refresh the deck", None, None)
    carol_action = make.action_row(private_kr, "Private plan", carol, date(2026, 5, 1))
    lead_action = make.action_row(team_kr, "Coach the team", lead, date(2026, 3, 1))
    archived_action = make.action_row(archived_kr, "Forgotten", bob, date(2026, 2, 1))
    later_action = make.action_row(later_kr, "Next year", bob, date(2027, 2, 1))
    await make.seed(
        factory,
        *(org, globex, admin, lead, bob, carol, stranger),
        *(company, sales, team, support, make.Membership(team, bob)),
        *(year, quarter, next_year, team_o, private_o, archived_o, later_o),
        *(team_kr, private_kr, archived_kr, later_kr),
        *(bob_action, unowned_action, carol_action, lead_action, archived_action, later_action),
    )
    return World(
        org_id=o,
        globex_id=globex.id,
        admin=admin,
        lead=lead,
        bob=bob,
        carol=carol,
        stranger=stranger,
        sales=sales,
        team=team,
        support=support,
        year=year,
        quarter=quarter,
        next_year=next_year,
        team_o=team_o,
        team_kr=team_kr,
        private_o=private_o,
        private_kr=private_kr,
        archived_o=archived_o,
        later_o=later_o,
        bob_action=bob_action,
        unowned_action=unowned_action,
        carol_action=carol_action,
        lead_action=lead_action,
        archived_action=archived_action,
        later_action=later_action,
    )


def _meeting(w: World, **fields: Any) -> Meeting:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": w.org_id,
        "kind": MeetingKind.RETROSPECTIVE,
        "title": "Q1 复盘会",
        "held_on": date(2026, 4, 2),
        "cycle_id": w.quarter.id,
        "unit_id": w.sales.id,
        "attendee_ids": (w.lead.id, w.bob.id, w.carol.id),
        "objective_ids": (w.private_o.id, w.team_o.id),
        "findings": "回款慢：合同审批要两周。",  # noqa: RUF001 - Chinese punctuation
        "follow_up_action_ids": (w.lead_action.id, w.bob_action.id),
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Meeting(**values)


def _comment(w: World, target: CommentTarget, target_id: UUID, **fields: Any) -> Comment:
    values: dict[str, Any] = {
        "id": new_id(),
        "organization_id": w.org_id,
        "target": target,
        "target_id": target_id,
        "author_id": w.bob.id,
        "body": "请帮忙",
        "mentions": (),
        "version": 1,
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return Comment(**values)


def _ids(rows: Sequence[Meeting | Comment | Action]) -> list[UUID]:
    return [r.id for r in rows]


# -- meetings --------------------------------------------------------------------------------


async def test_a_meeting_reads_back_whole_in_its_organization_only(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    made = _meeting(w)
    bare = _meeting(w, unit_id=None, attendee_ids=(), objective_ids=(), follow_up_action_ids=())
    await make.seed(factory, made, bare)
    async with factory() as work:
        assert await work.meetings.get(w.org_id, made.id) == made  # the lists keep their order
        assert await work.meetings.get(w.org_id, bare.id) == bare
        assert await work.meetings.get(w.globex_id, made.id) is None
        assert await work.meetings.get(w.org_id, new_id()) is None
        listed = await work.meetings.list(w.globex_id, MeetingFilter(), PageRequest())
        assert listed.items == []


async def test_meetings_list_by_cycle_unit_and_kind_a_page_at_a_time(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    retro = _meeting(w)
    weekly = _meeting(w, kind=MeetingKind.WEEKLY, cycle_id=None, unit_id=w.team.id)
    report = _meeting(w, kind=MeetingKind.MONTHLY_REPORT, cycle_id=w.year.id, unit_id=None)
    await make.seed(factory, retro, weekly, report)
    async with factory() as work:

        async def ids(filters: MeetingFilter, page: PageRequest | None = None) -> list[UUID]:
            found = await work.meetings.list(w.org_id, filters, page or PageRequest())
            return _ids(found.items)

        assert await ids(MeetingFilter()) == [retro.id, weekly.id, report.id]
        assert await ids(MeetingFilter(cycle_id=w.quarter.id)) == [retro.id]
        assert await ids(MeetingFilter(unit_id=w.team.id)) == [weekly.id]
        assert await ids(MeetingFilter(kind=MeetingKind.MONTHLY_REPORT)) == [report.id]
        assert await ids(MeetingFilter(cycle_id=w.quarter.id, kind=MeetingKind.WEEKLY)) == []
        first = await work.meetings.list(w.org_id, MeetingFilter(), PageRequest(limit=2))
        assert (_ids(first.items), first.next_after) == ([retro.id, weekly.id], weekly.id)
        rest = await work.meetings.list(
            w.org_id, MeetingFilter(), PageRequest(limit=2, after=first.next_after)
        )
        assert (_ids(rest.items), rest.next_after) == ([report.id], None)


async def test_a_meeting_update_replaces_its_links_and_checks_the_version(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    made = _meeting(w)
    await make.seed(factory, made)
    changed = replace(
        made,
        title="Q1 retrospective",
        unit_id=None,
        attendee_ids=(w.bob.id,),
        objective_ids=(w.team_o.id, w.later_o.id),
        follow_up_action_ids=(),
        version=2,
    )
    async with factory() as work:
        await work.meetings.update(changed, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.meetings.get(w.org_id, made.id) == changed
        with pytest.raises(StaleVersion):
            await work.meetings.update(replace(changed, version=3), previous_version=1)
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.meetings.delete(w.org_id, made.id, previous_version=1)
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.meetings.delete(w.globex_id, made.id, previous_version=2)
    async with factory() as work:
        await work.meetings.delete(w.org_id, made.id, previous_version=2)
        await work.commit()
    async with factory() as work:
        assert await work.meetings.get(w.org_id, made.id) is None
        # The follow-up actions stay with their KRs.
        assert await work.actions.get(w.org_id, w.bob_action.id) == w.bob_action


@pytest.mark.parametrize(
    "field",
    ["cycle_id", "unit_id", "attendee_ids", "objective_ids", "follow_up_action_ids", "globex"],
)
async def test_a_meeting_referring_to_what_does_not_exist_is_refused(
    factory: UnitOfWorkFactory, field: str
) -> None:
    w = await _world(factory)
    nobody = new_id()
    broken = {
        "cycle_id": _meeting(w, cycle_id=nobody),
        "unit_id": _meeting(w, unit_id=nobody),
        "attendee_ids": _meeting(w, attendee_ids=(w.bob.id, nobody)),
        "objective_ids": _meeting(w, objective_ids=(nobody,)),
        "follow_up_action_ids": _meeting(w, follow_up_action_ids=(nobody,)),
        "globex": _meeting(w, attendee_ids=(w.stranger.id,)),
    }[field]
    async with factory() as work:
        with pytest.raises(RuleViolation) as refused:
            await work.meetings.add(broken)
    assert refused.value.code == "unknown_reference"
    async with factory() as work:
        assert (await work.meetings.list(w.org_id, MeetingFilter(), PageRequest())).items == []


async def test_a_meeting_is_for_a_cycle_or_a_unit(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    async with factory() as work:
        with pytest.raises(Conflict):
            await work.meetings.add(_meeting(w, cycle_id=None, unit_id=None))


async def test_deleted_objectives_and_actions_drop_out_and_a_unit_keeps_its_meetings(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    made = _meeting(w)
    of_support = _meeting(w, unit_id=w.support.id, cycle_id=None)
    await make.seed(factory, made, of_support)
    async with factory() as work:
        await work.objectives.delete(w.org_id, w.team_o.id)  # with its KR and their actions
        await work.commit()
    # A unit with meetings is never deleted, even by a delete that skipped the use case's
    # check (a race): its meetings are the record of its retrospectives.
    async with factory() as work:
        with pytest.raises(Conflict) as refused:
            await work.units.delete(w.org_id, w.support.id)
    assert refused.value.code == "unit_has_meetings"
    async with factory() as work:
        found = await work.meetings.get(w.org_id, made.id)
        assert found == replace(made, objective_ids=(w.private_o.id,), follow_up_action_ids=())
        kept = await work.meetings.get(w.org_id, of_support.id)
        assert kept == replace(of_support, objective_ids=(w.private_o.id,), follow_up_action_ids=())
        listed = await work.meetings.list(w.org_id, MeetingFilter(), PageRequest())
        assert _ids(listed.items) == sorted([made.id, of_support.id])


# -- comments --------------------------------------------------------------------------------


async def test_comments_read_back_with_their_mentions_by_target_oldest_first(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    on_kr = _comment(
        w, CommentTarget.KEY_RESULT, w.team_kr.id, mentions=(w.carol.id, w.lead.id, w.admin.id)
    )
    on_objective = _comment(w, CommentTarget.OBJECTIVE, w.team_o.id)
    on_action = _comment(w, CommentTarget.ACTION, w.bob_action.id, mentions=(w.lead.id,))
    second_on_kr = _comment(w, CommentTarget.KEY_RESULT, w.team_kr.id, author_id=w.lead.id)
    await make.seed(factory, on_kr, on_objective, on_action, second_on_kr)
    async with factory() as work:
        assert await work.comments.get(w.org_id, on_kr.id) == on_kr  # mentions in order
        assert await work.comments.get(w.globex_id, on_kr.id) is None

        async def of(target: CommentTarget, target_id: UUID, **page: Any) -> list[UUID]:
            found = await work.comments.of_target(w.org_id, target, target_id, PageRequest(**page))
            return _ids(found.items)

        assert await of(CommentTarget.KEY_RESULT, w.team_kr.id) == [on_kr.id, second_on_kr.id]
        assert await of(CommentTarget.KEY_RESULT, w.team_kr.id, limit=1) == [on_kr.id]
        assert await of(CommentTarget.KEY_RESULT, w.team_kr.id, after=on_kr.id) == [second_on_kr.id]
        assert await of(CommentTarget.OBJECTIVE, w.team_o.id) == [on_objective.id]
        assert await of(CommentTarget.ACTION, w.bob_action.id) == [on_action.id]
        # The same id as another kind of target is another target.
        assert await of(CommentTarget.OBJECTIVE, w.team_kr.id) == []
        found = await work.comments.of_target(
            w.globex_id, CommentTarget.KEY_RESULT, w.team_kr.id, PageRequest()
        )
        assert found.items == []


async def test_a_comment_update_replaces_its_mentions_and_checks_the_version(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    made = _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, mentions=(w.lead.id, w.carol.id))
    await make.seed(factory, made)
    edited = replace(made, body="edited", mentions=(w.carol.id, w.admin.id), version=2)
    async with factory() as work:
        await work.comments.update(edited, previous_version=1)
        await work.commit()
    async with factory() as work:
        assert await work.comments.get(w.org_id, made.id) == edited
        with pytest.raises(StaleVersion):
            await work.comments.update(replace(edited, version=3), previous_version=1)
    async with factory() as work:
        with pytest.raises(StaleVersion):
            await work.comments.delete(w.org_id, made.id, previous_version=1)
    async with factory() as work:
        await work.comments.delete(w.org_id, made.id, previous_version=2)
        await work.commit()
    async with factory() as work:
        assert await work.comments.get(w.org_id, made.id) is None
        mentions = await work.comments.mentioning(
            w.org_id, w.carol.id, w.viewer(w.admin), PageRequest()
        )
        assert mentions.items == []


@pytest.mark.parametrize("what", ["target", "kind of target", "author", "mention", "globex"])
async def test_a_comment_referring_to_what_does_not_exist_is_refused(
    factory: UnitOfWorkFactory, what: str
) -> None:
    w = await _world(factory)
    broken = {
        "target": _comment(w, CommentTarget.ACTION, new_id()),
        "kind of target": _comment(w, CommentTarget.ACTION, w.team_kr.id),
        "author": _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, author_id=new_id()),
        "mention": _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, mentions=(new_id(),)),
        "globex": _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, mentions=(w.stranger.id,)),
    }[what]
    async with factory() as work:
        with pytest.raises(RuleViolation) as refused:
            await work.comments.add(broken)
    assert refused.value.code == "unknown_reference"


async def test_comments_go_with_their_target(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    on_kr = _comment(w, CommentTarget.KEY_RESULT, w.team_kr.id, mentions=(w.lead.id,))
    on_action = _comment(w, CommentTarget.ACTION, w.bob_action.id, mentions=(w.lead.id,))
    on_other = _comment(w, CommentTarget.OBJECTIVE, w.private_o.id, mentions=(w.lead.id,))
    await make.seed(factory, on_kr, on_action, on_other)
    async with factory() as work:
        await work.objectives.delete(w.org_id, w.team_o.id)
        await work.commit()
    async with factory() as work:
        assert await work.comments.get(w.org_id, on_kr.id) is None
        assert await work.comments.get(w.org_id, on_action.id) is None
        listed = await work.comments.of_target(
            w.org_id, CommentTarget.KEY_RESULT, w.team_kr.id, PageRequest()
        )
        assert listed.items == []
        mentions = await work.comments.mentioning(
            w.org_id, w.lead.id, w.viewer(w.lead), PageRequest()
        )
        assert _ids(mentions.items) == [on_other.id]


async def test_mentions_of_a_member_newest_first_on_targets_the_viewer_may_see(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    on_team_o = _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, mentions=(w.bob.id,))
    on_private_kr = _comment(
        w,
        CommentTarget.KEY_RESULT,
        w.private_kr.id,
        author_id=w.carol.id,
        mentions=(w.lead.id, w.bob.id),
    )
    on_private_action = _comment(
        w, CommentTarget.ACTION, w.carol_action.id, author_id=w.carol.id, mentions=(w.bob.id,)
    )
    on_action = _comment(w, CommentTarget.ACTION, w.bob_action.id, mentions=(w.bob.id,))
    not_bob = _comment(w, CommentTarget.OBJECTIVE, w.team_o.id, mentions=(w.lead.id,))
    await make.seed(factory, on_team_o, on_private_kr, on_private_action, on_action, not_bob)
    async with factory() as work:

        async def of(who: Member, viewer: Viewer, **page: Any) -> tuple[list[UUID], UUID | None]:
            found = await work.comments.mentioning(w.org_id, who.id, viewer, PageRequest(**page))
            return _ids(found.items), found.next_after

        # Bob may not see Carol's private objective: those mentions are not his to read.
        assert await of(w.bob, w.viewer(w.bob)) == ([on_action.id, on_team_o.id], None)
        # Her manager and an admin see them.
        everything = [on_action.id, on_private_action.id, on_private_kr.id, on_team_o.id]
        assert await of(w.bob, w.viewer(w.lead)) == (everything, None)
        assert await of(w.bob, w.viewer(w.admin)) == (everything, None)
        assert await of(w.lead, w.viewer(w.lead)) == ([not_bob.id, on_private_kr.id], None)
        # A service sees public targets only.
        service = Viewer(member_id=None, sees_everything=False)
        assert await of(w.bob, service) == ([on_action.id, on_team_o.id], None)
        assert await of(w.bob, w.viewer(w.admin), limit=3) == (everything[:3], everything[2])
        assert await of(w.bob, w.viewer(w.admin), limit=3, after=everything[2]) == (
            everything[3:],
            None,
        )
        assert await of(w.carol, w.viewer(w.admin)) == ([], None)
        found = await work.comments.mentioning(
            w.globex_id, w.bob.id, w.viewer(w.admin), PageRequest()
        )
        assert found.items == []


# -- work plans ------------------------------------------------------------------------------


async def test_a_members_plan_holds_their_actions_of_the_cycle_they_may_show(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    async with factory() as work:

        async def plan(viewer: Viewer, limit: int = 50, **whose: UUID) -> list[UUID]:
            return _ids(
                await work.work_plans.plan_actions(
                    w.org_id, w.year.id, viewer, limit=limit, **whose
                )
            )

        # Bob's own and the unowned one on his KR; not the lead's on his KR, not the
        # archived objective's, not next year's.
        bobs = [w.bob_action.id, w.unowned_action.id]
        assert await plan(w.viewer(w.bob), member_id=w.bob.id) == bobs
        assert await plan(w.viewer(w.bob), limit=1, member_id=w.bob.id) == bobs
        assert await plan(w.viewer(w.bob), member_id=w.lead.id) == [w.lead_action.id]
        # Carol's plan is private to her line.
        assert await plan(w.viewer(w.bob), member_id=w.carol.id) == []
        assert await plan(w.viewer(w.lead), member_id=w.carol.id) == [w.carol_action.id]
        assert await plan(w.viewer(w.admin), member_id=w.carol.id) == [w.carol_action.id]
        next_year = await work.work_plans.plan_actions(
            w.org_id, w.next_year.id, w.viewer(w.bob), member_id=w.bob.id, limit=50
        )
        assert _ids(next_year) == [w.later_action.id]
        other_org = await work.work_plans.plan_actions(
            w.globex_id, w.year.id, w.viewer(w.admin), member_id=w.bob.id, limit=50
        )
        assert other_org == []


async def test_a_units_plan_holds_its_objectives_actions_and_its_members(
    factory: UnitOfWorkFactory,
) -> None:
    w = await _world(factory)
    async with factory() as work:
        team = await work.work_plans.plan_actions(
            w.org_id, w.year.id, w.viewer(w.bob), unit_id=w.team.id, limit=50
        )
        # The team objective's three actions (whoever owns them); Bob, its member, owns
        # nothing else this year but the archived one, which does not count.
        assert _ids(team) == [w.bob_action.id, w.unowned_action.id, w.lead_action.id]
        assert team[0] == w.bob_action
        sales = await work.work_plans.plan_actions(
            w.org_id, w.year.id, w.viewer(w.admin), unit_id=w.sales.id, limit=50
        )
        assert sales == []  # no objective of its own, no direct member


async def test_actions_by_id_in_their_organization_only(factory: UnitOfWorkFactory) -> None:
    w = await _world(factory)
    async with factory() as work:
        wanted = [w.carol_action.id, new_id(), w.bob_action.id]
        assert await work.work_plans.actions(w.org_id, wanted) == {
            w.carol_action.id: w.carol_action,
            w.bob_action.id: w.bob_action,
        }
        assert await work.work_plans.actions(w.globex_id, wanted) == {}
        assert await work.work_plans.actions(w.org_id, []) == {}


# -- Postgres only: "mentions of me" is one statement on the mentions' index ---------------


async def test_mentions_of_me_is_one_statement_driven_by_the_member_index(
    uow: PostgresUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    w = await _world(uow)
    await make.seed(
        uow,
        *(
            _comment(w, CommentTarget.KEY_RESULT, w.team_kr.id, mentions=(w.bob.id,))
            for _ in range(3)
        ),
    )
    seen: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        seen.append((str(args[2]), args[3]))

    async with uow() as work:
        event.listen(engine.sync_engine, "before_cursor_execute", record)
        try:
            found = await work.comments.mentioning(
                w.org_id, w.bob.id, w.viewer(w.lead), PageRequest(limit=2)
            )
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", record)
    assert len(found.items) == 2
    assert len(seen) == 1
    statement, parameters = seen[0]
    async with engine.connect() as conn:
        await conn.exec_driver_sql("SET enable_seqscan = off")
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        plan = "\n".join(r[0] for r in await driver.fetch("EXPLAIN " + statement, *parameters))
    assert "ix_comment_mentions_member_id" in plan, plan
