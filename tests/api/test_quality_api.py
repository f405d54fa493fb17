"""The OKR linter over REST and GraphQL, on the worked examples of DOMAIN.md.

``GET /v1/objectives/{id}/quality`` and ``Query.objectiveQuality`` lint a stored objective;
``POST /v1/quality/check`` and ``Query.checkObjectiveDraft`` lint a draft, saving nothing.
The sales-ops O2 feedback-process KR is a task; "sales reach 2 million this month" alone
is the end-state trap with too few KRs; "提升企业整体业务水平" is the long-horizon trap; the
001 O1 and 002 objectives lint clean. ``message`` follows ``Accept-Language`` (REST) or
``language`` (GraphQL), else the organization's locale; tenancy and visibility as for
objectives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.quality.rest import negotiated_locale
from domain.organizations import Locale
from tests.api.harness import Tenant, create_member
from tests.api.okr_harness import active_cycle, get, key_result, objective, patch, post
from tests.api.test_graphql import codes, gql

OBJECTIVE_QUALITY = """
query($id: UUID!, $language: Locale) {
  objectiveQuality(objectiveId: $id, language: $language) {
    objectiveId locale findings { code severity target message messageZh messageEn }
  }
}"""
CHECK_DRAFT = """
query($draft: ObjectiveDraftInput!, $language: Locale) {
  checkObjectiveDraft(draft: $draft, language: $language) {
    objectiveId locale findings { code severity target message messageZh messageEn }
  }
}"""

KR_COUNT_EN = "An objective should have 2 to 5 key results; this one has 1"
KR_COUNT_ZH = "目标应有2至5个关键结果，当前为1个"  # noqa: RUF001


def found(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(target, code) of every finding, REST or GraphQL (whose codes are upper case)."""
    return [(f["target"], f["code"].lower()) for f in report["findings"]]


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


def gql_data(body: dict[str, Any], name: str) -> dict[str, Any]:
    assert "errors" not in body, body
    report: dict[str, Any] = body["data"][name]
    return report


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


async def check(
    client: httpx.AsyncClient, draft: dict[str, Any], language: str | None = None
) -> httpx.Response:
    headers = {"Accept-Language": language} if language is not None else {}
    return await client.post("/v1/quality/check", json=draft, headers=headers)


async def check_gql(
    client: httpx.AsyncClient, draft: dict[str, Any], language: str | None = None
) -> dict[str, Any]:
    return await gql(client, CHECK_DRAFT, {"draft": draft, "language": language})


def to_graphql(draft: dict[str, Any]) -> dict[str, Any]:
    """A REST draft body as ObjectiveDraftInput: camelCase keys, enum names, milestones
    as a count."""

    def camel(name: str) -> str:
        head, *rest = name.split("_")
        return head + "".join(part.title() for part in rest)

    enums = {"level", "metric_kind", "owner_kind"}
    out: dict[str, Any] = {}
    for name, value in draft.items():
        if name == "key_results":
            out["keyResults"] = [to_graphql(kr) for kr in value]
        elif name == "milestones" and isinstance(value, list):
            out["milestones"] = len(value)
        elif name in enums and value is not None:
            out[camel(name)] = value.upper()
        else:
            out[camel(name)] = value
    return out


# -- the worked examples ---------------------------------------------------------------------


@dataclass(frozen=True)
class SalesOps:
    """001: the company aims at +30% sales and satisfaction above 90%; the sales-operations
    department's O2 "Improve customer experience" contributes to the satisfaction KR."""

    year: dict[str, Any]
    department: dict[str, Any]
    o2: dict[str, Any]
    liu: dict[str, Any]


async def sales_ops(acme: Tenant) -> SalesOps:
    async with acme.admin() as admin:
        ceo = await create_member(admin, "Zhao Min", roles=["manager"])
        chen = await create_member(admin, "Chen Jie", roles=["manager"], manager_id=ceo["id"])
        liu = await create_member(admin, "Liu Yang", manager_id=chen["id"])
        company = await post(
            admin, "/v1/units", {"kind": "company", "name": "Acme", "lead_id": ceo["id"]}
        )
        department = await post(
            admin,
            "/v1/units",
            {
                "kind": "department",
                "name": "Sales Operations",
                "parent_id": company["id"],
                "lead_id": chen["id"],
            },
        )
        year = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        aim = await objective(
            admin,
            cycle_id=year["id"],
            title="Sales +30% and customer satisfaction above 90%",
            owner={"kind": "unit", "id": company["id"]},
            status="active",
        )
        satisfaction = await key_result(
            admin,
            aim["id"],
            title="Customer satisfaction above 90%",
            owner_id=ceo["id"],
            metric_kind="percent",
            start="84",
            target="90",
        )
    async with acme.as_member(chen["id"], "manager") as head:
        o2 = await objective(
            head,
            cycle_id=year["id"],
            title="Improve customer experience",
            owner={"kind": "unit", "id": department["id"]},
            parent_key_result_id=satisfaction["id"],
            status="active",
        )
        await key_result(
            head,
            o2["id"],
            title="Complaint response under 24 hours",
            owner_id=liu["id"],
            unit="hours",
            start="48",
            target="24",
            direction="decrease",
        )
        await key_result(
            head,
            o2["id"],
            title='"Very satisfied" share above 50%',
            owner_id=liu["id"],
            metric_kind="percent",
            start="35",
            target="50",
        )
        await key_result(
            head,
            o2["id"],
            title="Build a monthly customer-feedback process",
            owner_id=liu["id"],
            metric_kind="milestones",
            milestones=[
                {"title": "Survey designed", "weight": "1"},
                {"title": "Feedback channel live", "weight": "2"},
                {"title": "First monthly feedback report", "weight": "2"},
            ],
        )
    return SalesOps(year=year, department=department, o2=o2, liu=liu)


def end_state_draft(owner_id: str) -> dict[str, Any]:
    """004: an e-commerce company's month with sales as the only KR (终局误区)."""
    return {
        "title": "Hit this month's sales target",
        "level": "company",
        "key_results": [
            {
                "title": "sales reach 2 million this month",
                "metric_kind": "currency",
                "start": 0,  # decimals as numbers ...
                "target": "2000000",  # ... or strings
                "owner_id": owner_id,
            }
        ],
    }


def vague_draft(owner_id: str) -> dict[str, Any]:
    """Two good KRs and one vague company-wide aim (长效误区)."""
    return {
        "title": "提升销售业绩",
        "level": "department",
        "parent_objective_id": owner_id,  # any id: the draft is aligned, it is not looked up
        "key_results": [
            {"title": "新客户获取量同比增长20%", "metric_kind": "percent", "target": "20"},
            {"title": "老客户复购率提升至60%", "metric_kind": "percent", "target": "60"},
            {"title": "提升企业整体业务水平", "metric_kind": "percent", "target": "10"},
        ],
    }


def churn_draft(owner_id: str, cycle_id: str | None = None) -> dict[str, Any]:
    """002, the revenue team's "Reduce churn by 2%", aligned to the company's aim: clean."""
    draft: dict[str, Any] = {
        "title": "Reduce churn by 2%",
        "description": "Keep the customers we have.",
        "level": "team",
        "owner_kind": "member",
        "owner_id": owner_id,
        "parent_key_result_id": owner_id,
        "key_results": [
            {
                "title": "raise the customer satisfaction score by 5%",
                "metric_kind": "percent",
                "start": "0",
                "target": "5",
                "owner_id": owner_id,
            },
            {
                "title": "retain 92% of customers",
                "metric_kind": "percent",
                "target": 92,
                "owner_id": owner_id,
                "due_date": "2027-03-31",
            },
            {
                "title": "reduce support requests by 8%",
                "metric_kind": "percent",
                "target": "8",
                "owner_id": owner_id,
            },
        ],
    }
    if cycle_id is not None:
        draft["cycle_id"] = cycle_id
    return draft


async def test_the_sales_ops_o2_feedback_process_is_flagged_as_a_task(acme: Tenant) -> None:
    example = await sales_ops(acme)
    path = f"/v1/objectives/{example.o2['id']}/quality"
    async with acme.as_member(example.liu["id"]) as liu:
        rest = ok(await liu.get(path))
        graphql = gql_data(
            await gql(liu, OBJECTIVE_QUALITY, {"id": example.o2["id"]}), "objectiveQuality"
        )

    assert rest["objective_id"] == example.o2["id"]
    assert rest["locale"] == "en"
    assert found(rest) == [("key_results[2]", "kr_is_task")]
    (task,) = rest["findings"]
    assert task["severity"] == "warning"
    assert task["message"] == task["message_en"]
    assert "not a task" in task["message_en"]
    assert "而非任务" in task["message_zh"]

    assert graphql["objectiveId"] == example.o2["id"]
    assert graphql["locale"] == "EN"
    assert graphql["findings"] == [
        {
            "code": "KR_IS_TASK",
            "severity": "WARNING",
            "target": "key_results[2]",
            "message": task["message_en"],
            "messageZh": task["message_zh"],
            "messageEn": task["message_en"],
        }
    ]


async def test_sales_as_the_only_kr_is_the_end_state_trap(acme: Tenant) -> None:
    draft = end_state_draft(str(acme.admin_id))
    async with acme.admin() as admin:
        rest = ok(await check(admin, draft))
        graphql = gql_data(await check_gql(admin, to_graphql(draft)), "checkObjectiveDraft")

    expected = [("objective", "kr_count"), ("objective", "end_state_only")]
    assert rest["objective_id"] is None
    assert found(rest) == found(graphql) == expected
    assert [f["severity"] for f in rest["findings"]] == ["warning", "warning"]
    assert rest["findings"][0]["message"] == KR_COUNT_EN
    assert rest["findings"][0]["message_zh"] == KR_COUNT_ZH
    assert graphql["objectiveId"] is None
    assert graphql["findings"][0]["messageEn"] == KR_COUNT_EN


async def test_a_vague_company_wide_kr_is_the_long_horizon_trap(acme: Tenant) -> None:
    draft = vague_draft(str(acme.admin_id))
    for kr in draft["key_results"]:
        kr["owner_id"] = str(acme.admin_id)
    async with acme.admin() as admin:
        rest = ok(await check(admin, draft, "zh-CN"))
        graphql = gql_data(
            await check_gql(admin, to_graphql(draft), "ZH_CN"), "checkObjectiveDraft"
        )

    assert found(rest) == found(graphql) == [("key_results[2]", "long_horizon")]
    assert "长效误区" in rest["findings"][0]["message"]
    assert "长效误区" in graphql["findings"][0]["message"]
    assert "long-horizon trap" in rest["findings"][0]["message_en"]


async def test_a_kr_due_after_the_cycle_and_a_kr_without_owner_or_target(acme: Tenant) -> None:
    async with acme.admin() as admin:
        quarter = await active_cycle(admin, "2027 Q1", "quarter", "2027-01-01", "2027-03-31")
        draft = churn_draft(str(acme.admin_id), quarter["id"])
        draft["key_results"][1]["due_date"] = "2027-06-30"
        draft["key_results"][2].pop("owner_id")
        draft["key_results"][2].pop("target")
        draft["key_results"].append(
            {
                "title": "Customer advisory board in place",
                "metric_kind": "milestones",
                "milestones": [{"title": "Members named"}],
                "owner_id": str(acme.admin_id),
            }
        )
        rest = ok(await check(admin, draft))
        graphql = gql_data(await check_gql(admin, to_graphql(draft)), "checkObjectiveDraft")

    expected = [
        ("key_results[1]", "long_horizon"),
        ("key_results[2]", "kr_not_measurable"),
        ("key_results[2]", "kr_no_owner"),
        ("key_results[3]", "kr_no_midway_progress"),
    ]
    assert found(rest) == expected
    assert [f["severity"] for f in rest["findings"]] == ["warning", "error", "error", "warning"]
    assert "(2027-06-30) after the cycle ends (2027-03-31)" in rest["findings"][0]["message"]
    # GraphQL takes the milestones as a count (one): a yes/no in disguise there too.
    assert found(graphql) == expected


async def test_the_good_worked_examples_lint_clean(acme: Tenant) -> None:
    example = await sales_ops(acme)
    o1 = {
        "title": "Improve sales performance",
        "level": "department",
        "owner_kind": "unit",
        "owner_id": example.department["id"],
        "cycle_id": example.year["id"],
        "parent_key_result_id": example.o2["parent_key_result_id"],
        "key_results": [
            {"title": t, "metric_kind": k, "start": s, "target": g, "owner_id": example.liu["id"]}
            for t, k, s, g in (
                ("New customers +20% year on year", "number", "500", "600"),
                ("Repeat-purchase rate to 60%", "percent", "45", "60"),
                ("Average sales cycle under 30 days", "number", "42", "30"),
            )
        ],
    }
    churn = churn_draft(str(acme.admin_id), example.year["id"])
    async with acme.admin() as admin:
        reports = [ok(await check(admin, draft)) for draft in (o1, churn)]
        graphql = [
            gql_data(await check_gql(admin, to_graphql(draft)), "checkObjectiveDraft")
            for draft in (o1, churn)
        ]
        stored = await objective(
            admin,
            cycle_id=example.year["id"],
            title=churn["title"],
            parent_key_result_id=example.o2["parent_key_result_id"],
            level="team",
        )
        for kr in churn["key_results"]:
            await key_result(
                admin, stored["id"], **{k: v for k, v in kr.items() if k != "due_date"}
            )
        stored_report = ok(await admin.get(f"/v1/objectives/{stored['id']}/quality"))

    assert [r["findings"] for r in reports] == [[], []]
    assert [r["findings"] for r in graphql] == [[], []]
    assert stored_report == {"objective_id": stored["id"], "locale": "en", "findings": []}


# -- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Locale.EN),
        ("", Locale.EN),
        ("zh-CN", Locale.ZH_CN),
        ("zh", Locale.ZH_CN),
        ("zh-TW", Locale.ZH_CN),
        ("ZH-cn", Locale.ZH_CN),
        ("en-GB", Locale.EN),
        ("fr-FR, de", Locale.EN),
        ("fr-FR,zh;q=0.9,en;q=0.8", Locale.ZH_CN),
        ("en;q=0.5, zh-CN;q=0.9", Locale.ZH_CN),
        ("zh-CN;q=0, en;q=0.1", Locale.EN),
        ("zh;q=0.8, en;q=0.8", Locale.ZH_CN),  # a tie keeps the header's order
        ("*", Locale.EN),
        ("zhx, eng", Locale.EN),  # other languages that merely start with the letters
        ("zh;q=abc, en", Locale.EN),
    ],
)
def test_accept_language_picks_the_first_supported_language(
    header: str | None, expected: Locale
) -> None:
    assert negotiated_locale(header, Locale.EN) is expected


def test_without_a_supported_language_the_default_stands() -> None:
    assert negotiated_locale("fr", Locale.ZH_CN) is Locale.ZH_CN
    assert negotiated_locale("*", Locale.ZH_CN) is Locale.ZH_CN
    assert negotiated_locale("en-US,en;q=0.9", Locale.ZH_CN) is Locale.EN


async def test_accept_language_picks_the_message_and_content_language(acme: Tenant) -> None:
    draft = end_state_draft(str(acme.admin_id))
    async with acme.admin() as admin:
        zh = await check(admin, draft, "zh-CN,zh;q=0.9,en;q=0.8")
        en = await check(admin, draft, "en-US")
        other = await check(admin, draft, "fr-FR")
        none = await check(admin, draft)
        gql_zh = gql_data(await check_gql(admin, to_graphql(draft), "ZH_CN"), "checkObjectiveDraft")
        gql_en = gql_data(await check_gql(admin, to_graphql(draft), "EN"), "checkObjectiveDraft")

    assert zh.headers["content-language"] == "zh-CN"
    assert ok(zh)["locale"] == "zh-CN"
    assert ok(zh)["findings"][0]["message"] == KR_COUNT_ZH
    for response in (en, other, none):
        assert response.headers["content-language"] == "en"
        assert response.headers["vary"] == "Accept-Language"
        assert ok(response)["locale"] == "en"
        assert ok(response)["findings"][0]["message"] == KR_COUNT_EN
    # Both languages are always there, whichever was chosen.
    assert ok(zh)["findings"][0]["message_en"] == ok(en)["findings"][0]["message_en"]
    assert (gql_zh["locale"], gql_zh["findings"][0]["message"]) == ("ZH_CN", KR_COUNT_ZH)
    assert (gql_en["locale"], gql_en["findings"][0]["message"]) == ("EN", KR_COUNT_EN)


async def test_the_default_language_is_the_organizations_locale(acme: Tenant) -> None:
    example = await sales_ops(acme)
    path = f"/v1/objectives/{example.o2['id']}/quality"
    draft = end_state_draft(str(acme.admin_id))
    async with acme.admin() as admin:
        await patch(admin, "/v1/organization", {"locale": "zh-CN"})
        stored = await admin.get(path)
        drafted = await check(admin, draft)
        asked_en = await admin.get(path, headers={"Accept-Language": "en"})
        unsupported = await admin.get(path, headers={"Accept-Language": "ja"})
        gql_stored = gql_data(
            await gql(admin, OBJECTIVE_QUALITY, {"id": example.o2["id"]}), "objectiveQuality"
        )
        gql_draft = gql_data(await check_gql(admin, to_graphql(draft)), "checkObjectiveDraft")
        gql_en = gql_data(
            await gql(admin, OBJECTIVE_QUALITY, {"id": example.o2["id"], "language": "EN"}),
            "objectiveQuality",
        )

    for response in (stored, drafted, unsupported):
        assert response.headers["content-language"] == "zh-CN"
        assert ok(response)["locale"] == "zh-CN"
        for finding in ok(response)["findings"]:
            assert finding["message"] == finding["message_zh"]
    assert "而非任务" in ok(stored)["findings"][0]["message"]
    assert ok(drafted)["findings"][0]["message"] == KR_COUNT_ZH
    assert asked_en.headers["content-language"] == "en"
    assert "not a task" in ok(asked_en)["findings"][0]["message"]
    assert gql_stored["locale"] == gql_draft["locale"] == "ZH_CN"
    assert "而非任务" in gql_stored["findings"][0]["message"]
    assert gql_draft["findings"][0]["message"] == KR_COUNT_ZH
    assert gql_en["locale"] == "EN"
    assert "not a task" in gql_en["findings"][0]["message"]


# -- a draft writes nothing; bad drafts --------------------------------------------------------


async def test_checking_a_draft_writes_nothing(acme: Tenant) -> None:
    async with acme.admin() as admin:
        year = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        await objective(admin, cycle_id=year["id"], title="Already there")
        before = (await get(admin, "/v1/objectives"), await get(admin, "/v1/audit-events"))
        draft = churn_draft(str(acme.admin_id), year["id"])
        first = await check(admin, draft)
        again = await admin.post(
            "/v1/quality/check", json=draft, headers={"Idempotency-Key": "lint-1"}
        )
        gql_draft = await check_gql(admin, to_graphql(draft))
        after = (await get(admin, "/v1/objectives"), await get(admin, "/v1/audit-events"))

    assert first.status_code == again.status_code == 200
    assert "location" not in first.headers
    assert ok(first) == ok(again)
    assert gql_data(gql_draft, "checkObjectiveDraft")["findings"] == []
    assert after == before
    assert [o["title"] for o in after[0]["items"]] == ["Already there"]


async def test_an_owner_with_too_many_objectives_is_told_to_focus(acme: Tenant) -> None:
    async with acme.admin() as admin:
        year = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        for n in range(5):
            await objective(admin, cycle_id=year["id"], title=f"Objective {n}")
        draft = churn_draft(str(acme.admin_id), year["id"])
        draft.pop("owner_id")  # default: the caller
        rest = ok(await check(admin, draft))
        graphql = gql_data(await check_gql(admin, to_graphql(draft)), "checkObjectiveDraft")

    assert found(rest) == found(graphql) == [("objective", "too_many_objectives")]
    assert rest["findings"][0]["severity"] == "info"
    assert graphql["findings"][0]["severity"] == "INFO"
    assert "6 objectives this cycle, more than 5" in rest["findings"][0]["message"]


async def test_a_bad_draft_is_a_422_problem(acme: Tenant) -> None:
    good = end_state_draft(str(acme.admin_id))
    no_title = {k: v for k, v in good.items() if k != "title"}
    no_level = {k: v for k, v in good.items() if k != "level"}
    unknown = {**good, "colour": "red"}
    read_only = {**good, "id": str(acme.admin_id)}
    kr_unknown = {**good, "key_results": [{**good["key_results"][0], "unit": "CNY"}]}
    bad_decimal = {**good, "key_results": [{**good["key_results"][0], "target": "lots"}]}
    bad_milestones = {**good, "key_results": [{"title": "x", "milestones": -1}]}
    long_title = {**good, "title": "x" * 301}
    async with acme.admin() as admin:
        answers = {
            name: await check(admin, body)
            for name, body in {
                "no title": no_title,
                "no level": no_level,
                "unknown": unknown,
                "read only": read_only,
                "kr unknown": kr_unknown,
                "bad decimal": bad_decimal,
                "bad milestones": bad_milestones,
                "long title": long_title,
            }.items()
        }
        not_json = await admin.post(
            "/v1/quality/check", content=b"{", headers={"Content-Type": "application/json"}
        )

    fields = {
        name: [(e["field"], e["code"]) for e in problem(r, 422, "validation_failed")["errors"]]
        for name, r in answers.items()
    }
    assert fields == {
        "no title": [("title", "missing")],
        "no level": [("level", "missing")],
        "unknown": [("colour", "unknown_field")],
        "read only": [("id", "read_only")],
        "kr unknown": [("key_results.0.unit", "unknown_field")],
        "bad decimal": [("key_results.0.target", "decimal_parsing")],
        "bad milestones": [("key_results.0.milestones.count", "greater_than_equal")],
        "long title": [("title", "string_too_long")],
    }
    problem(not_json, 400, "malformed_json")  # not JSON at all: no fields to name


async def test_a_bad_draft_over_graphql(acme: Tenant) -> None:
    good = to_graphql(end_state_draft(str(acme.admin_id)))
    async with acme.admin() as admin:
        no_title = await check_gql(admin, {k: v for k, v in good.items() if k != "title"})
        unknown = await check_gql(admin, {**good, "colour": "red"})
        too_long = await check_gql(
            admin,
            {
                **good,
                "title": "x" * 301,
                "keyResults": [{"title": "y" * 301, "milestones": -1, "target": "NaN"}],
            },
        )

    assert codes(no_title) == codes(unknown) == ["invalid_query"]
    assert codes(too_long) == ["validation_failed"]
    assert too_long["data"] == {"checkObjectiveDraft": None}
    assert [(e["field"], e["code"]) for e in too_long["errors"][0]["extensions"]["errors"]] == [
        # The shape's refusal, with pydantic's codes as REST's 422 has them.
        ("draft.title", "string_too_long"),
        ("draft.keyResults.0.title", "string_too_long"),
        ("draft.keyResults.0.target", "finite_number"),
        ("draft.keyResults.0.milestones", "greater_than_equal"),
    ]


# -- visibility and tenancy ------------------------------------------------------------------


async def test_a_private_objective_of_another_member_is_404(acme: Tenant) -> None:
    async with acme.admin() as admin:
        year = await active_cycle(admin, "2027", "year", "2027-01-01", "2027-12-31")
        ann = await create_member(admin, "Ann")
        bob = await create_member(admin, "Bob")
    async with acme.as_member(ann["id"]) as client:
        secret = await objective(
            client, cycle_id=year["id"], title="Ann's secret plan", visibility="private"
        )
        own = await client.get(f"/v1/objectives/{secret['id']}/quality")
    async with acme.as_member(bob["id"]) as client:
        read = await client.get(f"/v1/objectives/{secret['id']}")
        linted = await client.get(f"/v1/objectives/{secret['id']}/quality")
        gql_linted = await gql(client, OBJECTIVE_QUALITY, {"id": secret["id"]})

    assert found(ok(own)) == [("objective", "kr_count"), ("objective", "not_aligned")]
    strip = {"request_id"}
    assert {k: v for k, v in problem(linted, 404, "not_found").items() if k not in strip} == {
        k: v for k, v in problem(read, 404, "not_found").items() if k not in strip
    }
    assert codes(gql_linted) == ["not_found"]
    assert gql_linted["data"] == {"objectiveQuality": None}


async def test_another_tenants_objective_and_cycle_are_unknown(
    acme: Tenant, globex: Tenant
) -> None:
    async with globex.admin() as b_client:
        b_cycle = await active_cycle(b_client, "2027", "year", "2027-01-01", "2027-12-31")
        b_objective = await objective(b_client, cycle_id=b_cycle["id"], title="Globex secret")
    draft = churn_draft(str(acme.admin_id), b_cycle["id"])
    async with acme.admin() as a_client:
        theirs = await a_client.get(f"/v1/objectives/{b_objective['id']}/quality")
        in_their_cycle = await check(a_client, draft)
        gql_theirs = await gql(a_client, OBJECTIVE_QUALITY, {"id": b_objective["id"]})
        gql_cycle = await check_gql(a_client, to_graphql(draft))

    problem(theirs, 404, "not_found")
    refused = problem(in_their_cycle, 422, "unknown_reference")
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("cycle_id", "unknown_reference")
    ]
    assert codes(gql_theirs) == ["not_found"]
    assert codes(gql_cycle) == ["unknown_reference"]
    assert gql_cycle["errors"][0]["extensions"]["errors"][0]["field"] == "cycleId"
    async with globex.admin() as b_client:
        mine = ok(await b_client.get(f"/v1/objectives/{b_objective['id']}/quality"))
    assert mine["objective_id"] == b_objective["id"]


async def test_without_a_token_it_is_401(acme: Tenant) -> None:
    async with acme.client() as anonymous:
        response = await check(anonymous, end_state_draft(str(acme.admin_id)))
    problem(response, 401, "missing_token")
