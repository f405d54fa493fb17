"""Ambition (issue 18): committed objectives are graded by the committed thresholds, their KRs
inherit it, lists filter by it and cycle stats count commitments met and missed; REST and
GraphQL.

One quarter, 2026 Q1, read on 2026-02-15. Three active objectives with one KR (0 -> 10):
``Quota`` committed at 8 (0.8: yellow, where aspirational grades green), ``Renewals``
committed at 10 (1.0: green, met) and ``Explore`` aspirational at 8 (0.8: green).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, patch, post
from tests.api.test_events_feed import feed
from tests.api.test_graphql import gql

NOW = datetime(2026, 2, 15, 12, tzinfo=UTC)


async def _quarter(
    acme: Tenant, client: httpx.AsyncClient, clock: SettableClock
) -> dict[str, dict[str, Any]]:
    """The quarter and its three objectives by title, each with its KR."""
    clock.pin(NOW)
    q1 = await active_cycle(client, "2026 Q1", "quarter", "2026-01-01", "2026-03-31")
    made: dict[str, dict[str, Any]] = {"q1": q1}
    for title, ambition, value in (
        ("Quota", "committed", "8"),
        ("Renewals", "committed", "10"),
        ("Explore", None, "8"),
    ):
        extra = {"ambition": ambition} if ambition else {}
        o = await objective(client, cycle_id=q1["id"], title=title, status="active", **extra)
        kr = await key_result(
            client, o["id"], title=f"{title} KR", target="10", owner_id=str(acme.admin_id)
        )
        await check_in(client, kr["id"], value=value)
        made[title] = o
        made[f"{title} KR"] = kr
    return made


def _grades(view: dict[str, Any]) -> tuple[str, str, str]:
    kr = view["key_results"][0]
    return view["score"]["grade"], kr["score"]["grade"], kr["ambition"]


async def test_committed_is_graded_stricter_and_its_kr_inherits_it(
    acme: Tenant, clock: SettableClock
) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        quota = await get(client, f"/v1/objectives/{made['Quota']['id']}")
        renewals = await get(client, f"/v1/objectives/{made['Renewals']['id']}")
        explore = await get(client, f"/v1/objectives/{made['Explore']['id']}")
        kr = await get(client, f"/v1/key-results/{made['Quota KR']['id']}")
    assert quota["ambition"] == "committed"
    assert explore["ambition"] == "aspirational"
    assert quota["score"]["progress"] == explore["score"]["progress"] == "0.8000"
    assert _grades(quota) == ("yellow", "yellow", "committed")
    assert _grades(explore) == ("green", "green", "aspirational")
    assert _grades(renewals) == ("green", "green", "committed")
    assert (kr["ambition"], kr["score"]["grade"]) == ("committed", "yellow")


async def test_patch_sets_ambition_audited_as_a_change(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        explore = made["Explore"]
        changed = await patch(client, f"/v1/objectives/{explore['id']}", {"ambition": "committed"})
        events = await feed(client)
        refused = await client.patch(
            f"/v1/objectives/{explore['id']}", json={"ambition": "stretch"}
        )
        copied = await post(
            client,
            f"/v1/objectives/{explore['id']}/copy",
            {
                "cycle_id": (
                    await active_cycle(client, "Q2", "quarter", "2026-04-01", "2026-06-30")
                )["id"]
            },
        )
    assert _grades(changed) == ("yellow", "yellow", "committed")
    assert events[-1]["type"] == "objective.updated"
    assert events[-1]["changes"] == ["ambition"]
    assert refused.status_code == 422
    assert copied["ambition"] == "committed"


async def test_the_list_filters_by_ambition(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        committed = await get(
            client, f"/v1/objectives?cycle_id={made['q1']['id']}&ambition=committed"
        )
        aspirational = await get(client, "/v1/objectives?ambition=aspirational")
        graph = await gql(
            client,
            "query($f: ObjectiveFilterInput) { objectives(first: 50, filter: $f) { nodes "
            "{ title ambition score { grade } keyResults { ambition score { grade } } } } }",
            {"f": {"ambition": "COMMITTED"}},
        )
        wrong = await client.get("/v1/objectives?ambition=stretch")
    assert sorted(o["title"] for o in committed["items"]) == ["Quota", "Renewals"]
    assert [o["title"] for o in aspirational["items"]] == ["Explore"]
    nodes = {n["title"]: n for n in graph["data"]["objectives"]["nodes"]}
    assert sorted(nodes) == ["Quota", "Renewals"]
    assert nodes["Quota"]["ambition"] == "COMMITTED"
    assert nodes["Quota"]["score"]["grade"] == "YELLOW"
    assert nodes["Quota"]["keyResults"] == [{"ambition": "COMMITTED", "score": {"grade": "YELLOW"}}]
    assert wrong.status_code == 422


STATS = """
query($cycle: UUID!) {
  cycleStats(cycleId: $cycle) {
    objectivesByGrade { grade count }
    committed { total met missed }
  }
}"""


async def test_stats_count_commitments_met_and_missed(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        stats = await get(client, f"/v1/cycles/{made['q1']['id']}/stats")
        graph = await gql(client, STATS, {"cycle": made["q1"]["id"]})
        # The Quota's KR reaches its target: the commitment is met.
        await check_in(client, made["Quota KR"]["id"], value="10")
        after = await get(client, f"/v1/cycles/{made['q1']['id']}/stats")
    assert stats["committed"] == {"total": 2, "met": 1, "missed": 1}
    # Quota yellow (committed 0.8), Renewals and Explore green.
    assert stats["objectives_by_grade"] == {"red": 0, "yellow": 1, "green": 2, "none": 0}
    assert graph["data"]["cycleStats"]["committed"] == {"total": 2, "met": 1, "missed": 1}
    assert after["committed"] == {"total": 2, "met": 2, "missed": 0}


async def test_committed_thresholds_are_settings(acme: Tenant, clock: SettableClock) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        org = await get(client, "/v1/organization")
        refused = await client.patch(
            "/v1/organization", json={"scoring": {"committed_red_below": "1.0"}}
        )
        out_of_range = await client.patch(
            "/v1/organization", json={"scoring": {"committed_yellow_below": "1.5"}}
        )
        await patch(client, "/v1/organization", {"scoring": {"committed_yellow_below": "0.8"}})
        quota = await get(client, f"/v1/objectives/{made['Quota']['id']}")
        graph = await gql(
            client, "{ organization { scoring { committedRedBelow committedYellowBelow } } }"
        )
        await patch(client, "/v1/organization", {"scoring": {"committed_yellow_below": None}})
        reset = await get(client, "/v1/organization")
    assert (org["scoring"]["committed_red_below"], org["scoring"]["committed_yellow_below"]) == (
        "0.7",
        "1.0",
    )
    for response in (refused, out_of_range):
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["scoring.committed_red_below"]
    assert _grades(quota) == ("green", "green", "committed")
    assert graph["data"]["organization"]["scoring"] == {
        "committedRedBelow": "0.7",
        "committedYellowBelow": "0.8",
    }
    assert reset["scoring"]["committed_yellow_below"] == "1.0"


@pytest.mark.parametrize("ambition", ["COMMITTED", "ASPIRATIONAL"])
async def test_graphql_creates_and_updates_ambition(
    acme: Tenant, clock: SettableClock, ambition: str
) -> None:
    async with acme.admin() as client:
        made = await _quarter(acme, client, clock)
        created = await gql(
            client,
            "mutation($i: CreateObjectiveInput!) { createObjective(input: $i) "
            "{ objective { id ambition } } }",
            {"i": {"cycleId": made["q1"]["id"], "title": "New", "ambition": ambition}},
        )
        new = created["data"]["createObjective"]["objective"]
        other = "ASPIRATIONAL" if ambition == "COMMITTED" else "COMMITTED"
        updated = await gql(
            client,
            "mutation($i: UpdateObjectiveInput!) { updateObjective(input: $i) "
            "{ objective { ambition } } }",
            {"i": {"id": new["id"], "ambition": other}},
        )
    assert new["ambition"] == ambition
    assert updated["data"]["updateObjective"]["objective"]["ambition"] == other
