"""Use cases of external forecasts (外部预测): a CRM's commit and best case of a KR, kept as a
series beside its check-ins (DOMAIN.md "Sales pacing, forecast and quotas").

Who may check in on a KR may post its forecast: its owner with their manager chain, the
objective's editors, admins, and a service token with ``check_ins:write`` on the KRs of
public objectives. Who may read the KR reads its forecasts (members; a private objective's
KR is "not found" to whoever may not see it). A forecast is never edited: a new forecast is
a new entry. Its ``source``, ``integration`` and ``external_id`` follow the check-ins'
rules (``domain.okrs``): the same external id twice on a KR is one entry, the second call
answered with the first (``duplicate``), concurrent calls included (a unique index and the
insert's ``ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import Final
from uuid import UUID

from domain.cycles import ensure_writable
from domain.errors import Forbidden, NotFound
from domain.forecasts import ExternalForecast, validate_forecast
from domain.okrs import Visibility, check_in_source, validate_check_in_origin
from service import audit
from service.as_of import AsOf, resolve_as_of
from service.auth import Principal, Scope, ensure_can_read_okrs
from service.context import Deps
from service.objectives import organization_of
from service.okr_access import (
    ensure_may_edit_key_result,
    visible_key_result,
    visible_key_result_context,
)
from service.okr_ports import KeyResultContext
from service.pagination import Page, PageRequest

_SERVICE_PREFIX: Final = "service:"


@dataclass(frozen=True)
class NewForecast:
    commit: Decimal
    best_case: Decimal | None = None
    # The day the forecast was made; None: today (UTC).
    as_of_date: date | None = None
    note: str = ""
    # The sender's id of this forecast: sent twice to a KR, it is one entry.
    external_id: str | None = None
    # The integration sending it, by name: its source is then ``integration``.
    integration: str | None = None


@dataclass(frozen=True)
class ForecastRecorded:
    """A forecast call's answer: the entry stored, or (``duplicate``) the one stored
    earlier with the same external id, in which case nothing changed."""

    forecast: ExternalForecast
    duplicate: bool = False


def _token_integration(principal: Principal) -> str | None:
    """A service token's subject: the integration its entries name by default, as its
    check-ins do (service/checkins.py)."""
    if principal.is_service and principal.subject.startswith(_SERVICE_PREFIX):
        return principal.subject.removeprefix(_SERVICE_PREFIX)
    return None


def _entry(
    deps: Deps, principal: Principal, found: KeyResultContext, data: NewForecast
) -> ExternalForecast:
    """The forecast ``data`` makes on the KR of ``found``, every rule checked but who may."""
    ensure_writable(found.cycle)
    now = deps.clock.now()
    today = now.astimezone(UTC).date()
    as_of_date = data.as_of_date or today
    note = validate_forecast(
        found.key_result,
        commit=data.commit,
        best_case=data.best_case,
        as_of_date=as_of_date,
        note=data.note,
        today=today,
    )
    integration, external_id = validate_check_in_origin(
        data.integration or _token_integration(principal), data.external_id
    )
    return ExternalForecast(
        id=deps.new_id(),
        organization_id=principal.organization_id,
        key_result_id=found.key_result.id,
        commit=data.commit,
        best_case=data.best_case,
        as_of_date=as_of_date,
        note=note,
        author=principal.subject,
        created_at=now,
        source=check_in_source(
            by_service=principal.is_service, on_behalf=False, integration=integration
        ),
        integration=integration,
        external_id=external_id,
    )


async def record_forecast(
    deps: Deps, principal: Principal, key_result_id: UUID, data: NewForecast
) -> ForecastRecorded:
    """Add a forecast to a KR's series; audited (``forecast.created``). With an
    ``external_id`` the KR already has (checked once the call is valid), nothing is stored
    and that entry is answered as a duplicate. A closed cycle's KR takes none
    (``cycle_closed``)."""
    async with deps.uow() as uow:
        # A service sees public objectives only: a private one's KR is not found to it.
        found = await visible_key_result_context(uow, principal, key_result_id)
        if not principal.is_service:
            await ensure_may_edit_key_result(uow, principal, found.key_result, found.objective)
        elif Scope.CHECK_INS_WRITE not in principal.scopes:
            raise Forbidden("this token lacks the check_ins:write scope", code="forbidden")
        elif found.objective.visibility is not Visibility.PUBLIC:
            # okrs:read_private lets a client read a private KR, never write to it: its
            # writes are for public objectives' KRs, as check-ins are.
            raise NotFound("key result not found")
        entry = _entry(deps, principal, found, data)
        stored = await uow.forecasts.add(entry)
        if stored.id != entry.id:
            return ForecastRecorded(stored, duplicate=True)
        await uow.audit.record(
            audit.event(
                deps,
                principal,
                action="forecast.created",
                resource_type="key_result_forecast",
                resource_id=entry.id,
                before=None,
                after=entry,
            )
        )
        await uow.commit()
    return ForecastRecorded(entry)


async def forecast_history(
    deps: Deps,
    principal: Principal,
    key_result_id: UUID,
    page: PageRequest,
    *,
    as_of: AsOf | None = None,
) -> Page[ExternalForecast]:
    """A KR's forecasts, newest first (by when they were posted); with ``as_of``, those
    posted at or before it (a date: the end of that day in the organization's time zone;
    the future is refused, ``as_of_in_future``)."""
    ensure_can_read_okrs(principal)
    async with deps.read() as uow:
        at = None
        if as_of is not None:
            at = resolve_as_of(as_of, await organization_of(uow, principal), deps.clock.now())
        kr, _ = await visible_key_result(uow, principal, key_result_id)
        return await uow.forecasts.history(principal.organization_id, kr.id, page, as_of=at)
