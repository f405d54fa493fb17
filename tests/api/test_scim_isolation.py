"""Every SCIM route with an id answers 404 to another organization's `scim` token and
changes nothing (the REST walk, tests/api/test_isolation.py, leaves SCIM to this one). The
routes are read from the app, so a new one is walked without a change here."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.api.harness import Tenant
from tests.api.test_scim_users import post_user, scim_client, user

_PARAM = re.compile(r"{(\w+)}")
PATCH_ACTIVE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "path": "active", "value": False}],
}


def scim_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        path, methods = route.path, route.methods
        if path and methods and path.startswith("/scim/v2/") and _PARAM.search(path):
            found += [(m, path) for m in sorted(methods - {"HEAD", "OPTIONS"})]
    return found


def body_for(method: str, path: str) -> dict[str, Any] | None:
    if method == "PATCH" and "/Users/" in path:
        return PATCH_ACTIVE
    if method == "PATCH":
        return {
            **PATCH_ACTIVE,
            "Operations": [{"op": "replace", "path": "displayName", "value": "X"}],
        }
    if method == "PUT" and "/Users/" in path:
        return user("Eve Mallory")
    if method == "PUT":
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "X"}
    return None


async def test_every_scim_route_with_an_id_is_404_to_another_organization(
    app: FastAPI, acme: Tenant, globex: Tenant
) -> None:
    async with scim_client(acme) as c:
        ann = await post_user(c, user("Ann Zeller"))
        made = await c.post(
            "/scim/v2/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Sales",
                "members": [{"value": ann["id"]}],
            },
        )
        assert made.status_code == 201, made.text
        group = made.json()
        before = [
            (await c.get(f"/scim/v2/{kind}/{i}")).json()
            for kind, i in (("Users", ann["id"]), ("Groups", group["id"]))
        ]

    ids = {"user_id": ann["id"], "group_id": group["id"]}
    routes = [(m, p) for m, p in scim_routes(app) if _PARAM.findall(p)[0] in ids]
    assert {("DELETE", "/scim/v2/Users/{user_id}"), ("PATCH", "/scim/v2/Groups/{group_id}")} <= set(
        routes
    ), routes
    answers = {}
    async with scim_client(globex) as other:
        for method, path in routes:
            url = _PARAM.sub(lambda m: ids[m.group(1)], path)
            response = await other.request(method, url, json=body_for(method, path))
            answers[f"{method} {path}"] = response.status_code
    assert answers == dict.fromkeys(answers, 404)

    async with scim_client(acme) as c:
        after = [
            (await c.get(f"/scim/v2/{kind}/{i}")).json()
            for kind, i in (("Users", ann["id"]), ("Groups", group["id"]))
        ]
    assert after == before
