"""What every resource shape shares, whichever adapter reads it.

A shape is one pydantic model per resource body (out, create, patch) in
``api/<capability>/shapes.py``: FastAPI reads and writes it as a body, and Strawberry serves
the same class as a GraphQL type or input through ``strawberry.pydantic``. So a field, its
type and its limits are written once, and both adapters refuse the same values the same way.

* ``Input`` refuses what Postgres cannot store and unknown fields.
* ``Output`` is read from a domain entity, field by field of the same name.
* ``Patch`` tells a field left out from a field sent as ``null``, in both adapters.

A field is described once, with ``Field(description=...)``, which both adapters show alike.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, field_validator
from strawberry.types.maybe import Some

from api.decimals import plain
from domain.errors import FieldError, RuleViolation

# Postgres stores no NUL character, and UTF-8 has no unpaired surrogate: refused at the door.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: object) -> object:
    texts = value if isinstance(value, list) else [value]
    if any(isinstance(t, str) and _UNSTORABLE.search(t) for t in texts):
        raise ValueError("contains a NUL character or an unpaired surrogate")
    # "1E+3" is kept as 1000, so the answer to this write prints it as reads do.
    if isinstance(value, Decimal):
        return plain(value)
    return value


class Input(BaseModel):
    """A body a client sends: unknown fields are refused, and so is unstorable text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: object) -> object:
        # A Patch field arrives wrapped in Some: what it holds is checked the same way.
        return Some(_storable(value.value)) if isinstance(value, Some) else _storable(value)


class Output(BaseModel):
    """A resource as the API shows it."""

    @classmethod
    def of(cls, entity: object) -> Self:
        """The shape of a domain entity (or read model): each field from its attribute of
        the same name, so a field added to both needs no mapping."""
        return cls.model_validate(entity, from_attributes=True)


class Patch(Input):
    """A partial update (JSON merge patch), read alike from a REST body and a GraphQL input.

    Each field is ``Maybe[T | None] = None``: ``None`` when left out, ``Some(value)`` when
    sent, ``Some(None)`` for an explicit ``null``. GraphQL cannot tell a left-out field from
    ``null`` once the field has a default, and a ``Maybe`` needs none (the schema prints
    ``name: String``); ``| None`` lets ``null`` through to ``sent``, which refuses it with
    one error in both adapters where nothing can be cleared.
    """

    def sent(self, *, nullable: frozenset[str] = frozenset()) -> dict[str, Any]:
        """The fields sent, by name; ``null`` outside ``nullable`` is ``validation_failed``.

        Only the ``Maybe`` fields count, so a GraphQL input may add its ``id`` and
        ``expected_version`` to the shape."""
        sent = {
            name: value.value
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), Some)
        }
        nulls = sorted(n for n, v in sent.items() if v is None and n not in nullable)
        if nulls:
            raise RuleViolation(
                "these fields cannot be null: " + ", ".join(nulls),
                code="validation_failed",
                errors=[FieldError(n, "cannot be null", "null") for n in nulls],
            )
        return sent


def no_rest_default(schema: dict[str, Any]) -> None:
    """Leaves the default out of REST's schema, as ``Field(default=[], json_schema_extra=...)``.

    For a list a create body may leave out: GraphQL prints its default (``= []``, which it
    would not for a factory, hence a value) and REST's schema has never shown one."""
    schema.pop("default", None)
