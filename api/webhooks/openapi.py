"""The OpenAPI 3.1 ``webhooks`` section: what a receiver gets, one entry per event type of
the catalogue (service.events.CATALOGUE), so generated clients and documentation show the
body, its three Standard Webhooks headers, and what an answer means. Added to the document
by the post-pass (api/rest/openapi.py); the body is the change feed's item (``EventOut``)."""

from __future__ import annotations

import copy
from typing import Any

from api.rest.examples import example_of
from service.events import CATALOGUE

EVENT_SCHEMA = "EventOut"
_REF = "#/components/schemas/" + EVENT_SCHEMA

HEADERS: tuple[dict[str, Any], ...] = (
    {
        "name": "webhook-id",
        "in": "header",
        "required": True,
        "description": "The event's id, the same on every retry and replay: deduplicate by it.",
        "schema": {"type": "string", "format": "uuid"},
        "example": "01964f5e-7c1a-7b3e-9a4d-2f6c8b1e0d57",
    },
    {
        "name": "webhook-timestamp",
        "in": "header",
        "required": True,
        "description": "When this attempt was signed, in seconds since the epoch: refuse one "
        "too far from your clock (the `standardwebhooks` libraries allow 5 minutes).",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
        "example": "1767225600",
    },
    {
        "name": "webhook-signature",
        "in": "header",
        "required": True,
        "description": "`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>` "
        "with the endpoint's secret (the `whsec_` prefix removed, the rest base64-decoded); "
        "during a rotation's overlap, a second one by the previous secret, separated by a space.",
        "schema": {"type": "string"},
        "example": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
    },
)

RESPONSES: dict[str, Any] = {
    "2XX": {"description": "Received: no further attempt of this delivery."},
    "default": {
        "description": "Anything else, or no answer within the timeout (10 s): the delivery "
        "is attempted again on the retry schedule (about 3 days), with the same `webhook-id`."
    },
}


def operation_id(event_type: str) -> str:
    """``receiveKeyResultCreated`` for ``key_result.created``."""
    words = event_type.replace(".", "_").split("_")
    return "receive" + "".join(word.capitalize() for word in words)


def webhooks_section(schemas: dict[str, Any]) -> dict[str, Any]:
    """The ``webhooks`` object; empty when the document has no event schema (an app built
    without the events routes)."""
    if EVENT_SCHEMA not in schemas:
        return {}
    example = example_of({"$ref": _REF}, schemas)
    section: dict[str, Any] = {}
    for name, kind in CATALOGUE.items():
        changes = example["changes"] if name.endswith(".updated") else []
        body = {**example, "type": name, "changes": changes}
        section[name] = {
            "post": {
                "operationId": operation_id(name),
                "summary": name,
                "description": f"{kind.description} Sent, signed, to each enabled webhook "
                "endpoint whose `event_types` include it (or are null).",
                "tags": ["webhooks"],
                "parameters": copy.deepcopy(list(HEADERS)),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": _REF}, "example": body}},
                },
                "responses": copy.deepcopy(RESPONSES),
            }
        }
    return section
