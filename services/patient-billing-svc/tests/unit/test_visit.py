"""Visits: self-pay or pending with insurance, revisions, adjudication by the last payer."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from patient_billing_svc.domain.visit import PayerAnswer, Visit, VisitStatus, insurance_pending

DOS = date(2026, 5, 4)


def _visit(coverages: tuple[str, ...] = ("primary",), charge: str = "165.00", revision: int = 1) -> Visit:
    return Visit.from_encounter(
        tenant_id="t", account_id=uuid.uuid4(), encounter_id=uuid.uuid4(), revision=revision,
        service_date_from=DOS, service_date_to=DOS, coverage_sequences=coverages, total_charge=Decimal(charge),
    )


def test_a_visit_without_coverage_is_self_pay_and_never_insurance_pending():
    visit = _visit(coverages=())
    assert visit.self_pay and visit.status is VisitStatus.SELF_PAY
    assert visit.insurance_pending == Decimal("0.00")


def test_an_insured_visit_is_pending_with_insurance_until_adjudicated():
    visit = _visit()
    assert visit.status is VisitStatus.CLAIM_PENDING and visit.insurance_pending == Decimal("165.00")
    assert visit.record_adjudication("primary", DOS)
    assert visit.status is VisitStatus.ADJUDICATED and visit.insurance_pending == Decimal("0.00")


def test_with_a_secondary_coverage_the_primary_answer_is_not_final():
    visit = _visit(coverages=("primary", "secondary"))
    assert not visit.record_adjudication("primary", DOS)
    assert visit.status is VisitStatus.CLAIM_PENDING
    assert visit.record_adjudication("secondary", DOS)
    assert visit.status is VisitStatus.ADJUDICATED


def test_a_reversed_answer_puts_the_claim_back_with_insurance():
    visit = _visit()
    visit.record_adjudication("primary", DOS)
    visit.reopen_claim()
    assert visit.status is VisitStatus.CLAIM_PENDING and visit.adjudicated_on is None


def _answer(visit: Visit, outcome: str = "paid", remit_claim_id: uuid.UUID | None = None) -> PayerAnswer:
    return PayerAnswer(remit_claim_id=remit_claim_id or uuid.uuid4(), visit_id=visit.id, payer_id="P1",
                       payer_name="Payer", coverage_sequence="primary", outcome=outcome,
                       total_charge=Decimal("165.00"), total_paid=Decimal("100.00"), patient_share=Decimal("20.00"),
                       adjudicated_on=DOS)


def test_taking_back_the_only_answer_reopens_the_claim():
    visit = _visit()
    visit.record_adjudication("primary", DOS)
    original = _answer(visit)
    visit.take_back_answer(original.remit_claim_id, "primary", [original])
    assert visit.status is VisitStatus.CLAIM_PENDING


def test_taking_back_an_answer_already_replaced_keeps_the_visit_adjudicated():
    visit = _visit()
    visit.record_adjudication("primary", DOS)
    original, replacement = _answer(visit), _answer(visit)
    visit.take_back_answer(original.remit_claim_id, "primary", [original, replacement])
    assert visit.status is VisitStatus.ADJUDICATED
    # an answer of another visit, or a reversal, does not count as a new answer
    other = _visit()
    visit.take_back_answer(original.remit_claim_id, "primary",
                           [original, _answer(other), _answer(visit, outcome="reversed")])
    assert visit.status is VisitStatus.CLAIM_PENDING


def test_only_a_newer_revision_changes_the_visit():
    visit = _visit(revision=2)
    assert not visit.revise(revision=2, service_date_from=DOS, service_date_to=DOS, coverage_sequences=(),
                            total_charge=Decimal("1"))
    assert not visit.revise(revision=1, service_date_from=DOS, service_date_to=DOS, coverage_sequences=(),
                            total_charge=Decimal("1"))
    assert visit.status is VisitStatus.CLAIM_PENDING and visit.total_charge == Decimal("165.00")
    assert visit.revise(revision=3, service_date_from=DOS, service_date_to=DOS, coverage_sequences=(),
                        total_charge=Decimal("90"))
    assert visit.status is VisitStatus.SELF_PAY and visit.total_charge == Decimal("90.00")


def test_a_recoded_encounter_does_not_undo_the_payers_answer():
    visit = _visit()
    visit.record_adjudication("primary", DOS)
    visit.revise(revision=2, service_date_from=DOS, service_date_to=DOS, coverage_sequences=("primary",),
                 total_charge=Decimal("200"))
    assert visit.status is VisitStatus.ADJUDICATED


def test_a_visit_known_only_from_its_remit_is_filled_in_by_the_encounter():
    visit = Visit.known_only_from_remit(tenant_id="t", account_id=uuid.uuid4(), encounter_id=uuid.uuid4(),
                                        coverage_sequence="primary", total_charge=Decimal("165"))
    assert visit.revision == 0 and visit.service_date_from is None
    assert visit.revise(revision=1, service_date_from=DOS, service_date_to=DOS, coverage_sequences=("primary",),
                        total_charge=Decimal("165"))
    assert visit.service_date_from == DOS


def test_insurance_pending_adds_up_pending_visits_only():
    pending, other_pending, done = _visit(charge="100"), _visit(charge="15.50"), _visit()
    self_pay = _visit(coverages=())
    done.record_adjudication("primary", DOS)
    assert insurance_pending([pending, other_pending, done, self_pay]) == Decimal("115.50")
