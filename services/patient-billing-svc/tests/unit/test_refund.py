"""Refund work items follow the account's credit until someone refunds or dismisses them."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from patient_billing_svc.domain.refund import RefundNotOpen, RefundStatus, refund_item_after_change

TODAY = date(2026, 6, 1)
ACCOUNT = uuid.uuid4()


def _after(item, credit: str):  # type: ignore[no-untyped-def]
    return refund_item_after_change(item, tenant_id="t", account_id=ACCOUNT, credit=Decimal(credit), today=TODAY)


def test_a_credit_opens_an_item_and_no_credit_opens_none():
    assert _after(None, "0.00") is None
    item = _after(None, "75.00")
    assert item is not None and item.status is RefundStatus.OPEN and item.amount == Decimal("75.00")


def test_an_open_item_follows_the_credit_and_resolves_when_it_is_gone():
    item = _after(None, "75.00")
    assert _after(item, "75.00") is None  # unchanged
    assert _after(item, "30.00") is item and item.amount == Decimal("30.00")
    assert _after(item, "0.00") is item and item.status is RefundStatus.RESOLVED


def test_a_refunded_or_dismissed_item_is_closed():
    item = _after(None, "10.00")
    entry = uuid.uuid4()
    item.refunded(entry, TODAY)
    assert item.status is RefundStatus.REFUNDED and item.refund_entry_id == entry
    with pytest.raises(RefundNotOpen):
        item.dismiss(TODAY)
    assert _after(item, "5.00") is None  # a closed item does not follow the credit
