"""GraphQL for OKRs: objectives, key results, check-ins and actions over the same use cases
as REST, with the same error codes, visibility and tenancy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from tests.api.harness import SettableClock, Tenant
from tests.api.okr_harness import active_cycle
from tests.api.test_graphql import codes, gql, new_member

CREATE_OBJECTIVE = """
mutation($input: CreateObjectiveInput!) {
  createObjective(input: $input) {
    objective { id title level status visibility version ownerKind score { progress } }
  }
}"""
UPDATE_OBJECTIVE = """
mutation($input: UpdateObjectiveInput!) {
  updateObjective(input: $input) {
    objective { id title version parent { id } parentKeyResult { id } }
  }
}"""
CREATE_KEY_RESULT = """
mutation($input: CreateKeyResultInput!) {
  createKeyResult(input: $input) {
    keyResult { id title version current milestones { id title done } score { progress } }
  }
}"""
CHECK_IN = """
mutation($input: CheckInInput!) {
  checkIn(input: $input) {
    checkIn { id value confidence note author authorMember { name } }
    keyResult { current confidence score { progress grade } }
  }
}"""
CREATE_ACTION = """
mutation($input: CreateActionInput!) {
  createAction(input: $input) { action { id title status version owner { name } } }
}"""
UPDATE_ACTION = """
mutation($input: UpdateActionInput!) {
  updateAction(input: $input) { action { id status version } }
}"""
ACCEPT_ACTION = """
mutation($input: AcceptActionInput!) {
  acceptAction(input: $input) { action { status acceptedAt acceptedBy { name } } }
}"""
OBJECTIVE = """
query($id: UUID!) {
  objective(id: $id) {
    title
    cycle { name }
    owner { __typename ... on Member { name } ... on OrgUnit { name } }
    score { progress grade expectedProgress trackStatus }
    keyResults {
      title current confidence lastCheckInAt
      owner { name }
      score { progress score grade expectedProgress trackStatus }
      milestones { title weight done }
      latestCheckIn { value note }
      checkIns(first: 10) { nodes { value milestonesDone } pageInfo { hasNextPage } }
      objective { title }
    }
  }
}"""


def data(body: dict[str, Any], *path: str) -> Any:
    assert "errors" not in body, body
    found: Any = body["data"]
    for key in path:
        found = found[key]
    return found


async def new_objective(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = await gql(client, CREATE_OBJECTIVE, {"input": fields})
    created: dict[str, Any] = data(body, "createObjective", "objective")
    return created


async def new_key_result(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    fields.setdefault("start", "0")
    fields.setdefault("target", "10")
    body = await gql(client, CREATE_KEY_RESULT, {"input": fields})
    created: dict[str, Any] = data(body, "createKeyResult", "keyResult")
    return created


async def q1(client: httpx.AsyncClient) -> str:
    cycle = await active_cycle(client, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
    cycle_id: str = cycle["id"]
    return cycle_id


# -- objectives, key results, check-ins ----------------------------------------------------


async def test_objective_with_key_results_checked_in_and_scored(
    acme: Tenant, clock: SettableClock
) -> None:
    # 2027-03-01 is day 59 of 90 in Q1 2027: expected progress 59/89 = 0.6629.
    clock.pin(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    async with acme.admin() as admin:
        ann = await new_member(admin, "Ann")
        cycle_id = await q1(admin)
        created = await new_objective(
            admin,
            cycleId=cycle_id,
            title="Win the east region",
            owner={"kind": "MEMBER", "id": ann["id"]},
            status="ACTIVE",
        )
        customers = await new_key_result(
            admin,
            objectiveId=created["id"],
            title="Sell to 10 new customers",
            ownerId=ann["id"],
            unit="customers",
        )
        pilots = await new_key_result(
            admin,
            objectiveId=created["id"],
            title="Two pilots",
            ownerId=ann["id"],
            metricKind="MILESTONES",
            milestones=[{"title": "Pilot A", "weight": "3"}, {"title": "Pilot B"}],
        )
        contradictory = await gql(
            admin,
            CREATE_KEY_RESULT,
            {
                "input": {
                    "objectiveId": created["id"],
                    "title": "Cut the cycle",
                    "ownerId": ann["id"],
                    "start": "0",
                    "target": "10",
                    "direction": "DECREASE",
                }
            },
        )
    async with acme.as_member(ann["id"]) as client:
        checked = await gql(
            client,
            CHECK_IN,
            {
                "input": {
                    "keyResultId": customers["id"],
                    "value": "6",
                    "confidence": 7,
                    "note": "2 more",
                }
            },
        )
        milestone = await gql(
            client,
            CHECK_IN,
            {
                "input": {
                    "keyResultId": pilots["id"],
                    "milestonesDone": [pilots["milestones"][0]["id"]],
                }
            },
        )
        read = await gql(client, OBJECTIVE, {"id": created["id"]})

    assert created["level"] == "INDIVIDUAL"
    assert created["status"] == "ACTIVE"
    assert created["visibility"] == "PUBLIC"
    assert created["ownerKind"] == "MEMBER"
    assert created["version"] == 1
    assert created["score"] == {"progress": None}
    assert customers["current"] is None
    assert customers["score"] == {"progress": "0.0000"}
    assert codes(contradictory) == ["direction_contradicts_target"]

    assert data(checked, "checkIn", "checkIn", "value") == "6"
    assert data(checked, "checkIn", "checkIn", "authorMember") == {"name": "Ann"}
    assert data(checked, "checkIn", "checkIn", "author") == ann["id"]
    assert data(checked, "checkIn", "keyResult") == {
        "current": "6",
        "confidence": 7,
        "score": {"progress": "0.6000", "grade": "YELLOW"},
    }
    assert data(milestone, "checkIn", "keyResult", "score", "progress") == "0.7500"

    objective = data(read, "objective")
    assert objective["title"] == "Win the east region"
    assert objective["cycle"] == {"name": "2027 Q1"}
    assert objective["owner"] == {"__typename": "Member", "name": "Ann"}
    # Equal weights: (0.6 + 0.75) / 2.
    assert objective["score"] == {
        "progress": "0.6750",
        "grade": "YELLOW",
        "expectedProgress": "0.6629",
        "trackStatus": "ON_TRACK",
    }
    first, second = objective["keyResults"]
    assert first["title"] == "Sell to 10 new customers"
    assert first["current"] == "6"
    assert first["confidence"] == 7
    assert first["lastCheckInAt"].startswith("2027-03-01T09:00:00")
    assert first["owner"] == {"name": "Ann"}
    assert first["score"] == {
        "progress": "0.6000",
        "score": "0.6000",
        "grade": "YELLOW",
        "expectedProgress": "0.6629",
        "trackStatus": "ON_TRACK",
    }
    assert first["latestCheckIn"] == {"value": "6", "note": "2 more"}
    assert first["checkIns"] == {
        "nodes": [{"value": "6", "milestonesDone": None}],
        "pageInfo": {"hasNextPage": False},
    }
    assert first["objective"] == {"title": "Win the east region"}
    assert second["current"] is None
    assert second["milestones"] == [
        {"title": "Pilot A", "weight": "3", "done": True},
        {"title": "Pilot B", "weight": "1", "done": False},
    ]


async def test_check_in_history_is_newest_first_and_paged(acme: Tenant) -> None:
    query = """
    query($id: UUID!, $after: String) {
      keyResult(id: $id) {
        current
        checkIns(first: 2, after: $after) {
          edges { cursor node { value } } pageInfo { hasNextPage endCursor }
        }
      }
    }"""
    async with acme.admin() as admin:
        cycle_id = await q1(admin)
        objective = await new_objective(admin, cycleId=cycle_id, title="Grow")
        kr = await new_key_result(
            admin, objectiveId=objective["id"], title="Sell", ownerId=str(acme.admin_id)
        )
        for value in ("1", "2", "3"):
            body = await gql(admin, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": value}})
            data(body, "checkIn")
        first = await gql(admin, query, {"id": kr["id"]})
        cursor = data(first, "keyResult", "checkIns", "pageInfo", "endCursor")
        rest = await gql(admin, query, {"id": kr["id"], "after": cursor})
    page = data(first, "keyResult")
    assert page["current"] == "3"
    assert [e["node"]["value"] for e in page["checkIns"]["edges"]] == ["3", "2"]
    assert page["checkIns"]["pageInfo"]["hasNextPage"] is True
    tail = data(rest, "keyResult", "checkIns")
    assert [e["node"]["value"] for e in tail["edges"]] == ["1"]
    assert tail["pageInfo"]["hasNextPage"] is False


async def test_objectives_connection_filters_and_pages(acme: Tenant) -> None:
    query = """
    query($first: Int!, $after: String, $filter: ObjectiveFilterInput) {
      objectives(first: $first, after: $after, filter: $filter) {
        nodes { title status keyResults { title } }
        pageInfo { hasNextPage endCursor }
      }
    }"""
    async with acme.admin() as admin:
        cycle_id = await q1(admin)
        other = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
        grow = await new_objective(admin, cycleId=cycle_id, title="Grow revenue", status="ACTIVE")
        await new_key_result(
            admin, objectiveId=grow["id"], title="Sell", ownerId=str(acme.admin_id)
        )
        await new_objective(admin, cycleId=cycle_id, title="Hire engineers")
        await new_objective(admin, cycleId=other["id"], title="Grow margin")
        first = await gql(admin, query, {"first": 2})
        cursor = data(first, "objectives", "pageInfo", "endCursor")
        rest = await gql(admin, query, {"first": 2, "after": cursor})
        in_q1 = await gql(admin, query, {"first": 10, "filter": {"cycleId": cycle_id}})
        grow_q = await gql(admin, query, {"first": 10, "filter": {"q": "GROW"}})
        active = await gql(admin, query, {"first": 10, "filter": {"status": "ACTIVE"}})
        too_long = await gql(admin, query, {"first": 10, "filter": {"q": "x" * 201}})
        too_many = await gql(admin, query, {"first": 201})
    assert [n["title"] for n in data(first, "objectives", "nodes")] == [
        "Grow revenue",
        "Hire engineers",
    ]
    assert data(first, "objectives", "nodes")[0]["keyResults"] == [{"title": "Sell"}]
    assert data(first, "objectives", "pageInfo", "hasNextPage") is True
    assert [n["title"] for n in data(rest, "objectives", "nodes")] == ["Grow margin"]
    assert data(rest, "objectives", "pageInfo", "hasNextPage") is False
    assert len(data(in_q1, "objectives", "nodes")) == 2
    assert [n["title"] for n in data(grow_q, "objectives", "nodes")] == [
        "Grow revenue",
        "Grow margin",
    ]
    assert [n["title"] for n in data(active, "objectives", "nodes")] == ["Grow revenue"]
    assert codes(too_long) == ["validation_failed"]
    assert too_long["errors"][0]["extensions"]["errors"][0]["field"] == "filter.q"
    assert codes(too_many) == ["validation_failed"]


async def test_key_result_update_move_final_score_and_delete(
    acme: Tenant, clock: SettableClock
) -> None:
    update = """
    mutation($input: UpdateKeyResultInput!) {
      updateKeyResult(input: $input) { keyResult { title unit confidence target version } }
    }"""
    move = """
    mutation($input: MoveKeyResultInput!) {
      moveKeyResult(input: $input) { keyResult { version objective { title } } }
    }"""
    final = """
    mutation($input: SetFinalScoreInput!) {
      setFinalScore(input: $input) {
        keyResult { finalScore finalScoreReason score { progress score grade } }
      }
    }"""
    delete = """
    mutation($input: DeleteKeyResultInput!) {
      deleteKeyResult(input: $input) { deletedKeyResultId }
    }"""
    async with acme.admin() as admin:
        me = str(acme.admin_id)
        cycle_id = await q1(admin)
        other_cycle = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
        grow = await new_objective(admin, cycleId=cycle_id, title="Grow")
        keep = await new_objective(admin, cycleId=cycle_id, title="Keep")
        later = await new_objective(admin, cycleId=other_cycle["id"], title="Later")
        kr = await new_key_result(
            admin, objectiveId=grow["id"], title="Sell", ownerId=me, unit="deals", confidence=5
        )
        spare = await new_key_result(admin, objectiveId=grow["id"], title="Spare", ownerId=me)
        changed = await gql(
            admin,
            update,
            {"input": {"id": kr["id"], "target": "20", "unit": None, "expectedVersion": 1}},
        )
        stale = await gql(
            admin, update, {"input": {"id": kr["id"], "title": "X", "expectedVersion": 1}}
        )
        null_title = await gql(admin, update, {"input": {"id": kr["id"], "title": None}})
        moved = await gql(admin, move, {"input": {"id": kr["id"], "objectiveId": keep["id"]}})
        elsewhere = await gql(admin, move, {"input": {"id": kr["id"], "objectiveId": later["id"]}})
        await gql(admin, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": "5"}})
        clock.pin(datetime(2027, 3, 31, 9, 0, tzinfo=UTC))  # final scores from the end date
        scored = await gql(
            admin, final, {"input": {"id": kr["id"], "score": "0.7", "reason": "Two deals slipped"}}
        )
        no_reason = await gql(
            admin, final, {"input": {"id": kr["id"], "score": "0.7", "reason": " "}}
        )
        kept = await gql(admin, delete, {"input": {"id": kr["id"]}})
        deleted = await gql(admin, delete, {"input": {"id": spare["id"], "expectedVersion": 1}})
        gone = await gql(
            admin, "query($id: UUID!) { keyResult(id: $id) { id } }", {"id": spare["id"]}
        )
    assert data(changed, "updateKeyResult", "keyResult") == {
        "title": "Sell",
        "unit": None,
        "confidence": 5,
        "target": "20",
        "version": 2,
    }
    assert codes(stale) == ["stale_version"]
    assert stale["errors"][0]["extensions"]["currentVersion"] == 2
    assert codes(null_title) == ["validation_failed"]
    assert data(moved, "moveKeyResult", "keyResult") == {
        "version": 3,
        "objective": {"title": "Keep"},
    }
    assert codes(elsewhere) == ["different_cycle"]
    assert data(scored, "setFinalScore", "keyResult") == {
        "finalScore": "0.7",
        "finalScoreReason": "Two deals slipped",
        "score": {"progress": "0.2500", "score": "0.7000", "grade": "GREEN"},
    }
    assert codes(no_reason) == ["validation_failed"]
    assert codes(kept) == ["key_result_has_check_ins"]
    assert data(deleted, "deleteKeyResult") == {"deletedKeyResultId": spare["id"]}
    assert codes(gone) == ["not_found"]


# -- objectives: alignment, delete, copy, close ---------------------------------------------


async def test_alignment_links_loops_and_levels(acme: Tenant) -> None:
    async with acme.admin() as admin:
        me = str(acme.admin_id)
        cycle_id = await q1(admin)
        a = await new_objective(admin, cycleId=cycle_id, title="A")
        b = await new_objective(admin, cycleId=cycle_id, title="B")
        c = await new_objective(admin, cycleId=cycle_id, title="C")
        a_kr = await new_key_result(admin, objectiveId=a["id"], title="A1", ownerId=me)
        b_kr = await new_key_result(admin, objectiveId=b["id"], title="B1", ownerId=me)
        c_kr = await new_key_result(admin, objectiveId=c["id"], title="C1", ownerId=me)
        # Sideways contributions to KRs: A -> B's KR -> C's KR.
        a_to_b = await gql(
            admin, UPDATE_OBJECTIVE, {"input": {"id": a["id"], "parentKeyResultId": b_kr["id"]}}
        )
        b_to_c = await gql(
            admin, UPDATE_OBJECTIVE, {"input": {"id": b["id"], "parentKeyResultId": c_kr["id"]}}
        )
        loop = await gql(
            admin, UPDATE_OBJECTIVE, {"input": {"id": c["id"], "parentKeyResultId": a_kr["id"]}}
        )
        renamed = await gql(admin, UPDATE_OBJECTIVE, {"input": {"id": a["id"], "title": "A!"}})
        sideways = await gql(
            admin,
            UPDATE_OBJECTIVE,
            {"input": {"id": a["id"], "parentKeyResultId": None, "parentObjectiveId": c["id"]}},
        )
        both = await gql(
            admin,
            UPDATE_OBJECTIVE,
            {"input": {"id": a["id"], "parentObjectiveId": c["id"]}},
        )
        cleared = await gql(
            admin, UPDATE_OBJECTIVE, {"input": {"id": a["id"], "parentKeyResultId": None}}
        )
    assert data(a_to_b, "updateObjective", "objective", "parentKeyResult") == {"id": b_kr["id"]}
    assert data(b_to_c, "updateObjective", "objective", "version") == 2
    assert loop["data"] is None
    assert codes(loop) == ["alignment_cycle"]
    error = loop["errors"][0]
    assert error["path"] == ["updateObjective"]
    assert error["extensions"]["cycle"] == [c["id"], a["id"], b["id"], c["id"]]
    assert error["extensions"]["errors"] == [
        {"field": "parentKeyResultId", "message": "would create a loop", "code": "alignment_cycle"}
    ]
    # Left out, the link stays (UNSET); null clears it.
    kept = data(renamed, "updateObjective", "objective")
    assert kept["title"] == "A!"
    assert kept["parentKeyResult"] == {"id": b_kr["id"]}
    assert codes(sideways) == ["alignment_level"]
    # The KR link stays while an objective link is sent: one link only.
    assert codes(both) == ["validation_failed"]
    assert {e["code"] for e in both["errors"][0]["extensions"]["errors"]} == {"single_link"}
    cleared_objective = data(cleared, "updateObjective", "objective")
    assert cleared_objective["parentKeyResult"] is None
    assert cleared_objective["parent"] is None


async def test_delete_archive_copy_and_close(acme: Tenant) -> None:
    delete = """
    mutation($input: DeleteObjectiveInput!) {
      deleteObjective(input: $input) { deletedObjectiveId archivedObjective { id status } }
    }"""
    copy = """
    mutation($input: CopyObjectiveInput!) {
      copyObjective(input: $input) {
        objective {
          id status cycle { name } sourceObjective { id }
          keyResults { title current target }
        }
      }
    }"""
    close = """
    mutation($input: CloseCycleObjectivesInput!) {
      closeCycleObjectives(input: $input) { closedObjectiveIds closedObjectives { title status } }
    }"""
    async with acme.admin() as admin:
        me = str(acme.admin_id)
        cycle_id = await q1(admin)
        q2 = await active_cycle(admin, "2027 Q2", "quarter", "2027-04-01", "2027-06-30")
        empty = await new_objective(admin, cycleId=cycle_id, title="Empty")
        worked = await new_objective(admin, cycleId=cycle_id, title="Worked", status="ACTIVE")
        kr = await new_key_result(admin, objectiveId=worked["id"], title="Sell", ownerId=me)
        await gql(admin, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": "4"}})
        copied = await gql(admin, copy, {"input": {"id": worked["id"], "cycleId": q2["id"]}})
        deleted = await gql(admin, delete, {"input": {"id": empty["id"], "expectedVersion": 1}})
        archived = await gql(admin, delete, {"input": {"id": worked["id"]}})
        await new_objective(admin, cycleId=cycle_id, title="Open")
        closed = await gql(admin, close, {"input": {"cycleId": cycle_id}})
    copy_node = data(copied, "copyObjective", "objective")
    assert copy_node["status"] == "DRAFT"
    assert copy_node["cycle"] == {"name": "2027 Q2"}
    assert copy_node["sourceObjective"] == {"id": worked["id"]}
    assert copy_node["keyResults"] == [{"title": "Sell", "current": None, "target": "10"}]
    assert data(deleted, "deleteObjective") == {
        "deletedObjectiveId": empty["id"],
        "archivedObjective": None,
    }
    assert data(archived, "deleteObjective") == {
        "deletedObjectiveId": None,
        "archivedObjective": {"id": worked["id"], "status": "ARCHIVED"},
    }
    result = data(closed, "closeCycleObjectives")
    assert len(result["closedObjectiveIds"]) == 1
    assert result["closedObjectives"] == [{"title": "Open", "status": "CLOSED"}]


async def test_a_closed_cycle_is_cycle_closed(acme: Tenant) -> None:
    async with acme.admin() as admin:
        cycle_id = await q1(admin)
        objective = await new_objective(admin, cycleId=cycle_id, title="Done deal")
        closing = await admin.patch(f"/v1/cycles/{cycle_id}", json={"state": "closed"})
        assert closing.status_code == 200, closing.text
        renamed = await gql(
            admin, UPDATE_OBJECTIVE, {"input": {"id": objective["id"], "title": "Again"}}
        )
    assert codes(renamed) == ["cycle_closed"]


# -- visibility and tenancy ----------------------------------------------------------------


async def test_a_private_objective_is_absent_for_a_peer_and_visible_to_the_manager(
    acme: Tenant,
) -> None:
    read = """
    query($private: UUID!, $public: UUID!, $kr: UUID!, $owner: UUID!) {
      private: objective(id: $private) { title }
      kr: keyResult(id: $kr) { title }
      public: objective(id: $public) { title parentKeyResult { title objective { title } } }
      objectives { nodes { title } }
      member(id: $owner) { objectives { nodes { title } } }
    }"""
    async with acme.admin() as admin:
        boss = await new_member(admin, "Boss", roles=["MANAGER"])
        ann = await new_member(admin, "Ann", managerId=boss["id"])
        bob = await new_member(admin, "Bob")
        cycle_id = await q1(admin)
    async with acme.as_member(ann["id"]) as client:
        secret = await new_objective(
            client, cycleId=cycle_id, title="Secret plan", visibility="PRIVATE"
        )
        secret_kr = await new_key_result(
            client, objectiveId=secret["id"], title="Secret KR", ownerId=ann["id"]
        )
        shown = await new_objective(
            client, cycleId=cycle_id, title="Open plan", parentKeyResultId=secret_kr["id"]
        )
    variables = {
        "private": secret["id"],
        "public": shown["id"],
        "kr": secret_kr["id"],
        "owner": ann["id"],
    }
    async with acme.as_member(bob["id"]) as client:
        peer = await gql(client, read, variables)
        peer_write = await gql(
            client, UPDATE_OBJECTIVE, {"input": {"id": secret["id"], "title": "Mine"}}
        )
        peer_check_in = await gql(
            client, CHECK_IN, {"input": {"keyResultId": secret_kr["id"], "value": "1"}}
        )
    async with acme.as_member(boss["id"], "manager") as client:
        manager = await gql(client, read, variables)

    # The peer: null and not_found exactly as for ids that do not exist; links are null.
    assert sorted(codes(peer)) == ["not_found", "not_found"]
    assert peer["data"]["private"] is None
    assert peer["data"]["kr"] is None
    assert peer["data"]["public"] == {"title": "Open plan", "parentKeyResult": None}
    assert peer["data"]["objectives"] == {"nodes": [{"title": "Open plan"}]}
    assert peer["data"]["member"] == {"objectives": {"nodes": [{"title": "Open plan"}]}}
    assert "Secret" not in str(peer)
    assert codes(peer_write) == ["not_found"]
    assert codes(peer_check_in) == ["not_found"]

    assert "errors" not in manager, manager
    assert manager["data"] == {
        "private": {"title": "Secret plan"},
        "kr": {"title": "Secret KR"},
        "public": {
            "title": "Open plan",
            "parentKeyResult": {"title": "Secret KR", "objective": {"title": "Secret plan"}},
        },
        "objectives": {"nodes": [{"title": "Secret plan"}, {"title": "Open plan"}]},
        "member": {"objectives": {"nodes": [{"title": "Secret plan"}, {"title": "Open plan"}]}},
    }


async def test_another_tenant_gets_not_found_for_okrs(acme: Tenant, globex: Tenant) -> None:
    async with acme.admin() as admin:
        me = str(acme.admin_id)
        cycle_id = await q1(admin)
        objective = await new_objective(admin, cycleId=cycle_id, title="Acme only")
        kr = await new_key_result(admin, objectiveId=objective["id"], title="Sell", ownerId=me)
        action = data(
            await gql(admin, CREATE_ACTION, {"input": {"keyResultId": kr["id"], "title": "Call"}}),
            "createAction",
            "action",
        )
    async with globex.admin() as other:
        read = await gql(
            other,
            """query($o: UUID!, $k: UUID!, $a: UUID!) {
                 o: objective(id: $o) { title }
                 k: keyResult(id: $k) { title }
                 a: action(id: $a) { title }
                 objectives { nodes { title } }
                 auditEvents { nodes { action } }
               }""",
            {"o": objective["id"], "k": kr["id"], "a": action["id"]},
        )
        write = await gql(
            other, UPDATE_OBJECTIVE, {"input": {"id": objective["id"], "title": "Mine"}}
        )
        check_in = await gql(other, CHECK_IN, {"input": {"keyResultId": kr["id"], "value": "1"}})
        accept = await gql(other, ACCEPT_ACTION, {"input": {"id": action["id"]}})
    assert sorted(codes(read)) == ["not_found", "not_found", "not_found"]
    assert read["data"]["o"] is None
    assert read["data"]["k"] is None
    assert read["data"]["a"] is None
    assert read["data"]["objectives"] == {"nodes": []}
    assert read["data"]["auditEvents"] == {"nodes": []}
    assert codes(write) == ["not_found"]
    assert codes(check_in) == ["not_found"]
    assert codes(accept) == ["not_found"]


# -- actions and the audit trail -----------------------------------------------------------


async def test_actions_need_an_owner_to_start_and_an_acceptor_to_finish(acme: Tenant) -> None:
    async with acme.admin() as admin:
        boss = await new_member(admin, "Boss", roles=["MANAGER"])
        ann = await new_member(admin, "Ann", managerId=boss["id"])
        kr_owner = await new_member(admin, "Kai")
        stranger = await new_member(admin, "Sam")
        cycle_id = await q1(admin)
        objective = await new_objective(
            admin, cycleId=cycle_id, title="Grow", owner={"kind": "MEMBER", "id": kr_owner["id"]}
        )
        kr = await new_key_result(
            admin, objectiveId=objective["id"], title="Sell", ownerId=kr_owner["id"]
        )
        not_ready = await gql(
            admin,
            CREATE_ACTION,
            {"input": {"keyResultId": kr["id"], "title": "Visit", "status": "DOING"}},
        )
        action = data(
            await gql(
                admin,
                CREATE_ACTION,
                {
                    "input": {
                        "keyResultId": kr["id"],
                        "title": "Visit the top 20 accounts",
                        "ownerId": ann["id"],
                        "dueDate": "2027-03-15",
                        "completionStandard": "All 20 visited, notes in CRM",
                        "status": "DOING",
                    }
                },
            ),
            "createAction",
            "action",
        )
    async with acme.as_member(ann["id"]) as client:
        done = await gql(
            client,
            UPDATE_ACTION,
            {"input": {"id": action["id"], "status": "DONE", "expectedVersion": 1}},
        )
    async with acme.as_member(stranger["id"]) as client:
        refused = await gql(client, ACCEPT_ACTION, {"input": {"id": action["id"]}})
    async with acme.as_member(boss["id"], "manager") as client:
        accepted = await gql(client, ACCEPT_ACTION, {"input": {"id": action["id"]}})
        listed = await gql(
            client,
            """query($id: UUID!) {
                 keyResult(id: $id) {
                   all: actions { title owner { name } acceptedBy { name } keyResult { title } }
                   todo: actions(status: TODO) { title }
                 }
               }""",
            {"id": kr["id"]},
        )
    assert codes(not_ready) == ["action_not_ready"]
    fields = {e["field"] for e in not_ready["errors"][0]["extensions"]["errors"]}
    assert fields == {"ownerId", "dueDate", "completionStandard"}
    assert action["status"] == "DOING"
    assert action["owner"] == {"name": "Ann"}
    assert data(done, "updateAction", "action") == {
        "id": action["id"],
        "status": "DONE",
        "version": 2,
    }
    assert codes(refused) == ["not_acceptor"]
    assert refused["data"] is None
    result = data(accepted, "acceptAction", "action")
    assert result["status"] == "DONE"
    assert result["acceptedBy"] == {"name": "Boss"}
    assert result["acceptedAt"] is not None
    assert data(listed, "keyResult") == {
        "all": [
            {
                "title": "Visit the top 20 accounts",
                "owner": {"name": "Ann"},
                "acceptedBy": {"name": "Boss"},
                "keyResult": {"title": "Sell"},
            }
        ],
        "todo": [],
    }


async def test_admins_read_the_audit_trail(acme: Tenant) -> None:
    query = """
    query($filter: AuditEventFilterInput) {
      auditEvents(first: 50, filter: $filter) {
        nodes { action actor resourceType resourceId before after }
      }
    }"""
    async with acme.admin() as admin:
        ann = await new_member(admin, "Ann")
        cycle_id = await q1(admin)
        objective = await new_objective(admin, cycleId=cycle_id, title="Grow")
        await gql(admin, UPDATE_OBJECTIVE, {"input": {"id": objective["id"], "title": "Grow more"}})
        events = await gql(admin, query, {"filter": {"resourceId": objective["id"]}})
    async with acme.as_member(ann["id"]) as client:
        refused = await gql(client, query)
    nodes = data(events, "auditEvents", "nodes")
    assert [n["action"] for n in nodes] == ["objective.created", "objective.updated"]
    assert nodes[0]["before"] is None
    assert nodes[0]["after"]["title"] == "Grow"
    assert nodes[1]["before"]["title"] == "Grow"
    assert nodes[1]["after"]["title"] == "Grow more"
    assert nodes[1]["actor"] == str(acme.admin_id)
    assert nodes[1]["resourceType"] == "objective"
    assert codes(refused) == ["forbidden"]
