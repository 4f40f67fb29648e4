"""Reading 999 and 277CA files (public samples and our own) and explaining rejections in plain English."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from claims_svc.domain.rejections import (
    explain_277, is_accepted_277, is_rejected_277, rejections_277, rejections_999,
)
from claims_svc.domain.x12.acknowledgments import (
    AcknowledgmentError, StatusCode, parse_277ca, parse_999, transaction_kind,
)

SAMPLES = Path(__file__).with_name("x12_samples")


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def test_999_accepted_sample():
    [group] = parse_999(_sample("imsweb_x12-parser_999-accepted.x12"))
    assert (group.functional_id, group.group_control_number, group.code) == ("HC", 17456, "A")
    [answer] = group.sets
    assert (answer.control_number, answer.accepted, answer.errors) == ("1", True, [])


def test_999_rejected_sample_names_the_segment_in_error():
    [group] = parse_999(_sample("imsweb_x12-parser_999-rejected.x12"))
    [answer] = group.sets
    assert (group.group_control_number, answer.control_number, answer.code, answer.accepted) == (28, "28", "R", False)
    assert answer.syntax_errors == ["5"]
    [reason] = rejections_999(answer)
    assert reason.code == "IK3:NM:1"
    assert reason.description == "The clearinghouse rejected the file: an unrecognized segment at NM (segment 17)."


def test_999_partial_acceptance_with_element_errors_and_claim_context():
    [group] = parse_999(_sample("xlate_staedi_999-partial-accept.x12"))
    assert group.code == "P"
    assert [(s.control_number, s.accepted) for s in group.sets] == [("1", True), ("2", False), ("3", False)]
    second = group.sets[1]
    assert second.claims_named == ["123456789"]
    [reason] = rejections_999(second)
    assert reason.code == "IK3:CLM:8:IK4:1"
    assert "a required element is missing in CLM02" in reason.description


def test_277ca_accepted_sample():
    [claim] = parse_277ca(_sample("imsweb_x12-parser_277ca-accepted.x12"))
    assert claim.patient_control_number == "5781"
    assert claim.statuses == [StatusCode("A2", "20")]
    assert (claim.payer_claim_control_number, claim.total_charge) == ("1107000000014420", Decimal("125"))
    assert is_accepted_277(claim) and not is_rejected_277(claim)


def test_277ca_rejected_sample_in_plain_english_with_the_fix():
    [claim] = parse_277ca(_sample("imsweb_x12-parser_277ca-rejected.x12"))  # component separator "|"
    assert claim.patient_control_number == "3920394930203"
    assert claim.statuses == [StatusCode("A7", "562", "85")]
    assert is_rejected_277(claim)
    [reason] = rejections_277(claim)
    assert (reason.source, reason.code) == ("277CA", "A7:562:85")
    assert reason.description == ("The payer rejected for invalid information the claim: the billing provider: "
                                  "the National Provider Identifier (NPI) is wrong or missing.")
    assert "billing provider profile (/v1/billing-profiles)" in reason.suggested_fix


def test_an_unlisted_status_code_is_still_reported_by_number():
    reason = explain_277(StatusCode("A6", "9999", "ZZ"))
    assert "claim status code 9999" in reason.description and reason.suggested_fix


def test_the_kind_is_read_from_the_transaction_and_anything_else_is_refused():
    assert transaction_kind(_sample("imsweb_x12-parser_999-accepted.x12")) == "999"
    assert transaction_kind(_sample("imsweb_x12-parser_277ca-rejected.x12")) == "277CA"
    with pytest.raises(AcknowledgmentError):
        transaction_kind("hello")
    with pytest.raises(AcknowledgmentError):
        parse_999(_sample("imsweb_x12-parser_277ca-accepted.x12"))
