"""Patient payments on the ledger: oldest charges first, directed payments, credits, refunds, reversals."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from patient_billing_svc.domain.ledger import (
    AdjustmentReason, Aging, EntryType, Ledger, LedgerEntry, PatientShare, PaymentMethod, RemitRef, allocate,
)

TODAY = date(2026, 6, 30)
ACCOUNT = uuid.uuid4()


def _share(ledger: Ledger, amount: str, *, days_ago: int, visit: uuid.UUID | None = None) -> LedgerEntry:
    entry = ledger.post_patient_share(
        visit_id=visit or uuid.uuid4(), encounter_id=uuid.uuid4(), share=PatientShare(coinsurance=Decimal(amount)),
        remit=RemitRef("ACME01", uuid.uuid4(), uuid.uuid4()), on=TODAY - timedelta(days=days_ago),
        source_event_id=uuid.uuid4(),
    )
    assert entry is not None
    return entry


def _pay(ledger: Ledger, amount: str, *, visit: uuid.UUID | None = None) -> LedgerEntry:
    return ledger.post_payment(amount=Decimal(amount), method=PaymentMethod.CARD, on=TODAY, visit_id=visit)


def _invariant(ledger: Ledger) -> None:
    allocation = ledger.allocation()
    assert sum((i.open for i in allocation.items), Decimal(0)) - allocation.unapplied_credit == ledger.balance


def test_a_payment_pays_the_oldest_charges_first():
    ledger = Ledger(ACCOUNT)
    new = _share(ledger, "40.00", days_ago=5)
    old = _share(ledger, "100.00", days_ago=95)
    middle = _share(ledger, "30.00", days_ago=45)
    payment = _pay(ledger, "120.00")

    allocation = ledger.allocation()
    assert [(a.charge_entry_id, a.amount) for a in allocation.applied_by(payment.id)] == [
        (old.id, Decimal("100.00")), (middle.id, Decimal("20.00"))
    ]
    assert {i.entry.id: i.open for i in allocation.items} == {
        new.id: Decimal("40.00"), old.id: Decimal("0.00"), middle.id: Decimal("10.00")
    }
    assert ledger.balance == ledger.patient_due == Decimal("50.00")
    assert ledger.aging(TODAY) == Aging(days_0_30=Decimal("40.00"), days_31_60=Decimal("10.00"))
    assert allocation.oldest_open_on == TODAY - timedelta(days=45)
    _invariant(ledger)


def test_a_directed_payment_pays_its_visit_first_and_the_rest_oldest_first():
    ledger = Ledger(ACCOUNT)
    visit = uuid.uuid4()
    old = _share(ledger, "100.00", days_ago=95)
    directed = _share(ledger, "30.00", days_ago=10, visit=visit)
    payment = _pay(ledger, "50.00", visit=visit)
    assert [(a.charge_entry_id, a.amount) for a in ledger.allocation().applied_by(payment.id)] == [
        (directed.id, Decimal("30.00")), (old.id, Decimal("20.00"))
    ]
    assert ledger.allocation().open_for_visit(visit) == Decimal("0.00")


def test_an_overpayment_leaves_a_credit_that_pays_the_next_charge():
    ledger = Ledger(ACCOUNT)
    _share(ledger, "25.00", days_ago=3)
    _pay(ledger, "100.00")
    assert ledger.balance == Decimal("-75.00") and ledger.patient_due == Decimal("0.00")
    assert ledger.credit_balance == ledger.allocation().unapplied_credit == Decimal("75.00")
    assert ledger.aging(TODAY) == Aging()

    later = _share(ledger, "60.00", days_ago=0)
    allocation = ledger.allocation()
    assert allocation.unapplied_credit == Decimal("15.00") and allocation.items[-1].entry == later
    assert allocation.items[-1].open == Decimal("0.00")
    _invariant(ledger)


def test_a_refund_uses_up_the_credit_and_never_exceeds_it():
    ledger = Ledger(ACCOUNT)
    _share(ledger, "25.00", days_ago=3)
    _pay(ledger, "100.00")
    with pytest.raises(ValueError):
        ledger.post_refund(amount=Decimal("75.01"), method=PaymentMethod.CHECK, on=TODAY, refund_id=uuid.uuid4())
    refund = ledger.post_refund(amount=Decimal("75.00"), method=PaymentMethod.CHECK, on=TODAY, refund_id=uuid.uuid4())
    assert refund.entry_type is EntryType.REFUND and refund.amount == Decimal("75.00")
    assert ledger.balance == Decimal("0.00") and ledger.allocation().unapplied_credit == Decimal("0.00")
    _invariant(ledger)


def test_a_reversed_payment_reopens_what_it_paid():
    ledger = Ledger(ACCOUNT)
    charge = _share(ledger, "80.00", days_ago=40)
    payment = _pay(ledger, "80.00")
    assert ledger.patient_due == Decimal("0.00")
    ledger.reverse(payment, on=TODAY, source_event_id=uuid.uuid4())  # the check bounced
    assert ledger.patient_due == Decimal("80.00")
    assert ledger.allocation().items[0].open == Decimal("80.00") and ledger.allocation().items[0].entry == charge
    assert ledger.aging(TODAY).days_31_60 == Decimal("80.00")


def test_a_reversed_charge_frees_its_payment_for_other_charges_or_as_credit():
    ledger = Ledger(ACCOUNT)
    reversed_later = _share(ledger, "50.00", days_ago=60)
    other = _share(ledger, "20.00", days_ago=10)
    _pay(ledger, "50.00")
    ledger.reverse(reversed_later, on=TODAY, source_event_id=uuid.uuid4())  # the payer took its answer back
    allocation = ledger.allocation()
    assert {i.entry.id: i.open for i in allocation.items} == {other.id: Decimal("0.00")}
    assert allocation.unapplied_credit == ledger.credit_balance == Decimal("30.00")
    _invariant(ledger)


def test_reductions_are_adjustments_or_write_offs_by_reason():
    ledger = Ledger(ACCOUNT)
    _share(ledger, "9.00", days_ago=200)
    courtesy = ledger.post_reduction(amount=Decimal("4.00"), reason=AdjustmentReason.COURTESY, on=TODAY)
    small = ledger.post_reduction(amount=Decimal("5.00"), reason=AdjustmentReason.SMALL_BALANCE, on=TODAY,
                                  posting_key="small-balance:x")
    assert courtesy is not None and courtesy.entry_type is EntryType.ADJUSTMENT and courtesy.amount == Decimal("-4.00")
    assert small is not None and small.entry_type is EntryType.WRITE_OFF
    assert ledger.post_reduction(amount=Decimal("5.00"), reason=AdjustmentReason.SMALL_BALANCE, on=TODAY,
                                 posting_key="small-balance:x") is None
    assert ledger.balance == Decimal("0.00")


def test_payments_and_reductions_must_be_positive():
    ledger = Ledger(ACCOUNT)
    with pytest.raises(ValueError):
        _pay(ledger, "0")
    with pytest.raises(ValueError):
        ledger.post_reduction(amount=Decimal("-1"), reason=AdjustmentReason.COURTESY, on=TODAY)


def test_entries_are_numbered_in_posting_order_and_allocation_follows_it_not_the_load_order():
    ledger = Ledger(ACCOUNT)
    _share(ledger, "10.00", days_ago=1)
    _pay(ledger, "10.00")
    _share(ledger, "10.00", days_ago=1)
    assert [e.seq for e in ledger.entries] == [0, 1, 2]
    shuffled = Ledger(ACCOUNT, reversed(ledger.entries))
    assert shuffled.allocation() == ledger.allocation() == allocate(ledger.entries)
    assert shuffled.post_payment(amount=Decimal("1"), method=PaymentMethod.CASH, on=TODAY).seq == 3


def test_self_pay_discount_is_an_adjustment_of_the_visit_reversed_with_its_charge():
    ledger = Ledger(ACCOUNT)
    visit, encounter = uuid.uuid4(), uuid.uuid4()
    ledger.post_patient_charge(visit_id=visit, encounter_id=encounter, revision=1, amount=Decimal("200"), on=TODAY,
                               source_event_id=uuid.uuid4())
    discount = ledger.post_self_pay_discount(visit_id=visit, encounter_id=encounter, revision=1,
                                             amount=Decimal("60"), on=TODAY, source_event_id=uuid.uuid4())
    assert discount is not None and discount.reason is AdjustmentReason.SELF_PAY_DISCOUNT
    assert ledger.balance == Decimal("140.00")
    for entry in ledger.open_charges(visit):
        ledger.reverse(entry, on=TODAY, source_event_id=uuid.uuid4())
    assert ledger.balance == Decimal("0.00") and ledger.open_charges(visit) == []
