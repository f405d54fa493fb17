"""Use cases of check-ins (进度更新): the immutable history of a KR's progress.

A check-in records its source (``domain.okrs.CheckInSource``) and may carry the sender's
``external_id``: the same external id twice on a KR is one check-in, the second call
answering the first (``duplicate``), concurrent calls included (a unique index and the
insert's ``ON CONFLICT DO NOTHING``). Bulk check-ins (a nightly sync) answer each item on
its own: applied, duplicate, or refused with the error a single check-in would get.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Final
from uuid import UUID

from domain.cycles import ensure_writable
from domain.errors import DomainError, FieldError, Forbidden, NotFound, RuleViolation
from domain.key_results import (
    validate_check_in_texts,
    validate_check_in_value,
    validate_confidence,
    validate_milestones_done,
)
from domain.okrs import (
    CheckIn,
    MetricKind,
    Visibility,
    check_in_source,
    validate_check_in_origin,
)
from service import audit
from service.auth import Principal, Scope, ensure_can_read_okrs
from service.concurrency import ensure_version
from service.context import Deps
from service.key_result_tracks import report_check_ins
from service.okr_access import (
    ensure_may_edit_key_result,
    key_result_refusals,
    outside_client_scope,
    visible_key_result,
    visible_key_result_context,
)
from service.okr_ports import AuditEvent, KeyResultContext
from service.pagination import Page, PageRequest
from service.ports import UnitOfWork
from service.quotas import ensure_takes_check_ins

BULK_CHECK_INS_MAX: Final = 500
"""Items in one bulk check-in call: a nightly sync of a team's KRs in a few calls."""


@dataclass(frozen=True)
class NewCheckIn:
    value: Decimal | None = None
    milestones_done: tuple[UUID, ...] | None = None
    confidence: int | None = None
    note: str = ""
    blockers: str = ""
    # The sender's id of this update: sent twice to a KR, it is one check-in.
    external_id: str | None = None
    # The integration writing it, by name: its source is then ``integration``.
    integration: str | None = None


@dataclass(frozen=True)
class CheckedIn:
    """A check-in call's answer: the check-in stored, or (``duplicate``) the one stored
    earlier with the same external id, in which case nothing changed."""

    check_in: CheckIn
    duplicate: bool = False


def _new_entry(
    deps: Deps,
    principal: Principal,
    found: KeyResultContext,
    data: NewCheckIn,
    *,
    on_behalf: bool,
) -> CheckIn:
    """The check-in ``data`` makes on the KR of ``found``, every rule checked (except who
    may: the caller's part), as the single and the bulk check-in check them."""
    kr = found.key_result
    ensure_writable(found.cycle)
    ensure_takes_check_ins(kr)  # a sum KR's value is its contributors' sum
    value = validate_check_in_value(kr, data.value)
    note, blockers = validate_check_in_texts(data.note, data.blockers)
    integration, external_id = validate_check_in_origin(
        data.integration or _token_integration(principal), data.external_id
    )
    done: tuple[UUID, ...] | None = None
    if kr.metric_kind is not MetricKind.MILESTONES and data.milestones_done is not None:
        raise RuleViolation(
            "only a milestones KR reports milestones done",
            code="validation_failed",
            errors=[FieldError("milestones_done", "this KR takes a value", "not_allowed")],
        )
    if kr.metric_kind is MetricKind.MILESTONES:
        done = tuple(sorted(validate_milestones_done(kr, data.milestones_done or ())))
    return CheckIn(
        id=deps.new_id(),
        organization_id=principal.organization_id,
        key_result_id=kr.id,
        author=principal.subject,
        value=value,
        milestones_done=done,
        confidence=validate_confidence(data.confidence),
        note=note,
        blockers=blockers,
        created_at=deps.clock.now(),
        source=check_in_source(
            by_service=principal.is_service, on_behalf=on_behalf, integration=integration
        ),
        integration=integration,
        external_id=external_id,
    )


# -- service tokens ---------------------------------------------------------------------------
# A service token with ``check_ins:write`` (a CRM or BI sync) checks in on the KRs of public
# objectives, as a reader who is no member sees them: a private objective's KR is "not
# found" to it, as to any service. Its check-ins name it: source ``integration``, the
# token's subject as ``integration`` (unless the item names another integration it syncs
# for), ``service:<subject>`` as author and audit actor. Push URLs act without a member too
# (``push:<id>``), but through ``add_check_in`` with their own integration name: they
# never reach these gates.

_SERVICE_PREFIX: Final = "service:"


def _token_integration(principal: Principal) -> str | None:
    """A service token's subject, the integration its check-ins name by default."""
    if principal.is_service and principal.subject.startswith(_SERVICE_PREFIX):
        return principal.subject.removeprefix(_SERVICE_PREFIX)
    return None


def _lacks_scope() -> Forbidden:
    return Forbidden("this token lacks the check_ins:write scope", code="forbidden")


def _service_refusals(
    principal: Principal, found: Iterable[KeyResultContext]
) -> dict[UUID, DomainError]:
    """Why a service may not check in on each KR (as :func:`key_result_refusals` says it
    for members): not found when its objective is not public; forbidden without the scope."""
    refused: dict[UUID, DomainError] = {}
    for f in found:
        if f.objective.visibility is not Visibility.PUBLIC:
            refused[f.key_result.id] = NotFound("key result not found")
        elif Scope.CHECK_INS_WRITE not in principal.scopes:
            refused[f.key_result.id] = _lacks_scope()
    return refused


def _created(deps: Deps, principal: Principal, entry: CheckIn) -> AuditEvent:
    return audit.event(
        deps,
        principal,
        action="check_in.created",
        resource_type="check_in",
        resource_id=entry.id,
        before=None,
        after=entry,
    )


async def record_check_in(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    data: NewCheckIn,
    *,
    expected_version: int | None = None,
) -> CheckedIn:
    """Record a new value (or milestones done) of a KR; it becomes the KR's current value.

    History is never rewritten: a correction is another check-in. With
    ``expected_version`` the KR must still be the one the caller read (its target, metric
    and milestones judge the value): StaleVersion otherwise. With an ``external_id`` the
    KR already has (checked once the call is valid), nothing changes and that check-in is
    answered as a duplicate.
    """
    async with deps.uow() as uow:
        # A service sees public objectives only: a private one's KR is not found to it.
        found = await visible_key_result_context(uow, principal, key_result_id)
        kr = found.key_result
        if not principal.is_service:
            await ensure_may_edit_key_result(uow, principal, kr, found.objective)
        elif Scope.CHECK_INS_WRITE not in principal.scopes:
            raise _lacks_scope()
        elif found.objective.visibility is not Visibility.PUBLIC:
            # Seen under okrs:read_private: a service still writes to public ones only.
            raise NotFound("key result not found")
        ensure_version(kr.version, expected_version)
        recorded = await add_check_in(uow, deps, principal, found, data)
        if not recorded.duplicate:
            await uow.commit()
    return recorded


async def add_check_in(
    uow: UnitOfWork, deps: Deps, principal: Principal, found: KeyResultContext, data: NewCheckIn
) -> CheckedIn:
    """Add ``data`` as a check-in of the KR of ``found`` in the caller's open unit of work
    (audited, its objective touched), every rule checked but who may: the caller decided
    that. Not committed. A duplicate external id changes nothing and answers the earlier."""
    entry = _new_entry(deps, principal, found, data, on_behalf=False)
    # The KR's current value and the objective's score changed: both move in a sync
    # (``updated_at`` only; their versions guard their own fields). Adding the check-in
    # moves its KR.
    stored = await uow.check_ins.add(entry)
    if stored.id != entry.id:
        return CheckedIn(stored, duplicate=True)
    await uow.objectives.touch(principal.organization_id, [found.objective.id], entry.created_at)
    # Its KR's track status may have moved: reported in the same transaction and recorded
    # with the check-in's own event (service.key_result_tracks).
    tracks = await report_check_ins(uow, deps, principal, [(found, entry)])
    await uow.audit.record_many([_created(deps, principal, entry), *tracks])
    return CheckedIn(entry)


async def check_in(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    data: NewCheckIn,
    *,
    expected_version: int | None = None,
) -> CheckIn:
    """:func:`record_check_in`'s check-in (the earlier one for a duplicate external id)."""
    recorded = await record_check_in(
        deps, principal, key_result_id, data, expected_version=expected_version
    )
    return recorded.check_in


# -- bulk ------------------------------------------------------------------------------------


class Outcome(StrEnum):
    APPLIED = "applied"  # stored: the KR's new check-in
    DUPLICATE = "duplicate"  # its external id was the KR's already: that check-in, unchanged
    REFUSED = "refused"  # not stored: ``error`` says why, as a single check-in would


@dataclass(frozen=True)
class BulkItem:
    key_result_id: UUID | None  # None: the adapter could not read it (``unreadable``)
    data: NewCheckIn
    # Why the adapter could not read the item (its schema refused a field): refused as is,
    # so one bad row of a sync does not refuse the others.
    unreadable: DomainError | None = None


@dataclass(frozen=True)
class BulkAnswer:
    outcome: Outcome
    check_in: CheckIn | None = None
    error: DomainError | None = None


def ensure_bulk_size(count: int) -> None:
    if not 1 <= count <= BULK_CHECK_INS_MAX:
        raise RuleViolation(
            f"a bulk check-in takes 1 to {BULK_CHECK_INS_MAX} items",
            code="validation_failed",
            errors=[FieldError("items", f"1 to {BULK_CHECK_INS_MAX} items", "out_of_range")],
        )


async def check_in_bulk(
    deps: Deps, principal: Principal, items: Sequence[BulkItem]
) -> list[BulkAnswer]:
    """Check in on many KRs at once (a nightly sync), each item answered in its order.

    Each item is judged as :func:`record_check_in` judges one (who may, the cycle, the
    value, the texts), or is refused as the adapter could not read it (``unreadable``: a
    field its schema refused); a refused item stores nothing and does not stop the others. The
    applied ones are stored in one transaction: a failure of the call (the database gone)
    stores none, so the whole call can be sent again; with external ids a resent item is a
    duplicate either way. The source is ``api`` (a sync on the caller's behalf) unless an
    item names its integration or the caller is a service token (then it names the token:
    see above). A fixed number of statements whatever the number of items.
    """
    ensure_bulk_size(len(items))
    org_id = principal.organization_id
    async with deps.uow() as uow:
        ids = [i.key_result_id for i in items if i.key_result_id and i.unreadable is None]
        contexts = await uow.objective_records.key_result_contexts(org_id, ids)
        if principal.is_service:
            refusals = _service_refusals(principal, contexts.values())
            refusals |= await outside_client_scope(uow, principal, contexts.values())
        else:
            refusals = await key_result_refusals(uow, principal, contexts.values())
        judged = [_judged(deps, principal, item, contexts, refusals) for item in items]
        entries = [j for j in judged if isinstance(j, CheckIn)]
        stored = iter(await uow.check_ins.add_many(entries))
        answers: list[BulkAnswer] = []
        for j in judged:
            if isinstance(j, DomainError):
                answers.append(BulkAnswer(Outcome.REFUSED, error=j))
                continue
            kept = next(stored)
            outcome = Outcome.APPLIED if kept.id == j.id else Outcome.DUPLICATE
            answers.append(BulkAnswer(outcome, check_in=kept))
        applied = [a.check_in for a in answers if a.outcome is Outcome.APPLIED and a.check_in]
        if applied:
            objective_ids = {contexts[c.key_result_id].objective.id for c in applied}
            await uow.objectives.touch(org_id, objective_ids, deps.clock.now())
            checked = [(contexts[c.key_result_id], c) for c in applied]
            tracks = await report_check_ins(uow, deps, principal, checked)
            await uow.audit.record_many([*(_created(deps, principal, c) for c in applied), *tracks])
        await uow.commit()
    return answers


def _judged(
    deps: Deps,
    principal: Principal,
    item: BulkItem,
    contexts: Mapping[UUID, KeyResultContext],
    refusals: Mapping[UUID, DomainError],
) -> CheckIn | DomainError:
    """The check-in an item makes, or why it is refused (as a single check-in would be)."""
    if item.unreadable is not None:
        return item.unreadable
    kr_id = item.key_result_id
    found = contexts.get(kr_id) if kr_id is not None else None
    if found is None or kr_id is None or kr_id in refusals:
        return (refusals.get(kr_id) if kr_id else None) or NotFound("key result not found")
    try:
        return _new_entry(deps, principal, found, item.data, on_behalf=True)
    except DomainError as error:
        return error


async def check_in_history(
    deps: Deps, principal: Principal, key_result_id: UUID, page: PageRequest
) -> Page[CheckIn]:
    """Every check-in of a KR, newest first."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        kr, _ = await visible_key_result(uow, principal, key_result_id)
        return await uow.check_ins.history(principal.organization_id, kr.id, page)
