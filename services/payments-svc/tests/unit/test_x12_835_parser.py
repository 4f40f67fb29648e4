"""The 835 reader on edge cases of our own: envelopes, separators, every CLP status, CAS triples, names,
MIA/MOA, SVC composites, PLB, and errors that name segment and element without losing other claims."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openrcm_shared.x12 import X12SyntaxError
from payments_svc.adapters.x12_835 import parse_835, read_835
from payments_svc.domain.balancing import document_totals

D = Decimal
ISA = "ISA*00*          *00*          *ZZ*PAYER          *ZZ*PROVIDER       *261123*0930*^*00501*000000001*0*P*:"


def header(trace: str = "EFT1", amount: str = "100.00", *, credit: str = "C") -> list[str]:
    return [
        f"BPR*I*{amount}*{credit}*ACH*CCP*01*999999992*DA*123456*1512345678**01*999988880*DA*98765*20261120",
        f"TRN*1*{trace}*1512345678", "DTM*405*20261119", "N1*PR*ACME HEALTH PLAN", "N3*1 MAIN ST",
        "N4*SPRINGFIELD*IL*62701", "REF*2U*ACME01", "PER*BL*EDI*TE*8005551212",
        "N1*PE*PRAIRIE FAMILY MEDICINE*XX*1234567893", "REF*TJ*371234567",
    ]


def claim(pcn: str = "PCN1", status: str = "1", charge: str = "100.00", paid: str = "100.00") -> list[str]:
    return [f"CLP*{pcn}*{status}*{charge}*{paid}**12*PAYER-{pcn}*11*1", "NM1*QC*1*DOE*JANE****MI*W1",
            "DTM*232*20261101"]


def transaction(body: list[str], control: str = "0001") -> list[str]:
    segments = [f"ST*835*{control}", *body]
    return [*segments, f"SE*{len(segments) + 1}*{control}"]


def interchange(*groups: list[list[str]], terminator: str = "~\n") -> str:
    segments = [ISA]
    for number, transactions in enumerate(groups, start=1):
        segments.append(f"GS*HP*PAYER*PROVIDER*20261123*0930*{number}*X*005010X221A1")
        for tx in transactions:
            segments += tx
        segments.append(f"GE*{len(transactions)}*{number}")
    segments.append(f"IEA*{len(groups)}*000000001")
    return terminator.join(segments) + terminator


def one(body: list[str], **kwargs) -> str:  # type: ignore[no-untyped-def]
    return interchange([transaction(body)], **kwargs)


def test_several_transactions_in_several_groups_without_line_breaks():
    first = transaction([*header("T1", "100.00"), "LX*1", *claim("A"), "CAS*CO*45*0.00"], "0001")
    second = transaction([*header("T2", "50.00"), "LX*1", *claim("B", charge="50.00", paid="50.00")], "0002")
    third = transaction([*header("T3", "0.00"), "LX*1", *claim("C", status="4", charge="20.00", paid="0.00"),
                         "CAS*CO*16*20.00"], "0003")
    parsed = parse_835(interchange([first, second], [third], terminator="~"))
    assert [d.payment.trace_number for d in parsed.documents] == ["T1", "T2", "T3"]
    assert [t.control_number for t in parsed.transactions] == ["0001", "0002", "0003"]
    assert [[c.patient_control_number for c in d.claims] for d in parsed.documents] == [["A"], ["B"], ["C"]]
    assert parsed.errors == []


def test_separators_come_from_the_isa_and_crlf_line_breaks_are_ignored():
    text = one([*header(), "LX*1", *claim(), "SVC*HC:99213:25:59*100.00*100.00**1", "DTM*472*20261101"],
               terminator="~\r\n")
    other = text.replace("*", "|").replace("HC:99213:25:59", "HC>99213>25>59").replace("|P|:", "|P|>")
    [document] = parse_835(other.encode()).documents
    [line] = document.claims[0].lines
    assert (line.procedure_code, line.modifiers, line.service_date) == ("99213", ("25", "59"), date(2026, 11, 1))


@pytest.mark.parametrize("status", ["1", "2", "3", "4", "19", "20", "21", "22", "23", "25"])
def test_every_claim_status_is_read(status):
    amount = "-100.00" if status == "22" else "100.00"
    [document] = parse_835(one([*header(amount="0.00" if status == "22" else "100.00"), "LX*1",
                                *claim(status=status, charge=amount, paid=amount)])).documents
    assert document.claims[0].status_code == status


def test_an_unknown_status_loses_only_its_claim():
    parsed = parse_835(one([*header(amount="100.00"), "LX*1", *claim("BAD", status="5"), *claim("GOOD")]))
    bad, good = parsed.claims[0]
    assert [(p.segment, p.segment_id, p.element) for p in bad.errors] == [(15, "CLP", "CLP02")]
    assert bad.claim is None and good.claim is not None
    assert [c.patient_control_number for c in parsed.documents[0].claims] == ["GOOD"]


def test_cas_with_six_triples_and_quantities():
    cas = "CAS*PR*1*10.00*1*2*5.00**3*2.50*1*45*1.00**23*0.50**96*1.00*2"
    [document] = parse_835(one([*header(amount="80.00"), "LX*1", *claim(paid="80.00"), cas]).encode()).documents
    adjustments = document.claims[0].adjustments
    assert [(a.group.value, a.reason_code, a.amount, a.quantity) for a in adjustments] == [
        ("PR", "1", D("10.00"), D("1")), ("PR", "2", D("5.00"), None), ("PR", "3", D("2.50"), D("1")),
        ("PR", "45", D("1.00"), None), ("PR", "23", D("0.50"), None), ("PR", "96", D("1.00"), D("2")),
    ]


def test_names_mia_moa_amounts_references_and_dates_of_a_claim():
    body = [*header(), "LX*1", *claim(), "NM1*IL*1*DOE*JOHN*Q**JR*MI*W0", "NM1*74*1*DOE*JANINE",
            "NM1*82*1*WELBY*MARCUS****XX*1245319599", "MOA*0.8*12.50*MA01*N130", "REF*1L*GRP1", "REF*F8*ORIG1",
            "DTM*050*20261102", "DTM*036*20271231", "AMT*AU*100.00", "AMT*I*1.25", "QTY*CA*2"]
    [document] = parse_835(one(body)).documents
    c = document.claims[0]
    assert c.party("IL").suffix == "JR" and c.party("74").first == "JANINE" and c.party("82").identifier == "1245319599"
    assert c.remark_codes == ("MA01", "N130") and c.claim_adjudication == (("MOA01", "0.8"), ("MOA02", "12.50"))
    assert c.reference("F8") == "ORIG1" and c.received_on == date(2026, 11, 2) and c.dates == (("036", date(2027, 12, 31)),)
    assert c.amounts == (("AU", D("100.00")), ("I", D("1.25"))) and c.quantities == (("CA", D("2")),)
    assert (c.payer_claim_control_number, c.adjudicated_on) == ("PAYER-PCN1", date(2026, 11, 19))


def test_service_line_with_original_procedure_line_control_number_allowed_and_remarks():
    body = [*header(amount="60.00"), "LX*1", *claim(charge="100.00", paid="60.00"),
            "SVC*HC:99213*100.00*60.00**1*HC:99214:25*1", "DTM*150*20261101", "DTM*151*20261102",
            "CAS*CO*45*40.00", "REF*6R*PCN1-1", "REF*HPI*1245319599", "AMT*B6*60.00", "AMT*KH*1.00", "QTY*ZK*1",
            "LQ*HE*M15", "LQ*RX*70"]
    [document] = parse_835(one(body)).documents
    [line] = document.claims[0].lines
    assert (line.original_procedure_qualifier, line.original_procedure_code, line.original_modifiers) == (
        "HC", "99214", ("25",))
    assert line.submitted_procedure_code == "99214" and line.original_units == D("1")
    assert (line.service_date, line.service_date_end) == (date(2026, 11, 1), date(2026, 11, 2))
    assert (line.line_control_number, line.allowed, line.references) == ("PCN1-1", D("60.00"), (("HPI", "1245319599"),))
    assert line.amounts == (("KH", D("1.00")),) and line.quantities == (("ZK", D("1")),)
    assert (line.remark_codes, line.reject_codes) == (("M15",), ("70",))


def test_plb_with_several_adjustments_balances_the_payment():
    body = [*header(amount="85.00"), "LX*1", *claim(), "PLB*1234567893*20261231*WO:PAYER-OLD1*20.00*L6*-5.00"]
    [document] = parse_835(one(body)).documents
    assert [(a.reason_code, a.reference, a.amount) for a in document.provider_adjustments] == [
        ("WO", "PAYER-OLD1", D("20.00")), ("L6", None, D("-5.00"))]
    assert document_totals(document).problem(document) is None  # 100 - (20 - 5) = 85


def test_a_debit_payment_balances_against_negative_claim_totals():
    body = [*header(amount="100.00", credit="D"), "LX*1", *claim(status="22", charge="-100.00", paid="-100.00")]
    [document] = parse_835(one(body)).documents
    assert document.signed_amount == D("-100.00")
    assert document_totals(document).problem(document) is None


def test_errors_name_segment_and_element_and_every_bad_field_is_listed():
    body = [*header(), "LX*1", "CLP*PCN1*1*ABC*1.005**12*P1", "CAS*XX*45*1.00", "CAS*CO**5.00",
            "SVC*HC*10.00*x", *claim("PCN2")]
    parsed = parse_835(one(body))
    bad, good = parsed.claims[0]
    assert [(p.segment, p.element) for p in bad.errors] == [
        (15, "CLP03"), (15, "CLP04"), (16, "CAS01"), (17, "CAS02"), (17, "CAS02"), (18, "SVC01-2"), (18, "SVC03")]
    assert all("ABC" not in p.message and "1.005" not in p.message for p in bad.errors)
    assert good.claim is not None and good.claim.patient_control_number == "PCN2"
    entry = bad.errors[0].as_error()
    assert entry["pointer"] == "/segments/15/CLP03" and entry["location"] == "x12"


def test_header_errors_make_the_transaction_unusable_but_the_next_one_is_read():
    broken = transaction(["TRN*1*T1*1512345678", "N1*PR*ACME", "N1*PE*PRACTICE*XX*1234567893", "LX*1", *claim()])
    fine = transaction([*header("T2"), "LX*1", *claim("B")], "0002")
    parsed = parse_835(interchange([broken, fine]))
    assert parsed.documents[0] is None and parsed.documents[1] is not None
    assert [p.message for p in parsed.transactions[0].header_problems if p.severity == "error"] == [
        "the transaction has no BPR (financial information) segment"]


def test_missing_payment_date_is_a_warning_and_the_production_date_is_used():
    body = [*header(), "LX*1", *claim()]
    body[0] = "BPR*I*100.00*C*CHK************"
    [document] = parse_835(one(body)).documents
    assert document.payment.payment_date == date(2026, 11, 19)


def test_se_count_and_missing_se_are_errors_of_the_transaction():
    segments = transaction([*header(), "LX*1", *claim()])
    segments[-1] = "SE*99*0001"
    parsed = parse_835(interchange([segments]))
    assert [(p.segment_id, p.element) for p in parsed.transactions[0].trailer_problems] == [("SE", "SE01")]
    cut = interchange([transaction([*header(), "LX*1", *claim()])[:-1]])
    parsed = parse_835(cut)
    assert "ends without SE" in parsed.transactions[0].trailer_problems[0].message


def test_not_x12_at_all_raises_and_an_empty_interchange_is_reported():
    with pytest.raises(X12SyntaxError):
        parse_835("hello")
    parsed = parse_835(interchange([]))
    assert [p.message for p in parsed.problems] == ["the interchange holds no 835 transaction set"]


def test_other_transaction_types_are_refused():
    text = interchange([transaction([*header(), "LX*1", *claim()])]).replace("GS*HP", "GS*HC").replace(
        "005010X221A1", "005010X222A1")
    parsed = parse_835(text)
    assert {p.element for p in parsed.problems} == {"GS01", "GS08"}
    assert parsed.documents == [None]


def test_claims_stream_one_at_a_time():
    body = [*header(amount=str(D("100.00") * 1000)), "LX*1"]
    for n in range(1000):
        body += claim(f"P{n}")
    reader = read_835(one(body))
    for tx in reader.transactions():
        stream = tx.claims()
        first = next(stream)
        assert first.patient_control_number == "P0" and tx.claim_count == 1  # read lazily
        assert sum(1 for _ in stream) == 999
        assert tx.finished and tx.trailer_problems == []
