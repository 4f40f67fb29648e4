"""From the stored claim and the tenant's reference data to a pyx12-valid 837P (no encounter needed any more)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from claims_svc.application.claim_837p import MissingClaimData, claim_to_837p, mapping_findings, write_837p_batch
from claims_svc.domain.claim import Claim, bill_revision
from claims_svc.domain.reference import FeeSchedule
from openrcm_shared.contracts import (
    Address, CodedServiceLine, Diagnosis, EncounterCoded, PartyName, Provider, Subscriber,
)
from openrcm_shared.x12 import InMemoryControlNumbers

NOW = datetime(2026, 11, 23, 9, 30)
HOME = Address(line1="45 Elm Ave", city="Springfield", state="IL", postal_code="62704")


@pytest.fixture
def claim_of(make_coded, make_coverage):  # type: ignore[no-untyped-def]
    """A claim built from a coded encounter with several diagnoses and pointers, providers and prior auth."""
    def _claim(relationship: str = "18", previous: Claim | None = None, **fields) -> Claim:  # type: ignore[no-untyped-def]
        coded = make_coded(charges=("125.00", "40.00", "60.50"), **fields)
        subscriber = Subscriber(name=coded.patient.name) if relationship == "18" else Subscriber(
            name=PartyName(last="Doe", first="Jane"), date_of_birth=date(1968, 3, 4), sex="F", address=HOME)
        lines = [line.model_copy(update={"diagnosis_pointers": pointers})
                 for line, pointers in zip(coded.service_lines, ([1, 2], [1], [3, 2, 1]))]
        coded = coded.model_copy(update={
            "coverages": [make_coverage(relationship_to_subscriber=relationship, group_number="GRP-1",
                                        subscriber=subscriber)],
            "service_lines": lines,
            "diagnoses": [Diagnosis(sequence=2, code="I10"), Diagnosis(sequence=1, code="E11.9"),
                          Diagnosis(sequence=3, code="E785")],
            "rendering_provider": Provider(npi="1245319599", name=PartyName(last="Welby", first="Marcus"),
                                           taxonomy="207Q00000X"),
            "referring_provider": Provider(npi="1679576722", name=PartyName(last="Kildare", first="James")),
            "prior_authorization_number": "AUTH-9",
        })
        plan = bill_revision("t1", coded, previous={"primary": previous} if previous else {},
                             fee_schedule=FeeSchedule([]), now=NOW, actor="test")
        return plan.claims[-1]
    return _claim


async def test_stored_claims_become_a_valid_837p(claim_of, reference, assert_valid_837p, read_back):
    claims = [claim_of(), claim_of(relationship="19")]
    inputs = [claim_to_837p(claim, reference.billing, reference.payer) for claim in claims]

    x12, (isa13, gs06, st02s) = await write_837p_batch(inputs, reference.route, InMemoryControlNumbers(interchange=41),
                                                       reference="B-1", created_at=NOW)

    assert_valid_837p(x12)
    assert (isa13, gs06, st02s) == (41, 1, (1,))
    read = read_back(x12)
    assert read.segments[0][13] == "000000041"
    assert [c.pcn for c in read.claims] == [claim.patient_control_number for claim in claims]
    assert [Decimal(c.total) for c in read.claims] == [Decimal("225.50")] * 2
    assert [c.hierarchy for c in read.claims] == [["20", "22"], ["20", "22", "23"]]
    first = read.claims[0]
    assert first.diagnoses == [["ABK", "E119"], ["ABF", "I10"], ["ABF", "E785"]]  # by sequence, without the dot
    assert [line.pointers for line in first.lines] == [["1", "2"], ["1"], ["3", "2", "1"]]
    assert [line.control_number for line in first.lines] == [line.line_control_number for line in claims[0].lines]
    assert first.refs == {"G1": "AUTH-9"}
    assert ["NM1", "DN", "1", "KILDARE", "JAMES", "", "", "", "XX", "1679576722"] in read.segments
    assert ["NM1", "82", "1", "WELBY", "MARCUS", "", "", "", "XX", "1245319599"] in read.segments
    assert ["NM1", "PR", "2", "ACME HEALTH PLAN", "", "", "", "", "PI", "ACME01"] in read.segments
    assert ["SBR", "P", "18", "GRP-1", "", "", "", "", "", "CI"] in read.segments


async def test_a_replacement_and_a_void_name_the_payers_claim(claim_of, reference, assert_valid_837p, read_back,
                                                               make_coverage):
    original = claim_of()
    original.status, original.payer_claim_control_number = original.status.SUBMITTED, "PAYER-CLAIM-77"
    replacement = claim_of(previous=original, encounter_id=original.encounter_id, revision=2)
    void = bill_revision("t1", _self_pay(original), previous={"primary": original},
                         fee_schedule=FeeSchedule([]), now=NOW, actor="test").claims[0]
    assert (replacement.frequency_code, void.frequency_code) == ("7", "8")

    x12, _ = await write_837p_batch([claim_to_837p(c, reference.billing, reference.payer) for c in (replacement, void)],
                                    reference.route, InMemoryControlNumbers(), reference="B-2", created_at=NOW)

    assert_valid_837p(x12)
    claims = read_back(x12).claims
    assert [c.facility for c in claims] == [["11", "B", "7"], ["11", "B", "8"]]
    assert [c.refs["F8"] for c in claims] == ["PAYER-CLAIM-77"] * 2


def _self_pay(original: Claim) -> EncounterCoded:
    """A later revision of the original's encounter without coverage: its claim is voided."""
    return EncounterCoded(
        encounter_id=original.encounter_id, revision=3, source_system="ehr", external_encounter_id="E1",
        patient=original.patient, coverages=[], billing_provider=Provider(npi=original.billing_provider_npi),
        place_of_service="11", service_date_from=original.service_date_from, service_date_to=original.service_date_to,
        diagnoses=[Diagnosis(sequence=1, code="E119")],
        service_lines=[CodedServiceLine(line_number=1, code_system="CPT", procedure_code="99213", units=Decimal(1),
                                        diagnosis_pointers=[1], service_date=original.service_date_from)],
        coded_at=NOW,
    )


def test_what_an_837p_needs_and_the_claim_lacks_is_listed(make_coded, reference):
    coded = make_coded(charges=("125.00", None), rendering_provider=Provider(npi="1245319599"))
    coded = coded.model_copy(update={"patient": coded.patient.model_copy(update={"address": None})})
    claim = bill_revision("t1", coded, previous={}, fee_schedule=FeeSchedule([]), now=NOW, actor="t").claims[0]
    claim.lines[0] = claim.lines[0].__class__(**{**claim.lines[0].__dict__, "diagnosis_pointers": ()})

    with pytest.raises(MissingClaimData) as caught:
        claim_to_837p(claim, reference.billing, reference.payer)

    assert caught.value.missing == ["patient address", "line 1 diagnosis pointers", "line 2 charge",
                                    "rendering provider name"]
    assert "Doe" not in str(caught.value)
    [finding] = mapping_findings(claim, reference.billing, reference.payer)
    assert finding.rule_id == "X12-MISSING-DATA" and finding.blocks


def test_what_the_writer_refuses_becomes_a_finding(claim_of, reference):
    claim = claim_of()
    claim.member_id = "M*1"  # a separator in a value: X12 cannot escape it
    [finding] = mapping_findings(claim, reference.billing, reference.payer)
    assert finding.rule_id == "X12-837P" and "separator" in finding.message
    assert mapping_findings(claim_of(), reference.billing, reference.payer) == []


async def test_a_secondary_claim_carries_the_primarys_adjudication_and_is_a_valid_837p(
    make_coded, make_coverage, balanced_remit, reference, assert_valid_837p, read_back
):
    coded = make_coded(coverages=[make_coverage("primary"), make_coverage("secondary", payer_id="BETA02", member_id="B7",
                                                                         group_number="G2")])
    primary, secondary = bill_revision("t1", coded, previous={}, fee_schedule=reference.fees, now=NOW,
                                       actor="test").claims
    assert secondary.waits_for_earlier_payer
    remit = balanced_remit(primary)

    assert secondary.take_prior_adjudication(primary, remit, claim_filing_indicator="CI", at=NOW, actor="RemitReceived")
    assert not secondary.take_prior_adjudication(primary, remit, claim_filing_indicator="CI", at=NOW, actor="again")
    assert not secondary.waits_for_earlier_payer
    beta = replace(reference.payer, payer_id="BETA02", name="Beta Insurance")
    x12, _ = await write_837p_batch([claim_to_837p(secondary, reference.billing, beta)], reference.route,
                                    InMemoryControlNumbers(), reference="B-3", created_at=NOW)

    assert_valid_837p(x12)
    [claim] = read_back(x12).claims
    assert claim.other_payer_segments[0] == ["SBR", "P", "18", "", "", "", "", "", "", "CI"]
    assert ["AMT", "D", "110"] in claim.other_payer_segments and ["AMT", "EAF", "20"] in claim.other_payer_segments
    assert ["NM1", "PR", "2", "ACME", "", "", "", "", "PI", "ACME01"] in claim.other_payer_segments
    assert [line.adjudications[0][1:3] for line in claim.lines] == [["ACME01", "80"], ["ACME01", "30"]]
    assert claim.lines[0].adjustments == [["CAS", "CO", "45", "30"], ["CAS", "PR", "1", "20"]]
    assert ["SBR", "S", "18", "G2", "", "", "", "", "", "CI"] in read_back(x12).segments


async def test_medicare_as_secondary_carries_the_msp_type_in_sbr05_and_is_a_valid_837p(
    make_coded, make_coverage, balanced_remit, reference, assert_valid_837p, read_back
):
    medicare_coverage = make_coverage("secondary", payer_id="MCARE", member_id="1EG4TE5MK73", insurance_type_code="12")
    coded = make_coded(coverages=[make_coverage("primary"), medicare_coverage])
    primary, secondary = bill_revision("t1", coded, previous={}, fee_schedule=reference.fees, now=NOW,
                                       actor="test").claims
    assert secondary.take_prior_adjudication(primary, balanced_remit(primary), claim_filing_indicator="CI", at=NOW,
                                             actor="RemitReceived")
    medicare = replace(reference.payer, payer_id="MCARE", name="Medicare Part B", claim_filing_indicator="MB")
    x12, _ = await write_837p_batch([claim_to_837p(secondary, reference.billing, medicare)], reference.route,
                                    InMemoryControlNumbers(), reference="B-4", created_at=NOW)

    assert_valid_837p(x12)
    assert ["SBR", "S", "18", "", "", "12", "", "", "", "MB"] in read_back(x12).segments
    # The primary (commercial) payer's 2320 SBR has no SBR05: only a non-primary Medicare coverage does.
    [claim] = read_back(x12).claims
    assert claim.other_payer_segments[0] == ["SBR", "P", "18", "", "", "", "", "", "", "CI"]


def test_sbr05_is_only_for_medicare_coverages_that_are_not_primary(make_coded, make_coverage, reference):
    coded = make_coded(coverages=[make_coverage("primary", member_id="1EG4TE5MK73", insurance_type_code="12")])
    [claim] = bill_revision("t1", coded, previous={}, fee_schedule=reference.fees, now=NOW, actor="t").claims
    medicare = replace(reference.payer, claim_filing_indicator="MB")
    assert claim_to_837p(claim, reference.billing, medicare).subscriber.insurance_type_code == ""
