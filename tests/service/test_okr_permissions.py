"""Who may change and who may see OKRs (service/okr_access.py): owners, their manager
chain, unit leads and admins edit; private objectives exist only for the owner, the
owner's chain (a unit's lead and the lead's chain) and admins; services see public ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from domain.errors import Forbidden, NotFound
from domain.members import Member
from domain.okrs import Objective, OwnerKind, Visibility
from domain.units import OrgUnit, UnitKind
from service.actions import NewAction, create_action, get_action, list_actions
from service.auth import Principal
from service.checkins import NewCheckIn, check_in, check_in_history
from service.context import Deps
from service.key_results import (
    KeyResultChanges,
    NewKeyResult,
    create_key_result,
    get_key_result,
    list_key_results,
    update_key_result,
)
from service.objectives import (
    NewObjective,
    ObjectiveChanges,
    create_objective,
    delete_objective,
    get_objective,
    list_objectives,
    update_objective,
)
from service.okr_ports import ActionFilter, ObjectiveFilter
from service.pagination import PageRequest
from tests import factories as make
from tests.service.harness import FixedClock, Tenant, principal_of

MID_Q2 = datetime(2026, 5, 16, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class World:
    """Cora (CEO) <- Vic (sales) <- Lena (deals team lead) <- Ann, Bob; Carl reports to Cora."""

    acme: Tenant
    cycle_id: UUID
    cora: Member
    vic: Member
    lena: Member
    ann: Member
    bob: Member
    carl: Member
    sales: OrgUnit  # led by Vic
    deals: OrgUnit  # led by Lena, Ann and Bob are members


async def _world(deps: Deps, acme: Tenant, clock: FixedClock) -> World:
    clock.current = MID_Q2
    cora = await make.member(deps, acme, "Cora")
    vic = await make.member(deps, acme, "Vic", manager=cora)
    lena = await make.member(deps, acme, "Lena", manager=vic)
    ann, bob = await make.reports(deps, acme, lena, "Ann", "Bob")
    carl = await make.member(deps, acme, "Carl", manager=cora)
    company = await make.unit(deps, acme, "Acme", UnitKind.COMPANY, lead=cora)
    sales = await make.unit(deps, acme, "Sales", UnitKind.DEPARTMENT, parent=company, lead=vic)
    deals = await make.unit(deps, acme, "Deals", parent=sales, lead=lena)
    q2 = await make.cycle(deps, acme)
    return World(acme, q2.id, cora, vic, lena, ann, bob, carl, sales, deals)


async def _own(
    deps: Deps, w: World, owner: Member, title: str, visibility: Visibility = Visibility.PUBLIC
) -> Objective:
    data = NewObjective(w.cycle_id, title, visibility=visibility)
    return (await create_objective(deps, principal_of(owner), data)).objective


async def _units(
    deps: Deps, w: World, unit: OrgUnit, title: str, visibility: Visibility = Visibility.PUBLIC
) -> Objective:
    data = NewObjective(
        w.cycle_id, title, owner_kind=OwnerKind.UNIT, owner_id=unit.id, visibility=visibility
    )
    return (await create_objective(deps, w.acme.admin, data)).objective


async def _rename(deps: Deps, who: Principal, objective: Objective, title: str) -> str:
    view = await update_objective(deps, who, objective.id, ObjectiveChanges(title=title))
    return view.objective.title


# -- editing -------------------------------------------------------------------------------


async def test_members_edit_their_own_and_managers_the_whole_chain_below(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    anns = await _own(deps, w, w.ann, "Ann's")

    renamed = [
        await _rename(deps, principal_of(who), anns, f"Ann's ({who.name})")
        for who in (w.ann, w.lena, w.vic, w.cora)
    ]
    assert renamed == ["Ann's (Ann)", "Ann's (Lena)", "Ann's (Vic)", "Ann's (Cora)"]
    assert await _rename(deps, acme.admin, anns, "Ann's (admin)") == "Ann's (admin)"
    # A manager creates for a report too.
    for_ann = await create_objective(
        deps, principal_of(w.lena), NewObjective(w.cycle_id, "From Lena", owner_id=w.ann.id)
    )
    assert for_ann.objective.owner_id == w.ann.id


async def test_peers_reports_and_other_branches_are_forbidden(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    anns = await _own(deps, w, w.ann, "Ann's")
    lenas = await _own(deps, w, w.lena, "Lena's")
    attempts = [
        update_objective(deps, principal_of(w.bob), anns.id, ObjectiveChanges(title="x")),
        delete_objective(deps, principal_of(w.bob), anns.id),
        update_objective(deps, principal_of(w.carl), anns.id, ObjectiveChanges(title="x")),
        update_objective(deps, principal_of(w.ann), lenas.id, ObjectiveChanges(title="x")),
        create_objective(
            deps, principal_of(w.bob), NewObjective(w.cycle_id, "For Ann", owner_id=w.ann.id)
        ),
        create_key_result(
            deps, principal_of(w.bob), anns.id, NewKeyResult("Mine", owner_id=w.bob.id)
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden) as caught:
            await attempt
        assert caught.value.code == "forbidden"
    assert (await get_objective(deps, acme.admin, anns.id)).objective == anns


async def test_unit_leads_and_their_chain_edit_the_units_objectives(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _units(deps, w, w.deals, "Deals team")
    department = await _units(deps, w, w.sales, "Sales")

    assert await _rename(deps, principal_of(w.lena), team, "by Lena") == "by Lena"
    assert await _rename(deps, principal_of(w.vic), team, "by Vic") == "by Vic"
    created = await create_objective(
        deps,
        principal_of(w.lena),
        NewObjective(w.cycle_id, "Lena's team", owner_kind=OwnerKind.UNIT, owner_id=w.deals.id),
    )
    assert created.objective.owner_id == w.deals.id
    # Members of the team are not its lead; the team lead does not lead the department.
    for who, objective in ((w.ann, team), (w.lena, department), (w.carl, team)):
        with pytest.raises(Forbidden):
            await _rename(deps, principal_of(who), objective, "x")


async def test_a_service_token_changes_no_objectives(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    anns = await _own(deps, w, w.ann, "Ann's")
    with pytest.raises(Forbidden):
        await _rename(deps, acme.reader, anns, "x")
    with pytest.raises(Forbidden):
        await create_objective(
            deps, acme.reader, NewObjective(w.cycle_id, "Synced", owner_id=w.ann.id)
        )


async def test_the_kr_owner_edits_their_kr_on_someone_elses_objective(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    team = await _units(deps, w, w.deals, "Deals team")
    kr = await create_key_result(
        deps, principal_of(w.lena), team.id, NewKeyResult("Demos", owner_id=w.ann.id)
    )
    changed = await update_key_result(
        deps, principal_of(w.ann), kr.key_result.id, KeyResultChanges(target=Decimal(3))
    )
    assert changed.key_result.target == Decimal(3)
    with pytest.raises(Forbidden):
        await update_key_result(
            deps, principal_of(w.bob), kr.key_result.id, KeyResultChanges(target=Decimal(9))
        )
    with pytest.raises(Forbidden):
        await _rename(deps, principal_of(w.ann), team, "x")  # the KR, not the objective


# -- visibility ----------------------------------------------------------------------------


async def test_a_private_objective_does_not_exist_for_a_peer(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    ann = principal_of(w.ann)
    secret = await _own(deps, w, w.ann, "Secret", Visibility.PRIVATE)
    public = await _own(deps, w, w.ann, "Open")
    kr = await create_key_result(deps, ann, secret.id, NewKeyResult("KR", owner_id=w.ann.id))
    kr_id = kr.key_result.id
    await check_in(deps, ann, kr_id, NewCheckIn(value=Decimal(1)))
    action = await create_action(deps, ann, kr_id, NewAction("Visit"))

    for who in (principal_of(w.bob), principal_of(w.carl)):
        listed = await list_objectives(deps, who, ObjectiveFilter(), PageRequest())
        assert [v.objective.id for v in listed.items] == [public.id]
        for attempt in (
            get_objective(deps, who, secret.id),
            get_key_result(deps, who, kr_id),
            list_key_results(deps, who, secret.id),
            check_in_history(deps, who, kr_id, PageRequest()),
            get_action(deps, who, action.id),
            list_actions(deps, who, kr_id, ActionFilter(), PageRequest()),
            # Writes say "not found" too, never "forbidden": nothing leaks.
            update_objective(deps, who, secret.id, ObjectiveChanges(title="x")),
            check_in(deps, who, kr_id, NewCheckIn(value=Decimal(2))),
        ):
            with pytest.raises(NotFound) as caught:
                await attempt
            assert caught.value.code == "not_found"


async def test_a_private_objective_is_seen_up_the_owners_chain_and_by_admins(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    secret = await _own(deps, w, w.ann, "Secret", Visibility.PRIVATE)
    kr = await create_key_result(
        deps, principal_of(w.ann), secret.id, NewKeyResult("KR", owner_id=w.ann.id)
    )

    for who in (w.ann, w.lena, w.vic, w.cora, acme.admin_member):
        principal = principal_of(who)
        assert (await get_objective(deps, principal, secret.id)).objective == secret
        listed = await list_objectives(deps, principal, ObjectiveFilter(), PageRequest())
        assert [v.objective.id for v in listed.items] == [secret.id]
        assert (await get_key_result(deps, principal, kr.key_result.id)).key_result.id == (
            kr.key_result.id
        )
        assert (
            list((await check_in_history(deps, principal, kr.key_result.id, PageRequest())).items)
            == []
        )


async def test_a_private_unit_objective_is_seen_by_its_lead_and_the_leads_chain(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    secret = await _units(deps, w, w.deals, "Team secret", Visibility.PRIVATE)

    async def sees(who: Member) -> bool:
        listed = await list_objectives(
            deps, principal_of(who), ObjectiveFilter(unit_id=w.deals.id), PageRequest()
        )
        try:
            await get_objective(deps, principal_of(who), secret.id)
        except NotFound:
            assert list(listed.items) == []
            return False
        assert [v.objective.id for v in listed.items] == [secret.id]
        return True

    seen = {who.name: await sees(who) for who in (w.lena, w.vic, w.cora, w.ann, w.bob, w.carl)}
    assert seen == {
        "Lena": True,
        "Vic": True,
        "Cora": True,
        "Ann": False,  # a member of the team, not its lead
        "Bob": False,
        "Carl": False,
    }


async def test_a_member_sees_only_public_objectives_and_a_service_none(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    secret = await _own(deps, w, w.ann, "Secret", Visibility.PRIVATE)
    team_secret = await _units(deps, w, w.deals, "Team secret", Visibility.PRIVATE)
    public = await _own(deps, w, w.ann, "Open")

    listed = await list_objectives(deps, acme.viewer, ObjectiveFilter(), PageRequest())
    assert [v.objective.id for v in listed.items] == [public.id]
    for hidden in (secret, team_secret):
        with pytest.raises(NotFound):
            await get_objective(deps, acme.viewer, hidden.id)
    # No scope reads OKRs (org:read is the directory's): a service reads none of them.
    with pytest.raises(Forbidden):
        await list_objectives(deps, acme.service(), ObjectiveFilter(), PageRequest())
    with pytest.raises(Forbidden):
        await list_objectives(deps, acme.reader, ObjectiveFilter(), PageRequest())
    with pytest.raises(Forbidden):
        await get_objective(deps, acme.service(), public.id)


async def test_hidden_objectives_do_not_count_in_pages(
    deps: Deps, acme: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    first = await _own(deps, w, w.ann, "One")
    await _own(deps, w, w.ann, "Hidden", Visibility.PRIVATE)
    third = await _own(deps, w, w.ann, "Three")
    page = await list_objectives(deps, principal_of(w.bob), ObjectiveFilter(), PageRequest(limit=2))
    assert ([v.objective.id for v in page.items], page.next_after) == ([first.id, third.id], None)


async def test_another_organization_sees_nothing(
    deps: Deps, acme: Tenant, globex: Tenant, clock: FixedClock
) -> None:
    w = await _world(deps, acme, clock)
    public = await _own(deps, w, w.ann, "Open")
    with pytest.raises(NotFound):
        await get_objective(deps, globex.admin, public.id)
    listed = await list_objectives(deps, globex.admin, ObjectiveFilter(), PageRequest())
    assert list(listed.items) == []
    with pytest.raises(NotFound):
        await update_objective(deps, globex.admin, public.id, ObjectiveChanges(title="x"))
