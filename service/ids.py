"""Time-ordered ids (UUIDv7): new rows sort by creation, which keyset pagination relies on."""

from __future__ import annotations

from uuid import UUID

from uuid_utils.compat import uuid7


def new_id() -> UUID:
    return uuid7()
