"""Unit tests of service/pagination.py: opaque cursors, limits and building a page."""

from __future__ import annotations

import base64
import json
import string
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import RuleViolation
from service.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of,
    page_request,
)

URL_SAFE = set(string.ascii_letters + string.digits + "-_")


def raw_cursor(payload: bytes) -> str:
    """Wrap arbitrary bytes the way a cursor is wrapped, to forge cursors."""
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


# --- cursors -----------------------------------------------------------------------------


@given(st.uuids())
def test_cursor_roundtrip(after: UUID) -> None:
    cursor = encode_cursor(after)
    assert decode_cursor(cursor) == after
    # opaque and safe in a query string: no padding, no '+' or '/'
    assert set(cursor) <= URL_SAFE
    assert str(after) not in cursor


@given(st.uuids(), st.uuids())
def test_distinct_ids_give_distinct_cursors(a: UUID, b: UUID) -> None:
    assert (encode_cursor(a) == encode_cursor(b)) == (a == b)


def test_nil_and_max_uuid_roundtrip() -> None:
    for after in (UUID(int=0), UUID(int=2**128 - 1)):
        assert decode_cursor(encode_cursor(after)) == after


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        "%%%%",
        "abc",
        "a",
        "8207b592-8398-42cf-a405-42a7ce4bab09",  # a bare id is not a cursor
        raw_cursor(b"[1, 2]"),
        raw_cursor(b'"a"'),
        raw_cursor(b"123"),
        raw_cursor(b"null"),
        raw_cursor(b"{}"),
        raw_cursor(b'{"b": "00000000-0000-0000-0000-000000000001"}'),
        raw_cursor(b'{"a": "not-a-uuid"}'),
        raw_cursor(b'{"a": null}'),
        raw_cursor(b"\xff\xfe\xfd"),
        raw_cursor(b"\x80abc"),
        raw_cursor(b"{not json"),
    ],
)
def test_garbage_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(RuleViolation) as info:
        decode_cursor(cursor)
    assert info.value.code == "invalid_cursor"
    assert [e.field for e in info.value.errors] == ["cursor"]


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"a": 123}, id="int"),
        pytest.param({"a": True}, id="bool"),
        pytest.param({"a": [1]}, id="list"),
        pytest.param({"a": {"b": 1}}, id="object"),
    ],
)
def test_cursor_with_a_non_string_id_is_refused(payload: dict[str, object]) -> None:
    cursor = raw_cursor(json.dumps(payload).encode())
    with pytest.raises(RuleViolation) as info:
        decode_cursor(cursor)
    assert info.value.code == "invalid_cursor"


def decode_or_code(cursor: str) -> UUID | str:
    """The decoded id, or the code of the RuleViolation refusing the cursor."""
    try:
        return decode_cursor(cursor)
    except RuleViolation as error:
        return error.code


@given(st.text(max_size=200))
def test_arbitrary_text_is_a_uuid_or_invalid_cursor(cursor: str) -> None:
    result = decode_or_code(cursor)
    assert isinstance(result, UUID) or result == "invalid_cursor"


@given(st.binary(max_size=120))
def test_arbitrary_bytes_behind_the_wrapping_are_a_uuid_or_invalid_cursor(payload: bytes) -> None:
    result = decode_or_code(raw_cursor(payload))
    assert isinstance(result, UUID) or result == "invalid_cursor"


# --- page_request ------------------------------------------------------------------------


def test_page_request_defaults() -> None:
    assert DEFAULT_LIMIT == 50
    assert MAX_LIMIT == 200
    assert page_request(None, None) == PageRequest(limit=50, after=None)


@pytest.mark.parametrize("limit", [1, 2, 50, 199, 200])
def test_page_request_accepts_limits_in_range(limit: int) -> None:
    assert page_request(limit, None).limit == limit


@pytest.mark.parametrize("limit", [0, -1, 201, 10_000])
def test_page_request_refuses_limits_out_of_range(limit: int) -> None:
    with pytest.raises(RuleViolation) as info:
        page_request(limit, None)
    assert info.value.code == "validation_failed"
    assert [e.field for e in info.value.errors] == ["limit"]


def test_page_request_decodes_the_cursor() -> None:
    after = uuid4()
    assert page_request(10, encode_cursor(after)) == PageRequest(limit=10, after=after)
    assert page_request(None, encode_cursor(after)) == PageRequest(limit=50, after=after)


def test_page_request_treats_an_empty_cursor_as_the_first_page() -> None:
    assert page_request(None, "").after is None


def test_page_request_refuses_a_garbage_cursor() -> None:
    with pytest.raises(RuleViolation) as info:
        page_request(10, "garbage")
    assert info.value.code == "invalid_cursor"


# --- page_of -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    id: UUID
    label: str


def rows(count: int) -> list[Row]:
    return [Row(uuid4(), f"row {i}") for i in range(count)]


def row_id(row: Row) -> UUID:
    return row.id


def test_limit_plus_one_rows_give_a_next_page_after_the_last_kept_row() -> None:
    fetched = rows(11)
    page = page_of(fetched, PageRequest(limit=10), row_id)
    assert list(page.items) == fetched[:10]
    assert page.next_after == fetched[9].id
    assert page.next_after != fetched[10].id
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == fetched[9].id


@pytest.mark.parametrize("count", [0, 1, 9, 10])
def test_at_most_limit_rows_is_the_last_page(count: int) -> None:
    fetched = rows(count)
    page = page_of(fetched, PageRequest(limit=10), row_id)
    assert list(page.items) == fetched
    assert page.next_after is None
    assert page.next_cursor is None


def test_limit_one() -> None:
    fetched = rows(2)
    page = page_of(fetched, PageRequest(limit=1), row_id)
    assert list(page.items) == fetched[:1]
    assert page.next_after == fetched[0].id


@given(count=st.integers(min_value=0, max_value=30), limit=st.integers(min_value=1, max_value=25))
def test_page_of_keeps_at_most_limit_rows(count: int, limit: int) -> None:
    fetched = rows(count)
    page = page_of(fetched, PageRequest(limit=limit), row_id)
    assert list(page.items) == fetched[:limit]
    if count > limit:
        assert page.next_after == fetched[limit - 1].id
    else:
        assert page.next_after is None


def test_next_cursor_is_given_even_for_the_nil_uuid() -> None:
    page: Page[Row] = Page([], UUID(int=0))
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == UUID(int=0)


def test_map_transforms_items_and_keeps_the_next_position() -> None:
    fetched = rows(3)
    page = page_of(fetched, PageRequest(limit=2), row_id)
    labels = page.map(lambda r: r.label)
    assert list(labels.items) == ["row 0", "row 1"]
    assert labels.next_after == page.next_after
