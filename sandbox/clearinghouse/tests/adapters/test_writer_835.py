"""The 835: valid for pyx12, and payments-svc's parser reads back the same amounts, balanced."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openrcm_sandbox.adapters.reader_837p import read_837p
from openrcm_sandbox.adapters.writer_835 import build_835
from openrcm_sandbox.domain.adjudication import Adjudicator
from openrcm_sandbox.domain.contracts import load_contracts
from openrcm_sandbox.domain.payment_run import AdjudicatedClaim, PaymentRun
from openrcm_sandbox.domain.remittance import (
    Adjustment, ClaimPayment, LinePayment, Payee, ProviderAdjustment, Remittance,
)
from openrcm_shared.x12 import SegmentReader
from payments_svc.adapters.x12_835 import parse_835
from payments_svc.domain.balancing import claim_balance_problems, payment_balances

EXAMPLE = Path(__file__).parents[2] / "src/openrcm_sandbox/examples/example.yaml"
STAMP = datetime(2026, 12, 1, 12, 0)
D = Decimal


def paid_claim(pcn: str = "PCN1") -> ClaimPayment:
    line = LinePayment("99213", ("25",), D("125.00"), D("53.60"), D("1"), date(2026, 11, 16), f"{pcn}-1", D("92.00"),
                       (Adjustment("CO", "45", D("33.00")), Adjustment("PR", "3", D("25.00")),
                        Adjustment("PR", "2", D("13.40"))), ("N130",))
    return ClaimPayment(pcn, "1", D("125.00"), D("53.60"), D("38.40"), "12", "SBX010000000001", "1", ("DOE", "JANE"),
                        "SBX100001", date(2026, 12, 1), remark_codes=("MA01",), lines=(line,))


def denied_claim() -> ClaimPayment:
    line = LinePayment("83036", (), D("40.00"), D("0"), D("1"), date(2026, 11, 16), "PCN2-1", None,
                       (Adjustment("CO", "29", D("40.00")),))
    return ClaimPayment("PCN2", "4", D("40.00"), D("0"), D("0"), "12", "SBX010000000002", "1", ("DOE", "TIM"),
                        "SBX100001", date(2026, 12, 1), lines=(line,))


def reversal(payment: ClaimPayment) -> ClaimPayment:
    negate = lambda adjustments: tuple(replace(a, amount=-a.amount) for a in adjustments)  # noqa: E731
    return replace(payment, status_code="22", charge=-payment.charge, paid=-payment.paid,
                   patient_responsibility=-payment.patient_responsibility,
                   lines=tuple(replace(line, charge=-line.charge, paid=-line.paid, allowed=-line.allowed,
                                       adjustments=negate(line.adjustments)) for line in payment.lines))


def remittance(**fields) -> Remittance:
    claims = (paid_claim(), denied_claim(), reversal(paid_claim()), paid_claim("PCN1R"))
    plb = (ProviderAdjustment("1234567893", date(2026, 12, 31), "WO", "OVP-2026-0001", D("15.00")),
           ProviderAdjustment("1234567893", date(2026, 12, 31), "L6", "INT-1", D("-1.25")))
    values = dict(tenant_id="tenant-a", payer_id="SBX01", payer_name="Sandbox Commercial PPO",
                  payee=Payee("Prairie Family Medicine", "1234567893", "371234567"), payment_method="ACH",
                  payment_date=date(2026, 12, 2), trace_number="1234567890",
                  total_paid=D("53.60") - D("15.00") + D("1.25"), claims=claims, provider_adjustments=plb)
    values.update(fields)
    return Remittance(**values)


def test_claims_reversal_and_plb_read_back_balanced_by_payments_svc(pyx12_check) -> None:
    content = build_835(remittance(), control_number=900, created_at=STAMP)
    assert pyx12_check(content) == []
    parsed = parse_835(content)
    assert parsed.errors == []
    (document,) = parsed.documents
    assert document.payment.amount == D("39.85") and document.payment.method == "ACH"
    assert document.payment.trace_number == "1234567890" and document.payment.payment_date == date(2026, 12, 2)
    assert document.payer.payer_id == "SBX01"  # REF*2U: the id claims-svc sent
    assert payment_balances(document)
    assert [(c.patient_control_number, c.status_code, c.total_charge, c.total_paid) for c in document.claims] == [
        ("PCN1", "1", D("125"), D("53.6")), ("PCN2", "4", D("40"), D("0")),
        ("PCN1", "22", D("-125"), D("-53.6")), ("PCN1R", "1", D("125"), D("53.6"))]
    for claim in document.claims:
        assert claim_balance_problems(claim) == []
    first = document.claims[0]
    assert first.payer_claim_control_number == "SBX010000000001" and first.received_on == date(2026, 12, 1)
    assert first.remark_codes == ("MA01",)
    (line,) = first.lines
    assert (line.procedure_code, line.modifiers, line.allowed, line.line_control_number) == (
        "99213", ("25",), D("92"), "PCN1-1")
    assert line.service_date == date(2026, 11, 16) and line.remark_codes == ("N130",)
    assert [(a.group.value, a.reason_code, a.amount) for a in line.adjustments] == [
        ("CO", "45", D("33")), ("PR", "3", D("25")), ("PR", "2", D("13.4"))]
    assert [(p.reason_code, p.reference, p.amount) for p in document.provider_adjustments] == [
        ("WO", "OVP-2026-0001", D("15")), ("L6", "INT-1", D("-1.25"))]


def test_check_and_no_payment_headers(pyx12_check) -> None:
    check = build_835(remittance(payment_method="CHK"), control_number=901, created_at=STAMP)
    bpr = next(s for s in SegmentReader(check) if s[0] == "BPR")
    assert bpr[1:5] == ["C", "39.85", "C", "CHK"] and bpr[16] == "20261202"
    nothing = remittance(payment_method="NON", total_paid=D("0"), claims=(denied_claim(),), provider_adjustments=())
    content = build_835(nothing, control_number=902, created_at=STAMP)
    assert pyx12_check(content) == [] and pyx12_check(check) == []
    (document,) = parse_835(content).documents
    assert document.payment.method == "NON" and document.payment.amount == 0 and payment_balances(document)


def test_more_than_six_adjustments_of_a_group_split_into_two_cas() -> None:
    reasons = [Adjustment("CO", str(code), D("1")) for code in range(40, 47)]
    line = replace(paid_claim().lines[0], adjustments=tuple(reasons), paid=D("118"), allowed=None, remark_codes=())
    claim = replace(paid_claim(), lines=(line,), paid=D("118"), patient_responsibility=D("0"))
    content = build_835(remittance(claims=(claim,), total_paid=D("118"), provider_adjustments=()),
                        control_number=903, created_at=STAMP)
    cas = [s for s in SegmentReader(content) if s[0] == "CAS"]
    assert [len(s[2::3]) for s in cas] == [6, 1]  # reason codes at CAS02, 05, 08 ...
    (document,) = parse_835(content).documents
    assert claim_balance_problems(document.claims[0]) == []


def test_domain_payment_run_through_the_writer(x837, pyx12_check) -> None:
    """Adjudicated by the contract, a replacement reverses the original; payments-svc reads it all balanced."""
    config = load_contracts(EXAMPLE)
    original = x837.claim("PCN-A")
    first_claims = read_837p(x837.build(x837.batch(original)), tenant_id="tenant-a", file_name="a.x12",
                             received_on=date(2026, 12, 1))[0].claims
    adjudicator = Adjudicator(config, config.seed)
    (payment,) = adjudicator.adjudicate(first_claims[0])
    replacement = x837.claim("PCN-A", frequency_code="7", payer_claim_control_number=payment.payer_claim_number)
    second = read_837p(x837.build(x837.batch(replacement)), tenant_id="tenant-a", file_name="b.x12",
                       received_on=date(2026, 12, 1))[0].claims[0]
    payments = adjudicator.adjudicate(second)
    assert [p.status_code for p in payments] == ["22", "1"]
    adjudicated = [AdjudicatedClaim(first_claims[0], payment)] + [AdjudicatedClaim(second, p) for p in payments]
    (run,) = PaymentRun(config, config.seed).run(adjudicated, date(2026, 12, 2))
    content = build_835(run, control_number=904, created_at=STAMP)
    assert pyx12_check(content) == []
    parsed = parse_835(content)
    assert parsed.errors == []
    (document,) = parsed.documents
    assert payment_balances(document)
    assert document.payment.amount == run.total_paid
    assert [c.total_paid for c in document.claims] == [p.paid for p in (payment, *payments)]
    assert all(claim_balance_problems(c) == [] for c in document.claims)
    assert [p.reason_code for p in document.provider_adjustments] == ["WO"]
