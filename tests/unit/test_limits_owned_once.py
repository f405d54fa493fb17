"""Every text column is sized from the domain's limit, or says why it has none.

The domain owns each field's length once (``domain/limits.py``): the shapes refuse an
overlong value with a 422 and the tables size their columns from the same constant. A bare
literal in ``String(n)`` is how the two drift apart (a title refused at 301 characters by the
API but cut at 255 by the database, or the reverse: a 500 for a value the API accepted). So
this test reads ``tables.py`` and allows a literal only for the columns listed here, whose
values the domain bounds otherwise (an enum's codes, an IANA zone name, a hash).
"""

from __future__ import annotations

import ast
import inspect
from enum import StrEnum

import pytest
from sqlalchemy import String
from sqlalchemy.dialects.postgresql import ARRAY

from domain import limits
from domain.comments import CommentTarget
from domain.cycles import CycleKind, CycleState
from domain.meetings import MeetingKind
from domain.members import Role
from domain.okrs import (
    ActionStatus,
    Aggregation,
    Ambition,
    Cadence,
    CheckInSource,
    Direction,
    Level,
    MetricKind,
    ObjectiveStatus,
    OwnerKind,
    Visibility,
)
from domain.organizations import Locale
from domain.reviews import ReviewPhase, ReviewRole
from domain.units import UnitKind
from service.storage.postgres import tables

# Columns holding one of the domain's codes: the column must fit the enum's longest value.
ENUM_COLUMNS: dict[tuple[str, str], type[StrEnum]] = {
    ("organizations", "locale"): Locale,
    ("members", "roles"): Role,
    ("org_units", "kind"): UnitKind,
    ("cycles", "kind"): CycleKind,
    ("cycles", "state"): CycleState,
    ("objectives", "owner_kind"): OwnerKind,
    ("objectives", "level"): Level,
    ("objectives", "status"): ObjectiveStatus,
    ("objectives", "visibility"): Visibility,
    ("key_results", "metric_kind"): MetricKind,
    ("key_results", "direction"): Direction,
    ("key_results", "cadence"): Cadence,
    ("actions", "status"): ActionStatus,
    ("check_ins", "source"): CheckInSource,
    ("key_result_forecasts", "source"): CheckInSource,
    ("objectives", "ambition"): Ambition,
    ("key_results", "aggregation"): Aggregation,
    ("review_cycles", "phase"): ReviewPhase,
    ("review_assignments", "role"): ReviewRole,
    ("templates", "level"): Level,
    ("meetings", "kind"): MeetingKind,
    ("comments", "target_type"): CommentTarget,
    ("kpis", "direction"): Direction,
}

# Other columns sized in the table alone, with the reason no domain limit applies.
TABLE_ONLY: dict[tuple[str, str], tuple[int, str]] = {
    ("organizations", "time_zone"): (64, "validate_time_zone accepts IANA names only"),
    ("key_results", "currency"): (3, "validate_metric accepts an ISO 4217 code only"),
    ("idempotency_keys", "key"): (255, "the Idempotency-Key header, bounded by the REST adapter"),
    ("idempotency_keys", "request_hash"): (64, "a SHA-256 digest in hex"),
    ("audit_events", "action"): (60, "written by the use cases, never by a client"),
    ("audit_events", "resource_type"): (40, "written by the use cases, never by a client"),
    ("events", "type"): (60, "service.events' catalogue, never a client's text"),
    ("events", "resource_type"): (40, "copied from the audit event, never a client's text"),
    ("events", "audience"): (16, "one of service.events' audiences"),
    ("events", "link"): (200, "a REST path built from a type and an id"),
    ("webhook_endpoints", "event_types"): (60, "types of service.events' catalogue, checked"),
    ("webhook_endpoints", "disabled_reason"): (500, "written by the sender, never by a client"),
    ("webhook_endpoints", "secret"): (200, "generated: whsec_ and base64 of random bytes"),
    ("webhook_endpoints", "previous_secret"): (200, "generated, as secret"),
    ("webhook_deliveries", "event_type"): (60, "a type of service.events' catalogue"),
    ("webhook_deliveries", "status"): (16, "one of the delivery states"),
    ("webhook_deliveries", "last_error"): (500, "the sender's summary, cut to fit"),
    ("webhook_delivery_attempts", "error"): (500, "ATTEMPT_ERROR_MAX_LENGTH, cut to fit"),
    ("webhook_delivery_attempts", "response_excerpt"): (
        1024,
        "RESPONSE_EXCERPT_MAX_LENGTH of a receiver's answer, cut to fit",
    ),
    ("api_clients", "scopes"): (60, "scopes of service.auth's Scope.ALL, checked"),
    ("api_clients", "secret_hash"): (200, "an argon2 hash of a generated secret"),
    ("api_clients", "previous_secret_hash"): (200, "as secret_hash"),
    ("api_clients", "secret_hint"): (20, "the first characters of a generated secret"),
    ("key_results", "reported_track_status"): (16, "a track status the use cases write"),
}


def _string_lengths() -> dict[tuple[str, str], ast.expr]:
    """Each ``Column("c", String(x))`` of each ``Table("t", ...)`` in tables.py: its ``x``."""
    found: dict[tuple[str, str], ast.expr] = {}
    for table_call in _calls_of(_TREE, "Table"):
        for column in (c for c in table_call.args if _is_call_of(c, "Column")):
            assert isinstance(column, ast.Call)
            for string in _calls_of(column, "String"):
                table, name = _literal(table_call), _literal(column)
                assert table is not None, "a text column in a table whose name is computed"
                assert name is not None, f"{table}: a text column whose name is computed"
                found[(table, name)] = string.args[0]
    return found


def _calls_of(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
    ]


def _is_call_of(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _literal(call: ast.Call) -> str | None:
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


_TREE = ast.parse(inspect.getsource(tables))
LENGTHS = _string_lengths()


def _length(table: str, column: str) -> int | None:
    type_ = tables.metadata.tables[table].c[column].type
    if isinstance(type_, ARRAY):
        type_ = type_.item_type
    assert isinstance(type_, String)
    return type_.length


def test_the_parser_sees_the_text_columns() -> None:
    # A guard on the guard: if the reading of tables.py broke, every check below would pass.
    assert ("members", "roles") in LENGTHS  # inside ARRAY(...)
    # Every String(...) of the file is one of a table's columns: none is sized elsewhere.
    assert len(LENGTHS) == len(_calls_of(_TREE, "String"))


@pytest.mark.parametrize(("table", "column"), sorted(LENGTHS))
def test_a_column_length_names_its_domain_limit_or_is_listed(table: str, column: str) -> None:
    length = LENGTHS[(table, column)]
    if isinstance(length, ast.Name):
        assert length.id in vars(limits), f"{table}.{column}: {length.id} is not in domain.limits"
        assert _length(table, column) == getattr(limits, length.id)
        return
    assert isinstance(length, ast.Constant), f"{table}.{column}: size it from domain.limits"
    size = _length(table, column)
    assert size is not None
    if (table, column) in ENUM_COLUMNS:
        longest = max(len(code) for code in ENUM_COLUMNS[(table, column)])
        assert longest <= size, f"{table}.{column} cannot hold every code"
        return
    assert (table, column) in TABLE_ONLY, (
        f"{table}.{column} is String({size}): use its domain.limits constant, or list "
        "it in TABLE_ONLY with the reason the domain bounds it otherwise"
    )
    assert TABLE_ONLY[(table, column)][0] == size


def test_every_listed_column_still_exists() -> None:
    # A stale entry would let a future column of that name slip through unnamed.
    for table, column in (*ENUM_COLUMNS, *TABLE_ONLY):
        assert (table, column) in LENGTHS, f"{table}.{column} is listed but not in tables.py"
