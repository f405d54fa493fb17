"""``okr demo``: a living demo organization, loaded once, opened with the printed tokens."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from domain.members import Role
from domain.okrs import Ambition
from domain.organizations import ScoringSettings
from domain.pacing import BACK_LOADED, elapsed_fraction
from domain.pacing import expected_progress as curve_progress
from domain.pacing_setting import CurveKind
from domain.scoring import track_status
from service.auth import Principal
from service.context import Deps
from service.objectives import list_objectives
from service.okr_ports import ObjectiveFilter
from service.organizations import NewOrganization, create_organization
from service.pagination import PageRequest
from service.runtime.app import build_app
from service.runtime.cli import cli
from service.runtime.demo import ADMIN_EMAIL, LOADING_NAME, load_demo, read_demo_data
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api import harness
from tests.service.harness import FixedClock


@pytest.fixture(autouse=True)
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean environment whose key is the one the test app verifies with."""
    for name in list(os.environ):
        if name.startswith("OKR_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("OKR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OKR_JWT_SECRET", harness.TEST_SECRET)


def message(result: Result) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


async def run_demo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["demo"])
    assert result.exit_code == 0, message(result)
    out: dict[str, Any] = json.loads(result.stdout)
    return out


@pytest.fixture
async def demo(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    return await run_demo(database_url, monkeypatch)


@pytest.fixture
async def api(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = build_app(harness.test_settings(), database_url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://okr.test"
        ) as client,
    ):
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def objectives(api: httpx.AsyncClient, token: str) -> list[dict[str, Any]]:
    response = await api.get("/v1/objectives", params={"limit": 100}, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_demo_twice_keeps_one_organization_and_mints_fresh_tokens(
    demo: dict[str, Any], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    again = await run_demo(database_url, monkeypatch)
    assert demo["created"] is True
    assert again["created"] is False
    assert again["organization_id"] == demo["organization_id"]
    assert again["members"] == demo["members"]
    assert set(again["tokens"]) == {"admin", "manager", "member"}
    assert again["try"].startswith("curl -H 'Authorization: Bearer ")


async def test_the_demo_is_a_living_organization(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    tokens = demo["tokens"]
    org = await api.get("/v1/organization", headers=bearer(tokens["admin"]))
    assert org.status_code == 200, org.text
    assert org.json()["name"] == "Acme Growth (demo)"
    assert org.json()["locale"] == "zh-CN"
    assert org.json()["time_zone"] == "Asia/Shanghai"

    seen = await objectives(api, tokens["member"])
    titles = [o["title"] for o in seen]
    assert any(t.startswith("+30% sales, satisfaction above 90%") for t in titles)
    assert any(t.startswith("Improve sales performance") for t in titles)
    krs = [kr for o in seen for kr in o["key_results"]]
    assert len(krs) >= 10
    assert all(kr["owner_id"] for kr in krs)
    assert any(Decimal(kr["score"]["progress"]) > 0 for kr in krs)
    assert sum(Decimal(kr["score"]["progress"]) > 0 for kr in krs) > len(krs) // 2
    assert any(kr["metric_kind"] == "milestones" for kr in krs)
    assert any(kr["direction"] == "decrease" for kr in krs)

    # Alignment: objectives to objectives, and marketing contributing to a sales KR.
    assert any(o["parent_objective_id"] for o in seen)
    by_kr = {kr["id"]: o for o in seen for kr in o["key_results"]}
    contributions = [o for o in seen if o["parent_key_result_id"]]
    assert contributions
    assert by_kr[contributions[0]["parent_key_result_id"]]["title"].startswith(
        "Improve sales performance"
    )

    # A KR's history: several weekly check-ins, in the past, newest first.
    busiest = max(krs, key=lambda kr: kr["last_check_in_at"] or "")
    history = await api.get(
        f"/v1/key-results/{busiest['id']}/check-ins", headers=bearer(tokens["member"])
    )
    assert history.status_code == 200, history.text
    entries = history.json()["items"]
    assert len(entries) >= 3
    stamps = [e["created_at"] for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == len(stamps)

    # Actions with owners, due dates and standards; one done and accepted.
    actions: list[dict[str, Any]] = []
    for kr in krs:
        found = await api.get(
            f"/v1/key-results/{kr['id']}/actions", headers=bearer(tokens["member"])
        )
        assert found.status_code == 200, found.text
        actions.extend(found.json()["items"])
    assert len(actions) >= 4
    assert all(a["owner_id"] and a["due_date"] and a["completion_standard"] for a in actions)
    assert any(a["status"] == "done" and a["accepted_by"] for a in actions)


async def test_the_manager_sees_a_reports_private_objective(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    tokens = demo["tokens"]
    member_sees = {o["id"] for o in await objectives(api, tokens["member"])}
    manager_sees = await objectives(api, tokens["manager"])
    private = [o for o in manager_sees if o["visibility"] == "private"]
    assert private, "the demo has a private objective of one of the manager's reports"
    for objective in private:
        assert objective["id"] not in member_sees
        assert objective["owner"]["id"] != demo["members"]["manager"]
        one = await api.get(f"/v1/objectives/{objective['id']}", headers=bearer(tokens["manager"]))
        assert one.status_code == 200, one.text
        hidden = await api.get(
            f"/v1/objectives/{objective['id']}", headers=bearer(tokens["member"])
        )
        assert hidden.status_code == 404


async def test_the_printed_ids_are_the_demo_people(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    admin = bearer(demo["tokens"]["admin"])
    emails = {}
    for who, member_id in demo["members"].items():
        found = await api.get(f"/v1/members/{UUID(member_id)}", headers=admin)
        assert found.status_code == 200, found.text
        emails[who] = found.json()["email"]
    assert emails == {
        "admin": "ceo@demo.acme.example",
        "manager": "zhang.wei@demo.acme.example",
        "member": "li.na@demo.acme.example",
    }
    reports = await api.get(
        "/v1/members", params={"manager_id": demo["members"]["manager"]}, headers=admin
    )
    assert reports.status_code == 200, reports.text
    assert len(reports.json()["items"]) == 3


async def test_a_broken_off_load_is_not_taken_for_the_demo(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load that stopped half-way keeps the loading name: the next run loads afresh."""
    engine = create_engine(database_url, pool_size=1, statement_cache_size=0)
    try:
        half, _ = await create_organization(
            Deps(uow=PostgresUnitOfWorkFactory(engine)),
            NewOrganization(name=LOADING_NAME, admin_email=ADMIN_EMAIL),
        )
    finally:
        await engine.dispose()
    out = await run_demo(database_url, monkeypatch)
    assert out["created"] is True
    assert out["organization_id"] != str(half.id)


async def test_with_external_keys_it_prints_ids_only(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OKR_JWT_SECRET")
    monkeypatch.setenv("OKR_JWT_ALGORITHMS", '["RS256"]')
    monkeypatch.setenv("OKR_JWT_PUBLIC_KEY_FILE", str(tmp_path / "idp.pem"))
    out = await run_demo(database_url, monkeypatch)
    assert "identity provider" in out["tokens"]
    assert set(out["members"]) == {"admin", "manager", "member"}
    assert "try" not in out


async def test_serve_suggests_the_demo_on_an_empty_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setenv("DATABASE_URL", database_url)
    hint = "empty database: run `.venv/bin/okr demo` for a demo organization"

    empty = await asyncio.to_thread(CliRunner().invoke, cli, ["serve"])
    assert empty.exit_code == 0, message(empty)
    assert hint in empty.stdout

    await run_demo(database_url, monkeypatch)
    loaded = await asyncio.to_thread(CliRunner().invoke, cli, ["serve"])
    assert loaded.exit_code == 0, message(loaded)
    assert "REST docs" in loaded.stdout
    assert hint not in loaded.stdout


async def test_the_demo_has_a_published_360_review_to_export(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    admin = bearer(demo["tokens"]["admin"])
    found = await api.get("/v1/review-cycles", params={"phase": "published"}, headers=admin)
    assert found.status_code == 200, found.text
    (review_cycle,) = found.json()["items"]
    results = await api.get(f"/v1/review-cycles/{review_cycle['id']}/results", headers=admin)
    assert results.status_code == 200, results.text
    rows = results.json()["items"]
    assert len(rows) == 5
    assert all(r["performance"] and r["okr_score"] for r in rows)
    # One reviewee heard from two of three peers: below the threshold, withheld.
    assert [r["peer_withheld"] for r in rows].count(True) == 1


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (('owner = "rep_wang"', 'owner = "rep_wong"'), "'rep_wong' is not defined"),
        (('parent = "sales"', 'parent = "east"'), "'east' is not defined before"),
        (("check_ins = 5", "checkins = 5"), "checkins"),
        (('contributes_to = "bookings"', 'contributes_to = "booking"'), "'booking' is not"),
        (('cycle = "past_quarters"', 'cycle = "past_quarters"\nkey = "x"'), "take no keys"),
    ],
)
def test_the_demo_data_is_refused_before_anything_is_made(edit: tuple[str, str], said: str) -> None:
    """A misspelt field, or a key used before it is defined, fails on reading demo.toml."""
    text = resources.files("service.runtime").joinpath("demo.toml").read_text(encoding="utf-8")
    assert edit[0] in text
    with pytest.raises(ValidationError, match=said):
        read_demo_data(text.replace(*edit, 1))


# -- the sales department (issue 18; README "Sales teams") ---------------------------------

# The dashboard's GraphQL read of one KR, as the README prints it.
SALES_DASHBOARD = """
query SalesDashboard($id: UUID!) {
  keyResult(id: $id) {
    title current ambition aggregation
    score { progress expectedProgress trackStatus }
    pacing { curve source points { t p } learnedFrom fallback }
    forecast { projectedProgress status }
    allocation { status target allocated difference contributors { keyResultId target current } }
  }
  keyResultForecasts(keyResultId: $id, first: 20) {
    edges { node { asOfDate commit bestCase source integration externalId } }
  }
}
"""
# How a user finds the department's commitment, with its Bookings KR, in one call.
COMMITMENTS = """
{ objectives(filter: {ambition: COMMITTED, q: "Bookings commitment"}) {
    edges { node { id title ambition keyResults { id title aggregation } } } } }
"""


async def get_json(api: httpx.AsyncClient, path: str, token: str, **params: Any) -> Any:
    response = await api.get(path, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


async def graphql(api: httpx.AsyncClient, token: str, query: str, **variables: Any) -> Any:
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
    )
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.json()
    return response.json()["data"]


async def the_commitment(api: httpx.AsyncClient, token: str) -> dict[str, Any]:
    """The README's one call: the sales department's committed objective of the quarter."""
    found = await get_json(
        api, "/v1/objectives", token, ambition="committed", q="Bookings commitment"
    )
    (commitment,) = found["items"]
    assert isinstance(commitment, dict)
    return commitment


async def test_the_sales_department_reads_its_quarter_as_a_sales_leader_does(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    token = demo["tokens"]["manager"]
    commitment = await the_commitment(api, token)
    assert commitment["ambition"] == "committed"
    bookings, expansion = commitment["key_results"]
    assert bookings["title"].startswith("Bookings")
    assert bookings["aggregation"] == "sum"
    assert bookings["currency"] == "CNY"

    # The reps' quotas add up to the department's Bookings, as allocated as they are summed.
    allocation = await get_json(api, f"/v1/key-results/{bookings['id']}/allocation", token)
    assert allocation["status"] == "allocated"
    assert Decimal(allocation["allocated"]) == Decimal(allocation["target"]) == 3_000_000
    reps = [await get_json(api, f"/v1/key-results/{c['key_result_id']}", token)
            for c in allocation["contributors"]]  # fmt: skip
    assert len(reps) == 3
    assert all(r["contributes_to_key_result_id"] == bookings["id"] for r in reps)
    assert all(r["ambition"] == "committed" for r in reps)
    assert Decimal(bookings["current"]) == sum(Decimal(r["current"]) for r in reps) > 0

    # Bookings learns its curve from the two closed quarters: four comparable KRs.
    assert bookings["pacing"]["curve"] == "learned"
    assert bookings["pacing"]["learned_from"] >= 3
    assert bookings["pacing"]["fallback"] is None
    points = [Decimal(p["p"]) for p in bookings["pacing"]["points"]]
    assert len(points) == 13
    assert points == sorted(points)
    # ... and the history it learns from is back-loaded: below the straight line mid-way.
    assert points[6] < Decimal("0.5")

    # Expansion bookings: the department's back-loaded default, on track where the straight
    # line would call it behind (whenever today falls where the two differ).
    assert expansion["pacing"]["curve"] == "back_loaded"
    assert expansion["pacing"]["source"] == "unit"
    score = expansion["score"]
    assert score["track_status"] == "on_track"
    org = await get_json(api, "/v1/organization", token)
    today = datetime.now(ZoneInfo(org["time_zone"])).date()
    cycle = await get_json(api, f"/v1/cycles/{commitment['cycle_id']}", token)
    t = elapsed_fraction(date.fromisoformat(cycle["start_date"]),
                         date.fromisoformat(cycle["end_date"]), today)  # fmt: skip
    assert Decimal(score["expected_progress"]) == curve_progress(BACK_LOADED, t)
    linear = track_status(Decimal(score["progress"]), t, ScoringSettings())
    # From about mid-quarter to three quarters in, the demo's values (kept to the curve) lie
    # more than the on-track margin below the straight line: the day it cries wolf.
    if Decimal("0.45") <= t <= Decimal("0.75"):
        assert linear != "on_track"

    # Salesforce's forecast series on Bookings, beside its projection.
    forecasts = await get_json(api, f"/v1/key-results/{bookings['id']}/forecasts", token)
    series = forecasts["items"]
    assert len(series) == 3
    assert {f["integration"] for f in series} == {"salesforce"}
    assert {f["source"] for f in series} == {"integration"}
    assert sorted(f["external_id"] for f in series) == [f"sf-forecast-{i}" for i in (1, 2, 3)]
    assert all(Decimal(f["best_case"]) >= Decimal(f["commit"]) for f in series)
    assert bookings["forecast"]["status"] in {"will_hit", "at_risk", "will_miss", None}


async def test_the_readmes_sales_dashboard_reads_work_on_the_demo(
    demo: dict[str, Any], api: httpx.AsyncClient
) -> None:
    """The README's REST and GraphQL reads, run as printed against the demo."""
    token = demo["tokens"]["member"]
    data = await graphql(api, token, COMMITMENTS)
    (edge,) = data["objectives"]["edges"]
    bookings = edge["node"]["keyResults"][0]
    assert bookings["title"].startswith("Bookings")
    assert bookings["aggregation"] == "SUM"
    assert bookings["id"] == (await the_commitment(api, token))["key_results"][0]["id"]

    data = await graphql(api, token, SALES_DASHBOARD, id=bookings["id"])
    kr = data["keyResult"]
    assert kr["ambition"] == "COMMITTED"
    assert kr["pacing"]["curve"] == "LEARNED"
    assert kr["pacing"]["learnedFrom"] >= 3
    assert kr["allocation"]["status"] == "ALLOCATED"
    assert Decimal(kr["current"]) == sum(
        Decimal(c["current"]) for c in kr["allocation"]["contributors"]
    )
    assert len(data["keyResultForecasts"]["edges"]) == 3
    rest = await get_json(api, f"/v1/key-results/{bookings['id']}", token)
    assert Decimal(rest["current"]) == Decimal(kr["current"])
    assert rest["score"]["track_status"].upper() == kr["score"]["trackStatus"]


@pytest.mark.parametrize(
    "now",
    [
        # Q1: the history is last year's Q3 and Q4 (last year is made, and closed).
        datetime(2026, 1, 2, 3, 0, tzinfo=UTC),
        # The first morning of Q2 in Shanghai: Q1 ended yesterday and was closed last night.
        datetime(2026, 3, 31, 17, 30, tzinfo=UTC),
    ],
    ids=["q1", "first-day-of-q2"],
)
async def test_the_sales_history_is_learned_whatever_the_day(
    database_url: str, now: datetime
) -> None:
    """The demo is laid out relative to "now": a load on any day has its two closed quarters
    of history, and the department's Bookings learns from them on that day."""
    engine = create_engine(database_url, pool_size=1, statement_cache_size=0)
    try:
        deps = Deps(uow=PostgresUnitOfWorkFactory(engine), clock=FixedClock(now))
        made = await load_demo(deps)
        admin = Principal(
            organization_id=made.organization_id,
            subject=str(made.admin_id),
            member_id=made.admin_id,
            roles=frozenset({Role.ADMIN, Role.MEMBER}),
        )
        found = await list_objectives(
            deps,
            admin,
            ObjectiveFilter(ambition=Ambition.COMMITTED, q="Bookings commitment"),
            PageRequest(limit=10),
        )
        (commitment,) = found.items
        bookings = commitment.key_results[0]
        assert bookings.pacing.curve.kind is CurveKind.LEARNED
        assert bookings.pacing.learned_from == 4
        assert bookings.current is not None
        assert bookings.current > 0
    finally:
        await engine.dispose()
