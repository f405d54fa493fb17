"""W3C ``traceparent``: a valid one's trace id is in every log line of the request, an invalid
one is ignored, and a request without one gets a trace id of its own."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from api.trace_context import TraceContext, parse_traceparent
from tests.api.access_log import captured_logs
from tests.api.harness import Tenant

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
VALID = f"00-{TRACE_ID}-{PARENT_ID}-01"
NEW_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


def test_a_valid_traceparent_gives_its_trace_and_parent() -> None:
    assert parse_traceparent(VALID) == TraceContext(trace_id=TRACE_ID, parent_id=PARENT_ID)
    # Not sampled is still a trace to join.
    assert parse_traceparent(f"00-{TRACE_ID}-{PARENT_ID}-00") is not None
    # A later version may add fields after a dash: the four known ones are read.
    found = parse_traceparent(f"cc-{TRACE_ID}-{PARENT_ID}-01-what-comes-later")
    assert found == TraceContext(trace_id=TRACE_ID, parent_id=PARENT_ID)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        f"00-{TRACE_ID.upper()}-{PARENT_ID}-01",  # hex is lowercase
        f"ff-{TRACE_ID}-{PARENT_ID}-01",  # version ff is invalid
        f"00-{'0' * 32}-{PARENT_ID}-01",  # all-zero trace id
        f"00-{TRACE_ID}-{'0' * 16}-01",  # all-zero parent id
        f"00-{TRACE_ID}-{PARENT_ID}-01-extra",  # version 00 has exactly four fields
        f"00-{TRACE_ID}-{PARENT_ID}-01extra",
        f"00-{TRACE_ID[:-1]}-{PARENT_ID}-01",
        f"0-{TRACE_ID}-{PARENT_ID}-01",
        f"00-{TRACE_ID}-{PARENT_ID}-1",
        f"00_{TRACE_ID}_{PARENT_ID}_01",
    ],
)
def test_an_invalid_traceparent_is_ignored(value: str) -> None:
    assert parse_traceparent(value) is None


async def access_line(tenant: Tenant, **headers: str) -> tuple[dict[str, Any], dict[str, str]]:
    async with tenant.admin() as client:
        with captured_logs() as logs:
            response = await client.get("/v1/organization", headers=headers)
    assert response.status_code == 200, response.text
    [line] = logs.access_lines()
    return line, dict(response.headers)


async def test_the_callers_trace_is_in_the_access_log(acme: Tenant) -> None:
    line, headers = await access_line(acme, traceparent=VALID)
    assert line["trace_id"] == TRACE_ID
    assert line["parent_span_id"] == PARENT_ID
    assert line["request_id"] == headers["x-request-id"]
    # traceparent is a request header (W3C): the answer carries the request id instead.
    assert "traceparent" not in headers


async def test_without_a_traceparent_the_request_gets_a_trace_of_its_own(acme: Tenant) -> None:
    first, _ = await access_line(acme)
    second, _ = await access_line(acme)
    assert NEW_TRACE_ID.match(first["trace_id"])
    assert first["trace_id"] != second["trace_id"]
    assert "parent_span_id" not in first


async def test_an_invalid_traceparent_starts_a_new_trace(acme: Tenant) -> None:
    line, _ = await access_line(acme, traceparent=f"00-{TRACE_ID.upper()}-{PARENT_ID}-01")
    assert NEW_TRACE_ID.match(line["trace_id"])
    assert line["trace_id"] != TRACE_ID.lower()
    assert "parent_span_id" not in line


async def test_two_traceparent_headers_are_ambiguous_and_ignored(acme: Tenant) -> None:
    other = f"00-{'a' * 32}-{PARENT_ID}-01"
    async with acme.admin() as client:
        with captured_logs() as logs:
            await client.get(
                "/v1/organization", headers=[("traceparent", VALID), ("traceparent", other)]
            )
    [line] = logs.access_lines()
    assert line["trace_id"] not in {TRACE_ID, "a" * 32}


async def test_every_log_line_of_the_request_carries_the_trace(acme: Tenant) -> None:
    """Lines from the standard library's loggers too (SQLAlchemy here): the renderer merges
    the request's context variables into every line (``configure_logging``)."""
    sql_log = logging.getLogger("sqlalchemy.engine.Engine")
    level = sql_log.level
    sql_log.setLevel(logging.INFO)
    try:
        async with acme.admin() as client:
            with captured_logs() as logs:
                await client.get("/v1/organization", headers={"traceparent": VALID})
    finally:
        sql_log.setLevel(level)
    during = [(name, context) for name, _, context in logs.records if "request_id" in context]
    assert {name for name, _ in during} >= {"okr.access", "sqlalchemy.engine.Engine"}
    assert {context["trace_id"] for _, context in during} == {TRACE_ID}
