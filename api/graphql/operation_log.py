"""The GraphQL operation's name in every log line of its request (``graphql_operation``).

Bound as a structlog context variable, like ``org_id``: the access-log line the request
middleware writes at the end carries it too. The name is the ``operationName`` sent, else
the name of the operation in the document Strawberry already parsed (never parsed twice),
else ``anonymous``. A log field only: never a metric label, since clients choose names.
"""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from strawberry.extensions import SchemaExtension

ANONYMOUS = "anonymous"
# A client chooses the name: bound what one log line carries (GraphQL names are short).
_MAX_LOGGED = 128


class OperationNameInLogs(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        # Before parsing: the name sent, so a document that does not parse is named too.
        self._bind()
        yield

    def on_validate(self) -> Iterator[None]:
        # Parsed by now: an operation named only in the document gets its name.
        self._bind()
        yield

    def _bind(self) -> None:
        name = self.execution_context.operation_name or ANONYMOUS
        structlog.contextvars.bind_contextvars(graphql_operation=name[:_MAX_LOGGED])
