"""360 reviews over GraphQL, through the app on a real Postgres: a whole review cycle worked
by hand, the anonymity probes (peer identities, withheld peer parts, probing ids, who may
read what), tenancy, and the SQL count of a page of results.

The team: skip-level Sara; manager Mia reports to Sara; the reviewee Rae and six peers
report to Mia; Rae and the peers form a team; Hana is HR. The OKRs are built over REST,
as a client would; everything about reviews goes over GraphQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, check_in, key_result, objective, post
from tests.api.test_graphql import codes, gql, sql_statements
from tests.api.test_graphql_okrs import data

CREATE = """
mutation($input: CreateReviewCycleInput!) {
  createReviewCycle(input: $input) {
    reviewCycle {
      id cycleId cycle { id name } name phase version publishedAt
      questions { id textZh textEn commentAllowed scaleMin scaleMax }
      weights { self peer manager skipLevel }
      peerAnonymityThreshold minPeers maxPeers
    }
  }
}"""
UPDATE = """
mutation($input: UpdateReviewCycleInput!) {
  updateReviewCycle(input: $input) { reviewCycle { id name phase version publishedAt } }
}"""
ADD = """
mutation($input: AddReviewParticipantsInput!) {
  addReviewParticipants(input: $input) {
    added { revieweeId reviewers { self peer manager skipLevel } }
    alreadyIn needsPeers
  }
}"""
NOMINATE = """
mutation($input: NominatePeersInput!) {
  nominatePeers(input: $input) {
    participant { revieweeId reviewers { self peer manager skipLevel } }
  }
}"""
REMOVE = """
mutation($input: RemoveReviewParticipantInput!) {
  removeReviewParticipant(input: $input) { reviewCycleId removedRevieweeId }
}"""
MY_REVIEWS = """
query($rc: UUID!) {
  myReviews(reviewCycleId: $rc) {
    assignmentId reviewCycleId revieweeId role reviewee { name }
    response { answers { questionId rating comment } submittedAt updatedAt }
  }
}"""
SUBMIT = """
mutation($input: SubmitReviewResponseInput!) {
  submitReviewResponse(input: $input) {
    review {
      assignmentId role
      response { answers { questionId rating comment } submittedAt updatedAt }
    }
  }
}"""
RESULT_FIELDS = """
  reviewCycleId
  reviewee { id name email externalId }
  performance { score okrPart reviewPart okrShare reviewShare reviewOnly }
  rating360 okrScore peerWithheld
  roles { role assigned responses rating weight withheld comments { questionId text } }
"""
RESULT = (
    "query($rc: UUID!, $reviewee: UUID!) {"
    " reviewResult(reviewCycleId: $rc, revieweeId: $reviewee) {" + RESULT_FIELDS + "} }"
)
MEMBER_RESULTS = "query($id: UUID!) { member(id: $id) { reviewResults {" + RESULT_FIELDS + "} } }"
RESULTS = (
    "query($rc: UUID!, $first: Int! = 50) {"
    " reviewResults(reviewCycleId: $rc, first: $first) {"
    " nodes {" + RESULT_FIELDS + "} pageInfo { hasNextPage } } }"
)
COMPLETION = """
query($rc: UUID!) {
  reviewCompletion(reviewCycleId: $rc) {
    reviewCycleId phase reviewees total { assigned done } roles { role assigned done }
  }
}"""
PARTICIPANTS = """
query($rc: UUID!) {
  reviewParticipants(reviewCycleId: $rc) {
    nodes { revieweeId reviewee { name } assignments { id role reviewerId reviewer { name } } }
  }
}"""
REVIEW_CYCLE = """
query($id: UUID!) { reviewCycle(id: $id) { id name phase publishedAt cycle { name } } }"""
REVIEW_CYCLES = """
query($filter: ReviewCycleFilterInput) {
  reviewCycles(first: 10, filter: $filter) { nodes { name phase } pageInfo { hasNextPage } }
}"""

QUESTIONS = [
    {"textZh": "目标是否清晰?", "textEn": "Are the goals clear?"},
    {"textZh": "是否乐于协作?", "textEn": "Do they work well with others?"},
]
PEER_NAMES = ("Pia Peer", "Pete Peer", "Paz Peer", "Pim Peer", "Pax Peer", "Poe Peer")
# An instant in JSON: no response timestamp may appear in a result.
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")

Ratings = tuple[int, int]
Comments = tuple[str | None, str | None]


@dataclass(frozen=True)
class Org:
    tenant: Tenant
    cycle_id: str
    cycle_name: str
    sara: str
    mia: str
    rae: str
    hr: str
    peers: tuple[dict[str, Any], ...]  # members as REST returned them: id, name, email

    def client(self, member_id: str) -> httpx.AsyncClient:
        roles = {self.sara: ("manager",), self.mia: ("manager",), self.hr: ("hr",)}
        return self.tenant.as_member(UUID(member_id), *roles.get(member_id, ("member",)))

    def peer(self, number: int) -> str:
        """P1..P6 by number."""
        peer_id: str = self.peers[number - 1]["id"]
        return peer_id


async def _org(acme: Tenant) -> Org:
    """The team, and Rae's objective for the year: one KR from 0 to 100 checked in at 65."""
    year = datetime.now(UTC).year
    async with acme.admin() as admin:
        cycle = await active_cycle(admin, str(year), "year", f"{year}-01-01", f"{year}-12-31")
        sara = await create_member(admin, "Sara Skip")
        mia = await create_member(admin, "Mia Manager", manager_id=sara["id"])
        rae = await create_member(admin, "Rae Reviewee", manager_id=mia["id"])
        peers = [await create_member(admin, n, manager_id=mia["id"]) for n in PEER_NAMES]
        hr = await create_member(admin, "Hana Hr", roles=["hr"])
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        team = await post(
            admin, "/v1/units", {"kind": "team", "name": "Makers", "parent_id": company["id"]}
        )
        for member in (rae, *peers):
            response = await admin.put(f"/v1/units/{team['id']}/members/{member['id']}")
            assert response.status_code == 204, response.text
        goal = await objective(
            admin,
            cycle_id=cycle["id"],
            title="Ship the new onboarding",
            owner={"kind": "member", "id": rae["id"]},
            status="active",
        )
        kr = await key_result(
            admin, goal["id"], title="Teams onboarded", target=100, owner_id=rae["id"]
        )
        await check_in(admin, kr["id"], value=65)
    return Org(
        tenant=acme,
        cycle_id=cycle["id"],
        cycle_name=cycle["name"],
        sara=sara["id"],
        mia=mia["id"],
        rae=rae["id"],
        hr=hr["id"],
        peers=tuple(peers),
    )


async def _new_review_cycle(client: httpx.AsyncClient, org: Org, name: str) -> dict[str, Any]:
    body = await gql(
        client, CREATE, {"input": {"cycleId": org.cycle_id, "name": name, "questions": QUESTIONS}}
    )
    created: dict[str, Any] = data(body, "createReviewCycle", "reviewCycle")
    return created


async def _add_rae(client: httpx.AsyncClient, org: Org, rc: str) -> dict[str, Any]:
    body = await gql(client, ADD, {"input": {"reviewCycleId": rc, "revieweeIds": [org.rae]}})
    added: dict[str, Any] = data(body, "addReviewParticipants")
    return added


async def _move(client: httpx.AsyncClient, rc: str, phase: str, version: int) -> dict[str, Any]:
    body = await gql(
        client, UPDATE, {"input": {"id": rc, "phase": phase, "expectedVersion": version}}
    )
    moved: dict[str, Any] = data(body, "updateReviewCycle", "reviewCycle")
    return moved


async def _submit(
    org: Org,
    reviewer: str,
    review_cycle: dict[str, Any],
    ratings: Ratings,
    comments: Comments = (None, None),
) -> dict[str, Any]:
    """The reviewer answers their review of Rae in the cycle; the saved review."""
    questions = [q["id"] for q in review_cycle["questions"]]
    async with org.client(reviewer) as client:
        mine = data(await gql(client, MY_REVIEWS, {"rc": review_cycle["id"]}), "myReviews")
        (review,) = [r for r in mine if r["revieweeId"] == org.rae]
        answers = [
            {"questionId": q, "rating": r, "comment": c}
            for q, r, c in zip(questions, ratings, comments, strict=True)
        ]
        body = await gql(
            client,
            SUBMIT,
            {"input": {"assignmentId": review["assignmentId"], "answers": answers}},
        )
    saved: dict[str, Any] = data(body, "submitReviewResponse", "review")
    return saved


async def _published(
    org: Org, name: str, responses: dict[str, tuple[Ratings, Comments]]
) -> dict[str, Any]:
    """A review cycle of Rae run by HR from draft to published, with these responses."""
    async with org.client(org.hr) as hr:
        review_cycle = await _new_review_cycle(hr, org, name)
        rc = review_cycle["id"]
        await _add_rae(hr, org, rc)
        await _move(hr, rc, "COLLECTING", 1)
    for reviewer, (ratings, comments) in responses.items():
        await _submit(org, reviewer, review_cycle, ratings, comments)
    async with org.client(org.hr) as hr:
        await _move(hr, rc, "CLOSED", 2)
        await _move(hr, rc, "PUBLISHED", 3)
    return review_cycle


def _chain(org: Org) -> dict[str, tuple[Ratings, Comments]]:
    """Self, manager and skip-level responses of the worked example."""
    return {
        org.rae: ((5, 4), ("I shipped a lot", None)),
        org.mia: ((3, 4), (None, "Reliable")),
        org.sara: ((3, 3), (None, None)),
    }


def _comparable(result: dict[str, Any], review_cycle: dict[str, Any]) -> dict[str, Any]:
    """A result without what may differ between two cycles with the same figures: the peer
    response count and flag, the cycle's id, and its question ids (as question numbers)."""
    number = {q["id"]: i for i, q in enumerate(review_cycle["questions"], 1)}
    roles = [
        {
            **{
                k: v
                for k, v in r.items()
                if not (r["role"] == "PEER" and k in {"responses", "withheld"})
            },
            "comments": [(number[c["questionId"]], c["text"]) for c in r["comments"]],
        }
        for r in result["roles"]
    ]
    drop = {"reviewCycleId", "peerWithheld", "roles"}
    return {**{k: v for k, v in result.items() if k not in drop}, "roles": roles}


def _role(result: dict[str, Any], role: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in result["roles"] if r["role"] == role)
    return found


# -- a whole cycle ---------------------------------------------------------------------------


async def test_a_whole_review_cycle_worked_by_hand(acme: Tenant) -> None:
    org = await _org(acme)
    async with org.client(org.hr) as hr:
        created = await _new_review_cycle(hr, org, "Annual 360")
        rc = created["id"]
        drafted = await gql(hr, REVIEW_CYCLES, {"filter": {"phase": "DRAFT"}})
        added = await _add_rae(hr, org, rc)
        again = await _add_rae(hr, org, rc)
        collecting = await _move(hr, rc, "COLLECTING", 1)
        backwards = await gql(hr, UPDATE, {"input": {"id": rc, "phase": "DRAFT"}})
        frozen = await gql(hr, UPDATE, {"input": {"id": rc, "minPeers": 2}})
    async with org.client(org.rae) as rae:
        before = data(await gql(rae, MY_REVIEWS, {"rc": rc}), "myReviews")
        not_hr = await gql(
            rae, CREATE, {"input": {"cycleId": org.cycle_id, "name": "Mine", "questions": []}}
        )
        out_of_range = await gql(
            rae,
            SUBMIT,
            {
                "input": {
                    "assignmentId": before[0]["assignmentId"],
                    "answers": [{"questionId": q["id"], "rating": 6} for q in created["questions"]],
                }
            },
        )

    q1, q2 = (q["id"] for q in created["questions"])
    responses = {
        **_chain(org),
        org.peer(1): ((4, 4), ("Clear plans", None)),
        org.peer(2): ((3, 4), (None, None)),
        org.peer(3): ((4, 3), (None, "Helps others")),
        org.peer(4): ((3, 4), (None, None)),
    }
    saved = {}
    for reviewer, (ratings, comments) in responses.items():
        saved[reviewer] = await _submit(org, reviewer, created, ratings, comments)
    # A revision replaces the answers and keeps the first submission time.
    revised = await _submit(org, org.rae, created, (5, 4), ("I shipped a lot", None))

    async with org.client(org.hr) as hr:
        completion = data(await gql(hr, COMPLETION, {"rc": rc}), "reviewCompletion")
        unpublished = await gql(hr, RESULTS, {"rc": rc})
        closed = await _move(hr, rc, "CLOSED", 2)
        published = await _move(hr, rc, "PUBLISHED", 3)
        stale = await gql(hr, UPDATE, {"input": {"id": rc, "name": "Again", "expectedVersion": 3}})
        read = data(await gql(hr, REVIEW_CYCLE, {"id": rc}), "reviewCycle")
        by_hr = data(await gql(hr, RESULT, {"rc": rc, "reviewee": org.rae}), "reviewResult")
        page = data(await gql(hr, RESULTS, {"rc": rc}), "reviewResults")
    async with org.client(org.rae) as rae:
        own = data(await gql(rae, RESULT, {"rc": rc, "reviewee": org.rae}), "reviewResult")
        own_list = data(await gql(rae, MEMBER_RESULTS, {"id": org.rae}), "member")
        mine = data(await gql(rae, MY_REVIEWS, {"rc": rc}), "myReviews")
    async with org.client(org.mia) as mia:
        managers_list = data(await gql(mia, MEMBER_RESULTS, {"id": org.rae}), "member")
    async with org.client(org.peers[0]["id"]) as peer:
        peers_list = data(await gql(peer, MEMBER_RESULTS, {"id": org.rae}), "member")

    assert created["cycleId"] == org.cycle_id
    assert created["cycle"]["id"] == org.cycle_id
    assert created["phase"] == "DRAFT"
    assert created["version"] == 1
    assert created["publishedAt"] is None
    assert created["questions"][0] == {
        "id": q1,
        "textZh": "目标是否清晰?",
        "textEn": "Are the goals clear?",
        "commentAllowed": True,
        "scaleMin": 1,
        "scaleMax": 5,
    }
    # The organization's review settings, as stored.
    assert created["weights"] == {
        "self": "0.10",
        "peer": "0.30",
        "manager": "0.40",
        "skipLevel": "0.20",
    }
    assert (created["peerAnonymityThreshold"], created["minPeers"], created["maxPeers"]) == (
        3,
        3,
        8,
    )
    assert data(drafted, "reviewCycles") == {
        "nodes": [{"name": "Annual 360", "phase": "DRAFT"}],
        "pageInfo": {"hasNextPage": False},
    }
    # Default peers: Rae's six team mates (Mia and Sara review in their own roles).
    assert added == {
        "added": [
            {
                "revieweeId": org.rae,
                "reviewers": {"self": 1, "peer": 6, "manager": 1, "skipLevel": 1},
            }
        ],
        "alreadyIn": [],
        "needsPeers": [],
    }
    assert again == {"added": [], "alreadyIn": [org.rae], "needsPeers": []}
    assert collecting["phase"] == "COLLECTING"
    assert collecting["version"] == 2
    assert codes(backwards) == ["invalid_phase_transition"]
    assert codes(frozen) == ["review_cycle_frozen"]
    assert before == [
        {
            "assignmentId": before[0]["assignmentId"],
            "reviewCycleId": rc,
            "revieweeId": org.rae,
            "role": "SELF",
            "reviewee": {"name": "Rae Reviewee"},
            "response": None,
        }
    ]
    assert codes(not_hr) == ["forbidden"]
    assert codes(out_of_range) == ["validation_failed"]
    # The answer's shape refuses a rating out of 1-5, as REST does: pydantic's path and code.
    refused = out_of_range["errors"][0]["extensions"]["errors"]
    assert [(e["field"], e["code"]) for e in refused] == [
        ("answers.0.rating", "less_than_equal"),
        ("answers.1.rating", "less_than_equal"),
    ]
    assert saved[org.mia]["role"] == "MANAGER"
    assert saved[org.sara]["role"] == "SKIP_LEVEL"
    assert saved[org.peer(1)]["role"] == "PEER"
    assert saved[org.peer(1)]["response"]["answers"] == [
        {"questionId": q1, "rating": 4, "comment": "Clear plans"},
        {"questionId": q2, "rating": 4, "comment": None},
    ]
    first = saved[org.rae]["response"]
    assert revised["response"]["submittedAt"] == first["submittedAt"]
    assert revised["response"]["updatedAt"] >= first["updatedAt"]

    assert completion == {
        "reviewCycleId": rc,
        "phase": "COLLECTING",
        "reviewees": 1,
        "total": {"assigned": 9, "done": 7},
        "roles": [
            {"role": "SELF", "assigned": 1, "done": 1},
            {"role": "PEER", "assigned": 6, "done": 4},
            {"role": "MANAGER", "assigned": 1, "done": 1},
            {"role": "SKIP_LEVEL", "assigned": 1, "done": 1},
        ],
    }
    assert codes(unpublished) == ["review_not_published"]
    assert closed["phase"] == "CLOSED"
    assert published["phase"] == "PUBLISHED"
    assert published["version"] == 4
    assert published["publishedAt"] is not None
    assert codes(stale) == ["stale_version"]
    assert read["phase"] == "PUBLISHED"
    assert read["publishedAt"] == published["publishedAt"]
    assert read["cycle"] == {"name": org.cycle_name}

    # Self (5+4)/2 = 4.5; peers (4 + 3.5 + 3.5 + 3.5) / 4 = 3.625 (P5, P6 silent); manager
    # (3+4)/2 = 3.5; skip-level (3+3)/2 = 3. 360 rating 0.1 x 4.5 + 0.3 x 3.625 + 0.4 x 3.5
    # + 0.2 x 3 = 3.5375. Performance 0.3 x 0.65 x 100 = 19.50, 0.7 x (3.5375 - 1) / 4 x 100
    # = 44.40625 -> 44.41; 19.50 + 44.41 = 63.91.
    peer_comments = sorted(
        [
            {"questionId": q1, "text": "Clear plans"},
            {"questionId": q2, "text": "Helps others"},
        ],
        key=lambda c: (c["questionId"], c["text"]),
    )
    assert by_hr == {
        "reviewCycleId": rc,
        "reviewee": {
            "id": org.rae,
            "name": "Rae Reviewee",
            "email": "rae.reviewee@example.com",
            "externalId": None,
        },
        "performance": {
            "score": "63.91",
            "okrPart": "19.50",
            "reviewPart": "44.41",
            "okrShare": "0.3",
            "reviewShare": "0.7",
            "reviewOnly": False,
        },
        "rating360": "3.5375",
        "okrScore": "0.6500",
        "peerWithheld": False,
        "roles": [
            {
                "role": "SELF",
                "assigned": 1,
                "responses": 1,
                "rating": "4.5000",
                "weight": "0.1000",
                "withheld": False,
                "comments": [{"questionId": q1, "text": "I shipped a lot"}],
            },
            {
                "role": "PEER",
                "assigned": 6,
                "responses": 4,
                "rating": "3.6250",
                "weight": "0.3000",
                "withheld": False,
                "comments": peer_comments,
            },
            {
                "role": "MANAGER",
                "assigned": 1,
                "responses": 1,
                "rating": "3.5000",
                "weight": "0.4000",
                "withheld": False,
                "comments": [{"questionId": q2, "text": "Reliable"}],
            },
            {
                "role": "SKIP_LEVEL",
                "assigned": 1,
                "responses": 1,
                "rating": "3.0000",
                "weight": "0.2000",
                "withheld": False,
                "comments": [],
            },
        ],
    }
    assert page == {"nodes": [by_hr], "pageInfo": {"hasNextPage": False}}
    assert own == by_hr
    # Member.reviewResults: the reviewee and her manager see the result; a peer sees an
    # empty list, as for someone never reviewed.
    assert own_list == managers_list == {"reviewResults": [by_hr]}
    assert peers_list == {"reviewResults": []}
    assert [(r["role"], r["response"]["answers"][0]["rating"]) for r in mine] == [("SELF", 5)]


async def test_setup_in_draft_with_weights_bounds_and_default_reviewees(acme: Tenant) -> None:
    org = await _org(acme)
    weights = {"self": "0.25", "peer": "0.25", "manager": "0.25", "skipLevel": "0.25"}
    async with org.client(org.hr) as hr:
        body = await gql(
            hr,
            CREATE,
            {
                "input": {
                    "cycleId": org.cycle_id,
                    "name": "Custom",
                    "questions": QUESTIONS[:1],
                    "weights": weights,
                    "peerAnonymityThreshold": 5,
                    "maxPeers": 6,
                }
            },
        )
        created = data(body, "createReviewCycle", "reviewCycle")
        rc = created["id"]
        bad_sum = await gql(
            hr, UPDATE, {"input": {"id": rc, "weights": {**weights, "self": "0.35"}}}
        )
        bad_threshold = await gql(hr, UPDATE, {"input": {"id": rc, "maxPeers": 4}})
        null_name = await gql(hr, UPDATE, {"input": {"id": rc, "name": None}})
        unknown_cycle = await gql(
            hr,
            CREATE,
            {"input": {"cycleId": str(uuid4()), "name": "Nowhere", "questions": QUESTIONS}},
        )
        empty = await gql(hr, UPDATE, {"input": {"id": rc, "phase": "COLLECTING"}})
        # Default reviewees: every active member owning an objective in the OKR cycle.
        added = await gql(hr, ADD, {"input": {"reviewCycleId": rc}})

    assert created["weights"] == weights
    assert len(created["questions"]) == 1
    assert (created["peerAnonymityThreshold"], created["minPeers"], created["maxPeers"]) == (
        5,
        3,
        6,
    )
    assert codes(bad_sum) == ["validation_failed"]
    assert [e["field"] for e in bad_sum["errors"][0]["extensions"]["errors"]] == ["weights"]
    assert codes(bad_threshold) == ["validation_failed"]
    assert [e["field"] for e in bad_threshold["errors"][0]["extensions"]["errors"]] == [
        "peerAnonymityThreshold"
    ]
    assert codes(null_name) == ["validation_failed"]
    assert codes(unknown_cycle) == ["unknown_reference"]
    assert codes(empty) == ["no_participants"]
    assert data(added, "addReviewParticipants") == {
        "added": [
            {
                "revieweeId": org.rae,
                "reviewers": {"self": 1, "peer": 6, "manager": 1, "skipLevel": 1},
            }
        ],
        "alreadyIn": [],
        "needsPeers": [],
    }


# -- anonymity -------------------------------------------------------------------------------


async def test_no_peer_can_be_told_apart_in_results(acme: Tenant) -> None:
    org = await _org(acme)
    peer_comment = "Peer secret: misses deadlines"
    shown = await _published(
        org,
        "Shown",
        {
            **_chain(org),
            org.peer(1): ((4, 4), (peer_comment, None)),
            org.peer(2): ((3, 4), (None, None)),
            org.peer(3): ((2, 3), (None, None)),
        },
    )
    withheld = await _published(
        org,
        "Withheld",
        {
            **_chain(org),
            org.peer(1): ((1, 1), (peer_comment, None)),
            org.peer(2): ((5, 5), (None, "Peer secret: great")),
        },
    )
    silent = await _published(org, "Silent", _chain(org))

    bodies: list[dict[str, Any]] = []
    for reader in (org.rae, org.mia, org.hr):
        async with org.client(reader) as client:
            for review_cycle in (shown, withheld, silent):
                variables = {"rc": review_cycle["id"], "reviewee": org.rae}
                bodies.append(await gql(client, RESULT, variables))
                if reader == org.hr:
                    bodies.append(await gql(client, RESULTS, {"rc": review_cycle["id"]}))
    for body in bodies:
        assert "errors" not in body, body
        text = json.dumps(body, ensure_ascii=False)
        for peer in org.peers:
            assert peer["id"] not in text
            assert peer["name"] not in text
            assert peer["email"] not in text
        assert not TIMESTAMP.search(text), text

    async with org.client(org.rae) as rae:
        shown_result = data(
            await gql(rae, RESULT, {"rc": shown["id"], "reviewee": org.rae}), "reviewResult"
        )
        withheld_result = data(
            await gql(rae, RESULT, {"rc": withheld["id"], "reviewee": org.rae}), "reviewResult"
        )
        silent_result = data(
            await gql(rae, RESULT, {"rc": silent["id"], "reviewee": org.rae}), "reviewResult"
        )

    assert _role(shown_result, "PEER")["comments"] == [
        {"questionId": shown["questions"][0]["id"], "text": peer_comment}
    ]
    # Two of six peers responded, below the threshold of 3: the peer part is withheld.
    assert withheld_result["peerWithheld"] is True
    assert _role(withheld_result, "PEER") == {
        "role": "PEER",
        "assigned": 6,
        "responses": 2,
        "rating": None,
        "weight": "0.0000",
        "withheld": True,
        "comments": [],
    }
    assert "Peer secret" not in json.dumps(withheld_result)
    # Exactly the result of a cycle where no peer responded (but the count and the flag).
    assert silent_result["peerWithheld"] is False
    assert _role(silent_result, "PEER")["responses"] == 0
    assert withheld_result["rating360"] == silent_result["rating360"] == "3.5000"

    assert _comparable(withheld_result, withheld) == _comparable(silent_result, silent)


async def test_results_wait_for_publication_and_stay_with_those_allowed(acme: Tenant) -> None:
    org = await _org(acme)
    async with org.client(org.hr) as hr:
        review_cycle = await _new_review_cycle(hr, org, "Probes")
        rc = review_cycle["id"]
        await _add_rae(hr, org, rc)
        participants = await gql(hr, PARTICIPANTS, {"rc": rc})
        await _move(hr, rc, "COLLECTING", 1)
    for reviewer, (ratings, comments) in _chain(org).items():
        await _submit(org, reviewer, review_cycle, ratings, comments)
    async with org.client(org.rae) as rae:
        (self_review,) = data(await gql(rae, MY_REVIEWS, {"rc": rc}), "myReviews")
        collecting = await gql(rae, RESULT, {"rc": rc, "reviewee": org.rae})
        rae_participants = await gql(rae, PARTICIPANTS, {"rc": rc})
    async with org.client(org.mia) as mia:
        mia_participants = await gql(mia, PARTICIPANTS, {"rc": rc})

    # Submitting to another member's assignment answers exactly as an unknown id.
    answers = [{"questionId": q["id"], "rating": 3} for q in review_cycle["questions"]]
    async with org.client(org.peer(1)) as peer:
        someone_elses = await gql(
            peer,
            SUBMIT,
            {"input": {"assignmentId": self_review["assignmentId"], "answers": answers}},
        )
        unknown = await gql(
            peer, SUBMIT, {"input": {"assignmentId": str(uuid4()), "answers": answers}}
        )
        peer_result = await gql(peer, RESULT, {"rc": rc, "reviewee": org.rae})

    async with org.client(org.hr) as hr:
        await _move(hr, rc, "CLOSED", 2)
        closed = await gql(hr, RESULT, {"rc": rc, "reviewee": org.rae})
        closed_page = await gql(hr, RESULTS, {"rc": rc})
        await _move(hr, rc, "PUBLISHED", 3)
    async with org.client(org.mia) as mia:
        by_manager = await gql(mia, RESULT, {"rc": rc, "reviewee": org.rae})
        manager_page = await gql(mia, RESULTS, {"rc": rc})
    async with org.client(org.peer(1)) as peer:
        member_page = await gql(peer, RESULTS, {"rc": rc})
        published_peer_result = await gql(peer, RESULT, {"rc": rc, "reviewee": org.rae})
    async with acme.client(acme.token(scopes=("org:read",))) as reader:
        without_scope = await gql(reader, RESULTS, {"rc": rc})
    async with acme.client(acme.token(scopes=("reviews:export",))) as exporter:
        exported = await gql(exporter, RESULTS, {"rc": rc})
        export_completion = await gql(exporter, COMPLETION, {"rc": rc})

    assert "errors" not in participants, participants
    (listed,) = participants["data"]["reviewParticipants"]["nodes"]
    assert listed["reviewee"] == {"name": "Rae Reviewee"}
    assert sorted(a["reviewer"]["name"] for a in listed["assignments"] if a["role"] == "PEER") == (
        sorted(PEER_NAMES)
    )
    assert codes(rae_participants) == ["forbidden"]
    assert codes(mia_participants) == ["forbidden"]

    assert codes(someone_elses) == ["not_found"]
    assert someone_elses == unknown
    # Neither a reviewer nor a teammate reads Rae's result.
    assert codes(peer_result) == ["not_found"]
    assert codes(published_peer_result) == ["not_found"]

    assert codes(collecting) == ["review_not_published"]
    assert codes(closed) == ["review_not_published"]
    assert codes(closed_page) == ["review_not_published"]

    assert data(by_manager, "reviewResult", "rating360") == "3.5000"
    assert codes(manager_page) == ["forbidden"]
    assert codes(member_page) == ["forbidden"]
    assert codes(without_scope) == ["forbidden"]
    nodes = data(exported, "reviewResults", "nodes")
    assert [n["reviewee"]["id"] for n in nodes] == [org.rae]
    assert nodes[0] == data(by_manager, "reviewResult")
    assert data(export_completion, "reviewCompletion", "total") == {"assigned": 9, "done": 3}


async def test_nominating_peers_answers_with_counts_only(acme: Tenant) -> None:
    org = await _org(acme)
    async with org.client(org.hr) as hr:
        review_cycle = await _new_review_cycle(hr, org, "Nominations")
        rc = review_cycle["id"]
        await _add_rae(hr, org, rc)
        counts_type = await gql(
            hr, '{ __type(name: "ReviewerCounts") { fields { type { ofType { name } } } } }'
        )
    chosen = [org.peer(4), org.peer(5), org.peer(6)]
    nomination = {"reviewCycleId": rc, "revieweeId": org.rae, "peerIds": chosen}
    async with org.client(org.mia) as mia:
        by_manager = await gql(mia, NOMINATE, {"input": nomination})
    async with org.client(org.rae) as rae:
        by_reviewee = await gql(rae, NOMINATE, {"input": {**nomination, "peerIds": chosen[:2]}})
    async with org.client(org.peer(1)) as peer:
        by_peer = await gql(peer, NOMINATE, {"input": nomination})
    removal = {"input": {"reviewCycleId": rc, "revieweeId": org.rae}}
    async with org.client(org.hr) as hr:
        participants = data(await gql(hr, PARTICIPANTS, {"rc": rc}), "reviewParticipants")
        removed = await gql(hr, REMOVE, removal)
        removed_again = await gql(hr, REMOVE, removal)
        left = data(await gql(hr, PARTICIPANTS, {"rc": rc}), "reviewParticipants")

    assert data(by_manager, "nominatePeers") == {
        "participant": {
            "revieweeId": org.rae,
            "reviewers": {"self": 1, "peer": 3, "manager": 1, "skipLevel": 1},
        }
    }
    text = json.dumps(by_manager)
    assert not any(p["id"] in text for p in org.peers)
    # Counts are all the type holds.
    fields = data(counts_type, "__type", "fields")
    assert {f["type"]["ofType"]["name"] for f in fields} == {"Int"}
    assert codes(by_reviewee) == ["peer_count"]
    assert codes(by_peer) == ["not_found"]
    (listed,) = participants["nodes"]
    assert sorted(a["reviewerId"] for a in listed["assignments"] if a["role"] == "PEER") == sorted(
        chosen
    )
    assert data(removed, "removeReviewParticipant") == {
        "reviewCycleId": rc,
        "removedRevieweeId": org.rae,
    }
    assert codes(removed_again) == ["not_found"]
    assert left["nodes"] == []


# -- tenancy ---------------------------------------------------------------------------------


async def test_another_organization_finds_nothing(acme: Tenant, globex: Tenant) -> None:
    org = await _org(acme)
    async with org.client(org.hr) as hr:
        review_cycle = await _new_review_cycle(hr, org, "Ours")
        rc = review_cycle["id"]
        await _add_rae(hr, org, rc)
        await _move(hr, rc, "COLLECTING", 1)
    async with org.client(org.rae) as rae:
        (self_review,) = data(await gql(rae, MY_REVIEWS, {"rc": rc}), "myReviews")
    answers = [{"questionId": q["id"], "rating": 4} for q in review_cycle["questions"]]
    submit = {"input": {"assignmentId": self_review["assignmentId"], "answers": answers}}
    # Globex's own admin, and a member of Globex reusing Acme's ids.
    async with globex.admin() as admin:
        stranger = (await post(admin, "/v1/members", {"name": "Sam", "email": "sam@globex.test"}))[
            "id"
        ]
        cycle = await gql(admin, REVIEW_CYCLE, {"id": rc})
        result = await gql(admin, RESULT, {"rc": rc, "reviewee": org.rae})
        page = await gql(admin, RESULTS, {"rc": rc})
        participants = await gql(admin, PARTICIPANTS, {"rc": rc})
        move = await gql(admin, UPDATE, {"input": {"id": rc, "phase": "CLOSED"}})
    async with globex.as_member(UUID(stranger)) as member:
        submitted = await gql(member, SUBMIT, submit)
        mine = await gql(member, MY_REVIEWS, {"rc": rc})
    async with globex.client(globex.token(scopes=("reviews:export",))) as exporter:
        exported = await gql(exporter, RESULTS, {"rc": rc})
    async with org.client(org.rae) as rae:
        own = await gql(rae, SUBMIT, submit)

    for body in (cycle, result, page, participants, move, submitted, mine, exported):
        assert codes(body) == ["not_found"], body
    # The same submission from its reviewer goes through: the ids were real.
    assert data(own, "submitReviewResponse", "review", "role") == "SELF"


# -- SQL count -------------------------------------------------------------------------------


async def test_a_page_of_results_runs_the_same_statements_for_1_and_7(
    app: FastAPI, acme: Tenant
) -> None:
    org = await _org(acme)
    everyone = [org.rae, *(p["id"] for p in org.peers)]
    async with org.client(org.hr) as hr:
        review_cycle = await _new_review_cycle(hr, org, "Everyone")
        rc = review_cycle["id"]
        added = await gql(hr, ADD, {"input": {"reviewCycleId": rc, "revieweeIds": everyone}})
        await _move(hr, rc, "COLLECTING", 1)
    async with org.client(org.mia) as mia:
        reviews = data(await gql(mia, MY_REVIEWS, {"rc": rc}), "myReviews")
        answers = [{"questionId": q["id"], "rating": 4} for q in review_cycle["questions"]]
        for review in reviews:
            body = await gql(
                mia,
                SUBMIT,
                {"input": {"assignmentId": review["assignmentId"], "answers": answers}},
            )
            assert "errors" not in body, body
    async with org.client(org.hr) as hr:
        await _move(hr, rc, "CLOSED", 2)
        await _move(hr, rc, "PUBLISHED", 3)

    query = (
        "query($rc: UUID!, $first: Int!) { reviewResults(reviewCycleId: $rc, first: $first) {"
        " nodes { rating360 okrScore reviewee { name manager { name } }"
        " roles { role rating comments { text } } } } }"
    )

    async def count(first: int) -> tuple[int, list[dict[str, Any]]]:
        async with org.client(org.hr) as hr:
            await gql(hr, query, {"rc": rc, "first": first})  # warm the pool
            with sql_statements(app) as seen:
                body = await gql(hr, query, {"rc": rc, "first": first})
        nodes: list[dict[str, Any]] = data(body, "reviewResults", "nodes")
        return len(seen), nodes

    one, first_page = await count(1)
    seven, whole = await count(7)

    assert len(data(added, "addReviewParticipants", "added")) == 7
    assert len(reviews) == 7
    assert len(first_page) == 1
    assert len(whole) == 7
    assert {n["reviewee"]["manager"]["name"] for n in whole} == {"Mia Manager"}
    assert {n["rating360"] for n in whole} == {"4.0000"}
    # The organization, the review cycle (with the OKR scores fixed at publication), its
    # assignments, their responses (no reviewer ids), the reviewees, and one batch of their
    # managers: the same for 1 reviewee as for 7.
    assert one == seven == 6
