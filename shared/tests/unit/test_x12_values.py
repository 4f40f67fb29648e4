"""How X12 element values are written: decimals without trailing zeros, CCYYMMDD, never float."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from openrcm_shared.x12.values import d8, decimal_text, money


@pytest.mark.parametrize("value,text", [
    ("100.00", "100"), ("100.50", "100.5"), ("100.55", "100.55"), ("0.00", "0"), ("-0.00", "0"), ("0.99", "0.99"),
    ("-12.30", "-12.3"), ("1E+2", "100"), ("1234567.80", "1234567.8"), ("10", "10"),
])
def test_money_drops_trailing_zeros(value, text):
    assert money(Decimal(value)) == text


def test_quantities_may_have_more_decimals_than_money():
    assert decimal_text(Decimal("1.500")) == "1.5"
    assert decimal_text(Decimal("0.125")) == "0.125"
    with pytest.raises(ValueError, match="two decimal places"):
        money(Decimal("10.005"))


@pytest.mark.parametrize("value", [10.5, 10, "10.50"])
def test_only_decimals_are_written(value):
    with pytest.raises(TypeError):
        decimal_text(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_amounts_are_finite(value):
    with pytest.raises(ValueError, match="finite"):
        money(Decimal(value))


def test_dates_are_ccyymmdd_and_never_datetimes():
    assert d8(date(2026, 1, 5)) == "20260105"
    with pytest.raises(TypeError):
        d8(datetime(2026, 1, 5, 12))
