"""Review events: a published review cycle is heard by those who read results (HR, admins,
``reviews:export``), and no event tells of a 360 response or who gave it."""

from __future__ import annotations

from tests.api.harness import Tenant
from tests.api.test_events_feed import feed
from tests.api.test_rest_reviews import build_deals, published_worked_example


async def test_publishing_is_heard_by_hr_only_and_names_no_respondent(acme: Tenant) -> None:
    world = await build_deals(acme)
    published = await published_worked_example(world)
    async with world.client("HR") as hr:
        hr_events = await feed(hr)
    reviews = [e for e in hr_events if e["type"].startswith("review")]
    assert reviews == [
        {
            "id": reviews[0]["id"],
            "type": "review_cycle.published",
            "version": 1,
            "organization_id": str(acme.organization_id),
            "occurred_at": reviews[0]["occurred_at"],
            "resource": {
                "type": "review_cycle",
                "id": published["id"],
                "url": f"/v1/review-cycles/{published['id']}/results",
            },
            "objective_id": None,
            "key_result_id": None,
            "changes": [],
            "data": {"review_cycle_id": published["id"]},
        }
    ]
    # Answers, nominations and the other phase moves make no event at all.
    assert {e["resource"]["type"] for e in hr_events} == {
        "member",
        "unit",
        "cycle",
        "objective",
        "key_result",
        "check_in",
        "review_cycle",
    }
    for who in ("Rae", "Mia", "Otto"):
        async with world.client(who) as member:
            assert not [e for e in await feed(member) if e["type"].startswith("review")]
    async with acme.client(acme.token(scopes=("events:read", "org:read"))) as service:
        assert not [e for e in await feed(service) if e["type"].startswith("review")]
    async with acme.client(acme.token(scopes=("events:read", "reviews:export"))) as service:
        assert [e["type"] for e in await feed(service) if e["type"].startswith("review")] == [
            "review_cycle.published"
        ]
