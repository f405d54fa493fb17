"""Objects whose selected fields are all plain values, completed by attribute access.

graphql-core executes every field of every object on its own: a resolve info, a path, the
resolver, the completion of its type, about 7 microseconds each. A tree of 1,125
objectives selects ten fields per node, so executing them was two thirds of the GraphQL
tree's time and the whole of its gap to REST (issue 16). Most objects of a large answer
(tree nodes, KRs in a page) select only plain values: attributes Strawberry reads without
a resolver of ours (its "basic fields": no arguments, no permission, no extension), each
a scalar or an enum, on an object below the root. For such an object the answer is built
here in one pass: the same default resolver, the same output coercion of the same type, in
the same order.

Anything else takes graphql-core's own path, unchanged: an object selecting a field with a
resolver, an argument, ``__typename`` or a nested object; field middleware; and any value
that would be an error (a null where the type forbids it, a value the type cannot
coerce, an attribute whose read raises), so every error reads as it did. Reading an
attribute has no side effect, so the object is simply executed again there.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from graphql.pyutils import AwaitableOrValue, Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.field import StrawberryField


class _PlainField(NamedTuple):
    response_name: str
    read: Callable[[Any], Any]  # the value Strawberry's resolver of a basic field returns
    coerce: Callable[[Any], Any]  # the leaf type's output coercion
    nullable: bool


# A selection that is not all plain values (decided once per selection of a request).
_NOT_PLAIN: tuple[_PlainField, ...] = ()


def _plain_field(
    parent_type: GraphQLObjectType, response_name: str, details: Any
) -> _PlainField | None:
    node = details[0].node
    field = parent_type.fields.get(node.name.value)  # None for __typename
    if field is None or node.arguments or field.args:
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or not definition.is_basic_field:
        return None  # a resolver of ours, or a field with permissions or extensions
    if not getattr(field.resolve, "_is_default", False):
        return None
    field_type, nullable = field.type, True
    if isinstance(field_type, GraphQLNonNull):
        field_type, nullable = field_type.of_type, False
    if not is_leaf_type(field_type):
        return None
    leaf: GraphQLLeafType = field_type
    return _PlainField(response_name, _reader(field, definition), _coercion(leaf), nullable)


def _reader(field: GraphQLField, definition: StrawberryField) -> Callable[[Any], Any]:
    """What Strawberry's basic field resolver returns for a source: its default resolver
    (``getattr`` unless configured otherwise) of the field's Python name, read directly."""
    if definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    resolve = field.resolve
    assert resolve is not None  # a basic field (checked by the caller)
    return lambda source: resolve(source, None)


def _coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    """The leaf's output coercion. For a Strawberry enum, the name of its member looked up by
    the member (its own coercion scans every value of the enum for each); a value not found
    answers None, which sends the object to graphql-core's path."""
    if not isinstance(leaf, CustomGraphQLEnumType):
        return leaf.coerce_output_value
    by_value = {value.value: name for name, value in leaf.values.items()}
    members: list[Enum] = list(leaf.wrapped_cls)
    names = {m: by_value[m.value] for m in members if m.value in by_value}
    return names.get


class _Fallback(Exception):
    """A value the fast path does not complete: graphql-core completes (or refuses) it."""


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core collects an object type's selection once per request and hands the
        # same mapping to every object of a list: plans are kept by it (and keep it alive,
        # so its id is never reused within the request).
        self._plans: dict[int, tuple[Any, tuple[_PlainField, ...]]] = {}

    def _plan(self, parent_type: GraphQLObjectType, fields: Any) -> tuple[_PlainField, ...]:
        kept = self._plans.get(id(fields))
        if kept is not None and kept[0] is fields:
            return kept[1]
        plan: list[_PlainField] = []
        for response_name, details in fields.items():
            plain = _plain_field(parent_type, response_name, details)
            if plain is None:
                plan = []
                break
            plan.append(plain)
        manager = self.middleware_manager
        wrapped = manager is not None and bool(manager.middlewares)  # Strawberry's is empty
        found = tuple(plan) if plan and not wrapped else _NOT_PLAIN
        self._plans[id(fields)] = (fields, found)
        return found

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        # Root fields (path None) keep graphql-core's path: their errors name the field.
        plan = self._plan(parent_type, grouped_field_set) if path is not None else _NOT_PLAIN
        if plan:
            try:
                return _completed(plan, source_value)
            except _Fallback:
                pass
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[Any],
        field_details_list: Any,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        # A list of plain objects (a tree's nodes) in one loop: graphql-core would complete
        # each item through five calls of its own before reaching its fields.
        done = self._plain_list(return_type, field_details_list, result)
        if done is not None:
            return done
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _plain_list(
        self, return_type: GraphQLList[Any], field_details_list: Any, result: Any
    ) -> list[Any] | None:
        object_type = _plain_object_type(return_type.of_type)
        if object_type is None or not isinstance(result, list):
            return None
        collected = self.collect_subfields(object_type, field_details_list)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            return None
        plan = self._plan(object_type, collected.grouped_field_set)
        if not plan:
            return None
        if isinstance(return_type.of_type, GraphQLNonNull) and None in result:
            return None  # graphql-core reports the null item
        try:
            return [_completed(plan, item) if item is not None else None for item in result]
        except _Fallback:
            return None


def _plain_object_type(item_type: Any) -> GraphQLObjectType | None:
    """The object type of a list's items, when their completion is only their fields'."""
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
        return inner
    return None


def _completed(plan: tuple[_PlainField, ...], source: Any) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for field in plan:
        try:
            value = field.read(source)
        except Exception as error:  # reported where graphql-core reports it
            raise _Fallback from error
        if value is None:
            if not field.nullable:
                raise _Fallback
            results[field.response_name] = None
            continue
        if isinstance(value, Exception):
            raise _Fallback
        try:
            coerced = field.coerce(value)
        except Exception as error:  # the executor reports it as a field error
            raise _Fallback from error
        if coerced is None or coerced is Undefined:
            raise _Fallback
        results[field.response_name] = coerced
    return results
