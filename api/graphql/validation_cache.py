"""Documents that validated clean once are not validated again.

Validating the dashboard's tree query against the schema and our limits (depth, aliases,
introspection depth) took 1.6 ms of every request, for a document a client sends again and
again unchanged. The schema and the limits are fixed for the life of the process, so a
document text that passed once passes always: this extension remembers such texts (the
last ``KEPT`` of them, each at most ``LONGEST`` characters) and marks them validated.
Strawberry's own ``ValidationCache`` cannot serve: it keys on the validation rules, and the
limit extensions build new rule classes for every request.

Only clean documents are kept: a document with errors is validated (and refused) every time,
so made-up documents cannot crowd the cache out. Checks that depend on the request (a NUL in
the variables) run before, in the extensions listed ahead of this one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from cachetools import LRUCache
from strawberry.extensions import SchemaExtension

KEPT: Final = 256
LONGEST: Final = 20_000


class CleanDocuments:
    """The texts of documents that validated without error (shared by every request)."""

    def __init__(self, kept: int = KEPT) -> None:
        self._texts: LRUCache[str, bool] = LRUCache(maxsize=kept)

    def __contains__(self, text: object) -> bool:
        # ``get``, not ``in``: a lookup is a use, so a document sent again and again stays.
        return isinstance(text, str) and self._texts.get(text, False)

    def add(self, text: str) -> None:
        if len(text) <= LONGEST:
            self._texts[text] = True


class ValidatedOnce(SchemaExtension):
    def __init__(self, *, clean: CleanDocuments) -> None:
        super().__init__()
        self._clean = clean

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        text = context.query
        known = context.pre_execution_errors is None and text in self._clean
        if known:
            context.pre_execution_errors = []  # Strawberry then skips its validation
        yield
        if not known and text is not None and context.pre_execution_errors == []:
            self._clean.add(text)
