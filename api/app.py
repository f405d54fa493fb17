"""Builds the ASGI app of the inbound adapters around ready-made services."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

from api.actions import rest as actions
from api.alignment import rest as alignment
from api.audit import rest as audit
from api.clients import rest as api_client_routes
from api.comments import rest as comments
from api.config import ApiConfig
from api.cors import add_cors
from api.cycles import rest as cycles
from api.deps import AppState
from api.events import rest as events
from api.forecasts import rest as forecasts
from api.graphql.ide import mount_ide_assets
from api.graphql.router import create_graphql_router
from api.health import rest as health
from api.key_results import rest as key_results
from api.kpis import rest as kpis
from api.limits import RequestLimitsMiddleware
from api.meetings import rest as meetings
from api.members import rest as members
from api.metrics import HttpMetrics, install_metrics
from api.middleware import RequestContextMiddleware
from api.oauth import rest as oauth
from api.objectives import rest as objectives
from api.organization import rest as organization
from api.push import rest as push_urls
from api.quality import rest as quality
from api.rest.openapi import install_openapi, operation_id
from api.rest.problems import install_problem_handlers
from api.rest.query_parameters import refuse_unknown_query_parameters
from api.reviews import rest as reviews
from api.scim import rest as scim
from api.security import TokenVerifier
from api.templates import rest as templates
from api.units import rest as units
from api.webhooks import rest as webhook_endpoints
from api.work_plans import rest as work_plans
from service.context import Services

DESCRIPTION = """\
The headless OKR service: objectives, key results, check-ins, alignment, scores and
360 reviews for teams that run on OKRs.

* Authenticate with `Authorization: Bearer <JWT>` (`okr token` mints a development one).
* Lists are cursor-paginated: `?limit=50&cursor=...` -> `{"items": [...], "next_cursor": ...}`.
* Errors are `application/problem+json` with a stable `code`.
* Writes: `If-Match` with the `ETag` you read (412 when stale); `Idempotency-Key` on POST.
* Decimals are JSON strings (`"0.40"`); times are RFC 3339 in UTC.
"""

TAGS = [
    {"name": "organization", "description": "Your organization and its defaults."},
    {"name": "members", "description": "People, their managers and roles."},
    {"name": "units", "description": "The org tree: company -> department -> team."},
    {"name": "cycles", "description": "OKR periods: year, quarter, month."},
    {"name": "objectives", "description": "Objectives with KRs and scores; alignment."},
    {
        "name": "alignment",
        "description": "Alignment trees, paths, unit scores, coverage and cycle stats; as_of.",
    },
    {"name": "key results", "description": "Key results and their check-ins."},
    {"name": "actions", "description": "Actions under KRs (OKMA) and their acceptance."},
    {
        "name": "quality",
        "description": "The OKR linter: what makes a good O and KR, for a stored objective or "
        "a draft, with messages in Chinese and English (Accept-Language).",
    },
    {
        "name": "reviews",
        "description": "360 reviews (360度评价): review cycles, participants, responses, results "
        "and their export for HR systems.",
    },
    {
        "name": "templates",
        "description": "OKR templates (模板): a reusable objective for a role in Chinese and "
        "English, with KRs and actions; the built-ins are shared by every organization and "
        "read-only. Instantiate one into a cycle as a draft objective.",
    },
    {
        "name": "kpis",
        "description": "KPIs (关键绩效指标): standing metrics with an owner, a unit, a target and "
        "measurements over time; a key result may follow one, each new measurement becoming "
        "a check-in of the KR.",
    },
    {
        "name": "meetings",
        "description": "Review meetings (管理节奏): retrospectives (复盘会), weekly meetings "
        "(周会) and monthly reports (月报) of a cycle or a unit, with attendees, the "
        "objectives reviewed, findings and follow-up actions.",
    },
    {
        "name": "comments",
        "description": "Comments on objectives, key results and actions, with @mentions of "
        "members (ask another team for help); each member's mentions of them.",
    },
    {
        "name": "work plans",
        "description": "Work plans (工作计划): a member's or a unit's actions for a cycle by "
        "quarter and month, with counts by status and overdue.",
    },
    {"name": "audit", "description": "Who changed what (admins)."},
    {"name": "events", "description": "The change feed: what changed, for integrations."},
    {"name": "health", "description": "Liveness and readiness probes."},
]

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_app(
    services: Services,
    config: ApiConfig,
    *,
    lifespan: Lifespan | None = None,
    metrics: HttpMetrics | None = None,
) -> FastAPI:
    """The app; with ``metrics``, requests are counted and ``GET /metrics`` serves them."""
    app: FastAPI = FastAPIOffline(
        title="OKR service",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        static_url="/static/docs",
        dependencies=[Depends(refuse_unknown_query_parameters)],
        generate_unique_id_function=operation_id,
        # Relative: the API is wherever this document was fetched from.
        servers=[{"url": "/", "description": "This server"}],
        # pyproject.toml names no license: the code is not published under one. SPDX's
        # form for a license outside its list, so tools need no url.
        license_info={"name": "Proprietary", "identifier": "LicenseRef-Proprietary"},
    )
    app.state.okr = AppState(
        services=services, config=config, verifier=TokenVerifier(config.tokens)
    )
    install_problem_handlers(app)
    install_openapi(app)
    for module in (
        health,
        organization,
        members,
        units,
        cycles,
        objectives,
        key_results,
        actions,
        audit,
        events,
        alignment,
        reviews,
        quality,
        templates,
        kpis,
        meetings,
        comments,
        work_plans,
        push_urls,
        forecasts,
        webhook_endpoints,
        api_client_routes,
        oauth,
    ):
        app.include_router(module.router)
    app.include_router(objectives.cycles_router)
    app.include_router(members.me_router)
    app.include_router(scim.router)
    graphql = create_graphql_router(config.graphql)
    app.include_router(graphql)
    app.state.graphql_schema = graphql.schema
    if config.graphql.introspection:
        mount_ide_assets(app)
    if metrics is not None:
        install_metrics(app, metrics)
    # Added first, so it runs inside the request-id middleware: its refusals carry the id.
    app.add_middleware(RequestLimitsMiddleware, max_body_bytes=config.max_body_bytes)
    # Outside every refusal (413, 401, 503 ...), so a browser may read those too; inside
    # the request-id middleware, so preflights are logged with an id.
    add_cors(app, config.cors_origins)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    return app
