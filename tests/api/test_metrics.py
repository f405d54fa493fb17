"""``GET /metrics``: requests by route template and status, latency and SQL statements per
request, requests in flight and the database pool, in the Prometheus text format."""

from __future__ import annotations

from uuid import uuid4

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from service.runtime.app import build_app
from tests.api.harness import Tenant
from tests.api.harness import test_settings as settings_for_tests

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


MEMBER = "/v1/members/{member_id}"


async def test_requests_are_counted_by_route_template_and_status(acme: Tenant) -> None:
    async with acme.admin() as client:
        before = await scrape(client)
        for _ in range(2):
            assert (await client.get(f"/v1/members/{acme.admin_id}")).status_code == 200
        assert (await client.get(f"/v1/members/{uuid4()}")).status_code == 404
        after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    ok = {"method": "GET", "route": MEMBER, "status": "200"}
    missing = {"method": "GET", "route": MEMBER, "status": "404"}
    assert delta("okr_http_requests_total", **ok) == 2
    assert delta("okr_http_requests_total", **missing) == 1
    by_route = {"method": "GET", "route": MEMBER}
    assert delta("okr_http_request_duration_seconds_count", **by_route) == 3
    assert delta("okr_http_request_duration_seconds_sum", **by_route) > 0
    # Each read sends its statements: at least one each, and counted per request.
    assert delta("okr_http_request_sql_statements_count", **by_route) == 3
    assert delta("okr_http_request_sql_statements_sum", **by_route) >= 3
    # The scrape before was counted too, with no SQL.
    scraped = {"method": "GET", "route": "/metrics"}
    assert delta("okr_http_request_sql_statements_sum", **scraped) == 0


async def test_a_path_no_route_matches_is_never_a_label(acme: Tenant) -> None:
    raw = f"/v1/no-such-thing/{uuid4()}"
    async with acme.admin() as client:
        before = await scrape(client)
        assert (await client.get(raw)).status_code == 404
        assert (await client.request("BREW", "/v1/organization")).status_code == 405
        response = await client.get("/metrics")
        after = await scrape(client)
    assert raw not in response.text
    assert "BREW" not in response.text
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, "okr_http_requests_total", **unmatched) == (
        value(before, "okr_http_requests_total", **unmatched) + 1
    )
    other = {"method": "other", "route": "/v1/organization", "status": "405"}
    assert value(after, "okr_http_requests_total", **other) >= 1


async def test_in_flight_requests_and_the_pool_are_read_at_scrape_time(
    app: FastAPI, acme: Tenant
) -> None:
    async with acme.admin() as client:
        samples = await scrape(client)
    # The scrape itself is in flight while it is answered.
    assert value(samples, "okr_http_requests_in_flight") == 1
    size = app.state.settings.db_pool_size
    assert value(samples, "okr_db_pool_size_connections", database="primary") == size
    # No request holds a connection while /metrics (which needs none) is answered.
    assert value(samples, "okr_db_pool_checked_out_connections", database="primary") == 0
    assert ("okr_db_pool_size_connections", frozenset({("database", "replica")})) not in samples


async def test_metrics_need_no_token_and_stay_out_of_the_openapi_document(acme: Tenant) -> None:
    async with acme.client() as anonymous:
        assert (await anonymous.get("/metrics")).status_code == 200
        document = (await anonymous.get("/openapi.json")).json()
    assert "/metrics" not in document["paths"]


async def test_openmetrics_is_served_to_a_scraper_that_asks_for_it(acme: Tenant) -> None:
    async with acme.client() as client:
        response = await client.get(
            "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
        )
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.rstrip().endswith("# EOF")


async def test_metrics_can_be_switched_off(shared_database_url: str) -> None:
    app = build_app(settings_for_tests(metrics_enabled=False), shared_database_url)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://okr.test") as client:
            assert (await client.get("/metrics")).status_code == 404
            assert (await client.get("/healthz")).status_code == 200
