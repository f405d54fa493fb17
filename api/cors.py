"""CORS for browser apps on other origins (``OKR_CORS_ORIGINS``), with Starlette's
CORSMiddleware.

Credentials stay off: clients send a bearer token in ``Authorization``, never cookies, so a
browser has nothing ambient to send and a wildcard origin cannot leak a session.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

PREFLIGHT_MAX_AGE_SECONDS = 600
ALLOWED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALLOWED_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "X-Request-ID",
    "Accept-Language",
)
# Headers a script may read besides the CORS-safelisted ones (Content-Type and such).
EXPOSED_HEADERS = ("ETag", "Location", "X-Request-ID", "Idempotent-Replayed", "Retry-After")


def add_cors(app: FastAPI, origins: Sequence[str]) -> None:
    """Answer preflights and grant the origins; no origins: same-origin only, no headers."""
    if not origins:
        return
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=False,
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
