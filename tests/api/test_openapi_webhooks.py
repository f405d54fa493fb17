"""The OpenAPI ``webhooks`` section: one entry per event type of the catalogue, each with
the event's schema, an example valid against it, and the three Standard Webhooks headers."""

from __future__ import annotations

from typing import Any

from service.events import CATALOGUE
from tests.api.test_openapi_examples import pointer, spec, validator

__all__ = ["spec"]  # the module's fixture, shared


def test_every_event_type_is_a_webhook_with_its_headers_and_a_valid_example(
    spec: dict[str, Any],
) -> None:
    assert spec["openapi"].startswith("3.1")
    section = spec["webhooks"]
    assert set(section) == set(CATALOGUE)
    ids = [entry["post"]["operationId"] for entry in section.values()]
    assert len(set(ids)) == len(ids)
    for name, entry in section.items():
        post = entry["post"]
        headers = {p["name"] for p in post["parameters"] if p["in"] == "header"}
        assert headers == {"webhook-id", "webhook-timestamp", "webhook-signature"}
        body = post["requestBody"]["content"]["application/json"]
        assert body["schema"] == {"$ref": "#/components/schemas/EventOut"}
        assert body["example"]["type"] == name
        at = f"/webhooks/{pointer(name)}/post/requestBody/content/application~1json"
        errors = list(validator(spec, at).iter_errors(body["example"]))
        assert errors == [], (name, errors)
    assert section["key_result.created"]["post"]["operationId"] == "receiveKeyResultCreated"
