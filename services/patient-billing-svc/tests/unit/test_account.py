"""Guarantor accounts: who pays, and which encounter's word on it counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from openrcm_shared.contracts import Address, PartyName, Patient
from patient_billing_svc.domain.account import Guarantor, GuarantorAccount

PATIENT = Patient(
    patient_id="MRN-1", name=PartyName(last="Doe", first="Jamie"), date_of_birth=date(2015, 1, 1), sex="U",
    address=Address(line1="1 Main St", city="Springfield", state="IL", postal_code="62701"),
)
PARENT = PartyName(last="Doe", first="Alex")
T0 = datetime(2026, 5, 1, tzinfo=timezone.utc)


def test_the_patient_is_the_guarantor_unless_the_encounter_names_someone():
    assert Guarantor.named_on_encounter(PATIENT, None, None) == Guarantor(PATIENT.name, PATIENT.address, True)
    named = Guarantor.named_on_encounter(PATIENT, PARENT, None)
    assert named.name == PARENT and not named.is_patient


def test_a_newer_encounter_names_the_guarantor_an_older_one_does_not():
    account = GuarantorAccount.open("t", "MRN-1", Guarantor.named_on_encounter(PATIENT, None, None), T0)
    parent = Guarantor.named_on_encounter(PATIENT, PARENT, None)
    assert not account.name_guarantor(parent, T0 - timedelta(days=1))
    assert account.guarantor.is_patient
    assert account.name_guarantor(parent, T0 + timedelta(days=1))
    assert account.guarantor == parent


def test_an_account_opened_from_a_remit_takes_the_first_encounter_guarantor():
    account = GuarantorAccount.open("t", "MRN-1", Guarantor.named_on_encounter(PATIENT, None, None), None)
    assert account.name_guarantor(Guarantor.named_on_encounter(PATIENT, PARENT, None), T0)
