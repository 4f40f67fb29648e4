"""Values as 005010 writes them: decimals without trailing zeros (R type), CCYYMMDD dates. Never float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """``Decimal('100.00')`` -> ``100``, ``Decimal('100.50')`` -> ``100.5``, ``-0.00`` -> ``0``."""
    if not isinstance(value, Decimal):
        raise TypeError(f"amounts and quantities are Decimal, never {type(value).__name__}")
    if not value.is_finite():
        raise ValueError("amounts and quantities must be finite")
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money(value: Decimal) -> str:
    """An amount in dollars, at most two decimal places (cents are never rounded away here)."""
    text = decimal_text(value)
    point = text.find(".")
    if point != -1 and len(text) - point > 3:
        raise ValueError("a monetary amount has at most two decimal places")
    return text


def d8(value: date) -> str:
    return f"{value:%Y%m%d}"


_OUR_SEPARATORS = str.maketrans({"*": " ", ":": " ", "^": " ", "~": " "})


def text(value: str) -> str:
    """Free text (names) from a file written with other separators: ours become spaces, as X12 cannot escape."""
    return value.translate(_OUR_SEPARATORS).strip()
