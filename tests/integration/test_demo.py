"""``okr demo``: a living demo organization, loaded once, opened with the printed tokens."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest
import uvicorn
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from service.context import Deps
from service.organizations import NewOrganization, create_organization
from service.runtime.app import build_app
from service.runtime.cli import cli
from service.runtime.demo import ADMIN_EMAIL, LOADING_NAME, read_demo_data
from service.storage.postgres.database import create_engine
from service.storage.postgres.unit_of_work import PostgresUnitOfWorkFactory
from tests.api import harness


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
    ],
)
def test_the_demo_data_is_refused_before_anything_is_made(edit: tuple[str, str], said: str) -> None:
    """A misspelt field, or a key used before it is defined, fails on reading demo.toml."""
    text = resources.files("service.runtime").joinpath("demo.toml").read_text(encoding="utf-8")
    assert edit[0] in text
    with pytest.raises(ValidationError, match=said):
        read_demo_data(text.replace(*edit, 1))
