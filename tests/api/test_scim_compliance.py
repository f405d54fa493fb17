"""scim2-tester (a SCIM compliance checker nobody here wrote) against /scim/v2.

The app is served by uvicorn on 127.0.0.1 in the test's event loop and the checker, which is
synchronous, runs in a worker thread. scim2-client's network engine imports ``httpx2``, which
is not installed; the few lines of :class:`HttpxSCIMClient` put it on ``httpx`` instead.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from scim2_client.client import BaseSyncSCIMClient
from scim2_tester import check_server
from scim2_tester.utils import CheckResult, Status

from service.auth import Scope
from tests.api.harness import Tenant

# Checks that fail for a known reason, by (resource type, check title), each with why. The
# PATCH checks write every attribute of the schema with random values and read them back:
# this service stores only the attributes that map to a member or a unit (README), so those
# checks cannot pass as a whole; the tests of test_scim_users.py / test_scim_groups.py cover
# the attributes that are stored. NOT YET INVESTIGATED one by one (see the report): whether
# some of their failures (name, emails, manager, remove of active) are bugs of ours.
KNOWN: dict[tuple[str | None, str], str] = {
    ("User", "check_add_attribute"): "unstored attributes (nickName, title, phoneNumbers...)",
    ("User", "check_replace_attribute"): "unstored attributes, as above",
    ("User", "check_remove_attribute"): "name/emails/active cannot be removed from a member",
    ("Group", "check_add_attribute"): "externalId of Groups is not stored",
    ("Group", "check_replace_attribute"): "externalId of Groups is not stored",
    ("User", "object_deletion"): "DELETE deactivates: the User stays, active false (brief)",
    ("User", "object_query_with_attributes"): "attributes/excludedAttributes not applied yet",
    ("User", "object_list_with_attributes"): "attributes/excludedAttributes not applied yet",
    ("Group", "object_query_with_attributes"): "attributes/excludedAttributes not applied yet",
    ("Group", "object_list_with_attributes"): "attributes/excludedAttributes not applied yet",
    ("User", "search_with_attributes"): "POST /.search is not offered",
    ("Group", "search_with_attributes"): "POST /.search is not offered",
}

FAILING = {Status.ERROR, Status.CRITICAL}


class HttpxSCIMClient(BaseSyncSCIMClient):
    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response: Any) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_checker(base_url: str, token: str) -> list[CheckResult]:
    with httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, trust_env=False
    ) as http:
        client = HttpxSCIMClient(http)
        return check_server(client)


async def test_scim2_tester_finds_nothing_unexplained(app: FastAPI, acme: Tenant) -> None:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
            await asyncio.sleep(0.01)
        token = acme.token(None, scopes=(Scope.SCIM,))
        results = await asyncio.to_thread(_run_checker, f"http://127.0.0.1:{port}/scim/v2", token)
    finally:
        server.should_exit = True
        await serving
    failed = [
        r for r in results if r.status in FAILING and (r.resource_type, r.title or "") not in KNOWN
    ]
    report = "\n".join(f"{r.status.name} {r.resource_type} {r.title}: {r.reason}" for r in failed)
    assert not failed, report
