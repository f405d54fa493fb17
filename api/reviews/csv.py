"""Review results as CSV rows, for HR systems and spreadsheets (one row per reviewee).

The columns are fixed (``COLUMNS``); a figure that is null in JSON is an empty cell. No
comments: they are free text for the reviewee, not figures for a payroll system. Text cells
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) get a leading ``'`` (OWASP's CSV injection advice).

``BOM`` (U+FEFF) goes first on request only: Excel opens a CSV without it in the system's
legacy code page (GBK on a Chinese Windows), garbling Chinese names, while a program parsing
the CSV as plain UTF-8 would read the BOM into the first column's name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from domain.reviews import ReviewRole
from service.review_results import RevieweeResult

MEDIA_TYPE = "text/csv; charset=utf-8"
BOM = "\ufeff"

COLUMNS: tuple[str, ...] = (
    "reviewee_id",
    "external_id",
    "name",
    "email",
    "performance_score",
    "okr_score",
    "okr_part",
    "review_part",
    "review_only",
    "rating_360",
    "peer_withheld",
    *(
        f"{role.value}_{figure}"
        for role in ReviewRole
        for figure in ("assigned", "responses", "rating", "weight")
    ),
)

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if value is None:
        return ""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _figure(value: Decimal | int | bool | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def row(r: RevieweeResult) -> list[str]:
    """One reviewee's result in ``COLUMNS`` order."""
    result, performance = r.result, r.result.performance
    cells = [
        str(r.reviewee.id),
        _text(r.reviewee.external_id),
        _text(r.reviewee.name),
        _text(r.reviewee.email),
        _figure(performance.score if performance else None),
        _figure(result.okr_score),
        _figure(performance.okr_part if performance else None),
        _figure(performance.review_part if performance else None),
        _figure(performance.review_only if performance else None),
        _figure(result.rating_360),
        _figure(result.peer_withheld),
    ]
    for role in ReviewRole:
        part = result.role(role)
        cells.extend(
            _figure(v) for v in (r.assigned.get(role, 0), part.responses, part.rating, part.weight)
        )
    return cells


def lines(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (RFC 4180: CRLF line ends, quoting where needed)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def header(*, bom: bool = False) -> str:
    return (BOM if bom else "") + lines([COLUMNS])


def page(results: Iterable[RevieweeResult]) -> str:
    return lines(row(r) for r in results)
