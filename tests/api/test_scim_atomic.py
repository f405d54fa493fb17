"""A SCIM write keeps a User whole: its member and its SCIM row together or not at all.

Before, a create wrote the member in one transaction and its SCIM row (userName, HR
attributes) in a second: when the second failed, a member without a userName stayed behind,
and the identity provider's retry then failed on the member's taken email for ever.
"""

from __future__ import annotations

import asyncio

from tests.api.harness import Tenant
from tests.api.test_scim_users import scim_client, user


async def _members_with_email(acme: Tenant, email: str) -> int:
    async with acme.admin() as admin:
        found = await admin.get("/v1/members", params={"limit": 200})
        assert found.status_code == 200, found.text
    return sum(1 for m in found.json()["items"] if m["email"] == email)


async def test_a_create_whose_scim_row_fails_leaves_no_member(acme: Tenant) -> None:
    # The member is valid; the SCIM row is not (an employee number longer than its column).
    body = user("Ann Zeller")
    body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["employeeNumber"] = "E" * 201
    async with scim_client(acme) as c:
        refused = await c.post("/scim/v2/Users", json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["scimType"] == "invalidValue"
    assert await _members_with_email(acme, "ann@example.com") == 0
    # The identity provider's retry, with a value that fits, now succeeds.
    async with scim_client(acme) as c:
        retried = await c.post("/scim/v2/Users", json=user("Ann Zeller"))
        assert retried.status_code == 201, retried.text


async def test_two_creates_racing_for_one_user_name_leave_one_member(acme: Tenant) -> None:
    first, second = user("Ann Zeller"), user("Ann Zeller")
    second["emails"] = [{"value": "ann.other@example.com", "primary": True}]
    second["externalId"] = "hr-ann-2"
    async with scim_client(acme) as c:
        answers = await asyncio.gather(
            c.post("/scim/v2/Users", json=first), c.post("/scim/v2/Users", json=second)
        )
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        listed = await c.get("/scim/v2/Users", params={"filter": 'userName eq "ann.zeller"'})
        assert listed.json()["totalResults"] == 1
    kept = await _members_with_email(acme, "ann@example.com")
    other = await _members_with_email(acme, "ann.other@example.com")
    assert kept + other == 1


async def test_user_name_is_unique_ignoring_case(acme: Tenant) -> None:
    async with scim_client(acme) as c:
        await c.post("/scim/v2/Users", json=user("Ann Zeller"))
        again = user("Ann Zeller", userName="ANN.Zeller")
        again["emails"] = [{"value": "ann2@example.com", "primary": True}]
        again["externalId"] = "hr-ann-2"
        taken = await c.post("/scim/v2/Users", json=again)
        assert taken.status_code == 409, taken.text
        assert taken.json()["scimType"] == "uniqueness"
