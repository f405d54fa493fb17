"""Entities to rows and back, by the dataclass's field names.

A field stored in the column of its own name needs no code here: adding it to the entity and
the column to the table is the whole change. Its type says the little conversion there is
(an enum is stored as its value; a ``Decimal`` reads back plain, see :func:`sql.plain`). A
field stored under another name, in another shape (nested JSON) or across columns (a derived
value) says how with a :class:`Stored`.

Hand-written rather than SQLAlchemy's imperative ORM mapping: the entities are frozen
dataclasses, the repositories build Core statements (their SQL and statement counts are
tested), and the ORM's session and identity map would come along for a dozen lines' worth.
"""

from __future__ import annotations

import dataclasses
import operator
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Generic, TypeVar, get_args, get_type_hints

from sqlalchemy import Row, Table

from service.storage.postgres.sql import plain

E = TypeVar("E")

Convert = Callable[[Any], object]
Read = Callable[[Any], object]  # a Row, or a namespace of a composite's columns
Write = Callable[[E], Mapping[str, object]]


@dataclass(frozen=True)
class Stored(Generic[E]):
    """How a field not kept as-is in its own column is read from a row, and the columns
    (name to value) it writes."""

    read: Read
    write: Write[E]


def _as_is(value: object) -> object:
    return value


def _enum_value(value: object) -> object:
    # The check constraints name the values; a StrEnum member would bind as its text anyway,
    # but the value says what is stored.
    return value.value if isinstance(value, Enum) else value


def _conversions(hint: object) -> tuple[Convert, Convert]:
    """(from column, to column) for a field of type ``hint``; ``X | None`` keeps None."""
    args = get_args(hint) if isinstance(hint, types.UnionType) else ()
    optional = type(None) in args
    inner = [a for a in args if a is not type(None)]
    base = inner[0] if optional and len(inner) == 1 else hint
    if isinstance(base, type) and issubclass(base, Enum):
        read: Convert = base
        write: Convert = _enum_value
    elif base is Decimal:
        read, write = plain, _as_is
    else:
        return _as_is, _as_is
    if optional:
        return (lambda v: None if v is None else read(v)), write
    return read, write


def _plain_field(name: str, hint: object) -> tuple[Read | None, Write[Any]]:
    """(read, write) of a field in its own column; ``read`` is None when the value is taken
    as it comes (read in bulk by :class:`EntityRows`)."""
    read, write = _conversions(hint)
    if read is _as_is:
        return None, (lambda e: {name: getattr(e, name)})
    return (lambda row: read(getattr(row, name))), (lambda e: {name: write(getattr(e, name))})


class EntityRows(Generic[E]):
    """Builds an ``entity`` from a row of ``table`` and its column values back.

    Every field without a :class:`Stored` must be a column of the table (checked here, at
    import time): a field added to the entity but not to the table fails at once, not on
    the first write. ``keys`` are written on insert only.
    """

    def __init__(
        self,
        entity: type[E],
        table: Table,
        stored: Mapping[str, Stored[E]] | None = None,
        *,
        keys: tuple[str, ...] = ("organization_id", "id"),
    ) -> None:
        stored = stored or {}
        hints = get_type_hints(entity)
        names = [f.name for f in dataclasses.fields(entity)]  # type: ignore[arg-type]
        if hasattr(entity, "__post_init__") or "__slots__" in vars(entity):
            # ``entity()`` fills the instance's __dict__ without calling __init__.
            raise TypeError(f"{entity.__name__}: no __post_init__ or __slots__ in a stored entity")
        unknown = set(stored) - set(names)
        if unknown:
            raise TypeError(f"{entity.__name__} has no field {sorted(unknown)}")
        self._entity = entity
        self._reads: list[tuple[str, Read]] = []
        as_is: list[str] = []
        self._writes: list[Write[E]] = []
        self._key_writes: list[Write[E]] = []
        for name in names:
            read: Read | None
            if name in stored:
                read, write = stored[name].read, stored[name].write
            elif name in table.c:
                read, write = _plain_field(name, hints[name])
            else:
                raise TypeError(
                    f"{entity.__name__}.{name} has no column in {table.name}: add the column"
                    " or say how it is stored"
                )
            if read is None:
                as_is.append(name)
            else:
                self._reads.append((name, read))
            (self._key_writes if name in keys else self._writes).append(write)
        # The fields taken as they come, in one C-level call per row (a page of objectives
        # maps a few hundred rows: per-field Python calls were a tenth of its time).
        self._as_is = tuple(as_is)
        self._get_as_is = operator.attrgetter(*as_is) if len(as_is) > 1 else None

    def entity(self, row: Row[Any] | types.SimpleNamespace) -> E:
        if self._get_as_is is not None:
            values = dict(zip(self._as_is, self._get_as_is(row), strict=True))
        else:
            values = {name: getattr(row, name) for name in self._as_is}
        for name, read in self._reads:
            values[name] = read(row)
        # Every field is set from the row, so ``__init__`` (one object.__setattr__ per field
        # of a frozen dataclass, no __post_init__ in the domain) is skipped: a third of the
        # mapping's time on a page of objectives.
        entity = object.__new__(self._entity)
        entity.__dict__.update(values)
        return entity

    def from_record(self, record: Mapping[str, Any]) -> E:
        """The entity from a row read as a composite value (``array_agg(table)``, a
        ``(SELECT table ...)`` column): the driver gives those as mappings of column names."""
        return self.entity(types.SimpleNamespace(**record))

    def values(self, entity: E) -> dict[str, Any]:
        """The columns an update sets: all but the keys."""
        return _merged(self._writes, entity)

    def insert_values(self, entity: E) -> dict[str, Any]:
        """The columns an insert sets: the keys too."""
        return _merged([*self._key_writes, *self._writes], entity)


def _merged(writes: list[Write[E]], entity: E) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for write in writes:
        values.update(write(entity))
    return values
