"""From the claim aggregate (built from EncounterCoded) to a pyx12-valid 837P."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from claims_svc.application.claim_837p import (
    BillingProfile, EncounterDetails, MissingClaimData, PayerProfile, SubmissionRoute, claim_to_837p, write_837p_batch,
)
from claims_svc.domain.claim import REPLACEMENT, build_claim
from claims_svc.domain.x12.model_837p import Address, Receiver, Submitter
from openrcm_shared.contracts import Address as ContractAddress
from openrcm_shared.contracts import Diagnosis, PartyName, Provider, Subscriber
from openrcm_shared.x12 import InMemoryControlNumbers, InterchangeHeader

NOW = datetime(2026, 11, 23, 9, 30)
HOME = ContractAddress(line1="45 Elm Ave", city="Springfield", state="IL", postal_code="62704")
BILLING = BillingProfile(organization_name="Prairie Family Medicine", tax_id="371234567", taxonomy="207Q00000X",
                         address=Address("123 MAIN ST", "SPRINGFIELD", "IL", "627011234"))
PAYER = PayerProfile(payer_id="60054", name="Acme Health Plan", claim_filing_indicator="CI")
ROUTE = SubmissionRoute(
    submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100"),
    receiver=Receiver("Gateway Clearinghouse", "GATEWAY1"),
    interchange=InterchangeHeader(sender_id="SUB123", receiver_id="GATEWAY1", usage="T"),
    application_sender_code="SUB123", application_receiver_code="GATEWAY1",
)


@pytest.fixture
def encounter(make_coded):  # type: ignore[no-untyped-def]
    """A coded encounter with what an 837P needs: addresses, several diagnoses and pointers, providers."""
    def _encounter(relationship: str = "18", **fields):  # type: ignore[no-untyped-def]
        coded = make_coded(charges=("125.00", "40.00", "60.50"))
        patient = coded.patient.model_copy(update={"address": HOME})
        coverage = coded.coverages[0].model_copy(update={
            "relationship_to_subscriber": relationship, "group_number": "GRP-1",
            "subscriber": Subscriber(name=patient.name) if relationship == "18" else Subscriber(
                name=PartyName(last="Doe", first="Jane"), date_of_birth=date(1968, 3, 4), sex="F", address=HOME),
        })
        lines = [line.model_copy(update={"diagnosis_pointers": pointers})
                 for line, pointers in zip(coded.service_lines, ([1, 2], [1], [3, 2, 1]))]
        update = {
            "patient": patient, "coverages": [coverage], "service_lines": lines,
            "diagnoses": [Diagnosis(sequence=2, code="I10"), Diagnosis(sequence=1, code="E119"),
                          Diagnosis(sequence=3, code="E785")],
            "rendering_provider": Provider(npi="1245319599", name=PartyName(last="Welby", first="Marcus"),
                                           taxonomy="207Q00000X"),
            "referring_provider": Provider(npi="1679576722", name=PartyName(last="Kildare", first="James")),
            "prior_authorization_number": "AUTH-9",
        }
        update.update(fields)
        return coded.model_copy(update=update)
    return _encounter


def _claim(coded, previous=None):  # type: ignore[no-untyped-def]
    claim = build_claim("t1", coded, now=NOW, actor="test", previous=previous)
    assert claim is not None
    return claim


async def test_a_claim_built_from_an_encounter_becomes_a_valid_837p(encounter, assert_valid_837p, read_back):
    coded_self, coded_child = encounter(), encounter(relationship="19")
    claims = [_claim(coded_self), _claim(coded_child)]
    inputs = [claim_to_837p(claim, EncounterDetails.from_encounter(coded, "primary"), BILLING, PAYER)
              for claim, coded in zip(claims, (coded_self, coded_child))]

    x12 = await write_837p_batch(inputs, ROUTE, InMemoryControlNumbers(interchange=41), reference="B-1", created_at=NOW)

    assert_valid_837p(x12)
    read = read_back(x12)
    assert read.segments[0][13] == "000000041"
    assert [c.pcn for c in read.claims] == [claim.patient_control_number for claim in claims]
    assert [Decimal(c.total) for c in read.claims] == [Decimal("225.50")] * 2
    assert [c.hierarchy for c in read.claims] == [["20", "22"], ["20", "22", "23"]]
    first = read.claims[0]
    assert first.diagnoses == [["ABK", "E119"], ["ABF", "I10"], ["ABF", "E785"]]  # by sequence, not list order
    assert [line.pointers for line in first.lines] == [["1", "2"], ["1"], ["3", "2", "1"]]
    assert [line.control_number for line in first.lines] == [line.line_control_number for line in claims[0].lines]
    assert first.refs == {"G1": "AUTH-9"}
    assert ["NM1", "DN", "1", "KILDARE", "JAMES", "", "", "", "XX", "1679576722"] in read.segments
    assert ["NM1", "82", "1", "WELBY", "MARCUS", "", "", "", "XX", "1245319599"] in read.segments
    assert ["NM1", "PR", "2", "ACME HEALTH PLAN", "", "", "", "", "PI", "60054"] in read.segments


async def test_a_replacement_names_the_payers_claim(encounter, assert_valid_837p, read_back):
    original = _claim(encounter())
    original.payer_claim_control_number = "PAYER-CLAIM-77"
    corrected = encounter(revision=2, encounter_id=original.encounter_id)
    replacement = _claim(corrected, previous=original)
    assert replacement.frequency_code == REPLACEMENT

    x12 = await write_837p_batch(
        [claim_to_837p(replacement, EncounterDetails.from_encounter(corrected, "primary"), BILLING, PAYER)],
        ROUTE, InMemoryControlNumbers(), reference="B-2", created_at=NOW,
    )

    assert_valid_837p(x12)
    (claim,) = read_back(x12).claims
    assert claim.facility == ["11", "B", "7"]
    assert claim.refs["F8"] == "PAYER-CLAIM-77"


def test_what_an_837p_needs_and_the_inputs_lack_is_listed(make_coded):
    coded = make_coded(charges=("125.00", None))  # no patient address, no charge on line 2, no rendering name
    coded = coded.model_copy(update={"rendering_provider": Provider(npi="1245319599")})
    claim = _claim(coded)
    claim.rendering_provider_npi = "1245319599"
    details = replace(EncounterDetails.from_encounter(coded, "primary"), diagnosis_pointers={1: (1,)})

    with pytest.raises(MissingClaimData) as caught:
        claim_to_837p(claim, details, BILLING, PAYER)

    assert caught.value.missing == ["patient address", "line 2 charge", "line 2 diagnosis pointers",
                                    "rendering provider name"]
    assert "Doe" not in str(caught.value)


def test_a_replacement_without_the_payers_claim_number_cannot_be_sent(encounter):
    original = _claim(encounter())  # submitted, but no remit has named the payer's claim number yet
    corrected = encounter(revision=2, encounter_id=original.encounter_id)
    replacement = _claim(corrected, previous=original)

    with pytest.raises(MissingClaimData, match="REF\\*F8"):
        claim_to_837p(replacement, EncounterDetails.from_encounter(corrected, "primary"), BILLING, PAYER)
