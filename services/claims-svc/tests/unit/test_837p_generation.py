"""The 837P writer: every file passes pyx12, and reads back (shared reader) as the claims that went in."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

import claims_svc.domain.x12.writer_837p as writer_837p
from claims_svc.domain.x12.model_837p import Adjustment, LineAdjudication, OtherPayer, Payer, PersonName, Provider
from openrcm_shared.x12 import EnvelopeNumbers, Separators, X12DataError

D = Decimal
CREATED = datetime(2026, 11, 23, 9, 30)


# ---------------------------------------------------------------- pyx12-valid files
def test_single_claim_single_line(x837, assert_valid_837p, read_back):
    x12 = x837.build(x837.batch(x837.claim("PCN1", lines=(x837.line("99213", "125.00", line_control_number="L-1"),))))

    assert_valid_837p(x12)
    (claim,) = read_back(x12).claims
    assert (claim.pcn, claim.total, claim.facility, claim.hierarchy) == ("PCN1", "125", ["11", "B", "1"], ["20", "22"])
    assert claim.diagnoses == [["ABK", "E119"]]
    (line,) = claim.lines
    assert (line.procedure, line.charge, line.units, line.pointers) == (["HC", "99213"], "125", "1", ["1"])
    assert (line.service_date, line.control_number) == ("20261116", "L-1")


def test_claims_of_several_providers_subscribers_and_lines(x837, assert_valid_837p, read_back):
    other_office = x837.replace(x837.billing, npi="1245319599", organization_name="Prairie Urgent Care",
                                pay_to_address=x837.replace(x837.billing.address, line1="PO BOX 100"))
    john = x837.subscriber("W222", "Roe", "John", sex="M", group_number="GRP-7")
    diagnoses = ("E11.9", "I10", "E78.5", "Z79.4", "R53.83")
    lines_a = (
        x837.line("99214", "150.00", (1, 2, 3, 4), modifiers=("25",)),
        x837.line("83036", "45.50", (1,)),
        x837.line("93000", "60.00", (2, 5), place_of_service="22"),  # SV105: differs from CLM05-1
        x837.line("J1100", "12.25", (3,), units=D("2.000"), modifiers=("JZ", "59")),
    )
    lines_b = (x837.line("99213", "125.00", (1,)), x837.line("36415", "10.00", (2,)),
               x837.line("80053", "38.00", (1, 2), service_date_to=date(2026, 11, 17)))
    claims = [
        x837.claim("PCN-A", lines_a, diagnoses=diagnoses, prior_authorization="AUTH-55"),
        x837.claim("PCN-B", lines_b, diagnoses=diagnoses[:2]),  # same subscriber: shares the 2000B loop
        x837.claim("PCN-C", lines_b, diagnoses=diagnoses[:2], subscriber=john,
                   referring_provider=Provider("1679576722", PersonName("Kildare", "James", "T"))),
        x837.claim("PCN-D", lines_a, diagnoses=diagnoses, billing_provider=other_office, subscriber=john,
                   rendering_provider=None),
    ]

    x12 = x837.build(x837.batch(*claims))

    assert_valid_837p(x12)
    read = read_back(x12)
    hierarchy = [segment[1:] for segment in read.segments if segment[0] == "HL"]
    assert hierarchy == [["1", "", "20", "1"], ["2", "1", "22", "0"], ["3", "1", "22", "0"],
                         ["4", "", "20", "1"], ["5", "4", "22", "0"]]
    assert [c.pcn for c in read.claims] == ["PCN-A", "PCN-B", "PCN-C", "PCN-D"]
    assert [c.total for c in read.claims] == ["267.75", "173", "173", "267.75"]
    assert [c.subscriber_member_id for c in read.claims] == ["W123456789", "W123456789", "W222", "W222"]
    assert read.claims[0].refs == {"G1": "AUTH-55"}
    assert read.claims[0].diagnoses == [["ABK", "E119"], ["ABF", "I10"], ["ABF", "E785"], ["ABF", "Z794"],
                                        ["ABF", "R5383"]]
    for read_claim, claim in zip(read.claims, claims):
        assert [(rl.procedure, D(rl.charge), D(rl.units), [int(p) for p in rl.pointers])
                for rl in read_claim.lines] == [
            (["HC", line.procedure_code, *line.modifiers], line.charge, line.units, list(line.diagnosis_pointers))
            for line in claim.lines
        ]
    assert [rl.charge for rl in read.claims[0].lines] == ["150", "45.5", "60", "12.25"]
    assert [rl.units for rl in read.claims[0].lines] == ["1", "1", "1", "2"]
    sv1 = [segment for segment in read.segments if segment[0] == "SV1"]
    assert sv1[2][5] == "22" and sv1[1][5] == ""  # place of service only where it differs
    assert ["DTP", "472", "RD8", "20261116-20261117"] in read.segments
    assert ["NM1", "87", "2"] in read.segments  # 2010AB pay-to address of the second office


def test_patient_who_is_not_the_subscriber(x837, assert_valid_837p, read_back):
    parent = x837.subscriber("W777", "Doe", "Jane")
    claims = [
        x837.claim("PCN-KID1", patient=x837.dependent("19", first="Tim"), subscriber=parent),
        x837.claim("PCN-KID2", patient=x837.dependent("19", first="Ann"), subscriber=parent),
        x837.claim("PCN-SELF", subscriber=parent),
        x837.claim("PCN-SPOUSE", patient=x837.dependent("01", "Doe", "Sam"),
                   subscriber=x837.replace(parent, date_of_birth=None, sex=None, address=None)),
    ]

    x12 = x837.build(x837.batch(*claims))

    assert_valid_837p(x12)
    read = read_back(x12)
    assert [(c.pcn, c.hierarchy) for c in read.claims] == [
        ("PCN-KID1", ["20", "22", "23"]), ("PCN-KID2", ["20", "22", "23"]), ("PCN-SELF", ["20", "22"]),
        ("PCN-SPOUSE", ["20", "22", "23"]),
    ]
    assert [segment[1:] for segment in read.segments if segment[0] == "PAT"] == [["19"], ["19"], ["01"]]
    sbr = [segment for segment in read.segments if segment[0] == "SBR"]
    assert [segment[2] for segment in sbr] == ["", "18", ""]  # SBR02 18 only where the subscriber is the patient
    hl = [segment[1:] for segment in read.segments if segment[0] == "HL"]
    assert hl == [["1", "", "20", "1"], ["2", "1", "22", "1"], ["3", "2", "23", "0"], ["4", "2", "23", "0"],
                  ["5", "1", "22", "0"], ["6", "1", "22", "1"], ["7", "6", "23", "0"]]


PRIMARY = Payer("Commerce Insurance", "COMM01")


def _medicare_secondary(x837, insurance_type: str, *, line_level: bool = True):
    """Medicare pays second after a commercial plan; the plan adjudicated both lines (balanced)."""
    adjudicated = date(2026, 11, 30)
    lines = (
        x837.line("99214", "125.00", (1,), line_control_number="L1", adjudications=(
            LineAdjudication("COMM01", D("80.00"), "99214", adjudicated, adjustments=(
                Adjustment("CO", "45", D("25.00")), Adjustment("PR", "2", D("20.00")))),
        ) if line_level else ()),
        x837.line("82947", "40.00", (1, 2), modifiers=("QW",), line_control_number="L2", adjudications=(
            LineAdjudication("COMM01", D("30.00"), "82947", adjudicated, modifiers=("QW",), adjustments=(
                Adjustment("CO", "45", D("10.00")),)),
        ) if line_level else ()),
    )
    line_adjustments = D("55.00") if line_level else D(0)
    other = OtherPayer(
        payer=PRIMARY, subscriber_name=PersonName("Doe", "Jane"), subscriber_member_id="COM-998877",
        responsibility="P", relationship="18", claim_filing_indicator="CI", group_number="EMP-100",
        paid_amount=D("100.00"),
        claim_adjustments=(Adjustment("PR", "1", D("10.00")),) if line_level else (
            Adjustment("PR", "1", D("10.00")), Adjustment("CO", "45", D("35.00")), Adjustment("PR", "2", D("20.00"))),
        remaining_patient_liability=D("30.00"),
        subscriber_address=x837.subscriber().address, payer_claim_control_number="COMM-CLAIM-1",
        adjudication_date=adjudicated,
    )
    assert other.paid_amount + sum(a.amount for a in other.claim_adjustments) + line_adjustments == D("165.00")
    medicare = Payer("Medicare Part B", "MCRB01")
    subscriber = x837.subscriber("1EG4TE5MK72", payer_responsibility="S", claim_filing_indicator="MB",
                                 insurance_type_code=insurance_type)
    return x837.claim("PCN-MSP", lines, diagnoses=("E119", "R739"), subscriber=subscriber, payer=medicare,
                      other_payers=(other,))


@pytest.mark.parametrize("insurance_type", ["12", "47"])
def test_secondary_claim_with_the_primary_payers_adjudication(x837, assert_valid_837p, read_back, insurance_type):
    x12 = x837.build(x837.batch(_medicare_secondary(x837, insurance_type)))

    assert_valid_837p(x12)
    (claim,) = read_back(x12).claims
    sbr = next(segment for segment in read_back(x12).segments if segment[0] == "SBR")
    assert sbr == ["SBR", "S", "18", "", "", insurance_type, "", "", "", "MB"]  # 2000B: Medicare is secondary
    assert claim.other_payer_segments == [
        ["SBR", "P", "18", "EMP-100", "", "", "", "", "", "CI"],
        ["CAS", "PR", "1", "10"],
        ["AMT", "D", "100"],
        ["AMT", "EAF", "30"],
        ["OI", "", "", "Y", "", "", "Y"],
        ["NM1", "IL", "1", "DOE", "JANE", "", "", "", "MI", "COM-998877"],
        ["N3", "45 ELM AVE", "APT 2"],
        ["N4", "SPRINGFIELD", "IL", "62704"],
        ["NM1", "PR", "2", "COMMERCE INSURANCE", "", "", "", "", "PI", "COMM01"],
        ["REF", "F8", "COMM-CLAIM-1"],  # no 2330B DTP*573: the lines carry their own dates
    ]
    first, second = claim.lines
    assert first.adjudications == [["SVD", "COMM01", "80", "HC:99214", "", "1"]]
    assert first.adjustments == [["CAS", "CO", "45", "25"], ["CAS", "PR", "2", "20"]]
    assert second.adjudications == [["SVD", "COMM01", "30", "HC:82947:QW", "", "1"]]
    assert second.adjustments == [["CAS", "CO", "45", "10"]]
    assert read_back(x12).segments.count(["DTP", "573", "D8", "20261130"]) == 2


def test_secondary_claim_adjudicated_at_claim_level_dates_the_other_payer_loop(x837, assert_valid_837p, read_back):
    x12 = x837.build(x837.batch(_medicare_secondary(x837, "12", line_level=False)))

    assert_valid_837p(x12)
    (claim,) = read_back(x12).claims
    assert ["CAS", "PR", "1", "10", "", "2", "20"] in claim.other_payer_segments  # one CAS per group code
    assert ["CAS", "CO", "45", "35"] in claim.other_payer_segments
    assert claim.other_payer_segments[-2:] == [["DTP", "573", "D8", "20261130"], ["REF", "F8", "COMM-CLAIM-1"]]
    assert all(not line.adjudications for line in claim.lines)


@pytest.mark.parametrize("frequency", ["7", "8"])
def test_replacement_and_void_name_the_payers_claim(x837, assert_valid_837p, read_back, frequency):
    x12 = x837.build(x837.batch(x837.claim("PCN-R", frequency_code=frequency, payer_claim_control_number="PAYER-123",
                                           prior_authorization="AUTH-1")))

    assert_valid_837p(x12)
    (claim,) = read_back(x12).claims
    assert claim.facility == ["11", "B", frequency]
    assert claim.refs == {"G1": "AUTH-1", "F8": "PAYER-123"}


def test_a_large_batch_takes_several_transaction_sets_in_one_group(x837, assert_valid_837p, read_back, monkeypatch):
    monkeypatch.setattr(writer_837p, "MAX_CLAIMS_PER_TRANSACTION", 2)
    claims = [x837.claim(f"PCN-{n}") for n in range(5)]

    x12 = x837.build(x837.batch(*claims))

    assert_valid_837p(x12)
    read = read_back(x12)
    assert [s[1:] for s in read.segments if s[0] in ("ST", "GE", "IEA")] == [
        ["837", "0001", "005010X222A1"], ["837", "0002", "005010X222A1"], ["837", "0003", "005010X222A1"],
        ["3", "1"], ["1", "000000001"],
    ]
    assert [s[3] for s in read.segments if s[0] == "BHT"] == ["BATCH0001-1", "BATCH0001-2", "BATCH0001-3"]
    assert [c.pcn for c in read.claims] == [f"PCN-{n}" for n in range(5)]


def test_other_separators_are_used_throughout(x837, assert_valid_837p, read_back):
    separators = Separators(element="|", component=">", repetition="!", segment="~")
    x12 = x837.build(x837.batch(x837.claim("PCN1", lines=(x837.line("99213", pointers=(1,), modifiers=("25",)),))),
                     separators=separators)

    assert x12.startswith("ISA|00|")
    assert_valid_837p(x12)
    assert read_back(x12).claims[0].lines[0].procedure == ["HC", "99213", "25"]


# ---------------------------------------------------------------- what cannot be written
@pytest.mark.parametrize("field,value,element", [
    ("last", "O*BRIEN", "NM103"),
    ("first", "ANNE~MARIE", "NM104"),
    ("middle", "J:R", "NM105"),
    ("suffix", "JR^", "NM107"),
])
def test_separator_characters_in_names_are_refused_naming_the_element(x837, field, value, element):
    subscriber = x837.subscriber()
    subscriber = x837.replace(subscriber, name=x837.replace(subscriber.name, **{field: value}))
    with pytest.raises(X12DataError) as caught:
        x837.build(x837.batch(x837.claim(subscriber=subscriber)))
    assert caught.value.element == element
    assert value not in str(caught.value)  # names the element, never the data (PHI)


def test_a_separator_inside_a_composite_names_the_component(x837):
    with pytest.raises(X12DataError, match="SV101-3") as caught:
        x837.build(x837.batch(x837.claim(lines=(x837.line(modifiers=("2*5",)),))))
    assert "element separator" in caught.value.problem


@pytest.mark.parametrize("change,problem", [
    (lambda x837: {"total_charge": D("999.00")}, "not the sum of the line charges"),
    (lambda x837: {"lines": (x837.line(pointers=(2,)),)}, "diagnosis pointers"),
    (lambda x837: {"lines": (x837.line(pointers=(1, 1, 1, 1, 1)),)}, "diagnosis pointers"),
    (lambda x837: {"diagnoses": ()}, "1 to 12 diagnoses"),
    (lambda x837: {"diagnoses": tuple(f"E11{n}" for n in range(13))}, "1 to 12 diagnoses"),
    (lambda x837: {"frequency_code": "7"}, r"REF\*F8"),
    (lambda x837: {"frequency_code": "8"}, r"REF\*F8"),
    (lambda x837: {"subscriber": x837.subscriber(address=None)}, "subscriber is the patient"),
    (lambda x837: {"lines": (x837.line(modifiers=("25", "59", "XS", "GT", "95")),)}, "modifiers"),
    (lambda x837: {"billing_provider": x837.replace(x837.billing, address=x837.replace(
        x837.billing.address, postal_code="62701"))}, "ZIP code needs 9 digits"),
    (lambda x837: {"billing_provider": x837.replace(x837.billing, tax_id="37-1234567")}, "tax id"),
])
def test_claims_the_tr3_does_not_allow_are_refused(x837, change, problem):
    with pytest.raises(writer_837p.Claim837Error, match=problem) as caught:
        x837.build(x837.batch(x837.claim("PCN-BAD", **change(x837))))
    assert caught.value.patient_control_number == "PCN-BAD"


def test_an_unbalanced_secondary_claim_is_refused(x837):
    claim = _medicare_secondary(x837, "12")
    other = x837.replace(claim.other_payers[0], paid_amount=D("99.99"))
    with pytest.raises(writer_837p.Claim837Error, match="do not equal the total charge"):
        x837.build(x837.batch(x837.replace(claim, other_payers=(other,))))

    line = claim.lines[0]
    short = x837.replace(line.adjudications[0], paid_amount=D("79.00"))
    lines = (x837.replace(line, adjudications=(short,)), *claim.lines[1:])
    with pytest.raises(writer_837p.Claim837Error, match="line 1: paid"):
        x837.build(x837.batch(x837.replace(claim, lines=lines)))


def test_a_line_adjudicated_by_a_payer_the_claim_does_not_name_is_refused(x837):
    claim = _medicare_secondary(x837, "12")
    line = claim.lines[0]
    stranger = x837.replace(line.adjudications[0], payer_id="NOBODY")
    with pytest.raises(writer_837p.Claim837Error, match="SVD01"):
        x837.build(x837.batch(x837.replace(claim, lines=(x837.replace(line, adjudications=(stranger,)),
                                                         *claim.lines[1:]))))


def test_money_is_never_float(x837):
    with pytest.raises(TypeError, match="Decimal"):
        x837.build(x837.batch(x837.claim(lines=(x837.replace(x837.line(), charge=125.0),), total_charge=D(125))))


def test_the_control_numbers_must_cover_every_transaction_set(x837):
    with pytest.raises(ValueError, match="2 control number"):
        writer_837p.build_837p(x837.batch(x837.claim()), EnvelopeNumbers(1, 1, (1, 2)), created_at=CREATED)
    with pytest.raises(ValueError, match="at least one claim"):
        writer_837p.build_837p(x837.batch(), EnvelopeNumbers(1, 1, (1,)), created_at=CREATED)


def test_the_pyx12_check_does_catch_broken_files(x837, assert_valid_837p):
    x12 = x837.build(x837.batch(x837.claim()))
    with pytest.raises(AssertionError, match="SE count"):
        assert_valid_837p(x12.replace("\nSE*", "\nSE*9", 1))
    with pytest.raises(AssertionError, match="SBR09"):
        assert_valid_837p(x12.replace("*CI~", "*XX~", 1))
