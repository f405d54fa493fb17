"""GraphQL's limits beyond Strawberry's own (depth, aliases, tokens), all checked before a
resolver runs:

* the document's length in characters: the token limit counts no comments or whitespace,
  so a small query with a megabyte of comment would otherwise be lexed in full;
* the depth of introspection, which Strawberry's depth limit skips: bounded by the standard
  introspection query's own depth (what GraphiQL sends), or the depth limit if larger;
* strings Postgres cannot store or compare with (a NUL character), in variables and in
  literals, refused as ``validation_failed`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    ObjectFieldNode,
    OperationDefinitionNode,
    SelectionSetNode,
    StringValueNode,
    ValidationContext,
    ValidationRule,
    Visitor,
    get_introspection_query,
    parse,
    visit,
)
from strawberry.extensions import AddValidationRules, SchemaExtension

_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
# A document with no error of its own: parsing is skipped when the length is refused.
_STUB = parse("{ __typename }")


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _depth(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    *,
    above: int,
    stop: int,
    seen: frozenset[str] = frozenset(),
) -> int:
    """The deepest level under ``selection_set`` (``above`` levels deep), not looking further
    than ``stop`` (so a hostile document costs at most ``stop`` levels of recursion)."""
    if selection_set is None or above > stop:
        return above
    deepest = above
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            below = selection.selection_set
            level = (
                _depth(below, fragments, above=above + 1, stop=stop, seen=seen) if below else above
            )
        elif isinstance(selection, InlineFragmentNode):
            level = _depth(selection.selection_set, fragments, above=above, stop=stop, seen=seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is None or name in seen:
                continue  # unknown fragments and cycles are reported by the standard rules
            level = _depth(
                fragment.selection_set, fragments, above=above, stop=stop, seen=seen | {name}
            )
        else:
            continue
        deepest = max(deepest, level)
    return deepest


def _standard_introspection_depth() -> int:
    """How deep the fullest standard introspection query goes (GraphiQL sends one like it)."""
    document = parse(
        get_introspection_query(
            descriptions=True,
            specified_by_url=True,
            directive_is_repeatable=True,
            schema_description=True,
            input_value_deprecation=True,
            one_of=True,
        )
    )
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return _depth(operation.selection_set, fragments_of(document), above=0, stop=100)


STANDARD_INTROSPECTION_DEPTH = _standard_introspection_depth()


class IntrospectionDepthLimiter(AddValidationRules):
    """The depth limit for ``__schema`` and ``__type``, which Strawberry's limiter skips."""

    def __init__(self, max_depth: int) -> None:
        limit = max(max_depth, STANDARD_INTROSPECTION_DEPTH)

        class IntrospectionDepth(ValidationRule):
            def __init__(self, context: ValidationContext) -> None:
                super().__init__(context)
                self.fragments = fragments_of(context.document)

            def enter_field(self, node: FieldNode, *_args: object) -> object:
                if node.name.value not in _INTROSPECTION_ROOTS:
                    return None
                depth = _depth(node.selection_set, self.fragments, above=1, stop=limit)
                if depth > limit:
                    self.report_error(
                        GraphQLError(
                            f"'{node.name.value}' exceeds the maximum introspection depth "
                            f"of {limit}",
                            node,
                        )
                    )
                return Visitor.SKIP

        super().__init__([IntrospectionDepth])


class DocumentSizeLimiter(SchemaExtension):
    """Refuses a document longer than ``max_chars`` before it is parsed."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and len(context.query or "") > self.max_chars:
            # Strawberry parses only when no document is set, and validates only when no
            # error is set: a stub with this error skips both and answers the error.
            context.graphql_document = _STUB
            context.pre_execution_errors = [
                GraphQLError(f"the document is longer than {self.max_chars} characters")
            ]
        yield


def _nul_variables(variables: dict[str, Any]) -> list[str]:
    """Dotted paths of the strings holding a NUL, walked without recursion: variables may
    nest as deep as the JSON parser allowed."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = list(variables.items())
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(path)
        elif isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((path, v) for v in value)
    return sorted(set(found))


def _nul_literals(document: Node) -> list[str]:
    """Argument paths (``filter.q``) of string literals holding a NUL."""
    found: list[str] = []

    class Finder(Visitor):
        def enter_string_value(
            self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
        ) -> None:
            if "\x00" not in node.value:
                return
            names = [
                n.name.value
                for n in [*ancestors, parent]
                if isinstance(n, ArgumentNode | ObjectFieldNode)
            ]
            found.append(".".join(names) or "value")

    visit(document, Finder())
    return sorted(set(found))


class UnstorableStrings(SchemaExtension):
    """``validation_failed`` for a NUL in any string input, before validation runs: Postgres
    can neither store nor compare with one, and would fail deep inside a resolver."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            paths = _nul_variables(context.variables or {}) + _nul_literals(document)
            if paths:
                context.pre_execution_errors = [_unstorable(paths)]
        yield


def _unstorable(paths: list[str]) -> GraphQLError:
    return GraphQLError(
        "a string contains a NUL character, which cannot be stored: see extensions.errors",
        extensions={
            "code": "validation_failed",
            "errors": [
                {"field": p, "message": "contains a NUL character", "code": "unstorable_text"}
                for p in paths
            ],
        },
    )
