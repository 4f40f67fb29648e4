"""Reading 837P files into SubmittedClaim: real public samples and claims-svc's own writer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from claims_svc.domain.x12.model_837p import Adjustment as ClaimsAdjustment
from claims_svc.domain.x12.model_837p import LineAdjudication, OtherPayer, Payer, PersonName
from openrcm_sandbox.adapters.reader_837p import Read837Error, read_837p, read_837p_file
from openrcm_sandbox.domain.claims import Person
from openrcm_sandbox.domain.remittance import Adjustment

SAMPLES = Path("/work/shared/x12-samples/837p")
RECEIVED = date(2026, 12, 1)


def read(content: str | bytes, name: str = "batch.x12"):
    return read_837p_file(content, tenant_id="tenant-a", file_name=name, received_on=RECEIVED)


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.x12")), ids=lambda p: p.name)
def test_every_sample_reads_into_claims_with_lines_that_add_up(path: Path) -> None:
    result = read(path.read_bytes(), path.name)
    claims = [claim for ts in result.transaction_sets for claim in ts.claims]
    assert not result.unreadable
    assert claims
    for claim in claims:
        assert claim.tenant_id == "tenant-a" and claim.file_name == path.name and claim.received_on == RECEIVED
        assert claim.patient_control_number and claim.payer_id and claim.member_id and claim.billing_provider_npi
        assert claim.lines and claim.diagnoses or claim.patient_control_number == "125WILL"  # that one's HI uses '>'
        if "multiple-st" not in path.name:  # that sample's CLM02 (500) is not its lines' sum (pyx12 fails it too)
            assert sum(line.charge for line in claim.lines) == claim.total_charge


def test_ambulance_sample_lines_modifiers_units_and_control_numbers() -> None:
    (transaction_set,) = read(sample("albmarin_badX12_837p-ambulance.x12")).transaction_sets
    (claim,) = transaction_set.claims
    assert transaction_set.control_number == "000017712"
    assert claim.patient_control_number == "051068"
    assert claim.total_charge == Decimal("766.50")
    assert claim.place_of_service == "41" and claim.frequency_code == "1"
    assert claim.billing_provider_npi == "2366554859" and claim.billing_provider_tax_id == "376985369"
    assert claim.payer_id == "123245" and claim.member_id == "012345678A" and claim.responsibility == "P"
    assert claim.subscriber == Person("JONES", "SARAH", date(1963, 7, 29), "F")
    assert claim.patient is None and claim.patient_relationship == "18"
    assert claim.diagnoses == ("8628", "E8888", "9592", "8540")
    assert [(line.procedure_code, line.modifiers, line.units, line.line_control_number) for line in claim.lines] == [
        ("A0427", ("RH",), Decimal("1"), "1001"), ("A0425", ("RH",), Decimal("21"), "1002"),
        ("A0422", ("RH",), Decimal("1"), "1003"), ("A0382", ("RH",), Decimal("1"), "1004"),
    ]
    assert claim.lines[0].diagnosis_pointers == (1, 2, 3, 4)
    assert claim.lines[0].service_date == date(2005, 2, 8)


def test_anesthesia_sample_rendering_provider_and_four_modifiers() -> None:
    (claim,) = read(sample("albmarin_badX12_837p-anesthesia.x12")).transaction_sets[0].claims
    assert claim.rendering_provider_npi == "5678912345"
    assert claim.lines[0].modifiers == ("QK", "QS", "P1")
    assert claim.lines[0].units == Decimal("61")


def test_secondary_sample_reads_the_other_payer_and_its_line_adjudication() -> None:
    (claim,) = read(sample("albmarin_badX12_837p-cob-payer-a-to-payer-b.x12")).transaction_sets[0].claims
    assert claim.responsibility == "S"
    assert claim.patient == Person("SMITH", "TED", date(1973, 5, 1), "M")
    assert claim.patient_relationship == "19"
    assert claim.member_id == "22233444"  # 2010BA, not the other payer's subscriber in 2330A
    assert claim.payer_id == "567890"  # 2010BB, not the other payer in 2330B
    (other,) = claim.other_payers
    assert other.payer_id == "999996666" and other.responsibility == "P" and other.paid == Decimal("39.15")
    assert other.claim_adjustments == (Adjustment("PR", "1", Decimal("21.89")), Adjustment("PR", "2", Decimal("15")))
    first = claim.lines[0]
    assert first.prior_paid == Decimal("40")
    assert first.prior_adjustments == (Adjustment("CO", "42", Decimal("3")),)
    assert claim.lines[1].prior_paid == Decimal("15") and claim.lines[1].prior_adjustments == ()


def test_multiple_transaction_sets_each_keep_their_control_number() -> None:
    result = read(sample("imsweb_x12-parser_837p-multiple-st.x12"))
    assert len(result.transaction_sets) == 2
    assert all(len(ts.claims) == 2 for ts in result.transaction_sets)
    for transaction_set in result.transaction_sets:
        assert all(claim.transaction_control_number == transaction_set.control_number
                   for claim in transaction_set.claims)


def test_claims_svc_batch_reads_back_every_claim(x837) -> None:
    replacement = x837.claim("PCN-REPL", frequency_code="7", payer_claim_control_number="SBX010000000001",
                             prior_authorization="AUTH-77")
    ranged = x837.claim("PCN-RANGE", lines=(
        x837.line("99213", "100.00", line_control_number="R-1", modifiers=("25",)),
        x837.line("83036", "40.00", pointers=(1, 2), line_control_number="R-2",
                  service_date=date(2026, 11, 10), service_date_to=date(2026, 11, 12)),
    ), diagnoses=("E119", "R7303"))
    child = x837.claim("PCN-CHILD", patient=x837.dependent())
    content = x837.build(x837.batch(x837.claim(), replacement, ranged, child))
    result = read(content)
    assert result.envelope.sender_id == "SUB123" and result.envelope.receiver_id == "SANDBOX"
    assert result.envelope.submitter_id == "SUB123" and result.envelope.reference == "BATCH0001"
    (transaction_set,) = result.transaction_sets
    claims = {claim.patient_control_number: claim for claim in transaction_set.claims}
    assert list(claims) == ["PCN0000000001", "PCN-REPL", "PCN-RANGE", "PCN-CHILD"]
    first = claims["PCN0000000001"]
    assert first.payer_id == "SBX01" and first.payer_name == "SANDBOX COMMERCIAL PPO"
    assert first.member_id == "SBX100001" and first.billing_provider_npi == "1234567893"
    assert first.billing_provider_name == "PRAIRIE FAMILY MEDICINE" and first.billing_provider_tax_id == "371234567"
    assert first.rendering_provider_npi == "1245319599"
    assert first.subscriber == Person("DOE", "JANE", date(1970, 1, 2), "F") and first.patient is None
    assert first.total_charge == Decimal("125") and first.lines[0].line_control_number == "PCN0000000001-1"
    assert len(first.lines) == 1  # the next CLM of the same subscriber starts a new claim
    assert claims["PCN-REPL"].frequency_code == "7"
    assert claims["PCN-REPL"].payer_claim_number == "SBX010000000001"
    assert claims["PCN-REPL"].prior_authorization == "AUTH-77"
    ranged_claim = claims["PCN-RANGE"]
    assert ranged_claim.diagnoses == ("E119", "R7303")
    assert ranged_claim.lines[0].modifiers == ("25",)
    assert ranged_claim.lines[1].diagnosis_pointers == (1, 2)
    assert (ranged_claim.lines[1].service_date, ranged_claim.lines[1].service_date_to) == (
        date(2026, 11, 10), date(2026, 11, 12))
    assert ranged_claim.first_service_date == date(2026, 11, 10)
    assert ranged_claim.last_service_date == date(2026, 11, 16)
    assert claims["PCN-CHILD"].patient == Person("DOE", "TIM", date(2012, 5, 6), "M")
    assert claims["PCN-CHILD"].patient_relationship == "19"


def test_claims_svc_secondary_claim_reads_the_primary_payment(x837) -> None:
    primary = Payer("Acme Health Plan", "ACME01")
    line = x837.line("99213", "125.00", line_control_number="S-1", adjudications=(
        LineAdjudication("ACME01", Decimal("70.00"), "99213", date(2026, 11, 25),
                         adjustments=(ClaimsAdjustment("CO", "45", Decimal("33.00")),
                                      ClaimsAdjustment("PR", "2", Decimal("22.00")))),))
    other = OtherPayer(primary, PersonName("Doe", "Jane"), "ACME-77", "P", "18", "CI", paid_amount=Decimal("70.00"))
    claim = x837.claim("PCN-SEC", lines=(line,), other_payers=(other,),
                       subscriber=x837.subscriber(payer_responsibility="S"))
    (read_claim,) = read(x837.build(x837.batch(claim))).transaction_sets[0].claims
    assert read_claim.responsibility == "S"
    (payer,) = read_claim.other_payers
    assert (payer.payer_id, payer.responsibility, payer.paid) == ("ACME01", "P", Decimal("70"))
    assert read_claim.lines[0].prior_paid == Decimal("70")
    assert read_claim.lines[0].prior_adjustments == (Adjustment("CO", "45", Decimal("33")),
                                                     Adjustment("PR", "2", Decimal("22")))


def test_an_unreadable_amount_makes_its_set_unreadable_and_the_next_set_is_still_read(x837) -> None:
    claims = [x837.claim(f"PCN{n}") for n in range(2)]
    content = x837.build(x837.batch(*claims)).replace("CLM*PCN0*125*", "CLM*PCN0*12X*")
    result = read(content)
    assert "CLM02" in result.unreadable["0001"]
    assert result.transaction_sets[0].claims == ()


def test_not_x12_is_refused() -> None:
    with pytest.raises(Read837Error):
        read_837p("hello", tenant_id="t", file_name="f", received_on=RECEIVED)
