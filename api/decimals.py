"""Decimals as both adapters print them: plain digits, never exponent form.

``Decimal("1E+3")`` prints as ``1E+3`` and ``Decimal("0.0000001")`` as ``1E-7``; a client
that sent ``1E+3`` must read back ``1000``, as the stored value reads.
"""

from __future__ import annotations

from decimal import Decimal


def plain(value: Decimal) -> Decimal:
    """The same number without a positive exponent (``1E+3`` -> ``1000``); NaN and
    infinities are left for validation to refuse."""
    return Decimal(format(value, "f")) if value.is_finite() else value


def plain_text(value: Decimal) -> str:
    """The number in positional notation: ``1000``, ``0.0000001``."""
    return format(value, "f")
