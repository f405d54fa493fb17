"""Time a SCIM directory sync: 2,000 Users with managers, then 20 Groups with members.

Run by hand (not part of ``make test``)::

    .venv/bin/python -m tests.bench.scim_sync [people]

Starts an embedded Postgres, migrates it, builds the app and drives /scim/v2 over ASGI (no
network) with a ``scim`` service token. The people come in a random order, so most reports
arrive before their manager: they name the manager by its externalId, and the reference is
resolved when the manager is created. Prints the time of each phase.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import time
from typing import Any

from service.auth import Scope
from service.runtime.app import build_app
from tests.api.harness import SettableClock, new_tenant, test_settings
from tests.postgres import PostgresServer, migrated_template, start_server, unique_name

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _people(count: int) -> list[dict[str, Any]]:
    """A tree: person 0 is the CEO, everyone else reports to someone with a lower number."""
    people = []
    for i in range(count):
        manager = None if i == 0 else random.randrange(0, i)
        body: dict[str, Any] = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "userName": f"person{i}@example.com",
            "name": {"givenName": f"Person{i}", "familyName": f"Family{i % 97}"},
            "externalId": f"hr-{i}",
            ENTERPRISE: {"department": f"Dept{i % 20}", "employeeNumber": str(i)},
        }
        if manager is not None:
            body[ENTERPRISE]["manager"] = {"value": f"hr-{manager}"}
        people.append(body)
    random.shuffle(people)
    return people


async def _sync(server: PostgresServer, template: str, count: int) -> None:
    url = await server.create_database(unique_name("okr_bench"), template=template)
    app = build_app(test_settings(), url, clock=SettableClock())
    async with app.router.lifespan_context(app):
        tenant = await new_tenant(app, test_settings(), "Bench")
        client = tenant.client(tenant.token(None, scopes=(Scope.SCIM,)))
        async with client:
            started = time.perf_counter()
            ids: dict[str, str] = {}
            for body in _people(count):
                response = await client.post("/scim/v2/Users", json=body)
                assert response.status_code == 201, response.text
                ids[body["externalId"]] = response.json()["id"]
            users = time.perf_counter() - started
            members = list(ids.values())
            group_started = time.perf_counter()
            for g in range(20):
                roster = [{"value": m} for m in members[g::20]]
                response = await client.post(
                    "/scim/v2/Groups",
                    json={
                        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                        "displayName": f"Dept{g}",
                        "members": roster,
                    },
                )
                assert response.status_code == 201, response.text
            groups = time.perf_counter() - group_started
            pending = await client.get(
                "/scim/v2/Users", params={"filter": 'userName sw "person"', "count": "0"}
            )
            assert pending.json()["totalResults"] == count
    print(
        f"SCIM sync: {count} Users in {users:.1f} s ({count / users:.0f}/s), "
        f"20 Groups with {count} memberships in {groups:.1f} s; "
        f"total {users + groups:.1f} s"
    )


def main(count: int) -> None:
    # Outside the event loop: the server's own set-up runs its own loops.
    server = start_server()
    try:
        asyncio.run(_sync(server, migrated_template(server), count))
    finally:
        if server.embedded is not None:
            server.embedded.stop()
            shutil.rmtree(server.embedded.pgdata.parent, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
