"""Keeps a GraphQL type's fields in the order the committed schema prints them.

Strawberry lists a ``strawberry.pydantic.type``'s fields in the pydantic shape's order, then
the fields the GraphQL subclass adds. Where the published SDL (``openapi/schema.graphql``) has
a field elsewhere, printing the new order would change the committed contract, which is kept
byte-identical until it is regenerated under a name. An answer follows the query's order
either way: only the printed schema depends on this.
"""

from __future__ import annotations

from strawberry.types.base import get_object_definition


def move_field(
    type_: type, name: str, *, after: str | None = None, before: str | None = None
) -> None:
    """Moves the field ``name`` (its Python name) of the Strawberry type ``type_`` right after
    the field ``after`` or right before the field ``before`` (exactly one of the two).

    Call it once, right after the type is defined and before the schema is built."""
    if (after is None) == (before is None):
        raise TypeError("move_field takes exactly one of after= and before=")
    fields = get_object_definition(type_, strict=True).fields
    moved = next(f for f in fields if f.python_name == name)
    fields.remove(moved)
    anchor = next(i for i, f in enumerate(fields) if f.python_name in (after, before))
    fields.insert(anchor + 1 if after is not None else anchor, moved)
