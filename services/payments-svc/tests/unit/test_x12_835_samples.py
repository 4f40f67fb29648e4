"""Every 835 sample file, read by our parser and by pyx12 (its 835 map decides the loops): same claims,
amounts, adjustments, service lines and provider adjustments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pyx12_context = pytest.importorskip("pyx12.x12context")
import pyx12.error_handler  # noqa: E402
import pyx12.params  # noqa: E402

from payments_svc.adapters.x12_835 import parse_835  # noqa: E402
from payments_svc.domain.balancing import claim_balance_problems, document_totals  # noqa: E402

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "tests" / "data" / "x12-samples" / "835"
FILES = sorted(SAMPLES.glob("*.x12"))

#: Claims a sample cannot give us, with the one element at fault: these files put ">" in SVC01 while
#: their ISA16 declares ":" (or the procedure code in SVC02). pyx12 reads SVC01 as one component too.
BAD_CLAIMS = {
    "LinuxForHealth_x12_835-cob-contractual-adjustment.x12": {1: {(21, "SVC01-2")}},
    "LinuxForHealth_x12_835-secondary-payment.x12": {2: {(29, "SVC01-2"), (34, "SVC01-2")}},
    "LinuxForHealth_x12_835-tertiary-payment.x12": {1: {(20, "SVC01-2")}},
}


def pyx12_reading(path: Path) -> dict:
    """Claims, lines, CAS and PLB as pyx12 reads them, walking its 005010X221A1 map."""
    found: dict = {"transactions": []}
    transaction = claim = line = None
    with path.open() as handle:
        reader = pyx12_context.X12ContextReader(pyx12.params.params(), pyx12.error_handler.errh_null(), handle)
        for node in reader.iter_segments():
            seg, where = node.seg_data, node.cur_path
            tag = seg.get_seg_id()
            if tag == "ST":
                transaction = {"claims": [], "plb": []}
                found["transactions"].append(transaction)
            elif tag == "BPR":
                transaction["amount"] = Decimal(seg.get_value("BPR02"))
            elif tag == "TRN":
                transaction["trace"] = seg.get_value("TRN02")
            elif where.endswith("/2100/CLP"):
                claim = {"id": seg.get_value("CLP01"), "status": seg.get_value("CLP02"),
                         "charge": Decimal(seg.get_value("CLP03")), "paid": Decimal(seg.get_value("CLP04")),
                         "cas": [], "lines": []}
                transaction["claims"].append(claim)
                line = None
            elif where.endswith("/2110/SVC"):
                line = {"qualifier": seg.get_value("SVC01-1"), "code": seg.get_value("SVC01-2"),
                        "modifiers": tuple(m for m in (seg.get_value(f"SVC01-{i}") for i in range(3, 7)) if m),
                        "charge": Decimal(seg.get_value("SVC02")), "paid": Decimal(seg.get_value("SVC03")), "cas": []}
                claim["lines"].append(line)
            elif tag == "CAS":
                target = line if "/2110/" in where else claim
                for start in range(2, 20, 3):
                    reason = seg.get_value(f"CAS{start:02d}")
                    if reason:
                        quantity = seg.get_value(f"CAS{start + 2:02d}")
                        target["cas"].append((seg.get_value("CAS01"), reason, Decimal(seg.get_value(f"CAS{start + 1:02d}")),
                                              Decimal(quantity) if quantity else None))
            elif tag == "PLB":
                for start in range(3, 15, 2):
                    reason = seg.get_value(f"PLB{start:02d}-1")
                    if reason:
                        transaction["plb"].append((reason, Decimal(seg.get_value(f"PLB{start + 1:02d}"))))
    return found


def cas(adjustments) -> list:  # type: ignore[no-untyped-def]
    return [(a.group.value, a.reason_code, a.amount, a.quantity) for a in adjustments]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_our_reading_of_each_sample_matches_pyx12(path):
    ours, theirs = parse_835(path.read_bytes()), pyx12_reading(path)
    assert not [p for p in ours.problems if p.severity == "error"]
    assert len(ours.transactions) == len(theirs["transactions"]) >= 1
    for transaction, claims, document, expected in zip(ours.transactions, ours.claims, ours.documents,
                                                       theirs["transactions"]):
        assert document is not None, transaction.header_problems
        assert not [p for p in transaction.problems if p.severity == "error"]
        assert (document.payment.amount, document.payment.trace_number) == (expected["amount"], expected["trace"])
        assert [(a.reason_code, a.amount) for a in document.provider_adjustments] == expected["plb"]
        assert [c.patient_control_number for c in claims] == [c["id"] for c in expected["claims"]]
        bad = {c.sequence: {(p.segment, p.element) for p in c.errors} for c in claims if c.errors}
        assert bad == BAD_CLAIMS.get(path.name, {})
        for parsed, want in zip(claims, expected["claims"]):
            if parsed.claim is None:
                continue
            claim = parsed.claim
            assert (claim.status_code, claim.total_charge, claim.total_paid) == (want["status"], want["charge"],
                                                                               want["paid"])
            assert cas(claim.adjustments) == want["cas"]
            assert [(line.procedure_qualifier, line.procedure_code, line.modifiers, line.charge, line.paid,
                     cas(line.adjustments)) for line in claim.lines] == [
                (w["qualifier"], w["code"], w["modifiers"], w["charge"], w["paid"], w["cas"]) for w in want["lines"]
            ]


@pytest.mark.parametrize("path", [p for p in FILES if p.name not in BAD_CLAIMS], ids=lambda p: p.name)
def test_every_readable_sample_balances_per_claim_and_per_payment(path):
    parsed = parse_835(path.read_bytes())
    for document in parsed.documents:
        assert document is not None
        for claim in document.claims:
            assert claim_balance_problems(claim) == [], claim.patient_control_number
        assert document_totals(document).problem(document) is None


def test_a_sample_with_one_unreadable_claim_keeps_the_other_and_flags_the_payment():
    parsed = parse_835((SAMPLES / "LinuxForHealth_x12_835-secondary-payment.x12").read_bytes())
    [document] = parsed.documents
    assert [c.patient_control_number for c in document.claims] == ["L0004828311"]
    totals = document_totals(document)
    totals.add_claim(None)  # the unreadable one
    assert "could not be read" in totals.problem(document)


def test_medicare_part_a_sample_reads_mia_moa_names_dates_and_plb():
    parsed = parse_835((SAMPLES / "LinuxForHealth_x12_835-medicare-part-a.x12").read_bytes())
    [document] = parsed.documents
    first, second = document.claims
    assert first.party("QC").last_or_organization == "JONES" and first.party("QC").identifier == "666666666A"
    assert ("MIA04", "138018.40") in first.claim_adjudication
    assert first.statement_from.isoformat() == "2002-08-16" and first.statement_to.isoformat() == "2002-08-24"
    assert first.quantities == (("CA", Decimal("8.00")),)
    assert (first.claim_filing_indicator, first.facility_type_code, first.frequency_code) == ("MA", "11", "1")
    assert second.remark_codes == ("MA02",)
    [plb] = document.provider_adjustments
    assert (plb.provider_id, plb.reason_code, plb.reference, plb.amount) == ("6543210903", "CV", "CP",
                                                                             Decimal("-1.27"))
    assert document.payer.payer_id == "999"  # REF*2U of the payer loop
    assert [c.header_number for c in parsed.claims[0]] == ["110212", "130212"]


def test_dental_sample_reads_line_control_numbers_remarks_and_the_predetermination():
    parsed = parse_835((SAMPLES / "jdavisp3_TigerShark_835-dental-example-1.x12").read_bytes())
    [document] = parsed.documents
    predetermination = document.claims[0]
    assert predetermination.status_code == "25"
    assert [line.line_control_number for line in predetermination.lines][:3] == ["00010", "00020", "00030"]
    assert predetermination.lines[2].remark_codes == ("N30",)
    assert predetermination.lines[0].allowed == Decimal("80")
    assert predetermination.lines[0].procedure_qualifier == "AD"  # "|" is this file's component separator
