"""Every JSON body of the served OpenAPI document, asked or answered, comes with an example
that is valid against its own schema: documentation tools show it instead of placeholders,
and a reader can trust it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from api.rest.examples import RecursiveSchema, example_of, uuid_for
from service.runtime.app import build_app
from tests.api import harness

_METHODS = {"get", "post", "put", "patch", "delete"}
SPEC_URI = "urn:okr:openapi"
# Reading the document touches no database: nothing needs to listen here.
NO_DATABASE = "postgresql://okr@127.0.0.1:9/okr"


@pytest.fixture(scope="module")
async def spec() -> dict[str, Any]:
    """The document as served, read once for the module (building it takes a second)."""
    app = build_app(harness.test_settings(), NO_DATABASE)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://okr.test"
    ) as client:
        response = await client.get("/openapi.json")
    assert response.status_code == 200
    served: dict[str, Any] = response.json()
    return served


def bodies(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every JSON body of every operation: (where, JSON pointer to it, the media type)."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            at = f"/paths/{pointer(path)}/{method}"
            request = operation.get("requestBody", {}).get("content", {})
            if "application/json" in request:
                pointed = f"{at}/requestBody/content/application~1json"
                yield f"{method.upper()} {path} body", pointed, request["application/json"]
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2") and "application/json" in content:
                    pointed = f"{at}/responses/{status}/content/application~1json"
                    yield f"{method.upper()} {path} {status}", pointed, content["application/json"]


def pointer(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def validator(spec: dict[str, Any], media_type_at: str) -> Draft202012Validator:
    """The schema of the media type at this pointer, its ``$ref``s resolved in the document
    (OpenAPI 3.1 schemas are JSON Schema 2020-12), formats (uuid, date, email) checked."""
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec))
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{quote(media_type_at)}/schema"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_json_body_has_an_example(spec: dict[str, Any]) -> None:
    found = list(bodies(spec))
    missing = [where for where, _, media in found if "example" not in media]
    assert not missing, "\n".join(missing)
    # Answers of about 90 operations and the bodies of about 35: the walk found them.
    assert len(found) > 120


def test_every_example_is_valid_against_its_schema(spec: dict[str, Any]) -> None:
    invalid = [
        f"{where}: {error.json_path}: {error.message}"
        for where, at, media in bodies(spec)
        for error in validator(spec, at).iter_errors(media["example"])
    ]
    assert not invalid, "\n".join(invalid)


def test_the_validation_catches_a_wrong_example(spec: dict[str, Any]) -> None:
    # The test above would pass on a validator that resolves nothing: prove it does.
    where, at, media = next(b for b in bodies(spec) if b[0] == "POST /v1/members 201")
    wrong = {**media["example"], "id": "not-a-uuid", "version": "3"}
    messages = {error.message for error in validator(spec, at).iter_errors(wrong)}
    assert messages == {"'not-a-uuid' is not a 'uuid'", "'3' is not of type 'integer'"}, where


def test_examples_read_like_the_api(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    member = paths["/v1/members/{member_id}"]["get"]["responses"]["200"]["content"]
    example = member["application/json"]["example"]
    assert example["email"] == "li.wei@example.com"
    assert example["id"] == uuid_for("member_id")
    assert example["created_at"] == "2026-04-01T09:00:00Z"
    # A field's own declared example wins over the generated value.
    kr = paths["/v1/key-results/{key_result_id}"]["get"]["responses"]["200"]["content"]
    assert kr["application/json"]["example"]["title"] == "Sell to 10 new customers"
    # A list page shows one item and a cursor.
    page = paths["/v1/objectives"]["get"]["responses"]["200"]["content"]["application/json"]
    assert len(page["example"]["items"]) == 1
    assert page["example"]["next_cursor"]


def test_a_tree_is_shown_two_levels_deep(spec: dict[str, Any]) -> None:
    tree = spec["paths"]["/v1/cycles/{cycle_id}/alignment-tree"]["get"]["responses"]["200"]
    (root,) = tree["content"]["application/json"]["example"]["roots"]
    (child,) = root["children"]
    assert child["children"] == []


def test_ids_look_like_uuidv7_and_stay_the_same() -> None:
    first = uuid_for("objective_id")
    assert first == uuid_for("objective_id") != uuid_for("key_result_id")
    assert first.startswith("019d4845-6280-7")  # 2026-04-01T09:00:00Z, version 7
    assert first[19] in "89ab"


def test_a_schema_that_requires_itself_is_refused() -> None:
    schemas = {
        "Loop": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}}
    }
    with pytest.raises(RecursiveSchema):
        example_of({"$ref": "#/components/schemas/Loop"}, schemas)
