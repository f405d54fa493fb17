"""360 reviews over REST, end to end on Postgres: a review cycle set up, filled in, closed and
published through the API, its results checked against figures computed by hand, and every
refusal answered with its code and leaving nothing changed.

The team (DOMAIN.md "360 reviews"): skip-level Sara; manager Mia reports to Sara; the
reviewee Rae and six peers report to Mia; Rae and the peers form the team "Deals". Rae owns
one objective whose KR (0 -> 100) stands at 65: her OKR score is 0.65.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import httpx
import pytest

from api.reviews import rest as review_routes
from service import review_results
from service.auth import Principal
from service.context import Deps
from service.pagination import Page, PageRequest
from service.review_results import RevieweeResult
from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, get, key_result, objective, post
from tests.api.test_isolation import seed_org_b

PEER_NAMES = (
    "Pia Berg",
    "Paolo Ruiz",
    "Priya Nair",
    "Pavel Orlov",
    "Penny Walsh",
    "Piet Jansen",
)


@dataclass
class Deals:
    """The team of the worked example, with a client for anyone in it."""

    tenant: Tenant
    people: dict[str, dict[str, Any]]
    roles: dict[str, tuple[str, ...]]
    okr_cycle: dict[str, Any]
    objective: dict[str, Any]
    key_result: dict[str, Any]

    def id(self, who: str) -> str:
        member_id: str = self.people[who]["id"]
        return member_id

    @property
    def peer_keys(self) -> list[str]:
        return [f"P{i}" for i in range(1, 7)]

    def client(self, who: str) -> httpx.AsyncClient:
        if who == "admin":
            return self.tenant.admin()
        return self.tenant.as_member(self.people[who]["id"], *self.roles.get(who, ()))

    async def call(self, who: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self.client(who) as client:
            return await client.request(method, path, **kwargs)


async def build_deals(tenant: Tenant) -> Deals:
    roles: dict[str, tuple[str, ...]] = {"Sara": ("manager",), "Mia": ("manager",), "HR": ("hr",)}
    async with tenant.admin() as admin:
        people: dict[str, dict[str, Any]] = {}
        people["Sara"] = await create_member(admin, "Sara Lind", roles=["manager"])
        people["Mia"] = await create_member(
            admin, "Mia Novak", roles=["manager"], manager_id=people["Sara"]["id"]
        )
        people["Rae"] = await create_member(
            admin, "Rae Chen", external_id="HR-007", manager_id=people["Mia"]["id"]
        )
        for i, name in enumerate(PEER_NAMES, start=1):
            people[f"P{i}"] = await create_member(admin, name, manager_id=people["Mia"]["id"])
        people["HR"] = await create_member(admin, "Hana Sato", roles=["hr"])
        people["Otto"] = await create_member(admin, "Otto Kern")
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        team = await post(
            admin,
            "/v1/units",
            {
                "kind": "team",
                "name": "Deals",
                "parent_id": company["id"],
                "lead_id": people["Mia"]["id"],
            },
        )
        for who in ("Rae", *[f"P{i}" for i in range(1, 7)]):
            joined = await admin.put(f"/v1/units/{team['id']}/members/{people[who]['id']}")
            assert joined.status_code == 204, joined.text
        year = datetime.now(UTC).year
        okr_cycle = await active_cycle(
            admin, str(year), "year", date(year, 1, 1).isoformat(), date(year, 12, 31).isoformat()
        )
        rae_objective = await objective(
            admin,
            cycle_id=okr_cycle["id"],
            title="Win the northern region",
            owner={"kind": "member", "id": people["Rae"]["id"]},
            status="active",
        )
        kr = await key_result(
            admin,
            rae_objective["id"],
            title="Close 100 deals",
            owner_id=people["Rae"]["id"],
            metric_kind="number",
            start="0",
            target="100",
        )
    async with tenant.as_member(people["Rae"]["id"]) as rae:
        await check_in(rae, kr["id"], value="65", note="65 closed")
        scored = await get(rae, f"/v1/objectives/{rae_objective['id']}")
    assert scored["score"]["progress"] == "0.6500"
    return Deals(tenant, people, roles, okr_cycle, rae_objective, kr)


QUESTIONS: list[dict[str, Any]] = [
    {"text_zh": "目标达成", "text_en": "Delivery on objectives"},
    {"text_zh": "团队协作", "text_en": "Teamwork", "comment_allowed": False},
]


async def new_review_cycle(world: Deals, **overrides: Any) -> dict[str, Any]:
    """A review cycle in draft, created by HR with the two questions."""
    body = {"cycle_id": world.okr_cycle["id"], "name": "360 review", "questions": QUESTIONS}
    response = await world.call("HR", "POST", "/v1/review-cycles", json={**body, **overrides})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def move(world: Deals, review_cycle: dict[str, Any], phase: str) -> dict[str, Any]:
    response = await world.call(
        "HR", "PATCH", f"/v1/review-cycles/{review_cycle['id']}", json={"phase": phase}
    )
    assert response.status_code == 200, response.text
    moved: dict[str, Any] = response.json()
    return moved


async def collecting_for_rae(world: Deals, **overrides: Any) -> dict[str, Any]:
    """A review cycle with Rae as the one reviewee (default peers P1..P6), collecting."""
    review_cycle = await new_review_cycle(world, **overrides)
    added = await world.call(
        "HR",
        "POST",
        f"/v1/review-cycles/{review_cycle['id']}/participants",
        json={"reviewee_ids": [world.id("Rae")]},
    )
    assert added.status_code == 200, added.text
    return await move(world, review_cycle, "collecting")


async def my_review_of(
    world: Deals, who: str, review_cycle_id: str, reviewee: str
) -> dict[str, Any]:
    response = await world.call(who, "GET", f"/v1/review-cycles/{review_cycle_id}/my-reviews")
    assert response.status_code == 200, response.text
    mine: list[dict[str, Any]] = [
        r for r in response.json()["items"] if r["reviewee_id"] == world.id(reviewee)
    ]
    assert len(mine) == 1, mine
    return mine[0]


def answers(
    review_cycle: dict[str, Any], ratings: tuple[int, int], comment: str | None = None
) -> dict[str, Any]:
    first, second = review_cycle["questions"]
    return {
        "answers": [
            {"question_id": first["id"], "rating": ratings[0], "comment": comment},
            {"question_id": second["id"], "rating": ratings[1]},
        ]
    }


async def submit(
    world: Deals,
    who: str,
    review_cycle: dict[str, Any],
    ratings: tuple[int, int],
    comment: str | None = None,
    reviewee: str = "Rae",
) -> dict[str, Any]:
    mine = await my_review_of(world, who, review_cycle["id"], reviewee)
    response = await world.call(
        who,
        "PUT",
        f"/v1/review-assignments/{mine['assignment_id']}/response",
        json=answers(review_cycle, ratings, comment),
    )
    assert response.status_code == 200, response.text
    submitted: dict[str, Any] = response.json()
    return submitted


# Rae's reviews in the worked example: (reviewer, ratings, comment on question 1).
WORKED_EXAMPLE: list[tuple[str, tuple[int, int], str | None]] = [
    ("Rae", (5, 4), "I carried the northern pipeline"),
    ("P1", (4, 4), "Great at closing"),
    ("P2", (3, 4), None),
    ("P3", (4, 3), "Shares leads generously"),
    ("P4", (3, 4), None),
    ("Mia", (3, 4), "Strong quarter, forecasts need work"),
    ("Sara", (3, 3), None),
]


async def published_worked_example(world: Deals) -> dict[str, Any]:
    review_cycle = await collecting_for_rae(world)
    for who, ratings, comment in WORKED_EXAMPLE:
        await submit(world, who, review_cycle, ratings, comment)
    await move(world, review_cycle, "closed")
    return await move(world, review_cycle, "published")


def expected_rae_result(world: Deals, review_cycle: dict[str, Any]) -> dict[str, Any]:
    """Rae's result by hand. Role ratings: self (5+4)/2 = 4.5; peers (4 + 3.5 + 3.5 + 3.5)/4
    = 3.625 (4 of 6 responded, threshold 3: shown); manager 3.5; skip-level 3.0. 360 rating:
    0.1 x 4.5 + 0.3 x 3.625 + 0.4 x 3.5 + 0.2 x 3.0 = 3.5375. Performance: 0.3 x 0.65 x 100
    = 19.50, plus 0.7 x (3.5375 - 1) / 4 x 100 = 44.40625 -> 44.41; 63.91 in all."""
    question = review_cycle["questions"][0]["id"]

    def comments(*texts: str) -> list[dict[str, str]]:
        return [{"question_id": question, "text": t} for t in texts]

    rae = world.people["Rae"]
    return {
        "review_cycle_id": review_cycle["id"],
        "reviewee": {
            "id": rae["id"],
            "name": "Rae Chen",
            "email": rae["email"],
            "external_id": "HR-007",
        },
        "performance": {
            "score": "63.91",
            "okr_part": "19.50",
            "review_part": "44.41",
            "okr_share": "0.30",
            "review_share": "0.70",
            "review_only": False,
        },
        "rating_360": "3.5375",
        "okr_score": "0.6500",
        "peer_withheld": False,
        "roles": [
            {
                "role": "self",
                "assigned": 1,
                "responses": 1,
                "rating": "4.5000",
                "weight": "0.1000",
                "withheld": False,
                "comments": comments("I carried the northern pipeline"),
            },
            {
                "role": "peer",
                "assigned": 6,
                "responses": 4,
                "rating": "3.6250",
                "weight": "0.3000",
                "withheld": False,
                "comments": comments("Great at closing", "Shares leads generously"),
            },
            {
                "role": "manager",
                "assigned": 1,
                "responses": 1,
                "rating": "3.5000",
                "weight": "0.4000",
                "withheld": False,
                "comments": comments("Strong quarter, forecasts need work"),
            },
            {
                "role": "skip_level",
                "assigned": 1,
                "responses": 1,
                "rating": "3.0000",
                "weight": "0.2000",
                "withheld": False,
                "comments": [],
            },
        ],
    }


def csv_rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def field_errors(body: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in body["errors"]}


# -- the whole cycle -------------------------------------------------------------------------


async def test_a_whole_review_cycle_through_the_api(acme: Tenant) -> None:
    world = await build_deals(acme)
    created = await world.call(
        "HR",
        "POST",
        "/v1/review-cycles",
        json={"cycle_id": world.okr_cycle["id"], "name": " 2026 360 ", "questions": QUESTIONS},
    )
    assert created.status_code == 201, created.text
    review_cycle = created.json()
    path = f"/v1/review-cycles/{review_cycle['id']}"
    assert created.headers["location"] == path
    assert created.headers["etag"].startswith('"1-')
    assert {k: v for k, v in review_cycle.items() if k not in {"id", "questions"}} == {
        "cycle_id": world.okr_cycle["id"],
        "name": "2026 360",
        "phase": "draft",
        "weights": {"self": "0.10", "peer": "0.30", "manager": "0.40", "skip_level": "0.20"},
        "peer_anonymity_threshold": 3,
        "min_peers": 3,
        "max_peers": 8,
        "version": 1,
        "created_at": review_cycle["created_at"],
        "updated_at": review_cycle["created_at"],
        "published_at": None,
    }
    assert [{k: v for k, v in q.items() if k != "id"} for q in review_cycle["questions"]] == [
        {**QUESTIONS[0], "comment_allowed": True, "scale_min": 1, "scale_max": 5},
        {**QUESTIONS[1], "scale_min": 1, "scale_max": 5},
    ]
    # Every member reads it (its questions are what they answer).
    assert (await world.call("P1", "GET", path)).json() == review_cycle

    # Participants by default: every active member owning an objective in the OKR cycle.
    added = await world.call("HR", "POST", f"{path}/participants", json={})
    assert added.status_code == 200, added.text
    assert added.json() == {
        "added": [
            {
                "reviewee_id": world.id("Rae"),
                "reviewers": {"self": 1, "peer": 6, "manager": 1, "skip_level": 1},
            }
        ],
        "already_in": [],
        "needs_peers": [],
    }
    again = await world.call("HR", "POST", f"{path}/participants", json={"reviewee_ids": None})
    assert again.json() == {"added": [], "already_in": [world.id("Rae")], "needs_peers": []}
    listed = await world.call("HR", "GET", f"{path}/participants")
    assert listed.status_code == 200, listed.text
    (participant,) = listed.json()["items"]
    assert listed.json()["next_cursor"] is None
    assert participant["reviewee_id"] == world.id("Rae")
    assert participant["peers_hidden"] is False
    assert sorted((a["role"], a["reviewer_id"]) for a in participant["assignments"]) == sorted(
        [
            ("self", world.id("Rae")),
            ("manager", world.id("Mia")),
            ("skip_level", world.id("Sara")),
            *[("peer", world.id(p)) for p in world.peer_keys],
        ]
    )
    # Nothing to write in draft: assignments may still change.
    drafts = await world.call("P1", "GET", f"{path}/my-reviews")
    assert drafts.json() == {"items": [], "next_cursor": None}

    collecting = await world.call(
        "HR", "PATCH", path, json={"phase": "collecting"}, headers={"If-Match": '"1"'}
    )
    assert collecting.status_code == 200, collecting.text
    assert (collecting.json()["phase"], collecting.json()["version"]) == ("collecting", 2)
    assert collecting.headers["etag"].startswith('"2-')

    mine = await world.call("P1", "GET", f"{path}/my-reviews")
    (p1_review,) = mine.json()["items"]
    assert {k: v for k, v in p1_review.items() if k != "assignment_id"} == {
        "review_cycle_id": review_cycle["id"],
        "reviewee_id": world.id("Rae"),
        "role": "peer",
        "response": None,
    }
    assert (
        await world.call("P1", "GET", f"/v1/review-assignments/{p1_review['assignment_id']}")
    ).json() == p1_review
    # A first answer, then a revision: the revision replaces it, the first submission time stays.
    first = await submit(world, "P1", review_cycle, (1, 1), "first thoughts")
    for who, ratings, comment in WORKED_EXAMPLE:
        submitted = await submit(world, who, review_cycle, ratings, comment)
        first_question, second_question = (q["id"] for q in review_cycle["questions"])
        assert submitted["response"]["answers"] == [
            {"question_id": first_question, "rating": ratings[0], "comment": comment},
            {"question_id": second_question, "rating": ratings[1], "comment": None},
        ]
    revised = (
        await world.call("P1", "GET", f"/v1/review-assignments/{p1_review['assignment_id']}")
    ).json()
    assert revised["response"]["submitted_at"] == first["response"]["submitted_at"]
    assert datetime.fromisoformat(revised["response"]["updated_at"]) > datetime.fromisoformat(
        first["response"]["updated_at"]
    )
    assert [a["rating"] for a in revised["response"]["answers"]] == [4, 4]
    mia_reviews = (await world.call("Mia", "GET", f"{path}/my-reviews")).json()["items"]
    assert [(r["reviewee_id"], r["role"]) for r in mia_reviews] == [(world.id("Rae"), "manager")]

    completion = await world.call("HR", "GET", f"{path}/completion")
    assert completion.status_code == 200, completion.text
    assert completion.json() == {
        "review_cycle_id": review_cycle["id"],
        "phase": "collecting",
        "reviewees": 1,
        "total": {"assigned": 9, "done": 7},
        "roles": [
            {"role": "self", "assigned": 1, "done": 1},
            {"role": "peer", "assigned": 6, "done": 4},
            {"role": "manager", "assigned": 1, "done": 1},
            {"role": "skip_level", "assigned": 1, "done": 1},
        ],
    }
    # Never live: no results while collecting, nor once closed.
    for phase in ("collecting", "closed"):
        if phase == "closed":
            await move(world, review_cycle, "closed")
        problem(await world.call("HR", "GET", f"{path}/results"), 422, "review_not_published")
        problem(
            await world.call("Rae", "GET", f"{path}/results/{world.id('Rae')}"),
            422,
            "review_not_published",
        )

    # Closed: no more responses, late or revised; nothing changes.
    p5 = await my_review_of(world, "P5", review_cycle["id"], "Rae")
    late = await world.call(
        "P5",
        "PUT",
        f"/v1/review-assignments/{p5['assignment_id']}/response",
        json=answers(review_cycle, (5, 5)),
    )
    problem(late, 422, "review_not_collecting")
    again_p1 = await world.call(
        "P1",
        "PUT",
        f"/v1/review-assignments/{p1_review['assignment_id']}/response",
        json=answers(review_cycle, (1, 1)),
    )
    problem(again_p1, 422, "review_not_collecting")
    assert (await my_review_of(world, "P5", review_cycle["id"], "Rae"))["response"] is None
    assert (
        await world.call("P1", "GET", f"/v1/review-assignments/{p1_review['assignment_id']}")
    ).json() == revised

    published = await move(world, review_cycle, "published")
    assert published["published_at"] is not None
    assert published["version"] == 4

    expected = expected_rae_result(world, review_cycle)
    results = await world.call("HR", "GET", f"{path}/results")
    assert results.status_code == 200, results.text
    assert results.headers["content-type"] == "application/json"
    assert results.json() == {"items": [expected], "next_cursor": None}
    for who in ("Rae", "Mia", "Sara", "HR", "admin"):
        one = await world.call(who, "GET", f"{path}/results/{world.id('Rae')}")
        assert one.status_code == 200, (who, one.text)
        assert one.json() == expected, who

    exported = await world.call("HR", "GET", f"{path}/results", headers={"Accept": "text/csv"})
    assert exported.text.splitlines()[0] == (
        "reviewee_id,external_id,name,email,performance_score,okr_score,okr_part,review_part,"
        "review_only,rating_360,peer_withheld,self_assigned,self_responses,self_rating,"
        "self_weight,peer_assigned,peer_responses,peer_rating,peer_weight,manager_assigned,"
        "manager_responses,manager_rating,manager_weight,skip_level_assigned,"
        "skip_level_responses,skip_level_rating,skip_level_weight"
    )
    assert csv_rows(exported) == [
        {
            "reviewee_id": world.id("Rae"),
            "external_id": "HR-007",
            "name": "Rae Chen",
            "email": world.people["Rae"]["email"],
            "performance_score": "63.91",
            "okr_score": "0.6500",
            "okr_part": "19.50",
            "review_part": "44.41",
            "review_only": "false",
            "rating_360": "3.5375",
            "peer_withheld": "false",
            "self_assigned": "1",
            "self_responses": "1",
            "self_rating": "4.5000",
            "self_weight": "0.1000",
            "peer_assigned": "6",
            "peer_responses": "4",
            "peer_rating": "3.6250",
            "peer_weight": "0.3000",
            "manager_assigned": "1",
            "manager_responses": "1",
            "manager_rating": "3.5000",
            "manager_weight": "0.4000",
            "skip_level_assigned": "1",
            "skip_level_responses": "1",
            "skip_level_rating": "3.0000",
            "skip_level_weight": "0.2000",
        }
    ]
    # Comments stay out of the CSV.
    assert "Great at closing" not in exported.text

    # The results stay what they were at publication, whatever the OKRs do next.
    async with world.client("Rae") as rae:
        await check_in(rae, world.key_result["id"], value="90")
    assert (await world.call("HR", "GET", f"{path}/results")).json()["items"] == [expected]
    # Published is final.
    problem(
        await world.call("HR", "PATCH", path, json={"phase": "closed"}),
        422,
        "invalid_phase_transition",
    )


async def test_results_page_in_json_and_stream_page_by_page_in_csv(
    acme: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Results page by reviewee id (JSON); the CSV carries every reviewee, those without
    responses included (empty figures), read from the service one page at a time."""
    world = await build_deals(acme)
    review_cycle = await new_review_cycle(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    everyone = ["Rae", *world.peer_keys]
    added = await world.call(
        "HR", "POST", f"{path}/participants", json={"reviewee_ids": [world.id(w) for w in everyone]}
    )
    assert added.status_code == 200, added.text
    assert [p["reviewers"]["peer"] for p in added.json()["added"]] == [6] * 7
    await move(world, review_cycle, "collecting")
    await submit(world, "Rae", review_cycle, (4, 4))
    await submit(world, "Mia", review_cycle, (2, 3), reviewee="P2")
    await move(world, review_cycle, "closed")
    await move(world, review_cycle, "published")

    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await world.call("HR", "GET", f"{path}/results", params=params)).json()
        pages.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    ids = sorted(world.id(w) for w in everyone)
    assert [r["reviewee"]["id"] for r in pages] == ids
    # Pages of 3 for the CSV: 7 reviewees are read in 3 calls, each after the last.
    asked: list[PageRequest] = []
    read_page = review_results.review_results

    async def spy(
        deps: Deps, principal: Principal, review_cycle_id: UUID, page: PageRequest
    ) -> Page[RevieweeResult]:
        asked.append(page)
        return await read_page(deps, principal, review_cycle_id, page)

    monkeypatch.setattr(review_routes, "CSV_PAGE_SIZE", 3)
    monkeypatch.setattr(review_results, "review_results", spy)
    rows = csv_rows(
        await world.call(
            "HR", "GET", f"{path}/results", headers={"Accept": "text/csv, application/json;q=0.5"}
        )
    )
    monkeypatch.undo()
    assert [r["reviewee_id"] for r in rows] == ids
    assert [(p.limit, p.after) for p in asked] == [
        (3, None),
        (3, UUID(ids[2])),
        (3, UUID(ids[5])),
    ]
    by_id = {r["reviewee_id"]: r for r in rows}
    # Rae: only her self review counts; she owns an objective, so the OKR part counts too.
    assert by_id[world.id("Rae")]["rating_360"] == "4.0000"
    assert by_id[world.id("Rae")]["performance_score"] == "72.00"  # 19.50 + 0.7 x 75
    # P2: only the manager; no objective, so the 360 part alone (review_only).
    p2 = by_id[world.id("P2")]
    assert (p2["rating_360"], p2["okr_score"], p2["okr_part"], p2["review_only"]) == (
        "2.5000",
        "",
        "",
        "true",
    )
    assert p2["performance_score"] == p2["review_part"] == "37.50"
    # P3: nobody answered: no figures at all.
    p3 = by_id[world.id("P3")]
    assert [p3[c] for c in ("performance_score", "rating_360", "peer_rating", "okr_score")] == [
        "",
        "",
        "",
        "",
    ]
    assert p3["peer_assigned"] == "6"
    # JSON wins when the client prefers it or asks for anything.
    for accept in ("application/json", "*/*", "text/csv;q=0.1, application/json", ""):
        answered = await world.call("HR", "GET", f"{path}/results", headers={"Accept": accept})
        assert answered.headers["content-type"] == "application/json", accept


# -- refusals: codes, field errors, and nothing changed ----------------------------------------


async def test_invalid_setups_are_refused_with_every_bad_field(acme: Tenant) -> None:
    world = await build_deals(acme)
    base = {"cycle_id": world.okr_cycle["id"], "name": "360", "questions": QUESTIONS}
    refusals: dict[str, tuple[dict[str, Any], set[tuple[str, str]]]] = {
        "weights not summing to 1": (
            {"weights": {"self": "0.5", "peer": "0.3", "manager": "0.4", "skip_level": "0.2"}},
            {("weights", "weights_sum")},
        ),
        "a negative weight": (
            {"weights": {"self": "-0.1", "peer": "0.5", "manager": "0.4", "skip_level": "0.2"}},
            {("weights.self", "out_of_range")},
        ),
        "no question": ({"questions": []}, {("questions", "required")}),
        "a blank question": (
            {"questions": [{"text_zh": "协作", "text_en": "   "}]},
            {("questions[0].text_en", "empty")},
        ),
        "threshold above max peers": (
            {"peer_anonymity_threshold": 9},
            {("peer_anonymity_threshold", "out_of_range")},
        ),
        "min above max": ({"min_peers": 5, "max_peers": 4}, {("min_peers", "invalid_bounds")}),
        "max peers past the limit": ({"max_peers": 40000}, {("max_peers", "out_of_range")}),
        "everything at once": (
            {
                "questions": [],
                "weights": {"self": "2", "peer": "0.3", "manager": "0.4", "skip_level": "0.2"},
            },
            {("questions", "required"), ("weights.self", "out_of_range")},
        ),
        "a blank name": ({"name": "  "}, {("name", "empty")}),
    }
    for name, (change, expected) in refusals.items():
        response = await world.call("HR", "POST", "/v1/review-cycles", json={**base, **change})
        body = problem(response, 422, "validation_failed")
        assert field_errors(body) == expected, name
    # Input shape: unknown and read-only fields, a weight that is not a number.
    shapes: dict[str, tuple[dict[str, Any], tuple[str, str]]] = {
        "unknown field": ({"anonymous": True}, ("anonymous", "unknown_field")),
        "read-only field": ({"version": 3}, ("version", "read_only")),
        "not a number": (
            {"weights": {"self": "x", "peer": "0.3", "manager": "0.4", "skip_level": "0.2"}},
            ("weights.self", "decimal_parsing"),
        ),
        "missing weight": (
            {"weights": {"self": "0.1", "peer": "0.3", "manager": "0.6"}},
            ("weights.skip_level", "missing"),
        ),
    }
    for name, (change, error) in shapes.items():
        body = problem(
            await world.call("HR", "POST", "/v1/review-cycles", json={**base, **change}),
            422,
            "validation_failed",
        )
        assert error in field_errors(body), name
    unknown_cycle = await world.call(
        "HR", "POST", "/v1/review-cycles", json={**base, "cycle_id": world.objective["id"]}
    )
    assert field_errors(problem(unknown_cycle, 422, "unknown_reference")) == {
        ("cycle_id", "unknown_reference")
    }
    # Only admins and HR run review cycles.
    for who in ("P1", "Mia", "Sara"):
        problem(await world.call(who, "POST", "/v1/review-cycles", json=base), 403, "forbidden")
    async with acme.client(acme.token(scopes=("reviews:export", "org:read"))) as service:
        problem(await service.post("/v1/review-cycles", json=base), 403, "forbidden")
    # Nothing was created by any of them.
    listed = await world.call("admin", "GET", "/v1/review-cycles")
    assert listed.json() == {"items": [], "next_cursor": None}


async def test_refused_changes_leave_the_review_cycle_as_it_was(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await new_review_cycle(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"

    async def unchanged() -> None:
        now = await world.call("HR", "GET", path)
        assert now.json() == review_cycle

    problem(
        await world.call("HR", "PATCH", path, json={"phase": "published"}),
        422,
        "invalid_phase_transition",
    )
    problem(
        await world.call("HR", "PATCH", path, json={"phase": "closed"}),
        422,
        "invalid_phase_transition",
    )
    problem(
        await world.call("HR", "PATCH", path, json={"phase": "collecting"}), 422, "no_participants"
    )
    bad = await world.call(
        "HR",
        "PATCH",
        path,
        json={"weights": {"self": "0.1", "peer": "0.1", "manager": "0.1", "skip_level": "0.1"}},
    )
    assert field_errors(problem(bad, 422, "validation_failed")) == {("weights", "weights_sum")}
    problem(await world.call("HR", "PATCH", path, json={"name": None}), 422, "validation_failed")
    problem(
        await world.call("HR", "PATCH", path, json={"id": review_cycle["id"]}),
        422,
        "validation_failed",
    )
    problem(await world.call("P1", "PATCH", path, json={"name": "mine"}), 403, "forbidden")
    await unchanged()

    # A stale If-Match: 412, nothing changed.
    renamed = await world.call(
        "HR", "PATCH", path, json={"name": "H1 360"}, headers={"If-Match": '"1"'}
    )
    assert renamed.status_code == 200, renamed.text
    review_cycle = renamed.json()
    assert review_cycle["version"] == 2
    stale = await world.call(
        "HR", "PATCH", path, json={"name": "late"}, headers={"If-Match": '"1"'}
    )
    problem(stale, 412, "stale_version")
    await unchanged()

    # Setup changes in draft, with new question ids.
    changed = await world.call(
        "HR",
        "PATCH",
        path,
        json={
            "questions": [{"text_zh": "沟通", "text_en": "Communication"}],
            "weights": {"self": "0", "peer": "0.5", "manager": "0.5", "skip_level": "0"},
            "min_peers": 2,
            "peer_anonymity_threshold": 2,
        },
    )
    assert changed.status_code == 200, changed.text
    review_cycle = changed.json()
    assert [q["text_en"] for q in review_cycle["questions"]] == ["Communication"]
    assert (review_cycle["min_peers"], review_cycle["peer_anonymity_threshold"]) == (2, 2)
    assert review_cycle["weights"]["peer"] == "0.5"

    # Otto is in no team: he joins without peers and collecting waits for his.
    added = await world.call(
        "HR",
        "POST",
        f"{path}/participants",
        json={"reviewee_ids": [world.id("Rae"), world.id("Otto")]},
    )
    assert added.json()["needs_peers"] == [world.id("Otto")]
    assert [p["reviewers"] for p in added.json()["added"]] == [
        {"self": 1, "peer": 6, "manager": 1, "skip_level": 1},
        {"self": 1, "peer": 0, "manager": 0, "skip_level": 0},
    ]
    participants_before = (await world.call("HR", "GET", f"{path}/participants")).json()
    short = problem(
        await world.call("HR", "PATCH", path, json={"phase": "collecting"}), 422, "peer_count"
    )
    assert short["reviewee_ids"] == [world.id("Otto")]
    await unchanged()

    # Nominations: bounds, the reviewee, a chain reviewer, repeats, strangers.
    peers_path = f"{path}/participants/{world.id('Otto')}/peers"
    nominations = {
        "too few": ([world.id("P1")], 422, "peer_count", {("peer_ids", "peer_count")}),
        "himself": (
            [world.id("Otto"), world.id("P1")],
            422,
            "validation_failed",
            {("peer_ids[0]", "self_as_peer")},
        ),
        "twice": (
            [world.id("P1"), world.id("P1")],
            422,
            "validation_failed",
            {("peer_ids[1]", "duplicate")},
        ),
        "a stranger": (
            [world.id("P1"), world.objective["id"]],
            422,
            "unknown_reference",
            {("peer_ids[1]", "unknown_reference")},
        ),
    }
    for name, (peer_ids, status, code, errors) in nominations.items():
        body = problem(
            await world.call("HR", "PUT", peers_path, json={"peer_ids": peer_ids}), status, code
        )
        assert field_errors(body) == errors, name
    chain = await world.call(
        "HR",
        "PUT",
        f"{path}/participants/{world.id('Rae')}/peers",
        json={"peer_ids": [world.id("Mia"), world.id("P1")]},
    )
    assert field_errors(problem(chain, 422, "validation_failed")) == {
        ("peer_ids[0]", "already_reviewer")
    }
    # Someone neither the reviewee nor above them: 404, as for a non-participant.
    for who, reviewee in (("P1", "Otto"), ("P1", "Rae"), ("HR", "Sara")):
        problem(
            await world.call(
                who,
                "PUT",
                f"{path}/participants/{world.id(reviewee)}/peers",
                json={"peer_ids": [world.id("P2"), world.id("P3")]},
            ),
            404,
            "not_found",
        )
    assert (await world.call("HR", "GET", f"{path}/participants")).json() == participants_before

    nominated = await world.call(
        "HR", "PUT", peers_path, json={"peer_ids": [world.id("P5"), world.id("P6")]}
    )
    assert nominated.json() == {
        "reviewee_id": world.id("Otto"),
        "reviewers": {"self": 1, "peer": 2, "manager": 0, "skip_level": 0},
    }
    removed = await world.call("HR", "DELETE", f"{path}/participants/{world.id('Otto')}")
    assert removed.status_code == 204
    problem(
        await world.call("HR", "DELETE", f"{path}/participants/{world.id('Otto')}"),
        404,
        "not_found",
    )
    problem(
        await world.call("P1", "DELETE", f"{path}/participants/{world.id('Rae')}"), 403, "forbidden"
    )

    collecting = await move(world, review_cycle, "collecting")
    participants_collecting = (await world.call("HR", "GET", f"{path}/participants")).json()
    # Collecting: the setup and the participants are frozen.
    frozen: dict[str, tuple[str, str, dict[str, Any]]] = {
        "weights": (
            "PATCH",
            path,
            {"weights": {"self": "0.1", "peer": "0.3", "manager": "0.4", "skip_level": "0.2"}},
        ),
        "questions": ("PATCH", path, {"questions": QUESTIONS}),
        "min peers": ("PATCH", path, {"min_peers": 3}),
        "participants": ("POST", f"{path}/participants", {"reviewee_ids": [world.id("Otto")]}),
        "peers": (
            "PUT",
            f"{path}/participants/{world.id('Rae')}/peers",
            {"peer_ids": [world.id("P1"), world.id("P2"), world.id("P3")]},
        ),
    }
    for name, (method, target, body) in frozen.items():
        refused = await world.call("HR", method, target, json=body)
        assert (refused.status_code, refused.json()["code"]) == (422, "review_cycle_frozen"), name
    problem(
        await world.call("HR", "DELETE", f"{path}/participants/{world.id('Rae')}"),
        422,
        "review_cycle_frozen",
    )
    problem(
        await world.call("HR", "PATCH", path, json={"phase": "published"}),
        422,
        "invalid_phase_transition",
    )
    problem(
        await world.call("HR", "PATCH", path, json={"phase": "draft"}),
        422,
        "invalid_phase_transition",
    )
    review_cycle = collecting
    await unchanged()
    participants = (await world.call("HR", "GET", f"{path}/participants")).json()
    assert participants == participants_collecting
    assert [p["reviewee_id"] for p in participants["items"]] == [world.id("Rae")]
    assert len(participants["items"][0]["assignments"]) == 9
    # Renaming stays open.
    assert (await world.call("HR", "PATCH", path, json={"name": "renamed"})).json()[
        "name"
    ] == "renamed"


async def test_invalid_answers_are_refused_and_change_nothing(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await collecting_for_rae(world)
    mine = await my_review_of(world, "P1", review_cycle["id"], "Rae")
    target = f"/v1/review-assignments/{mine['assignment_id']}/response"
    first, second = (q["id"] for q in review_cycle["questions"])

    def body(*items: dict[str, Any]) -> dict[str, Any]:
        return {"answers": list(items)}

    shapes = {
        "a bool": body(
            {"question_id": first, "rating": True}, {"question_id": second, "rating": 3}
        ),
        "a float": body(
            {"question_id": first, "rating": 4.0}, {"question_id": second, "rating": 3}
        ),
        "a string": body(
            {"question_id": first, "rating": "4"}, {"question_id": second, "rating": 3}
        ),
        "above 5": body({"question_id": first, "rating": 6}, {"question_id": second, "rating": 3}),
        "below 1": body({"question_id": first, "rating": 0}, {"question_id": second, "rating": 3}),
    }
    for name, sent in shapes.items():
        refused = problem(
            await world.call("P1", "PUT", target, json=sent), 422, "validation_failed"
        )
        assert [e["field"] for e in refused["errors"]] == ["answers.0.rating"], name
    rules = {
        "a question missing": (
            body({"question_id": first, "rating": 4}),
            {("answers", "required")},
        ),
        "a question twice": (
            body(
                {"question_id": first, "rating": 4},
                {"question_id": first, "rating": 3},
                {"question_id": second, "rating": 3},
            ),
            {("answers[1].question_id", "duplicate")},
        ),
        "another question": (
            body(
                {"question_id": first, "rating": 4},
                {"question_id": second, "rating": 3},
                {"question_id": world.okr_cycle["id"], "rating": 3},
            ),
            {("answers[2].question_id", "invalid")},
        ),
        "a comment where none is allowed": (
            body(
                {"question_id": first, "rating": 4},
                {"question_id": second, "rating": 3, "comment": "no"},
            ),
            {("answers[1].comment", "not_allowed")},
        ),
        "a comment too long": (
            body(
                {"question_id": first, "rating": 4, "comment": "x" * 2001},
                {"question_id": second, "rating": 3},
            ),
            {("answers[0].comment", "too_long")},
        ),
    }
    for name, (sent, errors) in rules.items():
        refused = problem(
            await world.call("P1", "PUT", target, json=sent), 422, "validation_failed"
        )
        assert field_errors(refused) == errors, name
    assert (
        await world.call("P1", "GET", f"/v1/review-assignments/{mine['assignment_id']}")
    ).json() == mine
    completion = (
        await world.call("HR", "GET", f"/v1/review-cycles/{review_cycle['id']}/completion")
    ).json()
    assert completion["total"] == {"assigned": 9, "done": 0}
    # Service tokens write no reviews.
    async with acme.client(acme.token(scopes=("org:read",))) as service:
        problem(
            await service.get(f"/v1/review-cycles/{review_cycle['id']}/my-reviews"),
            403,
            "forbidden",
        )
        problem(await service.put(target, json=answers(review_cycle, (3, 3))), 403, "forbidden")


async def test_idempotent_creation_and_the_review_cycle_list(acme: Tenant) -> None:
    world = await build_deals(acme)
    body = {"cycle_id": world.okr_cycle["id"], "name": "360", "questions": QUESTIONS}
    headers = {"Idempotency-Key": "rc-1"}
    first = await world.call("HR", "POST", "/v1/review-cycles", json=body, headers=headers)
    replay = await world.call("HR", "POST", "/v1/review-cycles", json=body, headers=headers)
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["location"] == first.headers["location"]
    other = await world.call(
        "HR", "POST", "/v1/review-cycles", json={**body, "name": "other"}, headers=headers
    )
    problem(other, 422, "idempotency_key_reused")
    second = await new_review_cycle(world, name="second")
    await collecting_for_rae(world, name="third")

    async def ids(**params: str) -> list[str]:
        listed = await world.call("P1", "GET", "/v1/review-cycles", params=params)
        assert listed.status_code == 200, listed.text
        return [rc["name"] for rc in listed.json()["items"]]

    assert await ids() == ["360", "second", "third"]
    assert await ids(phase="draft") == ["360", "second"]
    assert await ids(phase="collecting") == ["third"]
    assert await ids(cycle_id=world.okr_cycle["id"], limit="1") == ["360"]
    assert await ids(cycle_id=second["id"]) == []
    problem(
        await world.call("P1", "GET", "/v1/review-cycles", params={"phase": "done"}),
        422,
        "validation_failed",
    )


async def test_another_tenants_ids_are_unknown_in_review_writes(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b = await seed_org_b(b_client)
    world = await build_deals(acme)
    review_cycle = await new_review_cycle(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    theirs = await world.call(
        "HR",
        "POST",
        "/v1/review-cycles",
        json={"cycle_id": b.cycle["id"], "name": "x", "questions": QUESTIONS},
    )
    problem(theirs, 422, "unknown_reference")
    reviewee = await world.call(
        "HR", "POST", f"{path}/participants", json={"reviewee_ids": [b.member["id"]]}
    )
    assert field_errors(problem(reviewee, 422, "unknown_reference")) == {
        ("reviewee_ids[0]", "unknown_reference")
    }
    await world.call("HR", "POST", f"{path}/participants", json={"reviewee_ids": [world.id("Rae")]})
    peers = await world.call(
        "HR",
        "PUT",
        f"{path}/participants/{world.id('Rae')}/peers",
        json={"peer_ids": [world.id("P1"), world.id("P2"), b.member["id"]]},
    )
    assert field_errors(problem(peers, 422, "unknown_reference")) == {
        ("peer_ids[2]", "unknown_reference")
    }
    listed = (await world.call("HR", "GET", "/v1/review-cycles")).json()
    assert [rc["id"] for rc in listed["items"]] == [review_cycle["id"]]
    by_their_cycle = await world.call(
        "HR", "GET", "/v1/review-cycles", params={"cycle_id": b.cycle["id"]}
    )
    assert by_their_cycle.json()["items"] == []
    # Their reviewee in our review cycle: 404 like anyone not in it.
    problem(await world.call("HR", "GET", f"{path}/results/{b.member['id']}"), 404, "not_found")
    async with globex.admin() as b_client:
        mine = await b_client.get(f"/v1/review-cycles/{b.review_cycle['id']}")
        assert mine.json() == b.review_cycle
        ours = await b_client.get(path)
        problem(ours, 404, "not_found")
