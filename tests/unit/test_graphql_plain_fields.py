"""Objects of plain values completed by attribute access (api/graphql/plain_fields.py) give
exactly what graphql-core gives: the same data, the same errors, whatever the selection."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
import strawberry
from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission

from api.graphql import plain_fields
from api.graphql.plain_fields import PlainFieldsExecutionContext
from api.graphql.schema import PLAIN_DECIMAL


@strawberry.enum
class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


@strawberry.type
class Node:
    id: int
    name: str
    colour: Colour | None
    progress: Decimal | None
    must: str  # non-null: a None here is an error

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


def _nodes() -> list[Node]:
    return [
        Node(
            id=i,
            name=f"n{i}",
            colour=[Colour.RED, Colour.GREEN, None][i % 3],
            progress=None if i % 4 == 0 else Decimal(i) / 8,
            must="x",
        )
        for i in range(40)
    ]


BROKEN = Node(id=99, name="broken", colour=None, progress=None, must=None)  # type: ignore[arg-type]


class Deny(BasePermission):
    message = "not allowed"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return False


class Upper(FieldExtension):
    def resolve(self, next_: Any, source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


@strawberry.type
class Guarded:
    id: int
    code: str = strawberry.field(permission_classes=[Deny])
    shout: str = strawberry.field(extensions=[Upper()])


class Raising:
    """A source whose attribute read fails: reported at that field, as graphql-core does."""

    id = 7
    colour = None
    progress = None
    must = "x"

    @property
    def name(self) -> str:
        raise ValueError("boom")


@strawberry.type
class Query:
    version: str = "v1"

    @strawberry.field
    def nodes(self) -> list[Node]:
        return _nodes()

    @strawberry.field
    def guarded(self) -> list[Guarded]:
        return [Guarded(id=1, code="s3cr3t", shout="hi")]

    @strawberry.field
    def shaky(self) -> list[Node | None]:
        return [_nodes()[1], Raising()]  # type: ignore[list-item]

    @strawberry.field
    def maybe_nodes(self) -> list[Node | None]:
        return [*_nodes()[:3], None]

    @strawberry.field
    def broken(self) -> list[Node]:
        return [*_nodes()[:2], BROKEN]

    @strawberry.field
    def one(self) -> Node:
        return _nodes()[5]


def _schema(plain: bool) -> strawberry.Schema:
    extra: dict[str, Any] = (
        {"execution_context_class": PlainFieldsExecutionContext} if plain else {}
    )
    return strawberry.Schema(query=Query, scalar_overrides={Decimal: PLAIN_DECIMAL}, **extra)


QUERIES = [
    "{ nodes { id name colour progress } }",
    "{ nodes { id renamed: name colour } one { id progress } }",
    "{ nodes { id __typename } }",
    "{ nodes { id shout } }",
    "{ nodes { ...F } } fragment F on Node { id colour }",
    "query($yes: Boolean!) { nodes { id name @include(if: $yes) colour @skip(if: $yes) } }",
    "{ maybeNodes { id colour } }",
    "{ broken { id must } }",
    "{ broken { id name } }",
    "{ nodes { id id } }",
    "{ guarded { id code } }",
    "{ guarded { id shout } }",
    "{ shaky { id name } }",
    "{ version nodes { id } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_the_same_answer_as_graphql_core(query: str) -> None:
    variables = {"yes": True}
    plain = await _schema(True).execute(query, variable_values=variables)
    core = await _schema(False).execute(query, variable_values=variables)
    assert plain.data == core.data, plain.data
    assert [(e.message, e.path) for e in plain.errors or []] == [
        (e.message, e.path) for e in core.errors or []
    ]


async def test_a_broken_node_is_reported_where_graphql_core_reports_it() -> None:
    answer = await _schema(True).execute("{ broken { id must } }")
    assert answer.data is None
    assert answer.errors is not None
    assert answer.errors[0].path == ["broken", 2, "must"]


async def test_plain_objects_take_the_short_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a silent fallback: forty plain nodes are completed by attribute access."""
    completed: list[object] = []
    original = plain_fields._completed

    def counting(plan: Any, source: Any) -> dict[str, Any]:
        completed.append(source)
        return original(plan, source)

    monkeypatch.setattr(plain_fields, "_completed", counting)
    answer = await _schema(True).execute("{ nodes { id name colour progress } }")
    assert answer.errors is None
    assert len(completed) == 40
    completed.clear()
    await _schema(True).execute("{ nodes { id shout } }")  # a resolver: graphql-core's path
    assert completed == []
