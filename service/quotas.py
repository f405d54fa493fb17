"""Quota roll-up (配额汇总), DOMAIN.md "Quota roll-up": what a sum KR adds up to, the checks
of a contribution (``contributes_to_key_result_id``), and the allocation read.

The rules are ``domain.quotas``; here they meet storage. A contributor the reader may not
see is left out of every figure shown to that reader (the sum, the allocation), as hidden
objectives are left out of roll-ups: its value cannot be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Final, Protocol
from uuid import UUID

from domain.errors import Conflict, FieldError, NotFound, RuleViolation
from domain.okrs import Aggregation, KeyResult, Objective
from domain.quotas import (
    Allocation,
    Contributor,
    allocation,
    contribution_errors,
    contribution_target_allowed,
    ensure_can_contribute,
    ensure_no_contribution_loop,
    summed_current,
)
from service import audit
from service.as_of import AsOf, resolve_as_of
from service.auth import Principal, ensure_can_read_okrs
from service.context import Deps
from service.okr_access import viewer_of, visible_among, visible_key_result
from service.okr_ports import Viewer
from service.ports import UnitOfWork
from service.quota_ports import ContributorFigures

FIELD: Final = "contributes_to_key_result_id"

# Sum KRs may add into sum KRs (individuals -> team -> department): one statement per level,
# never per KR. Deeper chains than this are cut (their lowest sums read as their start).
MAX_SUM_DEPTH: Final = 8


# -- the current value of sum KRs ----------------------------------------------------------


class Aggregated(Protocol):
    """What a sum's read needs of a KR: a ``KeyResult`` or a KR's figures."""

    @property
    def id(self) -> UUID: ...
    @property
    def aggregation(self) -> Aggregation: ...


async def _contributors_below(
    uow: UnitOfWork,
    org_id: UUID,
    roots: Sequence[UUID],
    viewer: Viewer,
    as_of: datetime | None,
) -> dict[UUID, Sequence[ContributorFigures]]:
    """The visible contributors of ``roots``, and of the sum KRs among them, level by level."""
    found: dict[UUID, Sequence[ContributorFigures]] = {}
    pending = list(roots)
    for _ in range(MAX_SUM_DEPTH):
        if not pending:
            break
        level = await uow.quotas.contributors(org_id, pending, viewer=viewer, as_of=as_of)
        found.update({kr_id: level.get(kr_id, ()) for kr_id in pending})
        pending = [
            c.key_result_id
            for figures in level.values()
            for c in figures
            if c.aggregation is Aggregation.SUM and c.key_result_id not in found
        ]
    return found


def _summed(
    kr_id: UUID, below: Mapping[UUID, Sequence[ContributorFigures]], path: frozenset[UUID]
) -> Decimal | None:
    def value(c: ContributorFigures) -> Decimal | None:
        if c.aggregation is Aggregation.SUM and c.key_result_id not in path:
            return _summed(c.key_result_id, below, path | {c.key_result_id})
        return c.current

    return summed_current(
        Contributor(current=value(c), start=c.start) for c in below.get(kr_id, ())
    )


async def summed_values(
    uow: UnitOfWork,
    org_id: UUID,
    key_results: Iterable[Aggregated],
    viewer: Viewer,
    *,
    as_of: datetime | None = None,
) -> dict[UUID, Decimal | None]:
    """The current value of each sum KR among ``key_results`` as ``viewer`` sees it (its
    visible contributors' values added, at ``as_of`` when given; ``None``: none, the KR
    stands at its start). No statement without a sum KR; else one per level of sums."""
    roots = [kr.id for kr in key_results if kr.aggregation is Aggregation.SUM]
    if not roots:
        return {}
    below = await _contributors_below(uow, org_id, roots, viewer, as_of)
    return {kr_id: _summed(kr_id, below, frozenset({kr_id})) for kr_id in roots}


# -- who may see what a contribution points at ----------------------------------------------


async def without_hidden_targets(
    uow: UnitOfWork, org_id: UUID, key_results: Sequence[KeyResult], viewer: Viewer
) -> list[KeyResult]:
    """The KRs with each contribution to a KR ``viewer`` may not see cleared: it reads as
    none, as a hidden parent link of an objective does, so a private objective's KR id does
    not leak through the KRs adding into it. At most one statement (none when no KR adds
    into another or the viewer sees everything)."""
    targets = {k.contributes_to_key_result_id for k in key_results} - {None}
    if not targets or viewer.sees_everything:
        return list(key_results)
    seen = await uow.objectives.visible_link_targets(
        org_id, objective_ids=[], key_result_ids=[i for i in targets if i], viewer=viewer
    )
    return [
        k
        if k.contributes_to_key_result_id is None or k.contributes_to_key_result_id in seen
        else replace(k, contributes_to_key_result_id=None)
        for k in key_results
    ]


# -- what a sum KR refuses -----------------------------------------------------------------


def ensure_takes_check_ins(kr: KeyResult, *, field: str | None = None) -> None:
    """A sum KR's value is its contributors' sum: a check-in of its own (single, bulk, a
    push URL, a KPI's measurement) would be stored and never shown, so it is refused
    (``sum_key_result``), on ``field`` when the refused input has one."""
    if kr.aggregation is not Aggregation.SUM:
        return
    raise sum_key_result_refused(field=field)


def sum_key_result_refused(*, field: str | None = None) -> RuleViolation:
    """The refusal of a check-in on a sum KR: raised here before the write, and by the
    check-in storage when the KR became a sum meanwhile (a concurrent switch committed
    first), so every path answers alike."""
    message = "a sum key result's value is its contributors' sum: check in on them"
    return RuleViolation(
        message,
        code="sum_key_result",
        errors=[FieldError(field, message, "sum_key_result")] if field else [],
    )


async def ensure_aggregation_may_change(uow: UnitOfWork, kr: KeyResult) -> None:
    """Refuse (409 ``aggregation_has_history``) to switch ``kr`` between its own value and a
    sum once either has a past: reads as of an earlier instant take today's aggregation, so
    a KR made a sum would lose its check-ins from its history, and would add up the KRs
    that added into it then (links into a plain KR are allowed), and a sum made plain would
    lose what its contributors added up to. A new KR takes the other aggregation.

    The caller holds the alignment graph's lock (``Graph.ALIGNMENT``), so no contribution
    into ``kr`` is made meanwhile; ``kr``'s row is locked before its check-ins are counted,
    so a check-in committed first is seen here and one written after waits and is refused
    by its write (``sum_key_result``)."""
    org_id = kr.organization_id
    to_sum = kr.aggregation is not Aggregation.SUM
    if to_sum and await uow.quotas.lock_and_has_check_ins(org_id, kr.id):
        message = "this key result has check-ins: as a sum its past reads would change"
    elif await uow.quotas.has_contribution_history(org_id, kr.id):
        message = (
            "key results have added into it: as a sum its past reads would change"
            if to_sum
            else "key results have added into this sum: its past reads would change"
        )
    else:
        return
    raise Conflict(
        f"{message}; create a new key result with the other aggregation",
        code="aggregation_has_history",
        errors=[FieldError("aggregation", message, "aggregation_has_history")],
    )


# -- contribution checks (writes; the caller holds the alignment graph's lock) --------------


def _unknown_target() -> RuleViolation:
    # The same answer for an unknown id and a KR the caller may not see.
    return RuleViolation(
        f"{FIELD}: no such key result",
        code="unknown_reference",
        errors=[FieldError(FIELD, "no such key result", "unknown_reference")],
    )


async def _aligned_to(uow: UnitOfWork, objective: Objective) -> UUID | None:
    """The objective ``objective`` aligns to: its parent, or the objective of its parent KR."""
    if objective.parent_objective_id is not None:
        return objective.parent_objective_id
    if objective.parent_key_result_id is None:
        return None
    parent_kr = await uow.key_results.get(objective.organization_id, objective.parent_key_result_id)
    return parent_kr.objective_id if parent_kr is not None else None


async def ensure_contribution(
    uow: UnitOfWork, principal: Principal, kr: KeyResult, objective: Objective
) -> None:
    """Check ``kr``'s contribution (``contributes_to_key_result_id``): a KR the caller may
    see, of the objective ``objective`` (the KR's) aligns to, measured alike, closing no
    loop. The caller holds the alignment graph's lock (``Graph.ALIGNMENT``), so neither the
    alignment nor the contributions read here change before its write."""
    target_id = kr.contributes_to_key_result_id
    if target_id is None:
        return
    try:
        target, _ = await visible_key_result(uow, principal, target_id)
    except NotFound:
        raise _unknown_target() from None
    aligned_to = await _aligned_to(uow, objective)
    if not contribution_target_allowed(
        aligned_to=aligned_to, parent_objective_id=target.objective_id
    ):
        raise RuleViolation(
            "a key result contributes only to a key result of the objective its objective "
            "aligns to",
            code="contribution_not_aligned",
            errors=[FieldError(FIELD, "not a KR of the aligned-to objective", "not_aligned")],
        )
    ensure_can_contribute(kr, target, field=FIELD)
    chain = await uow.quotas.contribution_chain(kr.organization_id, target.id)
    try:
        ensure_no_contribution_loop(kr.id, target.id, chain, field=FIELD)
    except RuleViolation as error:
        # Name only the loop's KRs the caller may see ("hidden" for the others).
        ids = [UUID(i) for i in error.extra.get("cycle", [])]
        seen = await _visible_ids(uow, principal, ids)
        error.extra["cycle"] = [str(i) if i in seen else "hidden" for i in ids]
        raise


async def ensure_no_contributors(
    uow: UnitOfWork, principal: Principal, key_results: Sequence[KeyResult]
) -> None:
    """Refuse (409 ``key_result_has_contributors``) while KRs add into any of
    ``key_results``: deleting them would break those links (the foreign key refuses it), and
    unlinking others' KRs silently would change figures their owners answer for. The answer
    names each contribution (``contributors``), a KR the caller may not see as "hidden".
    One statement when there are none."""
    found = await uow.quotas.contributions_into(
        principal.organization_id, [k.id for k in key_results]
    )
    if not found:
        return
    seen = await _visible_ids(uow, principal, [c for c, _ in found])
    raise Conflict(
        "other key results add into it: unlink them first",
        code="key_result_has_contributors",
        extra={
            "contributors": [
                {
                    "key_result_id": str(c) if c in seen else "hidden",
                    "contributes_to_key_result_id": str(into),
                }
                for c, into in found
            ]
        },
    )


async def ensure_no_sum_history(uow: UnitOfWork, kr: KeyResult) -> None:
    """Refuse (409 ``key_result_has_history``) to delete a sum KR that KRs added into, even
    if none adds in any more: its past reads add up what they added then, and that history
    would go with it, as a KR with check-ins keeps its own. No statement for a plain KR
    (what was added into it never shows in its reads)."""
    if kr.aggregation is not Aggregation.SUM:
        return
    if await uow.quotas.has_contribution_history(kr.organization_id, kr.id):
        raise Conflict(
            "key results have added into this sum: its history is kept",
            code="key_result_has_history",
        )


# What a KR's measure is made of: a change of any of them may part it from the KRs adding in.
MEASURE_FIELDS: Final = ("metric_kind", "unit", "currency", "direction")


def measure_changed(before: KeyResult, after: KeyResult) -> bool:
    return any(getattr(before, name) != getattr(after, name) for name in MEASURE_FIELDS)


async def ensure_contributors_still_fit(
    uow: UnitOfWork, principal: Principal, before: KeyResult, after: KeyResult
) -> None:
    """Refuse (422 ``contribution_incompatible``) a change of a KR's measure (metric kind,
    unit, currency, direction) that the KRs adding into it no longer share: a CNY sum turned
    USD would add yuan up as dollars. The errors name the changed fields, ``contributors``
    the KRs adding in (a KR the caller may not see as "hidden"). The caller holds the
    alignment graph's lock, so no contribution is added meanwhile. One statement when none
    adds in."""
    if not measure_changed(before, after):
        return
    found = await uow.quotas.contributions_into(principal.organization_id, [after.id])
    if not found:
        return
    krs = await uow.key_results.get_many(principal.organization_id, [c for c, _ in found])
    codes = {e.code for k in krs.values() for e in contribution_errors(k, after)}
    if not codes:
        return
    changed = [name for name in MEASURE_FIELDS if getattr(before, name) != getattr(after, name)]
    seen = await _visible_ids(uow, principal, list(krs))
    message = "the key results adding into it measure otherwise: unlink them first"
    # Each mismatch on the changed field behind it (a direction's on ``direction``).
    errors = [
        FieldError(name, message, code)
        for name in changed
        for code in sorted(codes)
        if (code == "direction_mismatch") == (name == "direction")
    ] or [FieldError(changed[0], message, code) for code in sorted(codes)]
    raise RuleViolation(
        message,
        code="contribution_incompatible",
        errors=errors,
        extra={"contributors": [str(c) if c in seen else "hidden" for c, _ in found]},
    )


async def unlink_stale_contributions(
    uow: UnitOfWork, deps: Deps, principal: Principal, objective: Objective
) -> list[KeyResult]:
    """After ``objective`` was realigned: unlink its KRs' contributions to KRs of an
    objective it no longer aligns to, in the caller's transaction, each audited as a KR
    change. Unlinked rather than refused: the KRs are the realigned objective's own (its
    editor edits them), and the move means their figures stop counting there, as the
    objective stops counting in its old parent's roll-up. The caller holds the alignment
    graph's lock. The KRs unlinked, with their new versions."""
    org_id = objective.organization_id
    krs = (await uow.key_results.of_objectives(org_id, [objective.id])).get(objective.id, ())
    linked = [k for k in krs if k.contributes_to_key_result_id is not None]
    if not linked:
        return []
    aligned_to = await _aligned_to(uow, objective)
    targets = await uow.key_results.get_many(
        org_id, [k.contributes_to_key_result_id for k in linked if k.contributes_to_key_result_id]
    )
    now = deps.clock.now()
    unlinked: list[KeyResult] = []
    for kr in linked:
        target = (
            targets.get(kr.contributes_to_key_result_id)
            if kr.contributes_to_key_result_id
            else None
        )
        if target is not None and contribution_target_allowed(
            aligned_to=aligned_to, parent_objective_id=target.objective_id
        ):
            continue
        after = replace(
            kr, contributes_to_key_result_id=None, version=kr.version + 1, updated_at=now
        )
        await uow.key_results.update(after, previous_version=kr.version)
        await audit.record(
            uow.audit,
            deps,
            principal,
            action="key_result.updated",
            resource_type="key_result",
            resource_id=kr.id,
            before=kr,
            after=after,
        )
        unlinked.append(after)
    return unlinked


async def _visible_ids(uow: UnitOfWork, principal: Principal, ids: Sequence[UUID]) -> set[UUID]:
    org_id = principal.organization_id
    krs = await uow.key_results.get_many(org_id, ids)
    objectives = await uow.objectives.get_many(org_id, list({k.objective_id for k in krs.values()}))
    shown = {o.id for o in await visible_among(uow, principal, objectives.values())}
    return {kr.id for kr in krs.values() if kr.objective_id in shown}


# -- the allocation read -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ContributorShare:
    key_result_id: UUID
    target: Decimal
    current: Decimal  # its current value (a sum KR's sum; its start before any check-in)


@dataclass(frozen=True, kw_only=True)
class AllocationView:
    key_result: KeyResult
    allocation: Allocation
    contributors: Sequence[ContributorShare]  # the visible ones, oldest first


async def key_result_allocation(
    deps: Deps, principal: Principal, key_result_id: UUID, *, as_of: AsOf | None = None
) -> AllocationView:
    """Whether the targets of the KRs adding into a KR cover its own (under, allocated,
    over, by how much), over the contributors the caller may see (as of ``as_of``)."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        kr, _ = await visible_key_result(uow, principal, key_result_id)
        org = await uow.organizations.get(principal.organization_id)
        if org is None:
            raise NotFound("organization not found")
        at = resolve_as_of(as_of, org, deps.clock.now())
        if at is not None and kr.created_at > at:
            raise NotFound("the key result did not exist yet at as_of")
        below = await _contributors_below(uow, org.id, [kr.id], viewer_of(principal), at)
    contributors = below.get(kr.id, ())
    shares = [
        ContributorShare(
            key_result_id=c.key_result_id,
            target=c.target,
            current=_share_value(c, below),
        )
        for c in contributors
    ]
    return AllocationView(
        key_result=kr,
        allocation=allocation(kr.target, [c.target for c in contributors], kr.direction),
        contributors=shares,
    )


def _share_value(
    c: ContributorFigures, below: Mapping[UUID, Sequence[ContributorFigures]]
) -> Decimal:
    value = (
        _summed(c.key_result_id, below, frozenset({c.key_result_id}))
        if c.aggregation is Aggregation.SUM
        else c.current
    )
    return c.start if value is None else value
