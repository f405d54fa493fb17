"""Webhook endpoints refuse what they could never use, at the door (a review found these
answered 500, or failed every delivery without counting, or reached cloud metadata)."""

from __future__ import annotations

import pytest

from service.runtime.webhook_transport import refused as _refused
from tests.api.harness import Tenant


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[abc]/", "http://hooks.example.com:99999/", "http://h:abc/"]
)
async def test_a_url_that_is_no_url_is_a_422(acme: Tenant, url: str) -> None:
    async with acme.admin() as admin:
        response = await admin.post("/v1/webhook-endpoints", json={"url": url})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "url"


async def test_text_postgres_cannot_store_is_a_422_not_a_500(acme: Tenant) -> None:
    # The 500 used to log the statement's values: the endpoint's live signing secret.
    async with acme.admin() as admin:
        made = await admin.post(
            "/v1/webhook-endpoints", json={"url": "https://hooks.example.com/okr"}
        )
        assert made.status_code == 201, made.text
        path = f"/v1/webhook-endpoints/{made.json()['id']}"
        changed = await admin.patch(path, json={"description": "a\u0000b"})
        created = await admin.post(
            "/v1/webhook-endpoints",
            json={"url": "https://hooks.example.com/okr", "description": "a\u0000b"},
        )
    assert (changed.status_code, created.status_code) == (422, 422)


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("100.100.100.200", True),  # shared address space: a cloud's metadata service
        ("2002:7f00:1::", True),  # 6to4 of 127.0.0.1
        ("10.0.0.1", True),
        ("::ffff:127.0.0.1", True),
        ("169.254.169.254", True),
        ("8.8.8.8", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_the_sender_refuses_every_address_that_is_not_global(address: str, refused: bool) -> None:
    assert _refused(address) is refused
