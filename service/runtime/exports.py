"""The API contracts as files: OpenAPI JSON and GraphQL SDL, exactly as the app serves them."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI

from service.runtime.app import build_app
from service.runtime.settings import Settings

# No connection is opened to build the schemas: any well-formed URL will do.
_OFFLINE_URL = "postgresql://export@localhost/export"


def openapi_json(app: FastAPI) -> str:
    return json.dumps(app.openapi(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def graphql_sdl(app: FastAPI) -> str:
    schema = getattr(app.state, "graphql_schema", None)
    return (str(schema) if schema is not None else "") + "\n"


def export_schemas(folder: Path) -> list[Path]:
    app = build_app(Settings(jwt_secret="x" * 32), _OFFLINE_URL)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (("openapi.json", openapi_json(app)), ("schema.graphql", graphql_sdl(app))):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
