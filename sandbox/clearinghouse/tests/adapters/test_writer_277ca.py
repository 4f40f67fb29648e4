"""The 277CA: valid for pyx12, and claims-svc's parser reads each claim's status and payer claim number."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from claims_svc.domain.x12.acknowledgments import parse_277ca, transaction_kind
from openrcm_sandbox.adapters.reader_837p import read_837p_file
from openrcm_sandbox.adapters.writer_277ca import accepted, build_277ca, rejected
from openrcm_shared.x12 import SegmentReader

STAMP = datetime(2026, 12, 1, 12, 0)


def claims_of(x837, *claims):
    result = read_837p_file(x837.build(x837.batch(*claims)), tenant_id="t", file_name="f.x12",
                            received_on=date(2026, 12, 1))
    return result.envelope, list(result.transaction_sets[0].claims)


def test_accepted_and_rejected_claims_read_back_by_claims_svc(x837, pyx12_check) -> None:
    other_provider = x837.claim("PCN3", billing_provider=x837.claim().billing_provider.__class__(
        npi="1245319599", tax_id="371234568", address=x837.claim().billing_provider.address,
        organization_name="Other Clinic"))
    envelope, claims = claims_of(x837, x837.claim("PCN1"), x837.claim("PCN2", patient=x837.dependent()),
                                 other_provider)
    statuses = [
        accepted(claims[0], "SBX010000000001"),
        rejected(claims[1], [("A7", "562", "85"), ("A7", "33", "IL"), ("A7", "187", ""), ("A3", "26", "PR")]),
        rejected(claims[2], [("A3", "26", "PR")]),
    ]
    content = build_277ca(envelope, statuses, control_number=77, created_at=STAMP, trace_number="000000077",
                          received_on=date(2026, 12, 1), sender_id="OPENRCMSANDBOX")
    assert pyx12_check(content) == []
    assert transaction_kind(content) == "277CA"
    read = {ack.patient_control_number: ack for ack in parse_277ca(content)}
    assert list(read) == ["PCN1", "PCN2", "PCN3"]
    assert [s.code for s in read["PCN1"].statuses] == ["A2:20:PR"]
    assert read["PCN1"].payer_claim_control_number == "SBX010000000001"
    assert read["PCN1"].total_charge == Decimal("125")
    assert [s.code for s in read["PCN2"].statuses] == ["A7:562:85", "A7:33:IL", "A7:187"]  # STC holds three
    assert read["PCN2"].payer_claim_control_number is None
    assert [s.code for s in read["PCN3"].statuses] == ["A3:26:PR"]
    segments = list(SegmentReader(content))
    assert ["TRN", "2", "BATCH0001"] in segments  # the submitter's batch reference
    assert sum(1 for s in segments if s[:4] == ["HL", s[1], "2", "19"]) == 2  # one loop per billing provider
    assert ["QTY", "90", "1"] in segments and ["QTY", "AA", "2"] in segments


def test_same_input_same_bytes(x837) -> None:
    envelope, claims = claims_of(x837, x837.claim("PCN1"))
    build = lambda: build_277ca(envelope, [accepted(claims[0], "N1")], control_number=5, created_at=STAMP,  # noqa: E731
                                trace_number="5", received_on=date(2026, 12, 1))
    assert build() == build()


def test_statuses_are_written_as_given(x837) -> None:
    """The README's date rejection A7:187:472 is written as is (pyx12 flags 472: not an entity identifier code)."""
    envelope, claims = claims_of(x837, x837.claim("PCN1"))
    content = build_277ca(envelope, [rejected(claims[0], [("A7", "187", "472")])], control_number=6,
                          created_at=STAMP, trace_number="6", received_on=date(2026, 12, 1))
    (ack,) = parse_277ca(content)
    assert [s.code for s in ack.statuses] == ["A7:187:472"]
