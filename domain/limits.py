"""Field limits and bounds the domain owns, written once and read by every layer.

The shapes (``api/<capability>/shapes.py``) put them in their pydantic fields, so REST and
GraphQL refuse an overlong value alike; the tables size their columns from them.
"""

from __future__ import annotations

from typing import Final

CYCLE_NAME_MAX_LENGTH: Final = 200
"""A cycle's name (周期名称), in characters."""
