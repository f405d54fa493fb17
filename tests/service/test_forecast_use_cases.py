"""External forecasts at the use-case tier: the validation rules (pure), and the repository
read the KR view will use: the latest forecast of many KRs, at an instant, in ONE statement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.errors import RuleViolation
from domain.forecasts import validate_forecast
from domain.okrs import Direction, MetricKind
from service.context import Deps
from service.forecasts import NewForecast, record_forecast
from tests import factories as make
from tests.service.harness import NOW, FixedClock, Tenant, principal_of

TODAY = NOW.date()


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_latest_forecasts_of_many_krs_in_one_statement(
    deps: Deps, acme: Tenant, globex: Tenant, clock: FixedClock, engine: AsyncEngine
) -> None:
    ann = await make.member(deps, acme, "Ann")
    cycle = await make.cycle(deps, acme)
    grow = await make.objective(deps, ann, cycle)
    krs = [
        await make.key_result(deps, ann, grow, f"KR {i}", owner=ann, target=Decimal(100))
        for i in range(3)
    ]
    as_ann = principal_of(ann)
    t0 = clock.current
    # KR 0: two forecasts a day apart; KR 1: one, posted later; KR 2: none.
    first = await record_forecast(deps, as_ann, krs[0].id, NewForecast(commit=Decimal(50)))
    clock.current = t0 + timedelta(days=1)
    second = await record_forecast(deps, as_ann, krs[0].id, NewForecast(commit=Decimal(60)))
    only = await record_forecast(deps, as_ann, krs[1].id, NewForecast(commit=Decimal(70)))
    ids = [kr.id for kr in krs]
    async with deps.read() as uow:
        with statements(engine) as seen:
            now = await uow.forecasts.latest_forecasts(acme.id, ids)
            then = await uow.forecasts.latest_forecasts(acme.id, ids, t0 + timedelta(hours=1))
            before = await uow.forecasts.latest_forecasts(acme.id, ids, t0 - timedelta(hours=1))
        other = await uow.forecasts.latest_forecasts(globex.id, ids)
        none = await uow.forecasts.latest_forecasts(acme.id, [])
    assert len(seen) == 3  # one each
    assert {k: f.id for k, f in now.items()} == {
        krs[0].id: second.forecast.id,
        krs[1].id: only.forecast.id,
    }
    assert {k: f.id for k, f in then.items()} == {krs[0].id: first.forecast.id}
    assert before == {}
    assert other == {}  # another organization's KR ids read nothing
    assert none == {}
    assert now[krs[0].id].commit == Decimal(60)


def _refusal(direction: Direction, commit: str, best: str | None, **extra: Any) -> list[str]:
    # Only the KR's direction and metric kind judge a forecast.
    fake = SimpleNamespace(direction=direction, metric_kind=MetricKind.NUMBER)
    try:
        validate_forecast(
            fake,  # type: ignore[arg-type]
            commit=Decimal(commit),
            best_case=None if best is None else Decimal(best),
            as_of_date=extra.get("as_of_date", TODAY),
            note=extra.get("note", ""),
            today=TODAY,
        )
    except RuleViolation as refused:
        return [f"{e.field}:{e.code}" for e in refused.errors]
    return []


@pytest.mark.parametrize(
    ("direction", "commit", "best", "errors"),
    [
        (Direction.INCREASE, "100", "120", []),
        (Direction.INCREASE, "100", "100", []),
        (Direction.INCREASE, "100", None, []),
        (Direction.INCREASE, "100", "99.5", ["best_case:best_case_below_commit"]),
        (Direction.DECREASE, "20", "15", []),
        (Direction.DECREASE, "20", "25", ["best_case:best_case_below_commit"]),
        (Direction.INCREASE, "1E+20", None, ["commit:not_finite"]),
    ],
)
def test_the_best_case_is_no_worse_than_the_commit(
    direction: Direction, commit: str, best: str | None, errors: list[str]
) -> None:
    assert _refusal(direction, commit, best) == errors


def test_a_forecast_is_made_on_a_day_that_has_come_and_its_note_is_bounded() -> None:
    tomorrow = TODAY + timedelta(days=1)
    assert _refusal(Direction.INCREASE, "1", None, as_of_date=tomorrow) == []
    assert _refusal(Direction.INCREASE, "1", None, as_of_date=date(2000, 1, 1)) == []
    assert _refusal(
        Direction.INCREASE, "1", None, as_of_date=tomorrow + timedelta(days=1), note="x" * 2001
    ) == ["as_of_date:in_future", "note:too_long"]
