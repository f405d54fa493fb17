# Chinese text is written with full-width punctuation (，：): not a look-alike mistake.
# ruff: noqa: RUF003
"""OKR templates (模板) over REST and GraphQL, end to end on Postgres.

The six built-ins are listed first for every organization under the same ids and nobody
may change them; an organization's own templates are written by its admins and managers,
versioned (ETag / If-Match, ``expectedVersion``) and invisible to other organizations.
Instantiating the built-in sales-manager template makes a draft objective whose KRs and
actions are in the chosen language with the template's numbers, and which lints clean; a
refused instantiation (closed cycle, another organization's cycle) creates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from domain.builtin_templates import BUILTIN_TEMPLATES, SALES_MANAGER
from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, get, objective, post
from tests.api.test_graphql import codes, gql

BUILTIN_KEYS = [
    "marketing-manager",
    "user-growth-specialist",
    "sales-manager",
    "sales-specialist",
    "sales-operations",
    "revenue-team",
]
SALES_MANAGER_ID = str(SALES_MANAGER.id)

# An organization's own template: a milestones KR, an action with a completion standard.
KEY_ACCOUNTS: dict[str, Any] = {
    "key": "key-account-manager",
    "role_name_zh": "大客户经理",
    "role_name_en": "Key account manager",
    "title_zh": "让重点客户持续增长并愿意续约",
    "title_en": "Grow our key accounts and keep them renewing",
    "description_zh": "增长与健康并重。",
    "description_en": "Growth and health together.",
    "level": "individual",
    "key_results": [
        {
            "title_zh": "重点客户续约率从85%提升到95%",
            "title_en": "Key-account renewal rate rises from 85% to 95%",
            "metric_kind": "percent",
            "start": "85",
            "target": 95,
            "unit_zh": "%",
            "unit_en": "%",
            "weight": "0.6",
            "actions": [
                {
                    "title_zh": "每季度与每个重点客户召开业务回顾会",
                    "title_en": "Hold a business review with every key account each quarter",
                    "completion_standard_zh": "会议纪要记录在CRM中",
                    "completion_standard_en": "The minutes are in the CRM",
                }
            ],
        },
        {
            "title_zh": "上线客户健康度看板",
            "title_en": "Launch the account-health dashboard",
            "metric_kind": "milestones",
            "start": "0",
            "target": "1",
            "weight": "0.4",
            "milestones": [
                {"title_zh": "确定健康度指标", "title_en": "Agree the health measures"},
                {"title_zh": "看板试运行", "title_en": "Pilot the dashboard", "weight": "2"},
            ],
        },
    ],
}

TEMPLATE_FIELDS = """
id key builtin roleNameZh roleNameEn titleZh titleEn descriptionZh descriptionEn level version
keyResults {
  titleZh titleEn metricKind start target direction unitZh unitEn currency weight
  milestones { titleZh titleEn weight }
  actions { titleZh titleEn completionStandardZh completionStandardEn }
}"""
TEMPLATES = (
    "query($first: Int!, $after: String, $filter: TemplateFilterInput) {"
    " templates(first: $first, after: $after, filter: $filter) {"
    " nodes { " + TEMPLATE_FIELDS + " } pageInfo { hasNextPage endCursor } } }"
)
TEMPLATE = "query($id: UUID!) { template(id: $id) { " + TEMPLATE_FIELDS + " } }"
CREATE = (
    "mutation($input: CreateTemplateInput!) { createTemplate(input: $input) {"
    " template { " + TEMPLATE_FIELDS + " } } }"
)
UPDATE = (
    "mutation($input: UpdateTemplateInput!) { updateTemplate(input: $input) {"
    " template { " + TEMPLATE_FIELDS + " } } }"
)
DELETE = """
mutation($input: DeleteTemplateInput!) { deleteTemplate(input: $input) { deletedTemplateId } }"""
INSTANTIATE = """
mutation($input: InstantiateTemplateInput!) {
  instantiateTemplate(input: $input) {
    objective {
      id title description status level version
      owner { ... on Member { id } }
      parent { id }
      keyResults { id title metricKind start target direction unit currency weight owner { id } }
    }
  }
}"""


def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def data(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"][name]
    return value


def to_graphql(value: Any) -> Any:
    """A REST template body as GraphQL input: camelCase keys, enum names upper case."""
    enums = {"level", "metric_kind", "direction"}
    if isinstance(value, list):
        return [to_graphql(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for name, item in value.items():
        head, *rest = name.split("_")
        camel = head + "".join(part.title() for part in rest)
        out[camel] = item.upper() if name in enums else to_graphql(item)
    return out


async def all_templates(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    """Every page of GET /v1/templates."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = ok(
            await client.get(
                "/v1/templates", params={**params, "cursor": cursor} if cursor else params
            )
        )
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


# -- built-ins -------------------------------------------------------------------------------


async def test_built_ins_are_listed_first_for_every_organization(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        theirs = ok(await b_client.post("/v1/templates", json=KEY_ACCOUNTS), 201)
        listed_b = await all_templates(b_client)
    async with acme.admin() as a_client:
        listed_a = await all_templates(a_client)
        paged = ok(await a_client.get("/v1/templates", params={"limit": 4}))
        rest = ok(await a_client.get("/v1/templates", params={"cursor": paged["next_cursor"]}))
        by_role = ok(await a_client.get("/v1/templates", params={"role": "SALES MANAGER"}))
        by_key = ok(await a_client.get("/v1/templates", params={"key": "revenue-team"}))
        by_q = ok(await a_client.get("/v1/templates", params={"q": "经理"}))
        own_only = ok(await a_client.get("/v1/templates", params={"include_builtin": "false"}))
        one = await a_client.get(f"/v1/templates/{SALES_MANAGER_ID}")
        listed_gql = data(await gql(a_client, TEMPLATES, {"first": 200}), "templates")

    assert [t["key"] for t in listed_a] == BUILTIN_KEYS
    assert [t["id"] for t in listed_a] == [str(t.id) for t in BUILTIN_TEMPLATES]
    assert all(t["builtin"] and t["version"] == 1 for t in listed_a)
    assert all(t["created_at"] is None and t["updated_at"] is None for t in listed_a)
    # Org B sees the same built-ins, then its own.
    assert listed_b[:6] == listed_a
    assert [(t["id"], t["builtin"]) for t in listed_b[6:]] == [(theirs["id"], False)]
    # Pages run through the built-ins; filters apply to them.
    assert [t["key"] for t in paged["items"]] == BUILTIN_KEYS[:4]
    assert [t["key"] for t in rest["items"]] == BUILTIN_KEYS[4:]
    assert rest["next_cursor"] is None
    assert [t["key"] for t in by_role["items"]] == ["sales-manager"]
    assert [t["key"] for t in by_key["items"]] == ["revenue-team"]
    assert [t["key"] for t in by_q["items"]] == ["marketing-manager", "sales-manager"]
    assert own_only == {"items": [], "next_cursor": None}

    # The built-in as written in domain/builtin_templates.py, decimals as strings.
    assert one.status_code == 200
    assert one.headers["etag"].startswith('"1-')
    body = one.json()
    assert (body["role_name_zh"], body["role_name_en"]) == ("销售经理", "Sales manager")
    assert (body["title_zh"], body["level"]) == (SALES_MANAGER.title_zh, "team")
    revenue = body["key_results"][0]
    assert (revenue["metric_kind"], revenue["start"], revenue["target"]) == (
        "currency",
        "0",
        "6000000",
    )
    assert (revenue["currency"], revenue["weight"], revenue["direction"]) == (
        "CNY",
        "1",
        "increase",
    )
    assert revenue["actions"][0]["completion_standard_en"] == (
        SALES_MANAGER.key_results[0].actions[0].completion_standard_en
    )

    # GraphQL lists the same, enums by name and decimals as strings.
    assert [t["key"] for t in listed_gql["nodes"]] == BUILTIN_KEYS
    sales = listed_gql["nodes"][2]
    assert (sales["id"], sales["builtin"], sales["level"]) == (SALES_MANAGER_ID, True, "TEAM")
    assert sales["keyResults"][3]["direction"] == "DECREASE"
    assert sales["keyResults"][0]["target"] == "6000000"


async def test_built_ins_are_read_only_for_everyone(acme: Tenant) -> None:
    path = f"/v1/templates/{SALES_MANAGER_ID}"
    async with acme.admin() as admin:
        manager = await create_member(admin, "Vic Manager", roles=["manager"])
        patched = await admin.patch(path, json={"title_en": "Mine now"})
        replaced = await admin.patch(
            path, json={"title_en": "Mine now"}, headers={"If-Match": '"1"'}
        )
        deleted = await admin.delete(path)
        gql_update = await gql(
            admin, UPDATE, {"input": {"id": SALES_MANAGER_ID, "titleEn": "Mine now"}}
        )
        gql_delete = await gql(admin, DELETE, {"input": {"id": SALES_MANAGER_ID}})
        after = ok(await admin.get(path))
    async with acme.as_member(manager["id"], "manager") as vic:
        by_manager = await vic.delete(path, headers={"If-Match": '"1"'})

    for refused in (patched, replaced, deleted, by_manager):
        problem(refused, 403, "template_read_only")
    assert codes(gql_update) == codes(gql_delete) == ["template_read_only"]
    assert (after["title_en"], after["version"]) == (SALES_MANAGER.title_en, 1)


# -- an organization's own templates ---------------------------------------------------------


async def test_crud_of_an_organizations_template(acme: Tenant) -> None:
    async with acme.admin() as admin:
        manager = await create_member(admin, "Vic Manager", roles=["manager"])
        member = await create_member(admin, "Ann Member")
    async with acme.as_member(manager["id"], "manager") as vic:
        created = await vic.post(
            "/v1/templates", json=KEY_ACCOUNTS, headers={"Idempotency-Key": "tpl-1"}
        )
        replayed = await vic.post(
            "/v1/templates", json=KEY_ACCOUNTS, headers={"Idempotency-Key": "tpl-1"}
        )
        body = ok(created, 201)
        path = f"/v1/templates/{body['id']}"
        listed = await all_templates(vic)
        by_key = ok(await vic.get("/v1/templates", params={"key": "key-account-manager"}))
        by_role = ok(await vic.get("/v1/templates", params={"role": "大客户经理"}))
        taken = await vic.post("/v1/templates", json=KEY_ACCOUNTS)
        builtin_key = await vic.post("/v1/templates", json={**KEY_ACCOUNTS, "key": "sales-manager"})

        patched = await vic.patch(
            path,
            json={"title_en": "  Grow key accounts  ", "level": "team", "key": None},
            headers={"If-Match": '"1"'},
        )
        stale_patch = await vic.patch(
            path, json={"title_en": "Lost update"}, headers={"If-Match": '"1"'}
        )
        without_if_match = await vic.patch(
            path, json={"key_results": KEY_ACCOUNTS["key_results"][:1]}
        )
        stale_delete = await vic.delete(path, headers={"If-Match": '"2"'})
    async with acme.as_member(member["id"], "member") as ann:
        member_reads = await ann.get(path)
        member_creates = await ann.post("/v1/templates", json={**KEY_ACCOUNTS, "key": "ann"})
        member_patches = await ann.patch(path, json={"title_en": "Ann's"})
        member_deletes = await ann.delete(path)
    async with acme.as_member(manager["id"], "manager") as vic:
        deleted = await vic.delete(path, headers={"If-Match": '"3"'})
        gone = await vic.get(path)
        listed_after = await all_templates(vic)
        still_there = ok(await vic.get(f"/v1/templates/{SALES_MANAGER_ID}"))

    # Created: 201, Location, ETag; every part kept, decimals as strings, texts stripped.
    assert created.headers["location"] == path
    assert created.headers["etag"].startswith('"1-')
    assert (body["builtin"], body["version"], body["key"]) == (False, 1, "key-account-manager")
    assert body["created_at"] is not None
    assert body["updated_at"] == body["created_at"]
    renewal, dashboard = body["key_results"]
    assert (renewal["start"], renewal["target"], renewal["weight"]) == ("85", "95", "0.6")
    assert renewal["actions"] == KEY_ACCOUNTS["key_results"][0]["actions"]
    assert (dashboard["metric_kind"], dashboard["milestones"]) == (
        "milestones",
        [
            {"title_zh": "确定健康度指标", "title_en": "Agree the health measures", "weight": "1"},
            {"title_zh": "看板试运行", "title_en": "Pilot the dashboard", "weight": "2"},
        ],
    )
    assert replayed.status_code == 201
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == body["id"]
    assert [t["id"] for t in listed if not t["builtin"]] == [body["id"]]
    assert listed[-1]["id"] == body["id"]
    assert [t["id"] for t in by_key["items"]] == [body["id"]]
    assert [t["id"] for t in by_role["items"]] == [body["id"]]
    problem(taken, 409, "template_key_taken")
    problem(builtin_key, 409, "template_key_taken")

    # A merge: what was sent changes, the rest stays; null removes the key.
    changed = ok(patched)
    assert patched.headers["etag"].startswith('"2-')
    assert (changed["title_en"], changed["level"], changed["key"]) == (
        "Grow key accounts",
        "team",
        None,
    )
    assert changed["title_zh"] == KEY_ACCOUNTS["title_zh"]
    assert changed["key_results"] == body["key_results"]
    problem(stale_patch, 412, "stale_version")
    merged = ok(without_if_match)
    assert merged["version"] == 3
    assert merged["title_en"] == "Grow key accounts"
    assert [kr["title_en"] for kr in merged["key_results"]] == [renewal["title_en"]]
    problem(stale_delete, 412, "stale_version")

    # A plain member reads templates and writes none.
    assert member_reads.status_code == 200
    for refused in (member_creates, member_patches, member_deletes):
        problem(refused, 403, "forbidden")

    assert deleted.status_code == 204
    assert deleted.content == b""
    problem(gone, 404, "not_found")
    assert [t["key"] for t in listed_after] == BUILTIN_KEYS
    assert still_there["builtin"] is True


async def test_an_invalid_template_is_refused_with_every_field_path(acme: Tenant) -> None:
    renewal, dashboard = KEY_ACCOUNTS["key_results"]
    invalid = {
        **KEY_ACCOUNTS,
        "key": "Key Accounts!",
        "title_en": "   ",
        "description_en": "",
        "key_results": [
            {
                **renewal,
                "direction": "decrease",
                "actions": [{**renewal["actions"][0], "completion_standard_en": ""}],
            },
            {**dashboard, "milestones": [], "currency": "CNY"},
        ],
    }
    async with acme.admin() as admin:
        refused = await admin.post("/v1/templates", json=invalid)
        too_many = await admin.post(
            "/v1/templates", json={**KEY_ACCOUNTS, "key_results": [renewal] * 6}
        )
        read_only = await admin.post("/v1/templates", json={**KEY_ACCOUNTS, "version": 3})
        not_a_number = await admin.post(
            "/v1/templates",
            json={**KEY_ACCOUNTS, "key_results": [{**renewal, "start": "lots"}]},
        )
        created = ok(await admin.post("/v1/templates", json=KEY_ACCOUNTS), 201)
        bad_patch = await admin.patch(
            f"/v1/templates/{created['id']}", json={"title_zh": "", "description_zh": None}
        )
        blank_patch = await admin.patch(f"/v1/templates/{created['id']}", json={"title_zh": " "})
        gql_refused = await gql(admin, CREATE, {"input": to_graphql(invalid)})
        listed = await all_templates(admin, include_builtin="false")

    errors = problem(refused, 422, "validation_failed")["errors"]
    assert {(e["field"], e["code"]) for e in errors} == {
        ("key", "invalid"),
        ("title_en", "empty"),
        ("description_en", "missing_translation"),
        ("key_results[0].direction", "direction_contradicts_target"),
        ("key_results[0].actions[0].completion_standard_en", "missing_translation"),
        ("key_results[1].currency", "not_allowed"),
        ("key_results[1].milestones", "required"),
    }, errors
    too_many_errors = problem(too_many, 422, "validation_failed")["errors"]
    assert [(e["field"], e["code"]) for e in too_many_errors] == [("key_results", "too_many")]
    assert [
        (e["field"], e["code"]) for e in problem(read_only, 422, "validation_failed")["errors"]
    ] == [("version", "read_only")]
    assert [e["field"] for e in problem(not_a_number, 422, "validation_failed")["errors"]] == [
        "key_results.0.start"
    ]
    assert [
        (e["field"], e["code"]) for e in problem(bad_patch, 422, "validation_failed")["errors"]
    ] == [("description_zh", "null")]
    assert [
        (e["field"], e["code"]) for e in problem(blank_patch, 422, "validation_failed")["errors"]
    ] == [("title_zh", "empty")]
    # GraphQL names the same fields in camelCase.
    assert codes(gql_refused) == ["validation_failed"]
    gql_fields = {e["field"] for e in gql_refused["errors"][0]["extensions"]["errors"]}
    assert {
        "titleEn",
        "keyResults[0].direction",
        "keyResults[0].actions[0].completionStandardEn",
    } <= gql_fields
    assert [t["id"] for t in listed] == [created["id"]]
    assert listed[0]["version"] == 1


async def test_templates_over_graphql(acme: Tenant) -> None:
    async with acme.admin() as admin:
        member = await create_member(admin, "Ann Member")
        created = data(
            await gql(admin, CREATE, {"input": to_graphql(KEY_ACCOUNTS)}), "createTemplate"
        )
        template = created["template"]
        read = data(await gql(admin, TEMPLATE, {"id": template["id"]}), "template")
        builtin = data(await gql(admin, TEMPLATE, {"id": SALES_MANAGER_ID}), "template")
        own = data(
            await gql(admin, TEMPLATES, {"first": 10, "filter": {"includeBuiltin": False}}),
            "templates",
        )
        updated = data(
            await gql(
                admin,
                UPDATE,
                {
                    "input": {
                        "id": template["id"],
                        "titleEn": "Grow key accounts",
                        "expectedVersion": 1,
                    }
                },
            ),
            "updateTemplate",
        )
        stale = await gql(
            admin, UPDATE, {"input": {"id": template["id"], "titleEn": "x", "expectedVersion": 1}}
        )
        null_title = await gql(admin, UPDATE, {"input": {"id": template["id"], "titleZh": None}})
    async with acme.as_member(member["id"], "member") as ann:
        member_create = await gql(
            ann, CREATE, {"input": to_graphql({**KEY_ACCOUNTS, "key": "ann"})}
        )
        member_delete = await gql(ann, DELETE, {"input": {"id": template["id"]}})
    async with acme.admin() as admin:
        stale_delete = await gql(
            admin, DELETE, {"input": {"id": template["id"], "expectedVersion": 1}}
        )
        deleted = data(
            await gql(admin, DELETE, {"input": {"id": template["id"], "expectedVersion": 2}}),
            "deleteTemplate",
        )
        gone = await gql(admin, TEMPLATE, {"id": template["id"]})

    assert (template["builtin"], template["version"], template["level"]) == (False, 1, "INDIVIDUAL")
    assert template["keyResults"][0]["weight"] == "0.6"
    assert template["keyResults"][1]["milestones"][1] == {
        "titleZh": "看板试运行",
        "titleEn": "Pilot the dashboard",
        "weight": "2",
    }
    assert read == template
    assert (builtin["key"], builtin["builtin"]) == ("sales-manager", True)
    assert [t["id"] for t in own["nodes"]] == [template["id"]]
    assert own["pageInfo"]["hasNextPage"] is False
    changed = updated["template"]
    assert (changed["titleEn"], changed["version"]) == ("Grow key accounts", 2)
    assert changed["keyResults"] == template["keyResults"]
    assert codes(stale) == codes(stale_delete) == ["stale_version"]
    assert codes(null_title) == ["validation_failed"]
    assert codes(member_create) == codes(member_delete) == ["forbidden"]
    assert deleted == {"deletedTemplateId": template["id"]}
    assert codes(gone) == ["not_found"]


# -- instantiation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Sales:
    """A sales department led by Vic (a manager) with its objective in an active quarter;
    Ann and Bob report to Vic."""

    tenant: Tenant
    quarter: dict[str, Any]
    department_objective: dict[str, Any]
    vic: dict[str, Any]
    ann: dict[str, Any]
    bob: dict[str, Any]

    def client(self, who: dict[str, Any], *roles: str) -> httpx.AsyncClient:
        return self.tenant.as_member(who["id"], *(roles or ("member",)))


async def sales(tenant: Tenant) -> Sales:
    async with tenant.admin() as admin:
        vic = await create_member(admin, "Vic Manager", roles=["manager"])
        ann = await create_member(admin, "Ann Rep", manager_id=vic["id"])
        bob = await create_member(admin, "Bob Rep", manager_id=vic["id"])
        company = await post(admin, "/v1/units", {"kind": "company", "name": "Acme"})
        department = await post(
            admin,
            "/v1/units",
            {
                "kind": "department",
                "name": "Sales",
                "parent_id": company["id"],
                "lead_id": vic["id"],
            },
        )
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        grow = await objective(
            admin,
            cycle_id=quarter["id"],
            title="Grow revenue with healthy customers",
            owner={"kind": "unit", "id": department["id"]},
            status="active",
        )
    return Sales(tenant, quarter, grow, vic, ann, bob)


async def okr_counts(client: httpx.AsyncClient) -> list[str]:
    return [o["id"] for o in (await get(client, "/v1/objectives?limit=200"))["items"]]


async def test_instantiate_the_sales_manager_template_in_chinese_and_english(
    acme: Tenant,
) -> None:
    s = await sales(acme)
    async with s.client(s.ann) as ann:
        created = await ann.post(
            f"/v1/templates/{SALES_MANAGER_ID}/instantiate",
            json={
                "cycle_id": s.quarter["id"],
                "locale": "zh-CN",
                "parent_objective_id": s.department_objective["id"],
            },
            headers={"Idempotency-Key": "ann-sales-manager"},
        )
        replayed = await ann.post(
            f"/v1/templates/{SALES_MANAGER_ID}/instantiate",
            json={
                "cycle_id": s.quarter["id"],
                "locale": "zh-CN",
                "parent_objective_id": s.department_objective["id"],
            },
            headers={"Idempotency-Key": "ann-sales-manager"},
        )
        zh = ok(created, 201)
        read = await get(ann, f"/v1/objectives/{zh['id']}")
        zh_actions = [
            (await get(ann, f"/v1/key-results/{kr['id']}/actions"))["items"]
            for kr in zh["key_results"]
        ]
        zh_quality = await get(ann, f"/v1/objectives/{zh['id']}/quality")
    async with s.client(s.bob) as bob:
        en = ok(
            await bob.post(
                f"/v1/templates/{SALES_MANAGER_ID}/instantiate",
                json={"cycle_id": s.quarter["id"], "locale": "en"},
            ),
            201,
        )
        en_actions = [
            (await get(bob, f"/v1/key-results/{kr['id']}/actions"))["items"]
            for kr in en["key_results"]
        ]
        en_quality = await get(bob, f"/v1/objectives/{en['id']}/quality")
    async with acme.admin() as admin:
        objectives = await okr_counts(admin)

    # 201 with the objective as GET /v1/objectives/{id} shows it; a retry replays it.
    assert created.headers["location"] == f"/v1/objectives/{zh['id']}"
    assert created.headers["etag"].startswith('"1-')
    assert {k: v for k, v in read.items() if k != "score"} == {
        k: v for k, v in zh.items() if k != "score"
    }
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == zh["id"]
    assert sorted(objectives) == sorted([s.department_objective["id"], zh["id"], en["id"]])

    # Chinese: the template's Chinese texts and its numbers, a draft for Ann, individual.
    assert (zh["title"], zh["description"]) == (
        SALES_MANAGER.title_zh,
        SALES_MANAGER.description_zh,
    )
    assert (zh["status"], zh["level"], zh["owner"]) == (
        "draft",
        "individual",
        {"kind": "member", "id": s.ann["id"]},
    )
    assert (zh["cycle_id"], zh["parent_objective_id"]) == (
        s.quarter["id"],
        s.department_objective["id"],
    )
    template_krs = SALES_MANAGER.key_results
    assert [kr["title"] for kr in zh["key_results"]] == [kr.title_zh for kr in template_krs]
    assert [kr["unit"] for kr in zh["key_results"]] == [None, "%", "%", "天"]
    numbers = [
        (
            kr["metric_kind"],
            kr["start"],
            kr["target"],
            kr["direction"],
            kr["currency"],
            kr["weight"],
        )
        for kr in zh["key_results"]
    ]
    assert numbers == [
        (
            str(kr.metric_kind),
            str(kr.start),
            str(kr.target),
            str(kr.direction),
            kr.currency,
            str(kr.weight),
        )
        for kr in template_krs
    ]
    assert {(kr["owner_id"], kr["due_date"]) for kr in zh["key_results"]} == {
        (s.ann["id"], "2027-03-31")
    }
    assert [
        [(a["title"], a["completion_standard"]) for a in actions] for actions in zh_actions
    ] == [[(a.title_zh, a.completion_standard_zh) for a in kr.actions] for kr in template_krs]
    assert {
        (a["owner_id"], a["due_date"], a["status"]) for actions in zh_actions for a in actions
    } == {(s.ann["id"], "2027-03-31", "todo")}
    # Aligned to the department's objective, it lints clean.
    assert zh_quality["findings"] == []

    # English: the same numbers in English; not aligned, which is all the linter says.
    assert en["title"] == SALES_MANAGER.title_en
    assert [kr["title"] for kr in en["key_results"]] == [kr.title_en for kr in template_krs]
    assert [kr["unit"] for kr in en["key_results"]] == [None, "%", "%", "days"]
    assert [
        (
            kr["metric_kind"],
            kr["start"],
            kr["target"],
            kr["direction"],
            kr["currency"],
            kr["weight"],
        )
        for kr in en["key_results"]
    ] == numbers
    assert [[a["title"] for a in actions] for actions in en_actions] == [
        [a.title_en for a in kr.actions] for kr in template_krs
    ]
    assert {kr["owner_id"] for kr in en["key_results"]} == {s.bob["id"]}
    assert [(f["code"], f["target"]) for f in en_quality["findings"]] == [
        ("not_aligned", "objective")
    ]


async def test_instantiate_an_organizations_own_template_over_graphql(acme: Tenant) -> None:
    s = await sales(acme)
    async with s.client(s.vic, "manager") as vic:
        own = ok(await vic.post("/v1/templates", json=KEY_ACCOUNTS), 201)
        body = await gql(
            vic,
            INSTANTIATE,
            {
                "input": {
                    "templateId": own["id"],
                    "cycleId": s.quarter["id"],
                    "ownerId": s.ann["id"],
                    "locale": "ZH_CN",
                    "parentObjectiveId": s.department_objective["id"],
                }
            },
        )
        made = data(body, "instantiateTemplate")["objective"]
        read = await get(vic, f"/v1/objectives/{made['id']}")
        builtin_read_only = await gql(
            vic, UPDATE, {"input": {"id": SALES_MANAGER_ID, "level": "TEAM"}}
        )

    assert (made["title"], made["status"], made["level"], made["version"]) == (
        KEY_ACCOUNTS["title_zh"],
        "DRAFT",
        "INDIVIDUAL",
        1,
    )
    assert made["owner"] == {"id": s.ann["id"]}
    assert made["parent"] == {"id": s.department_objective["id"]}
    assert [
        (kr["title"], kr["metricKind"], kr["start"], kr["target"], kr["weight"], kr["unit"])
        for kr in made["keyResults"]
    ] == [
        ("重点客户续约率从85%提升到95%", "PERCENT", "85", "95", "0.6", "%"),
        ("上线客户健康度看板", "MILESTONES", "0", "1", "0.4", None),
    ]
    assert {kr["owner"]["id"] for kr in made["keyResults"]} == {s.ann["id"]}
    assert [m["title"] for m in read["key_results"][1]["milestones"]] == [
        "确定健康度指标",
        "看板试运行",
    ]
    assert [m["weight"] for m in read["key_results"][1]["milestones"]] == ["1", "2"]
    assert codes(builtin_read_only) == ["template_read_only"]


async def test_a_refused_instantiation_creates_nothing(acme: Tenant, globex: Tenant) -> None:
    s = await sales(acme)
    async with globex.admin() as b_client:
        their_cycle = await active_cycle(b_client, "2027", "year", "2027-01-01", "2027-12-31")
        their_template = ok(await b_client.post("/v1/templates", json=KEY_ACCOUNTS), 201)
        theirs_before = await okr_counts(b_client)
    async with acme.admin() as admin:
        closed = await active_cycle(admin, "2026 Q4", "quarter", "2026-10-01", "2026-12-31")
        ok(await admin.patch(f"/v1/cycles/{closed['id']}", json={"state": "closed"}))
        before = await okr_counts(admin)
    async with s.client(s.ann) as ann:
        into_closed = await ann.post(
            f"/v1/templates/{SALES_MANAGER_ID}/instantiate", json={"cycle_id": closed["id"]}
        )
        into_their_cycle = await ann.post(
            f"/v1/templates/{SALES_MANAGER_ID}/instantiate", json={"cycle_id": their_cycle["id"]}
        )
        their_template_used = await ann.post(
            f"/v1/templates/{their_template['id']}/instantiate",
            json={"cycle_id": s.quarter["id"]},
        )
        their_template_read = await ann.get(f"/v1/templates/{their_template['id']}")
        for_bob = await ann.post(
            f"/v1/templates/{SALES_MANAGER_ID}/instantiate",
            json={"cycle_id": s.quarter["id"], "owner_id": s.bob["id"]},
        )
        gql_closed = await gql(
            ann,
            INSTANTIATE,
            {"input": {"templateId": SALES_MANAGER_ID, "cycleId": closed["id"]}},
        )
        gql_theirs = await gql(
            ann,
            INSTANTIATE,
            {"input": {"templateId": their_template["id"], "cycleId": s.quarter["id"]}},
        )
        listed = await all_templates(ann)
    async with acme.admin() as admin:
        after = await okr_counts(admin)
        audit = (await get(admin, "/v1/audit-events?resource_type=key_result"))["items"]
    async with globex.admin() as b_client:
        theirs_after = await okr_counts(b_client)

    problem(into_closed, 422, "cycle_closed")
    refused = problem(into_their_cycle, 422, "unknown_reference")
    assert [e["field"] for e in refused["errors"]] == ["cycle_id"]
    problem(their_template_used, 404, "not_found")
    problem(their_template_read, 404, "not_found")
    problem(for_bob, 403, "forbidden")
    assert codes(gql_closed) == ["cycle_closed"]
    assert codes(gql_theirs) == ["not_found"]
    assert their_template["id"] not in {t["id"] for t in listed}
    assert after == before
    assert audit == []
    assert theirs_after == theirs_before
