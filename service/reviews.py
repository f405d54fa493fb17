"""Use cases of 360 review cycles (360度评价): setup, phases and participants.

Admins and HR run a review cycle: they create it for an OKR cycle in draft, set its
questions, role weights and peer bounds, add the reviewees (assignments from the manager
chain plus peers), then move it draft -> collecting -> closed -> published. Peers are
nominated by the reviewee, their manager chain, or admins and HR, in draft only.

Who the peers are is never shown to the reviewee or their managers: the nomination answer
counts reviewers per role, and only admins and HR list the assignments.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TypeVar
from uuid import UUID

from domain.errors import FieldError, NotFound, RuleViolation
from domain.limits import REVIEW_CYCLE_NAME_MAX_LENGTH
from domain.members import Member
from domain.okrs import OwnerKind
from domain.organizations import Organization, validate_name
from domain.reviews import (
    Assignment,
    PeerBounds,
    Question,
    ReviewCycle,
    ReviewPhase,
    ReviewRole,
    RoleWeights,
    assignments_for,
    chain_reviewers,
    default_peers,
    ensure_phase_move,
    ensure_setup_editable,
    validate_anonymity_threshold,
    validate_peer_bounds,
    validate_questions,
    validate_role_weights,
)
from domain.scoring import ONE, counts_in_figures, weighted_mean
from domain.units import UnitKind
from service import audit
from service.auth import (
    Principal,
    ensure_can_manage_reviews,
    ensure_can_read_review_cycles,
    may_manage_reviews,
)
from service.concurrency import ensure_version, retry_lost_updates
from service.context import Deps
from service.objectives import organization_of
from service.okr_ports import SEES_EVERYTHING
from service.pagination import MAX_LIMIT, Page, PageRequest
from service.patch import UNSET, Maybe
from service.ports import MemberFilter, UnitOfWork
from service.review_ports import ReviewAssignment, ReviewCycleFilter
from service.scores import node_progress


@dataclass(frozen=True)
class QuestionInput:
    """A question as written; the service gives it its id."""

    text_zh: str
    text_en: str
    comment_allowed: bool = True


@dataclass(frozen=True)
class NewReviewCycle:
    cycle_id: UUID
    name: str
    questions: Sequence[QuestionInput]
    # None: the organization's review settings.
    weights: RoleWeights | None = None
    peer_anonymity_threshold: int | None = None
    min_peers: int | None = None
    max_peers: int | None = None


@dataclass(frozen=True)
class ReviewCycleChanges:
    name: Maybe[str] = UNSET
    questions: Maybe[Sequence[QuestionInput]] = UNSET  # replaces them all (new ids)
    weights: Maybe[RoleWeights] = UNSET
    peer_anonymity_threshold: Maybe[int] = UNSET
    min_peers: Maybe[int] = UNSET
    max_peers: Maybe[int] = UNSET
    phase: Maybe[ReviewPhase] = UNSET


def _questions(deps: Deps, inputs: Sequence[QuestionInput]) -> list[Question]:
    return [Question(deps.new_id(), q.text_zh, q.text_en, q.comment_allowed) for q in inputs]


@dataclass(frozen=True)
class Participant:
    """A reviewee and how many reviewers they have per role (never who the peers are)."""

    reviewee_id: UUID
    reviewers: Mapping[ReviewRole, int]


@dataclass(frozen=True)
class ParticipantDetail:
    """A reviewee with their assignments: for admins and HR only.

    ``peers_hidden``: the caller is this reviewee or above them in the manager chain, so
    the peer assignments are left out (an HR manager is still someone's manager).
    """

    reviewee_id: UUID
    assignments: Sequence[ReviewAssignment]
    peers_hidden: bool = False


@dataclass(frozen=True)
class Enrolment:
    """What adding reviewees did: who was added, who was already in, and who has fewer
    default peers than the cycle needs (nominate theirs before collecting)."""

    added: Sequence[Participant]
    already_in: Sequence[UUID]
    needs_peers: Sequence[UUID]


async def review_cycle_of(uow: UnitOfWork, org_id: UUID, review_cycle_id: UUID) -> ReviewCycle:
    found = await uow.review_cycles.get(org_id, review_cycle_id)
    if found is None:
        raise NotFound("review cycle not found")
    return found


def _unknown_cycle() -> RuleViolation:
    return RuleViolation(
        "the OKR cycle does not exist",
        code="unknown_reference",
        errors=[FieldError("cycle_id", "no such cycle", "unknown_reference")],
    )


def _given(value: int | None, default: int) -> int:
    return default if value is None else value


def _refusals(check: Callable[[], object]) -> list[FieldError]:
    try:
        check()
    except RuleViolation as refused:
        return list(refused.errors)
    return []


def _setup(
    questions: Sequence[Question], weights: RoleWeights, threshold: int, bounds: PeerBounds
) -> tuple[tuple[Question, ...], RoleWeights, int, PeerBounds]:
    """Validate a review cycle's setup as a whole, reporting every bad part at once."""
    errors = [
        *_refusals(partial(validate_questions, questions)),
        *_refusals(partial(validate_role_weights, weights)),
    ]
    bounds_errors = _refusals(partial(validate_peer_bounds, bounds))
    errors.extend(bounds_errors)
    if not bounds_errors:  # the threshold is judged against valid bounds only
        errors.extend(_refusals(partial(validate_anonymity_threshold, threshold, bounds)))
    if errors:
        raise RuleViolation("invalid review cycle", code="validation_failed", errors=errors)
    return validate_questions(questions), weights, threshold, bounds


async def create_review_cycle(
    deps: Deps, principal: Principal, data: NewReviewCycle
) -> ReviewCycle:
    """A review cycle in draft for an OKR cycle; weights, threshold and peer bounds default
    to the organization's review settings."""
    ensure_can_manage_reviews(principal)
    now = deps.clock.now()
    async with deps.uow() as uow:
        org = await organization_of(uow, principal)
        if await uow.cycles.get(org.id, data.cycle_id) is None:
            raise _unknown_cycle()
        defaults = org.reviews
        questions, weights, threshold, bounds = _setup(
            _questions(deps, data.questions),
            data.weights or RoleWeights.from_settings(defaults),
            _given(data.peer_anonymity_threshold, defaults.peer_anonymity_threshold),
            PeerBounds(
                _given(data.min_peers, defaults.min_peers),
                _given(data.max_peers, defaults.max_peers),
            ),
        )
        review_cycle = ReviewCycle(
            id=deps.new_id(),
            organization_id=org.id,
            cycle_id=data.cycle_id,
            name=validate_name(data.name, max_length=REVIEW_CYCLE_NAME_MAX_LENGTH),
            phase=ReviewPhase.DRAFT,
            questions=questions,
            weights=weights,
            peer_anonymity_threshold=threshold,
            peer_bounds=bounds,
            version=1,
            created_at=now,
            updated_at=now,
        )
        await uow.review_cycles.add(review_cycle)
        await uow.commit()
    return review_cycle


async def get_review_cycle(deps: Deps, principal: Principal, review_cycle_id: UUID) -> ReviewCycle:
    """Members read review cycles (their questions are what they answer)."""
    ensure_can_read_review_cycles(principal)
    async with deps.read() as uow:
        return await review_cycle_of(uow, principal.organization_id, review_cycle_id)


async def list_review_cycles(
    deps: Deps, principal: Principal, filters: ReviewCycleFilter, page: PageRequest
) -> Page[ReviewCycle]:
    ensure_can_read_review_cycles(principal)
    async with deps.read() as uow:
        return await uow.review_cycles.list(principal.organization_id, filters, page)


@retry_lost_updates
async def update_review_cycle(
    deps: Deps,
    principal: Principal,
    review_cycle_id: UUID,
    changes: ReviewCycleChanges,
    *,
    expected_version: int | None = None,
) -> ReviewCycle:
    """Rename it any time; change its setup in draft only; move its phase one step forward.

    Moving to collecting needs reviewees, each with peers within the bounds
    (``no_participants``, ``peer_count``). Publishing stamps ``published_at``: results read
    OKR scores as of then.
    """
    ensure_can_manage_reviews(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        current = await review_cycle_of(uow, org_id, review_cycle_id)
        ensure_version(current.version, expected_version)
        updated = current
        if changes.name is not UNSET:
            updated = replace(
                updated, name=validate_name(changes.name, max_length=REVIEW_CYCLE_NAME_MAX_LENGTH)
            )
        setup = (
            changes.questions,
            changes.weights,
            changes.peer_anonymity_threshold,
            changes.min_peers,
            changes.max_peers,
        )
        if any(part is not UNSET for part in setup):
            ensure_setup_editable(current.phase)
            bounds = current.peer_bounds
            questions, weights, threshold, bounds = _setup(
                (
                    current.questions
                    if changes.questions is UNSET
                    else _questions(deps, changes.questions)
                ),
                current.weights if changes.weights is UNSET else changes.weights,
                (
                    current.peer_anonymity_threshold
                    if changes.peer_anonymity_threshold is UNSET
                    else changes.peer_anonymity_threshold
                ),
                PeerBounds(
                    bounds.min_peers if changes.min_peers is UNSET else changes.min_peers,
                    bounds.max_peers if changes.max_peers is UNSET else changes.max_peers,
                ),
            )
            updated = replace(
                updated,
                questions=questions,
                weights=weights,
                peer_anonymity_threshold=threshold,
                peer_bounds=bounds,
            )
        now = deps.clock.now()
        if changes.phase is not UNSET and changes.phase is not current.phase:
            ensure_phase_move(current.phase, changes.phase)
            if changes.phase is ReviewPhase.COLLECTING:
                assignments = await uow.review_assignments.of_cycle(org_id, review_cycle_id)
                _ensure_ready(assignments, updated.peer_bounds)
            updated = replace(updated, phase=changes.phase)
            if changes.phase is ReviewPhase.PUBLISHED:
                # The OKR part is fixed now: results never drift with later OKR edits.
                assignments = await uow.review_assignments.of_cycle(org_id, review_cycle_id)
                reviewees = sorted({a.reviewee_id for a in assignments})
                org = await organization_of(uow, principal)
                scores = await okr_scores(uow, org, updated.cycle_id, reviewees, now)
                updated = replace(updated, published_at=now, okr_scores=tuple(scores.items()))
        if updated == current:
            return current
        updated = replace(updated, version=current.version + 1, updated_at=now)
        await uow.review_cycles.update(updated, previous_version=current.version)
        if updated.published_at != current.published_at:
            # Recorded (and so heard by integrations: service/events.py) with its phase only:
            # the cycle's scores are results, for those who may read results.
            await audit.record(
                uow.audit,
                deps,
                principal,
                action="review_cycle.published",
                resource_type="review_cycle",
                resource_id=review_cycle_id,
                before={"phase": current.phase},
                after={"phase": updated.phase, "published_at": updated.published_at},
            )
        await uow.commit()
    return updated


async def okr_scores(
    uow: UnitOfWork, org: Organization, cycle_id: UUID, member_ids: Sequence[UUID], at: datetime
) -> dict[UUID, Decimal | None]:
    """Each member's OKR score for the cycle as it stands at ``at``: the mean of the scores
    of the objectives they own in it and its nested cycles (each weighs 1; drafts, never
    committed to, and archived ones left out); ``None`` for a member with nothing scored."""
    wanted = set(member_ids)
    nodes = await uow.alignment.cycle_nodes(org.id, cycle_id, viewer=SEES_EVERYTHING, as_of=at)
    owned = [
        n
        for n in nodes
        if n.owner_kind is OwnerKind.MEMBER and n.owner_id in wanted and counts_in_figures(n.status)
    ]
    progress = (
        await node_progress(uow, org, owned, viewer=SEES_EVERYTHING, as_of=at) if owned else None
    )
    pairs: dict[UUID, list[tuple[Decimal, Decimal]]] = {m: [] for m in member_ids}
    for node in owned:
        value = progress.values.get(node.id) if progress else None
        if value is not None:
            pairs[node.owner_id].append((value, ONE))
    return {m: weighted_mean(p) for m, p in pairs.items()}


def _ensure_ready(assignments: Sequence[ReviewAssignment], bounds: PeerBounds) -> None:
    """Collecting starts with reviewees, each with peers within the bounds."""
    if not assignments:
        raise RuleViolation(
            "the review cycle has no reviewees: add participants first", code="no_participants"
        )
    peers: dict[UUID, int] = {}
    for a in assignments:
        peers.setdefault(a.reviewee_id, 0)
        if a.role is ReviewRole.PEER:
            peers[a.reviewee_id] += 1
    short = sorted(r for r, n in peers.items() if not bounds.min_peers <= n <= bounds.max_peers)
    if short:
        raise RuleViolation(
            f"{len(short)} reviewee(s) need {bounds.min_peers} to {bounds.max_peers} peers: "
            "nominate them before collecting",
            code="peer_count",
            errors=[
                FieldError("peers", f"reviewee {r} has too few peers", "peer_count") for r in short
            ],
            extra={"reviewee_ids": [str(r) for r in short]},
        )


# -- participants -----------------------------------------------------------------------------


class _Directory:
    """The organization's members and teams, read once for a batch of reviewees."""

    def __init__(
        self, members: Sequence[Member], memberships: Sequence[tuple[UUID, UUID]], teams: set[UUID]
    ) -> None:
        self.members = {m.id: m for m in members}
        self._units_of: dict[UUID, list[UUID]] = {}
        self._members_of: dict[UUID, list[UUID]] = {}
        for unit_id, member_id in sorted(memberships, key=lambda p: (p[0], p[1])):
            self._units_of.setdefault(member_id, []).append(unit_id)
            self._members_of.setdefault(unit_id, []).append(member_id)
        self._teams = teams

    def active(self, member_id: UUID) -> bool:
        member = self.members.get(member_id)
        return member is not None and member.active

    def manager_of(self, member_id: UUID) -> UUID | None:
        """The manager, when there is one who can review (an active member)."""
        member = self.members.get(member_id)
        manager = member.manager_id if member else None
        return manager if manager is not None and self.active(manager) else None

    def above(self, member_id: UUID) -> set[UUID]:
        """Everyone above the member in the manager chain, active or not (loop-safe): they
        read the member's results, so none of them may answer as an anonymous peer."""
        found: set[UUID] = set()
        member = self.members.get(member_id)
        current = member.manager_id if member else None
        while current is not None and current not in found and current != member_id:
            found.add(current)
            boss = self.members.get(current)
            current = boss.manager_id if boss else None
        return found

    def team_of(self, member_id: UUID) -> list[UUID]:
        """Active members of the reviewee's teams (of any unit they are in when they are
        in no team), ordered by id so defaults do not change between runs."""
        units = self._units_of.get(member_id, [])
        teams = [u for u in units if u in self._teams] or units
        mates = {m for u in teams for m in self._members_of.get(u, ()) if self.active(m)}
        return sorted(mates)


async def _all_members(uow: UnitOfWork, org_id: UUID) -> list[Member]:
    members: list[Member] = []
    page = PageRequest(limit=MAX_LIMIT)
    while True:
        found = await uow.members.list(org_id, MemberFilter(), page)
        members.extend(found.items)
        if found.next_after is None:
            return members
        page = PageRequest(limit=MAX_LIMIT, after=found.next_after)


async def _directory(uow: UnitOfWork, org_id: UUID) -> _Directory:
    units = await uow.alignment.units(org_id)
    teams = {u.id for u in units if u.kind is UnitKind.TEAM}
    memberships = await uow.alignment.unit_memberships(org_id)
    return _Directory(await _all_members(uow, org_id), memberships, teams)


def _unknown_members(field: str, ids: Sequence[UUID], directory: _Directory) -> list[FieldError]:
    return [
        FieldError(f"{field}[{i}]", "no such active member", "unknown_reference")
        for i, member_id in enumerate(ids)
        if not directory.active(member_id)
    ]


def _stored(
    deps: Deps, review_cycle: ReviewCycle, assignments: Sequence[Assignment]
) -> list[ReviewAssignment]:
    return [
        ReviewAssignment(
            id=deps.new_id(),
            organization_id=review_cycle.organization_id,
            review_cycle_id=review_cycle.id,
            reviewee_id=a.reviewee_id,
            reviewer_id=a.reviewer_id,
            role=a.role,
        )
        for a in assignments
    ]


def _counts(reviewee_id: UUID, assignments: Sequence[Assignment | ReviewAssignment]) -> Participant:
    counts = dict.fromkeys(ReviewRole, 0)
    for a in assignments:
        counts[a.role] += 1
    return Participant(reviewee_id, counts)


async def _default_reviewees(
    uow: UnitOfWork, review_cycle: ReviewCycle, directory: _Directory, now: datetime
) -> list[UUID]:
    """Every active member who owns an objective in the OKR cycle (its nested cycles too)."""
    nodes = await uow.alignment.cycle_nodes(
        review_cycle.organization_id,
        review_cycle.cycle_id,
        viewer=SEES_EVERYTHING,
        as_of=now,
    )
    owners = {n.owner_id for n in nodes if n.owner_kind is OwnerKind.MEMBER}
    return sorted(o for o in owners if directory.active(o))


async def add_participants(
    deps: Deps,
    principal: Principal,
    review_cycle_id: UUID,
    reviewee_ids: Sequence[UUID] | None = None,
) -> Enrolment:
    """Add reviewees (default: every active member with an objective in the OKR cycle), each
    with self, manager and skip-level assignments from the manager chain and their team
    mates as peers. A reviewee already in keeps their assignments; one whose team gives
    fewer peers than the minimum is added without peers and listed in ``needs_peers``.
    Draft only."""
    ensure_can_manage_reviews(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        ensure_setup_editable(review_cycle.phase)
        directory = await _directory(uow, org_id)
        if reviewee_ids is None:
            wanted = await _default_reviewees(uow, review_cycle, directory, deps.clock.now())
        else:
            errors = _unknown_members("reviewee_ids", reviewee_ids, directory)
            if errors:
                raise RuleViolation(
                    "some reviewees are not active members", code="unknown_reference", errors=errors
                )
            wanted = list(dict.fromkeys(reviewee_ids))
        existing = {
            a.reviewee_id for a in await uow.review_assignments.of_cycle(org_id, review_cycle_id)
        }
        bounds = review_cycle.peer_bounds
        added: list[Participant] = []
        needs_peers: list[UUID] = []
        new: list[Assignment] = []
        for reviewee in wanted:
            if reviewee in existing:
                continue
            above = directory.above(reviewee)
            team = [m for m in directory.team_of(reviewee) if m not in above]
            peers = default_peers(reviewee, team, directory.manager_of, bounds)
            if len(peers) < bounds.min_peers:
                needs_peers.append(reviewee)
                peers = []
            # Bounds from zero: a reviewee short of team mates joins without peers for now.
            mine = assignments_for(
                reviewee, directory.manager_of, peers, replace(bounds, min_peers=0)
            )
            new.extend(mine)
            added.append(_counts(reviewee, mine))
        await uow.review_assignments.add_many(_stored(deps, review_cycle, new))
        await uow.commit()
    return Enrolment(added, [r for r in wanted if r in existing], needs_peers)


async def _ensure_may_nominate(uow: UnitOfWork, principal: Principal, reviewee_id: UUID) -> None:
    """The reviewee, anyone above them in the manager chain, admins and HR nominate peers.
    Anyone else is told the reviewee is not found, as for a reviewee who is not in the cycle."""
    if may_manage_reviews(principal):
        return
    if principal.member_id is not None:
        chain = await uow.members.manager_chain(principal.organization_id, reviewee_id)
        if principal.member_id in chain:
            return
    raise NotFound("reviewee not found in this review cycle")


def _ensure_not_above(reviewee_id: UUID, peer_ids: Sequence[UUID], directory: _Directory) -> None:
    """No one above the reviewee in the manager chain answers as a peer: they read the
    result, and could take their own answers out of the peer figures. The manager and the
    skip-level are told so by the domain (they review in their own roles)."""
    in_roles = set(chain_reviewers(reviewee_id, directory.manager_of).values())
    above = directory.above(reviewee_id) - in_roles
    errors = [
        FieldError(f"peers[{i}]", "is above the reviewee and reads their results", "above")
        for i, peer in enumerate(peer_ids)
        if peer in above
    ]
    if errors:
        raise RuleViolation("invalid peers", code="validation_failed", errors=errors)


async def nominate_peers(
    deps: Deps,
    principal: Principal,
    review_cycle_id: UUID,
    reviewee_id: UUID,
    peer_ids: Sequence[UUID],
) -> Participant:
    """Set a reviewee's peers (replacing the previous ones), within the cycle's bounds, in
    draft. Answers with counts per role only: who the peers are stays with admins and HR."""
    org_id = principal.organization_id
    async with deps.uow() as uow:
        await _ensure_may_nominate(uow, principal, reviewee_id)
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        current = await uow.review_assignments.of_reviewee(org_id, review_cycle_id, reviewee_id)
        if not current:
            raise NotFound("reviewee not found in this review cycle")
        ensure_setup_editable(review_cycle.phase)
        # The reviewee's chain and the peers named: two reads, not the whole directory.
        chain = await uow.members.manager_chain(org_id, reviewee_id)
        named = await uow.members.get_many(org_id, [*chain, *peer_ids])
        directory = _Directory(list(named.values()), memberships=(), teams=set())
        errors = _unknown_members("peer_ids", peer_ids, directory)
        if errors:
            raise RuleViolation(
                "some peers are not active members", code="unknown_reference", errors=errors
            )
        _ensure_not_above(reviewee_id, peer_ids, directory)
        mine = assignments_for(
            reviewee_id, directory.manager_of, peer_ids, review_cycle.peer_bounds
        )
        await uow.review_assignments.delete_of_reviewee(org_id, review_cycle_id, reviewee_id)
        await uow.review_assignments.add_many(_stored(deps, review_cycle, mine))
        await uow.commit()
    return _counts(reviewee_id, mine)


async def remove_participant(
    deps: Deps, principal: Principal, review_cycle_id: UUID, reviewee_id: UUID
) -> None:
    """Take a reviewee out of a review cycle in draft (with their assignments)."""
    ensure_can_manage_reviews(principal)
    org_id = principal.organization_id
    async with deps.uow() as uow:
        review_cycle = await review_cycle_of(uow, org_id, review_cycle_id)
        ensure_setup_editable(review_cycle.phase)
        removed = await uow.review_assignments.delete_of_reviewee(
            org_id, review_cycle_id, reviewee_id
        )
        if not removed:
            raise NotFound("reviewee not found in this review cycle")
        await uow.commit()


async def list_participants(
    deps: Deps, principal: Principal, review_cycle_id: UUID, page: PageRequest
) -> Page[ParticipantDetail]:
    """Reviewees with who reviews them, ordered by reviewee id: admins and HR only. It shows
    who was asked, never who answered; and never, to an admin or HR member, the peers of
    their own review or of anyone below them in the manager chain."""
    ensure_can_manage_reviews(principal)
    org_id = principal.organization_id
    async with deps.read() as uow:
        await review_cycle_of(uow, org_id, review_cycle_id)
        assignments = await uow.review_assignments.of_cycle(org_id, review_cycle_id)
        own_line = (
            await uow.members.reporting_line(org_id, principal.member_id)
            if principal.member_id is not None
            else frozenset[UUID]()
        )

    def detail(reviewee_id: UUID, group: Sequence[ReviewAssignment]) -> ParticipantDetail:
        if reviewee_id not in own_line:
            return ParticipantDetail(reviewee_id, group)
        shown = [a for a in group if a.role is not ReviewRole.PEER]
        return ParticipantDetail(reviewee_id, shown, peers_hidden=True)

    return page_of_reviewees(assignments, page, detail)


T = TypeVar("T")


def page_of_reviewees(
    assignments: Sequence[ReviewAssignment],
    page: PageRequest,
    build: Callable[[UUID, Sequence[ReviewAssignment]], T],
) -> Page[T]:
    """A page of reviewees in id order (the cursor is the last reviewee id)."""
    by_reviewee: dict[UUID, list[ReviewAssignment]] = {}
    for a in assignments:
        by_reviewee.setdefault(a.reviewee_id, []).append(a)
    ids = sorted(r for r in by_reviewee if page.after is None or r > page.after)
    chosen = ids[: page.limit]
    next_after = chosen[-1] if len(ids) > page.limit else None
    return Page([build(r, by_reviewee[r]) for r in chosen], next_after)
