"""What every resource shape shares, whichever adapter reads it.

A shape is one pydantic model per resource body (out, create, patch) in
``api/<capability>/shapes.py``: FastAPI reads and writes it as a body, and Strawberry serves
the same class as a GraphQL type or input through ``strawberry.pydantic``. So a field, its
type and its limits are written once, and both adapters refuse the same values the same way.

* ``Input`` refuses what Postgres cannot store and unknown fields.
* ``Output`` is read from a domain entity, field by field of the same name.
* ``Patch`` tells a field left out from a field sent as ``null``, in both adapters.

A field is described once, with ``Field(description=...)``, which both adapters show. The two
adapters were documented apart, though, and the committed contract (``openapi/openapi.json``,
``openapi/schema.graphql``) is kept byte-identical until their texts are unified in one named
regeneration; until then a field whose texts differ says so with ``in_graphql`` (GraphQL's
own text), ``in_rest`` (a text REST alone shows) or ``in_rest_list`` (the same for a list
that defaults to ``[]``). Each is written here once, for every capability.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Self

import strawberry
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


# -- descriptions that still differ per adapter (see the module's docstring) ------------------


def in_graphql(description: str) -> Any:
    """GraphQL's own description of a field, as ``Annotated[T, in_graphql("...")]``.

    Strawberry shows it instead of ``Field(description=...)``, which REST keeps showing; a
    field with no ``Field`` description is then described in GraphQL alone."""
    return strawberry.field(description=description)


def in_rest(description: str) -> dict[str, Any]:
    """A description only REST's schema shows, as ``Field(json_schema_extra=in_rest("..."))``.

    Pydantic prints ``json_schema_extra`` into the JSON schema; Strawberry reads only
    ``Field(description=...)``, so GraphQL shows no description for the field."""
    return {"description": description}


def in_rest_list(description: str) -> Callable[[dict[str, Any]], None]:
    """``in_rest`` for a list field that defaults to ``[]`` (``Field(default=[], ...)``).

    REST's schema has never shown that default, so it is left out of the JSON schema; the
    default is a value rather than a factory because GraphQL prints it (``= []``), which it
    would not for a factory."""

    def edit(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        schema["description"] = description

    return edit
