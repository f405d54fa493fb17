"""``EntityRows``: a field maps to the column of its name, converted by its type; one stored
otherwise says how; a field with neither fails when the mapping is built."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Numeric, String, Table

from service.storage.postgres.rows import EntityRows, Stored


class Color(StrEnum):
    RED = "red"


@dataclass(frozen=True, kw_only=True)
class Thing:
    organization_id: int
    id: int
    color: Color
    shade: Color | None
    amount: Decimal
    label: str  # stored upper-case in "name"


things = Table(
    "things",
    MetaData(),
    Column("organization_id", Integer),
    Column("id", Integer),
    Column("color", String),
    Column("shade", String),
    Column("amount", Numeric),
    Column("name", String),
)

LABEL: Stored[Thing] = Stored(lambda row: row.name.lower(), lambda t: {"name": t.label.upper()})


@dataclass(frozen=True)
class FakeRow:
    """Attribute access by column name, as a SQLAlchemy ``Row`` gives."""

    organization_id: int
    id: int
    color: str
    shade: str | None
    amount: Decimal
    name: str


def test_fields_read_and_write_by_name_type_and_stored() -> None:
    rows = EntityRows(Thing, things, {"label": LABEL})
    # asyncpg may decode a NUMERIC in exponent form: it reads back plain.
    row: Any = FakeRow(1, 2, "red", None, Decimal("8.000E+7"), "BOX")
    thing = rows.entity(row)
    assert thing == Thing(
        organization_id=1, id=2, color=Color.RED, shade=None, amount=Decimal(80000000), label="box"
    )
    assert str(thing.amount) == "80000000"
    assert type(thing.color) is Color
    assert rows.values(thing) == {
        "color": "red",
        "shade": None,
        "amount": Decimal(80000000),
        "name": "BOX",
    }
    assert rows.insert_values(thing) == {"organization_id": 1, "id": 2, **rows.values(thing)}


def test_a_field_without_column_or_stored_fails_at_once() -> None:
    with pytest.raises(TypeError, match=r"Thing.label has no column in things"):
        EntityRows(Thing, things)
    with pytest.raises(TypeError, match=r"no field \['nope'\]"):
        EntityRows(Thing, things, {"label": LABEL, "nope": LABEL})
