"""The patient ledger: posting, reversal, balance and aging (pure domain, no I/O)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from patient_billing_svc.domain.ledger import Aging, EntryType, Ledger, PatientShare, RemitRef

TODAY = date(2026, 6, 30)
ACCOUNT = uuid.uuid4()


def _remit() -> RemitRef:
    return RemitRef(payer_id="ACME01", claim_id=uuid.uuid4(), remit_claim_id=uuid.uuid4())


def _charge(ledger: Ledger, amount: str, *, days_ago: int = 0, revision: int = 1):  # type: ignore[no-untyped-def]
    return ledger.post_patient_charge(
        visit_id=uuid.uuid4(), encounter_id=uuid.uuid4(), revision=revision, amount=Decimal(amount),
        on=TODAY - timedelta(days=days_ago), source_event_id=uuid.uuid4(),
    )


def test_an_empty_ledger_owes_nothing():
    ledger = Ledger(ACCOUNT)
    assert ledger.balance == Decimal("0.00") and ledger.patient_due == Decimal("0.00")
    assert ledger.aging(TODAY) == Aging()


def test_patient_share_is_one_entry_with_its_parts_kept_apart():
    ledger = Ledger(ACCOUNT)
    share = PatientShare(deductible=Decimal("20.00"), coinsurance=Decimal("12.50"), copay=Decimal("25.00"))
    entry = ledger.post_patient_share(
        visit_id=uuid.uuid4(), encounter_id=uuid.uuid4(), share=share, remit=_remit(), on=TODAY,
        source_event_id=uuid.uuid4(),
    )
    assert entry is not None
    assert entry.entry_type is EntryType.INSURANCE_PATIENT_RESPONSIBILITY
    assert entry.amount == Decimal("57.50") and entry.patient_share == share
    assert ledger.balance == ledger.patient_due == Decimal("57.50")
    assert ledger.new_entries == [entry]


def test_the_same_remit_posts_once():
    ledger = Ledger(ACCOUNT)
    remit, share = _remit(), PatientShare(copay=Decimal("30"))
    first = ledger.post_patient_share(visit_id=None, encounter_id=uuid.uuid4(), share=share, remit=remit, on=TODAY,
                                      source_event_id=uuid.uuid4())
    again = ledger.post_patient_share(visit_id=None, encounter_id=uuid.uuid4(), share=share, remit=remit, on=TODAY,
                                      source_event_id=uuid.uuid4())
    assert first is not None and again is None
    assert ledger.balance == Decimal("30.00")


def test_a_zero_patient_share_posts_nothing():
    ledger = Ledger(ACCOUNT)
    posted = ledger.post_patient_share(visit_id=None, encounter_id=uuid.uuid4(), share=PatientShare(), remit=_remit(),
                                       on=TODAY, source_event_id=uuid.uuid4())
    assert posted is None and ledger.entries == ()


def test_a_reversal_cancels_the_entry_exactly_and_only_once():
    ledger = Ledger(ACCOUNT)
    share = PatientShare(deductible=Decimal("20.00"), coinsurance=Decimal("4.10"))
    original = ledger.post_patient_share(visit_id=uuid.uuid4(), encounter_id=uuid.uuid4(), share=share,
                                         remit=_remit(), on=TODAY - timedelta(days=40), source_event_id=uuid.uuid4())
    assert original is not None
    reversing_remit = _remit()
    reversal = ledger.reverse(original, on=TODAY, source_event_id=uuid.uuid4(), remit=reversing_remit)

    assert reversal is not None and reversal.entry_type is EntryType.REVERSAL
    assert reversal.reverses_entry_id == original.id
    assert reversal.amount == -original.amount
    assert reversal.patient_share == PatientShare(deductible=Decimal("-20.00"), coinsurance=Decimal("-4.10"))
    assert reversal.remit == reversing_remit
    assert ledger.balance == Decimal("0.00") and ledger.is_reversed(original)
    assert ledger.entries[0] == original  # the original stays as it was
    assert ledger.reverse(original, on=TODAY, source_event_id=uuid.uuid4()) is None


def test_a_reversal_cannot_be_reversed():
    ledger = Ledger(ACCOUNT)
    charge = _charge(ledger, "10")
    reversal = ledger.reverse(charge, on=TODAY, source_event_id=uuid.uuid4())
    with pytest.raises(ValueError):
        ledger.reverse(reversal, on=TODAY, source_event_id=uuid.uuid4())


def test_an_entry_of_another_ledger_cannot_be_reversed_here():
    other = _charge(Ledger(uuid.uuid4()), "10")
    with pytest.raises(ValueError):
        Ledger(ACCOUNT).reverse(other, on=TODAY, source_event_id=uuid.uuid4())


def test_open_charges_leave_out_reversed_ones():
    ledger = Ledger(ACCOUNT)
    visit, encounter = uuid.uuid4(), uuid.uuid4()
    first = ledger.post_patient_charge(visit_id=visit, encounter_id=encounter, revision=1, amount=Decimal("100"),
                                       on=TODAY, source_event_id=uuid.uuid4())
    ledger.reverse(first, on=TODAY, source_event_id=uuid.uuid4())
    second = ledger.post_patient_charge(visit_id=visit, encounter_id=encounter, revision=2, amount=Decimal("80"),
                                        on=TODAY, source_event_id=uuid.uuid4())
    assert ledger.open_charges(visit) == [second]
    assert ledger.balance == Decimal("80.00")


def test_a_credit_shows_in_the_balance_but_nothing_is_due():
    ledger = Ledger(ACCOUNT)
    charge = _charge(ledger, "50")
    # Until patient payments exist, only a negative entry on its own makes a credit: load one alone.
    ledger = Ledger(ACCOUNT, [ledger.reverse(charge, on=TODAY, source_event_id=uuid.uuid4())])
    assert ledger.balance == Decimal("-50.00") and ledger.patient_due == Decimal("0.00")


@pytest.mark.parametrize(
    ("days_ago", "bucket"),
    [(0, "days_0_30"), (30, "days_0_30"), (31, "days_31_60"), (60, "days_31_60"), (61, "days_61_90"),
     (90, "days_61_90"), (91, "days_91_120"), (120, "days_91_120"), (121, "over_120"), (400, "over_120")],
)
def test_aging_buckets_by_entry_date_against_the_given_day(days_ago, bucket):
    ledger = Ledger(ACCOUNT)
    _charge(ledger, "10.00", days_ago=days_ago)
    aging = ledger.aging(TODAY)
    assert getattr(aging, bucket) == Decimal("10.00")
    assert sum(vars(aging).values()) == Decimal("10.00")


def test_aging_moves_with_the_day_asked_for():
    ledger = Ledger(ACCOUNT)
    _charge(ledger, "10.00", days_ago=0)
    assert ledger.aging(TODAY).days_0_30 == Decimal("10.00")
    assert ledger.aging(TODAY + timedelta(days=45)).days_31_60 == Decimal("10.00")


def test_a_reversal_ages_with_the_entry_it_cancels():
    ledger = Ledger(ACCOUNT)
    old = _charge(ledger, "70.00", days_ago=75)
    _charge(ledger, "15.00", days_ago=5, revision=2)
    ledger.reverse(old, on=TODAY, source_event_id=uuid.uuid4())
    assert ledger.aging(TODAY) == Aging(days_0_30=Decimal("15.00"))


def test_a_ledger_reloaded_from_its_entries_derives_the_same_figures():
    ledger = Ledger(ACCOUNT)
    charge = _charge(ledger, "120.00", days_ago=100)
    _charge(ledger, "33.33", days_ago=10, revision=2)
    ledger.reverse(charge, on=TODAY - timedelta(days=3), source_event_id=uuid.uuid4())
    reloaded = Ledger(ACCOUNT, ledger.entries)
    assert reloaded.balance == ledger.balance == Decimal("33.33")
    assert reloaded.aging(TODAY) == ledger.aging(TODAY)
    assert reloaded.new_entries == []
