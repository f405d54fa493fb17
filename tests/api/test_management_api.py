# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF001, RUF003
"""The management rhythm over REST and GraphQL, end to end on Postgres: review meetings
(复盘会), comments with @mentions, work plans.

The world, built through REST: Acme (Asia/Shanghai) with a year 2026 and its Q1; Lin, a
manager and Carol's manager; Sue, a member who leads Sales; Bob in Sales; Dan in Support
(another team). Sales owns a public objective with Bob's KR and its actions; Carol has a
private objective. Globex is another organization with one member.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, patch, post
from tests.api.test_graphql import codes, gql


@dataclass(frozen=True)
class World:
    acme: Tenant
    year: dict[str, Any]
    q1: dict[str, Any]
    lin: dict[str, Any]  # a manager, Carol's
    sue: dict[str, Any]  # leads Sales
    bob: dict[str, Any]  # in Sales
    carol: dict[str, Any]
    dan: dict[str, Any]  # in Support
    sales: dict[str, Any]
    support: dict[str, Any]
    sales_o: dict[str, Any]  # public, the unit's
    sales_kr: dict[str, Any]  # Bob's
    private_o: dict[str, Any]  # Carol's
    private_kr: dict[str, Any]

    def client(self, who: dict[str, Any], *roles: str) -> httpx.AsyncClient:
        return self.acme.as_member(who["id"], *(roles or ("member",)))

    def lin_(self) -> httpx.AsyncClient:
        return self.client(self.lin, "manager")


async def _world(acme: Tenant) -> World:
    async with acme.admin() as admin:
        await patch(admin, "/v1/organization", {"time_zone": "Asia/Shanghai"})
        lin = await create_member(admin, "Lin", roles=["manager"])
        sue = await create_member(admin, "Sue")
        bob = await create_member(admin, "Bob")
        carol = await create_member(admin, "Carol", manager_id=lin["id"])
        dan = await create_member(admin, "Dan")
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        sales = await post(
            admin,
            "/v1/units",
            {
                "kind": "department",
                "name": "Sales",
                "parent_id": company["id"],
                "lead_id": sue["id"],
            },
        )
        support = await post(
            admin,
            "/v1/units",
            {"kind": "department", "name": "Support", "parent_id": company["id"]},
        )
        for unit, person in ((sales, bob), (support, dan)):
            joined = await admin.put(f"/v1/units/{unit['id']}/members/{person['id']}")
            assert joined.status_code == 204, joined.text
        year = await active_cycle(admin, "2026", "year", "2026-01-01", "2026-12-31")
        q1 = await active_cycle(
            admin, "2026 Q1", "quarter", "2026-01-01", "2026-03-31", parent_id=year["id"]
        )
        sales_o = await objective(
            admin,
            cycle_id=year["id"],
            title="把回款做实",
            owner={"kind": "unit", "id": sales["id"]},
            status="active",
        )
        sales_kr = await key_result(
            admin, sales_o["id"], title="回款达到200万元", owner_id=bob["id"], target="2000000"
        )
    async with acme.as_member(carol["id"]) as as_carol:
        private_o = await objective(
            as_carol, cycle_id=year["id"], title="Grow my accounts", visibility="private"
        )
        private_kr = await key_result(
            as_carol, private_o["id"], title="Renew 5 accounts", owner_id=carol["id"]
        )
    return World(
        acme=acme,
        year=year,
        q1=q1,
        lin=lin,
        sue=sue,
        bob=bob,
        carol=carol,
        dan=dan,
        sales=sales,
        support=support,
        sales_o=sales_o,
        sales_kr=sales_kr,
        private_o=private_o,
        private_kr=private_kr,
    )


async def _action(
    client: httpx.AsyncClient, kr: dict[str, Any], title: str, due: str | None, **body: Any
) -> dict[str, Any]:
    return await post(
        client, f"/v1/key-results/{kr['id']}/actions", {"title": title, "due_date": due, **body}
    )


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


def _fields(problem: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in problem["errors"]]


# -- a retrospective (复盘会) ------------------------------------------------------------------


async def test_a_retrospective_of_the_quarter_over_rest(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.admin() as admin:
        follow_up = await _action(
            admin,
            w.sales_kr,
            "合同审批缩短到3天",
            "2026-04-30",
            owner_id=w.bob["id"],
            completion_standard="审批流程上线",
        )
    retro = {
        "kind": "retrospective",
        "title": " 2026 Q1 销售复盘会 ",
        "held_on": "2026-04-02",
        "cycle_id": w.q1["id"],
        "unit_id": w.sales["id"],
        "attendee_ids": [w.sue["id"], w.bob["id"], w.lin["id"]],
        "objective_ids": [w.sales_o["id"]],
        "findings": "回款周期太长：合同审批平均两周。",
        "follow_up_action_ids": [follow_up["id"]],
    }
    async with w.client(w.sue) as sue:  # Sales' lead, not a manager
        created = await sue.post("/v1/meetings", json=retro)
        assert created.status_code == 201, created.text
        meeting = created.json()
        assert created.headers["Location"] == f"/v1/meetings/{meeting['id']}"
        assert created.headers["ETag"].startswith('"1-')
        assert {k: meeting[k] for k in retro} == {**retro, "title": "2026 Q1 销售复盘会"}
        assert [a["id"] for a in meeting["follow_up_actions"]] == [follow_up["id"]]
        assert meeting["follow_up_actions"][0]["status"] == "todo"
        assert await get(sue, f"/v1/meetings/{meeting['id']}") == meeting

        changed = await sue.patch(
            f"/v1/meetings/{meeting['id']}",
            json={"findings": "审批已缩短。", "attendee_ids": [w.sue["id"]]},
            headers={"If-Match": '"1"'},
        )
        assert changed.status_code == 200, changed.text
        assert (changed.json()["version"], changed.json()["attendee_ids"]) == (2, [w.sue["id"]])
        assert changed.json()["objective_ids"] == [w.sales_o["id"]]  # untouched
        stale = await sue.patch(
            f"/v1/meetings/{meeting['id']}", json={"title": "x"}, headers={"If-Match": '"1"'}
        )
        assert _problem(stale, 412)["code"] == "stale_version"
        unknown_field = await sue.patch(f"/v1/meetings/{meeting['id']}", json={"version": 9})
        assert _fields(_problem(unknown_field, 422)) == [("version", "read_only")]
        null_title = await sue.patch(f"/v1/meetings/{meeting['id']}", json={"title": None})
        assert _fields(_problem(null_title, 422)) == [("title", "null")]

    async with w.client(w.bob) as bob:
        listed = await get(bob, "/v1/meetings")
        assert [m["id"] for m in listed["items"]] == [meeting["id"]]
        for params, expected in (
            ({"cycle_id": w.q1["id"]}, [meeting["id"]]),
            ({"cycle_id": w.year["id"]}, []),
            ({"unit_id": w.sales["id"], "kind": "retrospective"}, [meeting["id"]]),
            ({"kind": "weekly"}, []),
        ):
            found = await bob.get("/v1/meetings", params=params)
            assert [m["id"] for m in found.json()["items"]] == expected, params
        refused = await bob.post("/v1/meetings", json=retro)  # a member who leads nothing
        assert _problem(refused, 403)["code"] == "forbidden"
        cannot_delete = await bob.delete(f"/v1/meetings/{meeting['id']}")
        assert _problem(cannot_delete, 403)["code"] == "forbidden"

    async with w.client(w.sue) as sue:
        deleted = await sue.delete(f"/v1/meetings/{meeting['id']}", headers={"If-Match": '"2"'})
        assert deleted.status_code == 204, deleted.text
        gone = await sue.get(f"/v1/meetings/{meeting['id']}")
        assert _problem(gone, 404)["code"] == "not_found"
        # The follow-up action stays with its KR.
        assert (await get(sue, f"/v1/actions/{follow_up['id']}"))["id"] == follow_up["id"]


async def test_a_meeting_refuses_what_its_writer_may_not_name(acme: Tenant, globex: Tenant) -> None:
    w = await _world(acme)
    async with globex.admin() as other:
        stranger = await create_member(other, "Stranger", email="stranger@globex.example")
        their_cycle = await active_cycle(other, "2026", "year", "2026-01-01", "2026-12-31")
    body = {
        "kind": "weekly",
        "title": "Sales weekly",
        "held_on": "2026-03-02",
        "unit_id": w.sales["id"],
        "attendee_ids": [w.bob["id"], stranger["id"], "01a209b4-22a0-764f-84e2-80f0bf395a35"],
        # Sue may not see Carol's private objective.
        "objective_ids": [w.sales_o["id"], w.private_o["id"]],
    }
    async with w.client(w.sue) as sue:
        refused = _problem(await sue.post("/v1/meetings", json=body), 422)
        assert refused["code"] == "validation_failed"
        assert _fields(refused) == [
            ("attendee_ids[1]", "unknown"),
            ("attendee_ids[2]", "unknown"),
            ("objective_ids[1]", "unknown"),
        ]
        other_cycle = _problem(
            await sue.post(
                "/v1/meetings", json={**body, "cycle_id": their_cycle["id"], "attendee_ids": []}
            ),
            422,
        )
        assert (other_cycle["code"], _fields(other_cycle)) == (
            "unknown_reference",
            [("cycle_id", "unknown_reference")],
        )
        neither = _problem(
            await sue.post("/v1/meetings", json={**body, "unit_id": None, "attendee_ids": []}),
            # Without a unit, a meeting is the admins' and managers'.
            403,
        )
        assert neither["code"] == "forbidden"
        assert (await get(sue, "/v1/meetings"))["items"] == []
    async with w.lin_() as lin:  # a manager, Carol's: she may name the private objective
        made = await post(lin, "/v1/meetings", {**body, "attendee_ids": [w.bob["id"]]})
        assert made["objective_ids"] == [w.sales_o["id"], w.private_o["id"]]
        nothing = _problem(await lin.post("/v1/meetings", json={**body, "unit_id": None}), 422)
        assert ("cycle_id", "required") in _fields(nothing)
    async with w.client(w.bob) as bob:  # Bob reads it without the private objective
        seen = await get(bob, f"/v1/meetings/{made['id']}")
        assert seen["objective_ids"] == [w.sales_o["id"]]


MEETING_FIELDS = """
id kind title heldOn findings version attendeeIds objectiveIds followUpActionIds
cycle { id } unit { id name }
attendees { id name }
objectivesReviewed { id title }
followUpActions { id title status owner { id } }
"""
CREATE_MEETING = (
    "mutation($input: CreateMeetingInput!) { createMeeting(input: $input) { meeting {"
    + MEETING_FIELDS
    + "} } }"
)
UPDATE_MEETING = (
    "mutation($input: UpdateMeetingInput!) { updateMeeting(input: $input) { meeting {"
    + MEETING_FIELDS
    + "} } }"
)
DELETE_MEETING = """
mutation($input: DeleteMeetingInput!) { deleteMeeting(input: $input) { deletedMeetingId } }"""
MEETINGS = (
    "query($filter: MeetingFilterInput) { meetings(filter: $filter) { nodes {"
    + MEETING_FIELDS
    + "} pageInfo { hasNextPage endCursor } } }"
)
MEETING = "query($id: UUID!) { meeting(id: $id) {" + MEETING_FIELDS + "} }"


async def test_a_retrospective_over_graphql(acme: Tenant) -> None:
    w = await _world(acme)
    async with acme.admin() as admin:
        follow_up = await _action(admin, w.sales_kr, "缩短审批", "2026-04-30", owner_id=w.bob["id"])
    async with w.lin_() as lin:
        private_action = await _action(lin, w.private_kr, "Call the five", "2026-03-15")
        created = await gql(
            lin,
            CREATE_MEETING,
            {
                "input": {
                    "kind": "RETROSPECTIVE",
                    "title": "2026 Q1 复盘会",
                    "heldOn": "2026-04-02",
                    "cycleId": w.q1["id"],
                    "unitId": w.sales["id"],
                    "attendeeIds": [w.sue["id"], w.bob["id"]],
                    "objectiveIds": [w.private_o["id"], w.sales_o["id"]],
                    "findings": "回款周期太长。",
                    "followUpActionIds": [private_action["id"], follow_up["id"]],
                }
            },
        )
        assert "errors" not in created, created
        meeting = created["data"]["createMeeting"]["meeting"]
        assert meeting["kind"] == "RETROSPECTIVE"
        assert meeting["cycle"] == {"id": w.q1["id"]}
        assert meeting["unit"] == {"id": w.sales["id"], "name": "Sales"}
        assert [a["name"] for a in meeting["attendees"]] == ["Sue", "Bob"]
        assert [o["title"] for o in meeting["objectivesReviewed"]] == [
            "Grow my accounts",
            "把回款做实",
        ]
        assert [a["id"] for a in meeting["followUpActions"]] == [
            private_action["id"],
            follow_up["id"],
        ]
        assert meeting["followUpActions"][1]["owner"] == {"id": w.bob["id"]}
    async with w.client(w.bob) as bob:
        seen = (await gql(bob, MEETING, {"id": meeting["id"]}))["data"]["meeting"]
        assert seen["objectiveIds"] == [w.sales_o["id"]]
        assert [o["title"] for o in seen["objectivesReviewed"]] == ["把回款做实"]
        assert [a["id"] for a in seen["followUpActions"]] == [follow_up["id"]]
        listed = await gql(
            bob, MEETINGS, {"filter": {"cycleId": w.q1["id"], "kind": "RETROSPECTIVE"}}
        )
        assert [m["id"] for m in listed["data"]["meetings"]["nodes"]] == [meeting["id"]]
        none = await gql(bob, MEETINGS, {"filter": {"kind": "WEEKLY"}})
        assert none["data"]["meetings"]["nodes"] == []
        refused = await gql(
            bob, UPDATE_MEETING, {"input": {"id": meeting["id"], "title": "mine now"}}
        )
        assert codes(refused) == ["forbidden"]
    async with w.client(w.sue) as sue:  # Sales' lead: she may change it, not what she can't see
        changed = await gql(
            sue,
            UPDATE_MEETING,
            {
                "input": {
                    "id": meeting["id"],
                    "objectiveIds": [w.sales_o["id"]],
                    "findings": "审批已缩短。",
                    "expectedVersion": 1,
                }
            },
        )
        assert "errors" not in changed, changed
        assert changed["data"]["updateMeeting"]["meeting"]["version"] == 2
        stale = await gql(
            sue, UPDATE_MEETING, {"input": {"id": meeting["id"], "expectedVersion": 1}}
        )
        assert codes(stale) == ["stale_version"]
        nulls = await gql(sue, UPDATE_MEETING, {"input": {"id": meeting["id"], "title": None}})
        assert codes(nulls) == ["validation_failed"]
        assert nulls["errors"][0]["extensions"]["errors"][0]["field"] == "title"
        unknown = await gql(
            sue,
            UPDATE_MEETING,
            {"input": {"id": meeting["id"], "attendeeIds": [w.bob["id"], w.bob["id"]]}},
        )
        assert codes(unknown) == ["validation_failed"]
        assert unknown["errors"][0]["extensions"]["errors"][0]["field"] == "attendeeIds[1]"
    async with w.lin_() as lin:
        full = (await gql(lin, MEETING, {"id": meeting["id"]}))["data"]["meeting"]
        assert full["objectiveIds"] == [w.sales_o["id"], w.private_o["id"]]  # kept
        assert full["findings"] == "审批已缩短。"
        deleted = await gql(lin, DELETE_MEETING, {"input": {"id": meeting["id"]}})
        assert deleted["data"]["deleteMeeting"] == {"deletedMeetingId": meeting["id"]}
        gone = await gql(lin, MEETING, {"id": meeting["id"]})
        assert codes(gone) == ["not_found"]


# -- comments with @mentions -------------------------------------------------------------------


COMMENT_FIELDS = (
    "id targetType targetId body mentionIds version author { id } mentioned { id name }"
)
COMMENTS = (
    "query($t: CommentTargetType!, $id: UUID!) { comments(targetType: $t, targetId: $id) {"
    " nodes { " + COMMENT_FIELDS + " } } }"
)
MENTIONS = (
    "query($first: Int!, $after: String) { mentionsOfMe(first: $first, after: $after) {"
    " nodes { " + COMMENT_FIELDS + " } pageInfo { hasNextPage endCursor } } }"
)
ADD_COMMENT = (
    "mutation($input: AddCommentInput!) { addComment(input: $input) { comment { "
    + COMMENT_FIELDS
    + " } } }"
)
UPDATE_COMMENT = (
    "mutation($input: UpdateCommentInput!) { updateComment(input: $input) { comment { "
    + COMMENT_FIELDS
    + " } } }"
)
DELETE_COMMENT = """
mutation($input: DeleteCommentInput!) { deleteComment(input: $input) { deletedCommentId } }"""


async def test_asking_another_team_for_help_on_a_kr(acme: Tenant) -> None:
    """004: to get help from another department, just @ them."""
    w = await _world(acme)
    body = f"客户投诉的回复太慢，@[王丹]({w.dan['id']}) 能帮忙看一下吗？"
    async with w.client(w.bob) as bob:
        created = await bob.post(
            f"/v1/key-results/{w.sales_kr['id']}/comments", json={"body": body}
        )
        assert created.status_code == 201, created.text
        asked = created.json()
        assert created.headers["Location"] == f"/v1/comments/{asked['id']}"
        assert (asked["target_type"], asked["target_id"]) == ("key_result", w.sales_kr["id"])
        assert (asked["author_id"], asked["body"], asked["mentions"]) == (
            w.bob["id"],
            body,
            [w.dan["id"]],
        )
    async with w.client(w.dan) as dan:
        mine = await get(dan, "/v1/me/mentions")
        assert mine == {"items": [asked], "next_cursor": None}
        replied = await gql(
            dan,
            ADD_COMMENT,
            {
                "input": {
                    "targetType": "KEY_RESULT",
                    "targetId": w.sales_kr["id"],
                    "body": f"好的 @[Bob]({w.bob['id']})，我来看",
                }
            },
        )
        assert "errors" not in replied, replied
        reply = replied["data"]["addComment"]["comment"]
        assert reply["mentioned"] == [{"id": w.bob["id"], "name": "Bob"}]
        assert reply["author"] == {"id": w.dan["id"]}
        elsewhere = await post(
            dan,
            f"/v1/objectives/{w.sales_o['id']}/comments",
            {"body": f"@[Bob]({w.bob['id']}) 也看下目标"},
        )
    async with w.client(w.bob) as bob:
        thread = await get(bob, f"/v1/key-results/{w.sales_kr['id']}/comments")
        assert [c["id"] for c in thread["items"]] == [asked["id"], reply["id"]]  # oldest first
        over_graphql = await gql(bob, COMMENTS, {"t": "KEY_RESULT", "id": w.sales_kr["id"]})
        assert [c["id"] for c in over_graphql["data"]["comments"]["nodes"]] == [
            asked["id"],
            reply["id"],
        ]
        first = await gql(bob, MENTIONS, {"first": 1})
        page = first["data"]["mentionsOfMe"]
        assert [c["id"] for c in page["nodes"]] == [elsewhere["id"]]  # newest first
        assert page["pageInfo"]["hasNextPage"] is True
        rest = await gql(bob, MENTIONS, {"first": 5, "after": page["pageInfo"]["endCursor"]})
        assert [c["id"] for c in rest["data"]["mentionsOfMe"]["nodes"]] == [reply["id"]]
        rest_page = await get(bob, "/v1/me/mentions?limit=1")
        assert [c["id"] for c in rest_page["items"]] == [elsewhere["id"]]
        more = await get(bob, f"/v1/me/mentions?limit=5&cursor={rest_page['next_cursor']}")
        assert [c["id"] for c in more["items"]] == [reply["id"]]
    async with acme.client(acme.token(scopes=("org:read",))) as service:
        refused = await service.get("/v1/me/mentions")
        assert _problem(refused, 403)["code"] == "forbidden"
        unreadable = await service.get(f"/v1/key-results/{w.sales_kr['id']}/comments")
        assert _problem(unreadable, 403)["code"] == "forbidden"  # no scope reads OKRs
        no_author = await service.post(
            f"/v1/key-results/{w.sales_kr['id']}/comments", json={"body": "hi"}
        )
        assert _problem(no_author, 403)["code"] == "forbidden"


async def test_mentioning_another_organizations_member_is_refused_like_an_unknown_id(
    acme: Tenant, globex: Tenant
) -> None:
    w = await _world(acme)
    async with globex.admin() as other:
        stranger = await create_member(other, "Stranger", email="stranger@globex.example")
    nobody = "01a209b4-22a0-764f-84e2-80f0bf395a35"
    answers: list[dict[str, Any]] = []
    graphql_answers: list[Any] = []
    async with w.client(w.bob) as bob:
        for someone in (stranger["id"], nobody):
            body = f"@[Dan]({w.dan['id']}) @[Them]({someone}) help"
            refused = await bob.post(
                f"/v1/key-results/{w.sales_kr['id']}/comments", json={"body": body}
            )
            answers.append(_problem(refused, 422))
            over_graphql = await gql(
                bob,
                ADD_COMMENT,
                {
                    "input": {
                        "targetType": "KEY_RESULT",
                        "targetId": w.sales_kr["id"],
                        "body": body,
                    }
                },
            )
            graphql_answers.append(
                [(e["message"], e["extensions"]) for e in over_graphql["errors"]]
            )
        thread = await get(bob, f"/v1/key-results/{w.sales_kr['id']}/comments")
        assert thread["items"] == []
    strip = {"request_id"}
    assert [{k: v for k, v in a.items() if k not in strip} for a in answers] == [
        {
            "type": "https://okr.example/problems/validation_failed",
            "title": "Unprocessable content",
            "status": 422,
            "detail": "invalid comment",
            "code": "validation_failed",
            "errors": [
                {
                    "field": "mentions[1]",
                    "message": "not a member of this organization",
                    "code": "unknown_member",
                }
            ],
        }
    ] * 2
    assert graphql_answers[0] == graphql_answers[1]
    assert graphql_answers[0][0][1]["code"] == "validation_failed"
    async with globex.as_member(stranger["id"]) as as_stranger:
        assert (await get(as_stranger, "/v1/me/mentions"))["items"] == []
    async with w.client(w.dan) as dan:
        assert (await get(dan, "/v1/me/mentions"))["items"] == []


async def test_a_private_objectives_comments_and_mentions_are_hidden(acme: Tenant) -> None:
    w = await _world(acme)
    async with w.client(w.carol) as carol:
        on_objective = await post(
            carol,
            f"/v1/objectives/{w.private_o['id']}/comments",
            {"body": f"@[Lin]({w.lin['id']}) @[Bob]({w.bob['id']}) 请看一下"},
        )
        on_kr = await post(
            carol, f"/v1/key-results/{w.private_kr['id']}/comments", {"body": "进展顺利"}
        )
    async with w.client(w.bob) as bob:
        for path in (
            f"/v1/objectives/{w.private_o['id']}/comments",
            f"/v1/key-results/{w.private_kr['id']}/comments",
            f"/v1/comments/{on_objective['id']}",
            f"/v1/comments/{on_kr['id']}",
        ):
            assert _problem(await bob.get(path), 404)["code"] == "not_found", path
        hidden = await bob.post(
            f"/v1/objectives/{w.private_o['id']}/comments", json={"body": "let me in"}
        )
        assert _problem(hidden, 404)["code"] == "not_found"
        edit = await bob.patch(f"/v1/comments/{on_objective['id']}", json={"body": "x"})
        assert _problem(edit, 404)["code"] == "not_found"
        over_graphql = await gql(bob, COMMENTS, {"t": "OBJECTIVE", "id": w.private_o["id"]})
        assert codes(over_graphql) == ["not_found"]
        # Bob is mentioned on a target he may not see: not his to read.
        assert (await get(bob, "/v1/me/mentions"))["items"] == []
        mentions = await gql(bob, MENTIONS, {"first": 10})
        assert mentions["data"]["mentionsOfMe"]["nodes"] == []
    async with w.lin_() as lin:  # her manager sees it, and his mention
        assert [c["id"] for c in (await get(lin, "/v1/me/mentions"))["items"]] == [
            on_objective["id"]
        ]
        assert (await get(lin, f"/v1/comments/{on_kr['id']}")) == on_kr


async def test_only_the_author_edits_a_comment_and_the_author_or_an_admin_deletes_it(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    async with w.client(w.bob) as bob:
        made = await post(
            bob, f"/v1/objectives/{w.sales_o['id']}/comments", {"body": f"@[Dan]({w.dan['id']})"}
        )
        edited = await bob.patch(
            f"/v1/comments/{made['id']}",
            json={"body": f"@[Sue]({w.sue['id']}) 请帮忙"},
            headers={"If-Match": '"1"'},
        )
        assert edited.status_code == 200, edited.text
        assert edited.headers["ETag"].startswith('"2-')
        assert (edited.json()["mentions"], edited.json()["version"]) == ([w.sue["id"]], 2)
        stale = await bob.patch(
            f"/v1/comments/{made['id']}", json={"body": "x"}, headers={"If-Match": '"1"'}
        )
        assert _problem(stale, 412)["code"] == "stale_version"
        empty = await bob.patch(f"/v1/comments/{made['id']}", json={"body": "  "})
        assert _fields(_problem(empty, 422)) == [("body", "empty")]
    async with w.client(w.dan) as dan:
        assert (await get(dan, "/v1/me/mentions"))["items"] == []
        not_mine = await dan.patch(f"/v1/comments/{made['id']}", json={"body": "mine"})
        assert _problem(not_mine, 403)["code"] == "forbidden"
        not_mine_gql = await gql(dan, UPDATE_COMMENT, {"input": {"id": made["id"], "body": "x"}})
        assert codes(not_mine_gql) == ["forbidden"]
        cannot = await dan.delete(f"/v1/comments/{made['id']}")
        assert _problem(cannot, 403)["code"] == "forbidden"
    async with w.client(w.sue) as sue:
        assert [c["id"] for c in (await get(sue, "/v1/me/mentions"))["items"]] == [made["id"]]
    async with w.client(w.bob) as bob:
        via_graphql = await gql(
            bob, UPDATE_COMMENT, {"input": {"id": made["id"], "body": "done", "expectedVersion": 2}}
        )
        assert via_graphql["data"]["updateComment"]["comment"]["mentionIds"] == []
        deleted = await bob.delete(f"/v1/comments/{made['id']}", headers={"If-Match": '"3"'})
        assert deleted.status_code == 204, deleted.text
        assert _problem(await bob.get(f"/v1/comments/{made['id']}"), 404)["code"] == "not_found"
        task = await _action(bob, w.sales_kr, "Prepare the deck", None)
        other = await post(bob, f"/v1/actions/{task['id']}/comments", {"body": "hm"})
    async with acme.admin() as admin:  # moderation
        removed = await gql(admin, DELETE_COMMENT, {"input": {"id": other["id"]}})
        assert removed["data"]["deleteComment"] == {"deletedCommentId": other["id"]}


# -- work plans --------------------------------------------------------------------------------


WORK_PLAN = """
query($member: UUID, $unit: UUID, $cycle: UUID) {
  workPlan(memberId: $member, unitId: $unit, cycleId: $cycle) {
    today cycle { id } member { id } unit { id }
    counts { todo doing done blocked total overdue }
    quarters {
      key counts { total overdue }
      months { key start end counts { total done overdue } actions { id title status } }
    }
    unscheduled { counts { total } actions { id } }
    outsideCycle { counts { total } actions { id } }
  }
}"""


async def test_a_members_work_plan_across_the_year(acme: Tenant, clock: SettableClock) -> None:
    w = await _world(acme)
    bob_id = w.bob["id"]
    async with acme.admin() as admin:

        async def act(title: str, due: str | None, status: str = "todo", **body: Any) -> str:
            made = await _action(
                admin,
                body.pop("kr", w.sales_kr),
                title,
                due,
                owner_id=body.pop("owner_id", bob_id),
                completion_standard="有记录",
                status=status,
            )
            return str(made["id"])

        jan = await act("拜访10家老客户", "2026-01-20", "done")
        feb = await act("整理客户名单", "2026-02-10")
        mar_done = await act("月度复盘", "2026-03-31", "done")
        mar_doing = await act("报价模板", "2026-03-31", "doing")
        may = await act("新客户方案", "2026-05-15", "blocked")
        dec = await act("年度总结", "2026-12-20")
        unowned = await act("更新销售手册", None, owner_id=None)
        outside = await act("明年的事", "2027-01-10")
        await act("Dan's own", "2026-02-01", owner_id=w.dan["id"])
    # 2026-04-01 01:00 in Shanghai (still March 31 in UTC): March's open work is overdue.
    clock.pin(datetime(2026, 3, 31, 17, 0, tzinfo=UTC))
    async with w.client(w.sue) as sue:
        plan = await get(sue, f"/v1/members/{bob_id}/work-plan?cycle_id={w.year['id']}")
        assert (plan["member_id"], plan["unit_id"]) == (bob_id, None)
        assert (plan["cycle"]["id"], plan["today"]) == (w.year["id"], "2026-04-01")
        assert [q["key"] for q in plan["quarters"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
        months = {
            m["key"]: [a["id"] for a in m["actions"]] for q in plan["quarters"] for m in q["months"]
        }
        assert months == {
            "2026-01": [jan],
            "2026-02": [feb],
            "2026-03": [mar_done, mar_doing],
            "2026-04": [],
            "2026-05": [may],
            "2026-06": [],
            "2026-07": [],
            "2026-08": [],
            "2026-09": [],
            "2026-10": [],
            "2026-11": [],
            "2026-12": [dec],
        }
        assert [a["id"] for a in plan["unscheduled"]["actions"]] == [unowned]
        assert [a["id"] for a in plan["outside_cycle"]["actions"]] == [outside]
        assert plan["counts"] == {
            "todo": 4,
            "doing": 1,
            "done": 2,
            "blocked": 1,
            "total": 8,
            "overdue": 2,  # February's, and March's in progress
        }
        q1, q2 = plan["quarters"][0], plan["quarters"][1]
        assert q1["counts"] == {
            "todo": 1,
            "doing": 1,
            "done": 2,
            "blocked": 0,
            "total": 4,
            "overdue": 2,
        }
        assert (q2["counts"]["total"], q2["counts"]["blocked"], q2["counts"]["overdue"]) == (
            1,
            1,
            0,
        )
        march = q1["months"][2]
        assert (march["start"], march["end"], march["counts"]["overdue"]) == (
            "2026-03-01",
            "2026-03-31",
            1,
        )
        # Without a cycle: the one running today, the longest (the year, not Q1).
        default = await get(sue, f"/v1/members/{bob_id}/work-plan")
        assert default["cycle"]["id"] == w.year["id"]
        quarter = await get(sue, f"/v1/members/{bob_id}/work-plan?cycle_id={w.q1['id']}")
        assert [q["key"] for q in quarter["quarters"]] == ["2026-Q1"]
        # The actions serve the year's objective, not one of Q1's.
        assert quarter["counts"]["total"] == 0

        over_graphql = await gql(sue, WORK_PLAN, {"member": bob_id, "cycle": w.year["id"]})
        assert "errors" not in over_graphql, over_graphql
        gql_plan = over_graphql["data"]["workPlan"]
        assert gql_plan["member"] == {"id": bob_id}
        assert gql_plan["unit"] is None
        assert gql_plan["counts"] == plan["counts"]
        assert [
            [a["id"] for a in m["actions"]] for q in gql_plan["quarters"] for m in q["months"]
        ] == list(months.values())
        assert gql_plan["unscheduled"]["actions"] == [{"id": unowned}]
        both = await gql(sue, WORK_PLAN, {"member": bob_id, "unit": w.sales["id"]})
        assert codes(both) == ["validation_failed"]

        unit_plan = await get(sue, f"/v1/units/{w.sales['id']}/work-plan?cycle_id={w.year['id']}")
        # Sales' own objective's actions (Dan's on its KR too) and its member Bob's.
        assert unit_plan["unit_id"] == w.sales["id"]
        assert unit_plan["counts"]["total"] == 9
        unknown_cycle = await sue.get(
            f"/v1/members/{bob_id}/work-plan?cycle_id=01a209b4-22a0-764f-84e2-80f0bf395a35"
        )
        assert _problem(unknown_cycle, 422)["code"] == "unknown_reference"
    clock.pin(datetime(2031, 1, 1, tzinfo=UTC))
    async with w.client(w.sue) as sue:
        no_cycle = await sue.get(f"/v1/members/{bob_id}/work-plan")
        assert _fields(_problem(no_cycle, 422)) == [("cycle_id", "required")]


async def test_a_work_plan_leaves_out_private_actions_for_those_who_may_not_see_them(
    acme: Tenant,
) -> None:
    w = await _world(acme)
    async with w.client(w.carol) as carol:
        private = await _action(carol, w.private_kr, "Private plan", "2026-02-01")
    path = f"/v1/members/{w.carol['id']}/work-plan?cycle_id={w.year['id']}"
    async with w.client(w.bob) as bob:
        assert (await get(bob, path))["counts"]["total"] == 0
    async with w.lin_() as lin:
        seen = await get(lin, path)
        assert [a["id"] for a in seen["quarters"][0]["months"][1]["actions"]] == [private["id"]]


# -- across organizations ----------------------------------------------------------------------


async def test_another_organization_sees_nothing_of_the_rhythm(
    acme: Tenant, globex: Tenant
) -> None:
    w = await _world(acme)
    async with w.lin_() as lin:
        meeting = await post(
            lin,
            "/v1/meetings",
            {
                "kind": "weekly",
                "title": "Acme weekly",
                "held_on": "2026-03-02",
                "cycle_id": w.q1["id"],
                "attendee_ids": [w.bob["id"]],
            },
        )
        comment = await post(
            lin,
            f"/v1/key-results/{w.sales_kr['id']}/comments",
            {"body": f"@[Bob]({w.bob['id']}) Acme secret"},
        )
    async with globex.admin() as other:
        assert (await get(other, "/v1/meetings"))["items"] == []
        assert (await get(other, f"/v1/meetings?cycle_id={w.q1['id']}"))["items"] == []
        assert (await get(other, "/v1/me/mentions"))["items"] == []
        for method, path, body in (
            ("GET", f"/v1/meetings/{meeting['id']}", None),
            ("PATCH", f"/v1/meetings/{meeting['id']}", {"title": "ours"}),
            ("DELETE", f"/v1/meetings/{meeting['id']}", None),
            ("GET", f"/v1/comments/{comment['id']}", None),
            ("PATCH", f"/v1/comments/{comment['id']}", {"body": "ours"}),
            ("DELETE", f"/v1/comments/{comment['id']}", None),
            ("GET", f"/v1/key-results/{w.sales_kr['id']}/comments", None),
            ("POST", f"/v1/key-results/{w.sales_kr['id']}/comments", {"body": "hi"}),
            ("GET", f"/v1/members/{w.bob['id']}/work-plan", None),
            ("GET", f"/v1/units/{w.sales['id']}/work-plan", None),
        ):
            answer = await other.request(method, path, json=body)
            assert _problem(answer, 404)["code"] == "not_found", (method, path)
        theirs = await other.post(
            "/v1/meetings",
            json={
                "kind": "weekly",
                "title": "Steal",
                "held_on": "2026-03-02",
                "cycle_id": w.q1["id"],
            },
        )
        assert _problem(theirs, 422)["code"] == "unknown_reference"
        graphql = {
            "meeting": await gql(other, MEETING, {"id": meeting["id"]}),
            "comments": await gql(other, COMMENTS, {"t": "KEY_RESULT", "id": w.sales_kr["id"]}),
            "work plan": await gql(other, WORK_PLAN, {"member": w.bob["id"]}),
            "update meeting": await gql(
                other, UPDATE_MEETING, {"input": {"id": meeting["id"], "title": "x"}}
            ),
            "delete meeting": await gql(other, DELETE_MEETING, {"input": {"id": meeting["id"]}}),
            "add comment": await gql(
                other,
                ADD_COMMENT,
                {"input": {"targetType": "KEY_RESULT", "targetId": w.sales_kr["id"], "body": "x"}},
            ),
            "delete comment": await gql(other, DELETE_COMMENT, {"input": {"id": comment["id"]}}),
        }
        assert {k: codes(v) for k, v in graphql.items()} == {key: ["not_found"] for key in graphql}
        listed = await gql(other, MEETINGS, {})
        assert listed["data"]["meetings"]["nodes"] == []
        mentions = await gql(other, MENTIONS, {"first": 10})
        assert mentions["data"]["mentionsOfMe"]["nodes"] == []
    async with w.lin_() as lin:
        assert await get(lin, f"/v1/meetings/{meeting['id']}") == meeting
        assert await get(lin, f"/v1/comments/{comment['id']}") == comment


async def test_text_postgres_cannot_store_is_refused_over_rest_and_graphql(
    acme: Tenant,
) -> None:
    """A NUL character or an unpaired surrogate: 422 and nothing saved, never a 500."""
    w = await _world(acme)
    async with w.client(w.bob) as bob:
        json_body = {"Content-Type": "application/json"}
        for text in ("nul \u0000 here", "lone \ud800 surrogate"):
            # json.dumps escapes both as \uXXXX, as a client's JSON would.
            refused = await bob.post(
                f"/v1/key-results/{w.sales_kr['id']}/comments",
                content=json.dumps({"body": text}),
                headers=json_body,
            )
            assert _problem(refused, 422)["code"] == "validation_failed", text
            variables = {
                "input": {"targetType": "KEY_RESULT", "targetId": w.sales_kr["id"], "body": text}
            }
            over_graphql = await bob.post(
                "/graphql",
                content=json.dumps({"query": ADD_COMMENT, "variables": variables}),
                headers=json_body,
            )
            assert codes(over_graphql.json()) == ["validation_failed"], over_graphql.text
        thread = await get(bob, f"/v1/key-results/{w.sales_kr['id']}/comments")
        assert thread["items"] == []
