"""Peer anonymity over REST (DOMAIN.md "360 reviews"), probed from the outside.

Each test would fail if its rule broke: no reviewer identity or timestamp in any result or
export; the peer part withheld below the threshold exactly as if no peer had answered;
comments in an order that says nothing about who wrote when; results only once published;
assignments, participants and results that answer a stranger exactly like an unknown id.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import httpx

from tests.api.harness import Tenant
from tests.api.test_rest_reviews import (
    WORKED_EXAMPLE,
    Deals,
    build_deals,
    collecting_for_rae,
    csv_rows,
    move,
    my_review_of,
    new_review_cycle,
    problem,
    published_worked_example,
    submit,
)

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _without_request_id(response: httpx.Response) -> dict[str, Any]:
    return {k: v for k, v in response.json().items() if k not in {"request_id", "instance"}}


def _by_question_index(result: dict[str, Any], review_cycle: dict[str, Any]) -> dict[str, Any]:
    """A result with its comments' question ids replaced by the question's position, so
    results of two review cycles with the same questions compare."""
    position = {q["id"]: i for i, q in enumerate(review_cycle["questions"])}
    roles = [
        {
            **role,
            "comments": [
                {"question": position[c["question_id"]], "text": c["text"]}
                for c in role["comments"]
            ],
        }
        for role in result["roles"]
    ]
    return {**result, "review_cycle_id": None, "roles": roles}


async def _results_as_everyone(world: Deals, review_cycle_id: str) -> dict[str, httpx.Response]:
    """Every published view of Rae's result: hers, her managers', HR's and an export token's,
    as JSON and CSV."""
    path = f"/v1/review-cycles/{review_cycle_id}"
    rae = world.id("Rae")
    seen: dict[str, httpx.Response] = {}
    for who in ("Rae", "Mia", "Sara", "HR", "admin"):
        seen[f"{who} result"] = await world.call(who, "GET", f"{path}/results/{rae}")
    for who in ("HR", "admin"):
        seen[f"{who} export"] = await world.call(who, "GET", f"{path}/results")
        seen[f"{who} csv"] = await world.call(
            who, "GET", f"{path}/results", headers={"Accept": "text/csv"}
        )
    token = world.tenant.token(scopes=("reviews:export",))
    async with world.tenant.client(token) as exporter:
        seen["token export"] = await exporter.get(f"{path}/results")
        seen["token csv"] = await exporter.get(f"{path}/results", headers={"Accept": "text/csv"})
        seen["token result"] = await exporter.get(f"{path}/results/{rae}")
    for name, response in seen.items():
        assert response.status_code == 200, (name, response.text)
    return seen


async def test_no_reviewer_identity_or_timestamp_reaches_any_result(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await collecting_for_rae(world)
    submitted: list[dict[str, Any]] = []
    for who, ratings, comment in WORKED_EXAMPLE:
        submitted.append(await submit(world, who, review_cycle, ratings, comment))
    await move(world, review_cycle, "closed")
    await move(world, review_cycle, "published")
    participants = await world.call(
        "HR", "GET", f"/v1/review-cycles/{review_cycle['id']}/participants"
    )
    assignment_ids = [a["id"] for a in participants.json()["items"][0]["assignments"]]
    assert len(assignment_ids) == 9

    secrets: dict[str, str] = {}
    for key in [*world.peer_keys, "Mia", "Sara"]:
        person = world.people[key]
        secrets[f"{key} id"] = person["id"]
        secrets[f"{key} email"] = person["email"]
        if key in world.peer_keys:
            secrets[f"{key} name"] = person["name"]
    for i, assignment_id in enumerate(assignment_ids):
        secrets[f"assignment {i}"] = assignment_id
    for i, review in enumerate(submitted):
        secrets[f"response {i} submitted_at"] = review["response"]["submitted_at"]
        secrets[f"response {i} updated_at"] = review["response"]["updated_at"]

    for view, response in (await _results_as_everyone(world, review_cycle["id"])).items():
        leaked = sorted(name for name, secret in secrets.items() if secret in response.text)
        assert leaked == [], view
        # No time of any kind: a timestamp would tell the last responder.
        assert _TIMESTAMP.search(response.text) is None, view
        if view.endswith("csv"):
            (row,) = csv_rows(response)
            assert row["reviewee_id"] == world.id("Rae")


async def test_few_peers_are_withheld_exactly_as_if_none_had_answered(acme: Tenant) -> None:
    """2 of 6 peers answer (threshold 3): the result equals the one of a review cycle where
    no peer answered, apart from the peer count and the withheld flag."""
    world = await build_deals(acme)
    attributed = [("Rae", (5, 4)), ("Mia", (3, 4)), ("Sara", (3, 3))]
    two_peers = await collecting_for_rae(world, name="two peers")
    no_peers = await collecting_for_rae(world, name="no peers")
    for review_cycle in (two_peers, no_peers):
        for who, ratings in attributed:
            await submit(world, who, review_cycle, ratings, f"{who} says so")
    await submit(world, "P1", two_peers, (1, 1), "Pia's secret view")
    await submit(world, "P2", two_peers, (2, 1), "Paolo's secret view")
    for review_cycle in (two_peers, no_peers):
        await move(world, review_cycle, "closed")
        await move(world, review_cycle, "published")

    rae = world.id("Rae")
    withheld = await world.call("HR", "GET", f"/v1/review-cycles/{two_peers['id']}/results/{rae}")
    silent = await world.call("HR", "GET", f"/v1/review-cycles/{no_peers['id']}/results/{rae}")
    w = _by_question_index(withheld.json(), two_peers)
    s = _by_question_index(silent.json(), no_peers)
    peer_w = w["roles"][1]
    assert peer_w == {
        "role": "peer",
        "assigned": 6,
        "responses": 2,
        "rating": None,
        "weight": "0.0000",
        "withheld": True,
        "comments": [],
    }
    assert (w["peer_withheld"], s["peer_withheld"]) == (True, False)
    # self 4.5, manager 3.5, skip 3.0 over weights 0.1, 0.4, 0.2 renormalised: 3.5000.
    assert w["rating_360"] == s["rating_360"] == "3.5000"
    assert w["performance"] == s["performance"]
    assert w["roles"][0] == s["roles"][0]
    assert w["roles"][2:] == s["roles"][2:]
    assert s["roles"][1] == {**peer_w, "responses": 0, "withheld": False}
    assert "secret view" not in withheld.text

    csv_of = {}
    for review_cycle in (two_peers, no_peers):
        exported = await world.call(
            "HR",
            "GET",
            f"/v1/review-cycles/{review_cycle['id']}/results",
            headers={"Accept": "text/csv"},
        )
        (csv_of[review_cycle["id"]],) = csv_rows(exported)
    cw, cs = csv_of[two_peers["id"]], csv_of[no_peers["id"]]
    differing = sorted(k for k in cw if cw[k] != cs[k])
    assert differing == ["peer_responses", "peer_withheld"]
    assert (cw["peer_rating"], cw["peer_weight"]) == ("", "0.0000")


async def test_comments_are_ordered_by_text_never_by_submission(acme: Tenant) -> None:
    world = await build_deals(acme)
    # Submission order P1..P4 would give "zeal" first; assignment (P) order too.
    texts = {"P1": "zeal in every deal", "P2": "able negotiator", "P3": "mild", "P4": "kind"}
    forwards = await collecting_for_rae(world, name="forwards")
    backwards = await collecting_for_rae(world, name="backwards")
    for who, text in texts.items():
        await submit(world, who, forwards, (4, 4), text)
    for who in reversed(texts):
        await submit(world, who, backwards, (4, 4), texts[who])
    comments: dict[str, list[str]] = {}
    for review_cycle in (forwards, backwards):
        await move(world, review_cycle, "closed")
        await move(world, review_cycle, "published")
        result = await world.call(
            "Rae", "GET", f"/v1/review-cycles/{review_cycle['id']}/results/{world.id('Rae')}"
        )
        comments[review_cycle["name"]] = [c["text"] for c in result.json()["roles"][1]["comments"]]
    assert comments["forwards"] == comments["backwards"] == sorted(texts.values())


async def test_results_are_refused_to_everyone_until_published(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await collecting_for_rae(world)
    for who, ratings, comment in WORKED_EXAMPLE:
        await submit(world, who, review_cycle, ratings, comment)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    rae = world.id("Rae")
    token = world.tenant.token(scopes=("reviews:export",))
    for phase in ("collecting", "closed"):
        if phase == "closed":
            await move(world, review_cycle, "closed")
        answers: dict[str, httpx.Response] = {}
        for who in ("Rae", "Mia", "Sara", "HR", "admin"):
            answers[f"{who} result"] = await world.call(who, "GET", f"{path}/results/{rae}")
        for who in ("HR", "admin"):
            answers[f"{who} export"] = await world.call(who, "GET", f"{path}/results")
            answers[f"{who} csv"] = await world.call(
                who, "GET", f"{path}/results", headers={"Accept": "text/csv"}
            )
        async with world.tenant.client(token) as exporter:
            answers["token export"] = await exporter.get(f"{path}/results")
            answers["token csv"] = await exporter.get(
                f"{path}/results", headers={"Accept": "text/csv"}
            )
            answers["token result"] = await exporter.get(f"{path}/results/{rae}")
        for view, response in answers.items():
            problem(response, 422, "review_not_published")
            assert "3.6250" not in response.text, view
    published = await move(world, review_cycle, "published")
    assert published["phase"] == "published"
    assert (await world.call("Rae", "GET", f"{path}/results/{rae}")).status_code == 200


async def test_only_admins_and_hr_see_who_reviews_whom(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await new_review_cycle(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    enrolled = await world.call(
        "HR", "POST", f"{path}/participants", json={"reviewee_ids": [world.id("Rae")]}
    )
    peer_ids = [world.id(p) for p in world.peer_keys]
    assert not [p for p in peer_ids if p in enrolled.text]
    for who in ("Rae", "Mia", "Sara", "P1"):
        problem(await world.call(who, "GET", f"{path}/participants"), 403, "forbidden")
    async with acme.client(acme.token(scopes=("reviews:export", "org:read"))) as service:
        problem(await service.get(f"{path}/participants"), 403, "forbidden")
    # An HR member who is also Rae's manager lists participants without Rae's peers.
    async with acme.as_member(world.people["Mia"]["id"], "manager", "hr") as mia_hr:
        as_hr = await mia_hr.get(f"{path}/participants")
    assert as_hr.status_code == 200, as_hr.text
    (rae_item,) = as_hr.json()["items"]
    assert rae_item["peers_hidden"] is True
    assert sorted(a["role"] for a in rae_item["assignments"]) == ["manager", "self", "skip_level"]
    assert not [p for p in peer_ids if p in as_hr.text]
    # The reviewee and her managers nominate, and hear back counts only.
    for who, chosen in (("Rae", ["P1", "P2", "P3"]), ("Mia", ["P4", "P5", "P6"])):
        nominated = await world.call(
            who,
            "PUT",
            f"{path}/participants/{world.id('Rae')}/peers",
            json={"peer_ids": [world.id(p) for p in chosen]},
        )
        assert nominated.status_code == 200, nominated.text
        assert nominated.json() == {
            "reviewee_id": world.id("Rae"),
            "reviewers": {"self": 1, "peer": 3, "manager": 1, "skip_level": 1},
        }
        assert not [p for p in peer_ids if p in nominated.text]


async def test_another_members_assignment_answers_like_an_unknown_one(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await new_review_cycle(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    await world.call("HR", "POST", f"{path}/participants", json={"reviewee_ids": [world.id("Rae")]})
    listed = (await world.call("HR", "GET", f"{path}/participants")).json()
    by_reviewer = {a["reviewer_id"]: a["id"] for a in listed["items"][0]["assignments"]}
    p2_assignment = by_reviewer[world.id("P2")]
    # In draft even its own reviewer finds nothing: assignments may still change.
    own_draft = await world.call("P2", "GET", f"/v1/review-assignments/{p2_assignment}")
    unknown_draft = await world.call("P2", "GET", f"/v1/review-assignments/{uuid4()}")
    assert own_draft.status_code == unknown_draft.status_code == 404
    assert _without_request_id(own_draft) == _without_request_id(unknown_draft)

    await move(world, review_cycle, "collecting")
    body = {"answers": [{"question_id": q["id"], "rating": 1} for q in review_cycle["questions"]]}
    for who in ("P1", "Rae", "Mia", "Sara", "HR", "admin", "Otto"):
        for method, suffix, sent in (("GET", "", None), ("PUT", "/response", body)):
            theirs = await world.call(
                who, method, f"/v1/review-assignments/{p2_assignment}{suffix}", json=sent
            )
            unknown = await world.call(
                who, method, f"/v1/review-assignments/{uuid4()}{suffix}", json=sent
            )
            assert theirs.status_code == unknown.status_code == 404, (who, method)
            assert _without_request_id(theirs) == _without_request_id(unknown), (who, method)
            assert p2_assignment not in theirs.text
    # P2's response is still nobody's but P2's: none was written by the probes.
    assert (await my_review_of(world, "P2", review_cycle["id"], "Rae"))["response"] is None


async def test_results_of_someone_you_are_not_above_are_not_found(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await published_worked_example(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    rae = world.id("Rae")
    # P1 reviewed Rae, Otto is a stranger: to both, Rae's result is as absent as a
    # non-participant's (P3) or a non-member's.
    for who in ("P1", "Otto"):
        theirs = await world.call(who, "GET", f"{path}/results/{rae}")
        assert theirs.status_code == 404, who
        for other in (world.id("P3"), str(uuid4())):
            absent = await world.call(who, "GET", f"{path}/results/{other}")
            assert absent.status_code == 404
            assert _without_request_id(theirs) == _without_request_id(absent), who
        assert "3.5375" not in theirs.text
    # A manager of a non-participant gets the same 404.
    mia_p3 = await world.call("Mia", "GET", f"{path}/results/{world.id('P3')}")
    otto_rae = await world.call("Otto", "GET", f"{path}/results/{rae}")
    assert _without_request_id(mia_p3) == _without_request_id(otto_rae)
    # Rae reads only her own.
    rae_p1 = await world.call("Rae", "GET", f"{path}/results/{world.id('P1')}")
    assert _without_request_id(rae_p1) == _without_request_id(otto_rae)


async def test_the_export_is_for_hr_admins_and_export_tokens_only(acme: Tenant) -> None:
    world = await build_deals(acme)
    review_cycle = await published_worked_example(world)
    path = f"/v1/review-cycles/{review_cycle['id']}"
    tokens = {
        "reviews:export token": world.tenant.token(scopes=("reviews:export",)),
        "org:read token": world.tenant.token(scopes=("org:read",)),
        "members:write token": world.tenant.token(scopes=("members:write",)),
    }
    allowed = {"HR", "admin", "reviews:export token"}
    for who in ("HR", "admin", "P1", "Mia", "Sara", "Rae", *tokens):
        for target, accept in (
            ("results", "application/json"),
            ("results", "text/csv"),
            ("completion", "application/json"),
        ):
            if who in tokens:
                async with world.tenant.client(tokens[who]) as client:
                    response = await client.get(f"{path}/{target}", headers={"Accept": accept})
            else:
                response = await world.call(
                    who, "GET", f"{path}/{target}", headers={"Accept": accept}
                )
            if who in allowed:
                assert response.status_code == 200, (who, target, accept, response.text)
                assert response.headers["content-type"].startswith(accept), (who, target)
            else:
                problem(response, 403, "forbidden")
                assert "3.5375" not in response.text
