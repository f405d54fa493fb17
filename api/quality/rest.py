"""The OKR linter over REST: lint a stored objective, or a draft an editor is typing.

Findings carry both languages; ``message`` is in the first language of ``Accept-Language``
that we speak (``zh*`` -> ``zh-CN``, ``en*`` -> ``en``), else the organization's locale. The
answer says which in ``Content-Language`` and in ``locale``, and varies on the header.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Header, Response

from api.quality.shapes import ObjectiveDraftIn, QualityReportOut
from api.rest.dependencies import CurrentPrincipal, UseCaseDeps
from api.rest.problems import error_responses
from domain.organizations import Locale
from service import quality

router = APIRouter(tags=["quality"])

_PRIMARY: dict[str, Locale] = {"zh": Locale.ZH_CN, "en": Locale.EN}

AcceptLanguage = Annotated[
    str | None,
    Header(
        alias="Accept-Language",
        description="The language of `message`: the first of `zh*` (-> `zh-CN`) or `en*` "
        "(-> `en`) by q-value; anything else, or none, is the organization's locale.",
        examples=["zh-CN,zh;q=0.9,en;q=0.8"],
    ),
]

_REPORT_HEADERS: dict[str, Any] = {
    "Content-Language": {
        "description": "The language of every `message` (`zh-CN` or `en`).",
        "schema": {"type": "string", "enum": [locale.value for locale in Locale]},
    },
    "Vary": {"description": "`Accept-Language`.", "schema": {"type": "string"}},
}


def _q_value(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value.strip())
            except ValueError:
                return 0.0  # an unreadable weight: not a language the caller asked for
    return 1.0


def negotiated_locale(accept_language: str | None, default: Locale) -> Locale:
    """The first supported language of an ``Accept-Language`` header by q-value (ties keep
    the header's order; ``q=0`` refuses); ``default`` when none is supported."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, *params = item.split(";")
        weight = _q_value(params)
        if weight > 0:
            ranked.append((-weight, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag == "*":
            return default
        found = _PRIMARY.get(tag.split("-", 1)[0])
        if found is not None:
            return found
    return default


def _report(report: quality.QualityReport, accept_language: str | None) -> Response:
    locale = negotiated_locale(accept_language, report.locale)
    body = QualityReportOut.of(report, locale)
    return Response(
        body.model_dump_json(),
        media_type="application/json",
        headers={"Content-Language": locale.value, "Vary": "Accept-Language"},
    )


@router.get(
    "/v1/objectives/{objective_id}/quality",
    summary="Lint an objective",
    description="The quality findings on an objective you may see, with its KRs in their "
    "order (`target` `key_results[<index>]`): KR count (2 to 5), focus (the owner's "
    "objectives in the cycle), alignment, the end-state trap, measurable KRs, results not "
    "tasks, one owner, midway progress and the long-horizon trap (due after the cycle, or "
    "vague aims). Linting advises; it changes nothing. `message` follows `Accept-Language` "
    "(else the organization's locale); `message_zh` and `message_en` are both always there. "
    "An objective you may not see is 404, like `GET /v1/objectives/{id}`.",
    response_model=QualityReportOut,
    responses={
        200: {"description": "The findings", "headers": _REPORT_HEADERS},
        **error_responses(401, 403, 404, 422),
    },
)
async def get_objective_quality(
    objective_id: UUID,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    accept_language: AcceptLanguage = None,
) -> Response:
    report = await quality.objective_quality(deps, principal, objective_id)
    return _report(report, accept_language)


@router.post(
    "/v1/quality/check",
    summary="Lint a draft objective",
    description="Lints an objective with its KRs as an editor holds it, saving nothing "
    "(200, never 201; no `Idempotency-Key` needed: a retry lints again). Give `cycle_id` to "
    "check KR due dates against the cycle's end and count the owner's objectives in it "
    "(the draft adds one); an unknown cycle is 422 `unknown_reference`. A parent id makes "
    "the draft aligned (it is not looked up). Each KR's `milestones` is the list of "
    "milestones or their count. Decimals are strings or numbers. The report has "
    "`objective_id` null; `message` follows `Accept-Language`, else the organization's "
    "locale.",
    response_model=QualityReportOut,
    responses={
        200: {"description": "The findings", "headers": _REPORT_HEADERS},
        **error_responses(401, 403, 422),
    },
)
async def check_objective_draft(
    body: ObjectiveDraftIn,
    principal: CurrentPrincipal,
    deps: UseCaseDeps,
    accept_language: AcceptLanguage = None,
) -> Response:
    report = await quality.check_draft(deps, principal, body.to_draft(), body.to_context())
    return _report(report, accept_language)
