"""What REST's lists share: a page of items and the cursor of the next page.

The resources' bodies are their shapes (``api/<capability>/shapes.py``). Decimals
(weights, thresholds, metrics) are JSON strings in responses, e.g. "0.40", so no client
loses precision to binary floats; inputs accept strings or numbers.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
