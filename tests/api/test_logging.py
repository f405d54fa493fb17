"""One structured access-log line per request, with request id, org, route, status, duration."""

from __future__ import annotations

import io
import json
import logging

import structlog
from structlog.testing import capture_logs

from service.runtime.logging import configure_logging
from tests.api.harness import Tenant


async def test_each_request_logs_its_id_org_route_status_and_duration(acme: Tenant) -> None:
    async with acme.admin() as client:
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            response = await client.get(
                f"/v1/members/{acme.admin_id}", headers={"X-Request-ID": "req-42"}
            )
    access = [e for e in logs if e.get("event") == "request"]
    assert response.headers["x-request-id"] == "req-42"
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-42"
    assert line["org_id"] == str(acme.organization_id)
    assert line["route"] == "/v1/members/{member_id}"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert isinstance(line["duration_ms"], float)
    assert line["sql"] >= 1  # the statements this request sent to Postgres


async def test_a_request_without_storage_logs_no_sql(acme: Tenant) -> None:
    async with acme.admin() as client:
        with capture_logs() as logs:
            await client.get("/healthz")
    assert [e["sql"] for e in logs if e.get("event") == "request"] == [0]


async def test_an_unsafe_request_id_is_replaced(acme: Tenant) -> None:
    async with acme.admin() as client:
        response = await client.get("/v1/organization", headers={"X-Request-ID": "bad id\n!"})
    assert response.headers["x-request-id"] != "bad id\n!"
    assert len(response.headers["x-request-id"]) == 32


def test_logs_are_json_lines_with_context() -> None:
    stream = io.StringIO()
    configure_logging(level="info", json=True)
    root = logging.getLogger()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    try:
        structlog.contextvars.bind_contextvars(request_id="abc", org_id="org-1")
        structlog.get_logger("okr.test").info("request", status=201)
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.reset_defaults()
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "request"
    assert (line["request_id"], line["org_id"], line["status"]) == ("abc", "org-1", 201)
    assert line["level"] == "info"
    assert "timestamp" in line
