"""Statement content (per visit: charges, insurance paid and adjusted, patient share, owed) and its PDF."""

from __future__ import annotations

import io
import uuid
from datetime import date, timedelta
from decimal import Decimal

from pypdf import PdfReader

from openrcm_shared.contracts import Address, PartyName
from patient_billing_svc.adapters.pdf import render_statement_pdf
from patient_billing_svc.domain.account import Guarantor, GuarantorAccount
from patient_billing_svc.domain.ledger import Ledger, PatientShare, PaymentMethod, RemitRef
from patient_billing_svc.domain.plan import PaymentPlan, PlanFrequency
from patient_billing_svc.domain.policy import BillingPolicy, HowToPay
from patient_billing_svc.domain.statement import StatementKind, build_statement
from patient_billing_svc.domain.visit import PayerAnswer, Visit

DAY = date(2026, 6, 1)
POLICY = BillingPolicy(payment_due_days=21, how_to_pay=HowToPay(
    practice_name="Springfield Family Practice", online_url="https://pay.example.test", phone="555-0100",
    mail_to=("PO Box 1", "Springfield, IL 62701"),
))


def _scene():  # type: ignore[no-untyped-def]
    account = GuarantorAccount.open("t", "MRN-7", Guarantor(
        PartyName(last="Doe", first="Jane"), Address(line1="1 Main St", city="Springfield", state="IL",
                                                     postal_code="62701"), True), None)
    ledger = Ledger(account.id)
    insured = Visit.from_encounter(tenant_id="t", account_id=account.id, encounter_id=uuid.uuid4(), revision=1,
                                   service_date_from=DAY - timedelta(days=40), service_date_to=DAY - timedelta(days=40),
                                   coverage_sequences=("primary",), total_charge=Decimal("200.00"))
    insured.record_adjudication("primary", DAY - timedelta(days=20))
    remit = RemitRef("ACME01", uuid.uuid4(), uuid.uuid4())
    ledger.post_patient_share(visit_id=insured.id, encounter_id=insured.encounter_id, remit=remit,
                              share=PatientShare(deductible=Decimal("40.00"), coinsurance=Decimal("12.00"),
                                                 copay=Decimal("25.00")),
                              on=DAY - timedelta(days=20), source_event_id=uuid.uuid4())
    answer = PayerAnswer(remit_claim_id=remit.remit_claim_id, visit_id=insured.id, payer_id="ACME01",
                         payer_name="Acme Health", coverage_sequence="primary", outcome="paid",
                         total_charge=Decimal("200.00"), total_paid=Decimal("95.00"), patient_share=Decimal("77.00"),
                         adjudicated_on=DAY - timedelta(days=20))
    pending = Visit.from_encounter(tenant_id="t", account_id=account.id, encounter_id=uuid.uuid4(), revision=1,
                                   service_date_from=DAY - timedelta(days=5), service_date_to=DAY - timedelta(days=5),
                                   coverage_sequences=("primary",), total_charge=Decimal("150.00"))
    ledger.post_payment(amount=Decimal("30.00"), method=PaymentMethod.CARD, on=DAY - timedelta(days=2))
    return account, ledger, [insured, pending], [answer]


def test_a_statement_lists_each_visit_with_what_insurance_did_and_what_is_owed():
    account, ledger, visits, answers = _scene()
    content = build_statement(kind=StatementKind.STATEMENT, statement_date=DAY, account=account, ledger=ledger,
                              visits=visits, answers=answers, policy=POLICY)
    assert content.due_date == DAY + timedelta(days=21)
    assert content.amount_due == content.pay_now == Decimal("47.00")
    assert content.insurance_pending == Decimal("150.00")
    insured, pending = content.visits
    assert (insured.charges, insured.insurance_paid, insured.insurance_adjusted) == \
        (Decimal("200.00"), Decimal("95.00"), Decimal("28.00"))
    assert insured.patient_share.total == Decimal("77.00") and insured.payments == Decimal("30.00")
    assert insured.amount_due == Decimal("47.00") and insured.status == "patient_due"
    assert pending.status == "insurance_pending" and pending.amount_due == Decimal("0.00")
    assert content.aging.days_0_30 == Decimal("47.00")


def test_a_plan_statement_asks_for_the_next_installment():
    account, ledger, visits, answers = _scene()
    plan = PaymentPlan.agree(tenant_id="t", account_id=account.id, total=Decimal("47.00"),
                             installment_amount=Decimal("20.00"), frequency=PlanFrequency.MONTHLY,
                             first_due_on=DAY + timedelta(days=10), today=DAY, patient_due=Decimal("47.00"))
    standing = plan.standing(paid=Decimal(0), today=DAY, grace_days=10)
    content = build_statement(kind=StatementKind.STATEMENT, statement_date=DAY, account=account, ledger=ledger,
                              visits=visits, answers=answers, policy=POLICY, plan=(plan, standing))
    assert content.pay_now == Decimal("20.00") and content.amount_due == Decimal("47.00")


def test_the_pdf_shows_the_amounts_dates_and_how_to_pay():
    account, ledger, visits, answers = _scene()
    content = build_statement(kind=StatementKind.FINAL_NOTICE, statement_date=DAY, account=account, ledger=ledger,
                              visits=visits, answers=answers, policy=POLICY)
    pdf = render_statement_pdf(content)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in ("Final Notice", "Springfield Family Practice", "Jane Doe", "1 Main St", "MRN-7",
                     "06/01/2026", "06/22/2026", "$47.00", "$200.00", "$95.00", "$28.00", "$77.00", "-$30.00",
                     "$150.00", "Insurance pending", "deductible $40.00", "coinsurance $12.00", "copay $25.00",
                     "https://pay.example.test", "555-0100", "PO Box 1", "Acme Health"):
        assert expected in text, expected
