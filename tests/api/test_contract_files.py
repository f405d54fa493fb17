"""The committed API contracts match what the app serves, and every route is documented."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from service.runtime.exports import export_schemas, graphql_sdl, openapi_json

ROOT = Path(__file__).resolve().parents[2]
_METHODS = {"get", "post", "put", "patch", "delete"}


async def test_exported_openapi_matches_the_app(app: FastAPI) -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(app), "run `make export` and commit openapi/"


async def test_exported_graphql_sdl_matches_the_app(app: FastAPI) -> None:
    committed = (ROOT / "openapi" / "schema.graphql").read_text(encoding="utf-8")
    assert committed == graphql_sdl(app), "run `make export` and commit openapi/"


def test_export_writes_both_files(tmp_path: Path) -> None:
    written = export_schemas(tmp_path)
    assert sorted(p.name for p in written) == ["openapi.json", "schema.graphql"]
    assert all(p.stat().st_size > 100 for p in written)


def _operations(app: FastAPI) -> list[tuple[str, str, dict[str, Any]]]:
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [
        (method, path, op)
        for path, item in paths.items()
        for method, op in item.items()
        if method in _METHODS
    ]


def _has_example(op: dict[str, Any], components: dict[str, Any]) -> bool:
    def schema_has_example(schema: dict[str, Any]) -> bool:
        ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
        if ref:
            schema = components[ref.rsplit("/", 1)[-1]]
        if "examples" in schema or "example" in schema:
            return True
        properties: dict[str, Any] = schema.get("properties", {})
        return any("examples" in p or "example" in p for p in properties.values())

    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    if body and schema_has_example(body.get("schema", {})):
        return True
    ok = op["responses"].get("200") or op["responses"].get("201") or {}
    media = ok.get("content", {}).get("application/json", {})
    if "example" in media or "examples" in media:  # on the media type (hand-written schemas)
        return True
    schema = media.get("schema", {})
    if schema.get("$ref") and schema_has_example(schema):
        return True
    listed = components.get(schema.get("$ref", "").rsplit("/", 1)[-1], {})
    items = listed.get("properties", {}).get("items", {})
    return bool(items) and schema_has_example(items)


async def test_every_route_is_documented(app: FastAPI) -> None:
    spec = app.openapi()
    components = spec["components"]["schemas"]
    missing = []
    for method, path, op in _operations(app):
        if path.startswith("/graphql"):
            continue
        problems = [
            name
            for name, ok in (
                ("summary", bool(op.get("summary"))),
                ("description", bool(op.get("description"))),
                ("tag", bool(op.get("tags"))),
                (
                    "typed error responses",
                    path in {"/healthz"}
                    or any(code.startswith(("4", "5")) for code in op["responses"]),
                ),
                ("example", op["responses"].get("204") is not None or _has_example(op, components)),
            )
            if not ok
        ]
        if problems:
            missing.append(f"{method.upper()} {path}: {', '.join(problems)}")
    assert not missing, "\n".join(missing)


async def test_protected_routes_declare_the_bearer_scheme(app: FastAPI) -> None:
    spec = app.openapi()
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # A push URL carries its own credential: its secret, in the path or as a bearer token
    # of a scheme of its own (never a member's JWT).
    by_push_secret: dict[tuple[str, str], list[dict[str, list[str]]]] = {
        ("post", "/v1/push/{token}"): [],
        ("post", "/v1/push"): [{"pushToken": []}],
    }
    for method, path, op in _operations(app):
        if (method, path) in by_push_secret:
            assert op.get("security") == by_push_secret[(method, path)], f"{method} {path}"
        elif path.startswith("/v1"):
            assert op.get("security") == [{"bearer": []}], f"{method} {path}"
