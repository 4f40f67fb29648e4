"""Element values as 005010 writes them: R-type decimals without trailing zeros, amounts in dollars and
cents, CCYYMMDD dates and HHMM times. Money is Decimal, never float. Syntax only: no transaction's rules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal


def decimal_text(value: Decimal) -> str:
    """X12 R type: ``Decimal('100.00')`` -> ``100``, ``Decimal('100.50')`` -> ``100.5``, ``-0.00`` -> ``0``."""
    if value.__class__ is not Decimal:
        raise TypeError(f"amounts and quantities are Decimal, never {type(value).__name__}")
    text = str(value)
    if "E" in text:
        text = f"{value:f}"
    if not text[-1].isdigit():
        raise ValueError("amounts and quantities must be finite")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def money(value: Decimal) -> str:
    """An amount in dollars: at most two decimal places (cents), never rounded here."""
    text = decimal_text(value)
    point = text.find(".")
    if point != -1 and len(text) - point > 3:
        raise ValueError("a monetary amount has at most two decimal places")
    return text


def d8(value: date) -> str:
    """CCYYMMDD (DTP qualifier D8)."""
    if value.__class__ is not date:
        raise TypeError(f"a date of service is a date, not {type(value).__name__}")
    return value.isoformat().replace("-", "")


def hhmm(value: datetime) -> str:
    return f"{value.hour:02d}{value.minute:02d}"
