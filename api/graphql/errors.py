"""The one mapping from errors to GraphQL errors: ``extensions.code`` as in REST.

* A domain error keeps its stable ``code`` (the same as REST's problem+json), its detail as
  the message, its field list as ``extensions.errors`` (paths in the camelCase of the
  schema) and its extra members (``cycle``, ``currentVersion``) beside them.
* An input a shape refuses (``strawberry.pydantic`` validation: a too-long name, a wrong
  type) is ``validation_failed`` with pydantic's error per field, as in REST's 422.
* An error about the document itself (syntax, validation, the depth, alias and token
  limits, variables that do not fit their types) has no path: ``invalid_query``.
* The database being down is ``database_unavailable`` (and the answer carries
  ``Retry-After``), as in REST.
* Anything else raised while resolving is unexpected: it is logged and masked as
  "Unexpected error." with ``internal_error``, never a stack trace, SQL or a type name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import structlog
from graphql import GraphQLError
from starlette.requests import HTTPConnection
from starlette.responses import Response
from strawberry.extensions import MaskErrors
from strawberry.pydantic import InputValidationError
from strawberry.types import ExecutionContext
from strawberry.utils.str_converters import to_camel_case

from api.outage import DATABASE_UNAVAILABLE, OUTAGE_DETAIL, RETRY_AFTER_SECONDS, is_outage
from api.security import Unauthenticated
from domain.errors import DomainError, FieldError, RuleViolation

UNEXPECTED_MESSAGE = "Unexpected error."
INTERNAL_ERROR = "internal_error"
INVALID_QUERY = "invalid_query"

log = structlog.get_logger("okr.graphql")


def camel_path(path: str) -> str:
    """``scoring.red_below`` -> ``scoring.redBelow``: error paths name the schema's fields."""
    return ".".join(to_camel_case(part) for part in path.split("."))


def is_expected(error: GraphQLError) -> bool:
    """Errors we raise on purpose, and errors about the request document, are shown as is."""
    original = error.original_error
    if error.path is None or original is None:
        # Parse, validation, limits and variable coercion: about the document, not us.
        return True
    return isinstance(original, DomainError | Unauthenticated | GraphQLError)


def extensions_of(error: GraphQLError) -> dict[str, Any]:
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, Any] = {camel_path(k): v for k, v in original.extra.items()}
        extensions["code"] = original.code
        if original.errors:
            extensions["errors"] = [
                {"field": camel_path(e.field), "message": e.message, "code": e.code}
                for e in original.errors
            ]
        return extensions
    if isinstance(original, Unauthenticated):
        return {"code": original.code}
    if error.extensions and "code" in error.extensions:
        return dict(error.extensions)
    if error.path is None:
        return {**(error.extensions or {}), "code": INVALID_QUERY}
    return {**(error.extensions or {}), "code": INTERNAL_ERROR}


def caused_by_outage(context: object, error: BaseException | None) -> bool:
    """Whether a resolver failed because the database is down (asks the request's services)."""
    request = getattr(context, "request", None)
    return isinstance(request, HTTPConnection) and is_outage(request, error)


def invalid_input(error: InputValidationError) -> RuleViolation:
    """A shape's refusal as the domain's: each field named without the mutation's ``input``
    argument, as REST names a body's fields without ``body``."""
    return RuleViolation(
        "the input is not valid: see extensions.errors",
        code="validation_failed",
        errors=[
            FieldError(
                ".".join(e.location[1:] if e.location[:1] == ["input"] else e.location),
                e.message,
                e.type,
            )
            for e in error.errors
        ],
    )


def present(error: GraphQLError) -> GraphQLError:
    """The error as clients see it: a message and ``extensions.code``."""
    if isinstance(error.original_error, InputValidationError):
        error = GraphQLError(
            error.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=invalid_input(error.original_error),
        )
    original = error.original_error
    message = original.detail if isinstance(original, DomainError | Unauthenticated) else None
    return GraphQLError(
        message or error.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=original,
        extensions=extensions_of(error),
    )


class ErrorCodes(MaskErrors):
    """Masks unexpected errors, then gives every error its ``extensions.code``."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: not is_expected(error),
            error_message=UNEXPECTED_MESSAGE,
        )

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        if caused_by_outage(self.execution_context.context, error.original_error):
            masked.message = OUTAGE_DETAIL
            masked.extensions = {"code": DATABASE_UNAVAILABLE}
            self._ask_to_retry_later()
        else:
            masked.extensions = {"code": INTERNAL_ERROR}
        return masked

    def _ask_to_retry_later(self) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if isinstance(response, Response):
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = [present(e) for e in errors]


def log_unexpected(errors: list[GraphQLError], context: ExecutionContext | None) -> None:
    """Log what will be masked, with its traceback; expected errors are the client's story."""
    for error in errors:
        if is_expected(error):
            continue
        if context is not None and caused_by_outage(context.context, error.original_error):
            # One line per request: a traceback per request during an outage floods the log.
            log.warning("database_unavailable", error_type=type(error.original_error).__name__)
        else:
            log.error(
                "graphql_unexpected_error",
                error_type=type(error.original_error).__name__,
                path=error.path,
                exc_info=error.original_error,
            )
