"""pyx12 validation answered by a deterministic 999 that claims-svc's parser reads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from claims_svc.domain.x12.acknowledgments import parse_999, transaction_kind
from openrcm_sandbox.adapters.validation import NotX12Error, validate_837p
from openrcm_shared.x12 import SegmentReader

STAMP = datetime(2026, 12, 1, 12, 0)


def validate(content: str, control_number: int = 4711):
    return validate_837p(content, control_number=control_number, created_at=STAMP, sender_id="OPENRCMSANDBOX")


def test_a_valid_claims_svc_file_is_accepted(x837, pyx12_check) -> None:
    content = x837.build(x837.batch(x837.claim(), x837.claim("PCN2", patient=x837.dependent())))
    validation = validate(content)
    assert validation.accepted_sets == {"0001"}
    assert validation.finding_count == 0
    assert transaction_kind(validation.acknowledgment) == "999"
    (ack,) = parse_999(validation.acknowledgment)
    assert (ack.functional_id, ack.group_control_number, ack.code) == ("HC", 1, "A")
    (answer,) = ack.sets
    assert answer.accepted and answer.control_number == "1" and not answer.errors
    assert pyx12_check(validation.acknowledgment) == []


def test_the_999_envelope_is_ours_and_deterministic(x837) -> None:
    content = x837.build(x837.batch(x837.claim()))
    first, again = validate(content), validate(content)
    assert first.acknowledgment == again.acknowledgment  # no wall clock, no random numbers
    segments = list(SegmentReader(first.acknowledgment))
    isa, gs = segments[0], segments[1]
    assert isa[6].strip() == "OPENRCMSANDBOX" and isa[8].strip() == "SUB123"  # answered back to the sender
    assert isa[9:11] == ["261201", "1200"] and isa[13] == "000004711"
    assert gs[1:4] == ["FA", "OPENRCMSANDBOX", "SUB123"] and gs[6] == "4711" and gs[8] == "005010X231A1"
    assert validate(content, control_number=4712).acknowledgment != first.acknowledgment


def test_a_broken_file_is_rejected_with_the_segment_element_and_claim(x837, pyx12_check) -> None:
    content = x837.build(x837.batch(x837.claim(), x837.claim("PCN2")))
    broken = content.replace("CLM*PCN2*125*", "CLM*PCN2*12X5*").replace(
        "DTP*472*D8*20261116~\nREF*6R*PCN2", "DTP*472*D8*20261316~\nREF*6R*PCN2")
    validation = validate(broken)
    assert validation.accepted_sets == frozenset()
    assert validation.finding_count >= 2
    (ack,) = parse_999(validation.acknowledgment)
    assert ack.code == "R"
    (answer,) = ack.sets
    assert not answer.accepted and answer.code == "R"
    assert [(e.segment_id, e.element_position, e.element_error) for e in answer.errors] == [
        ("CLM", "2", "6"), ("DTP", "3", "8")]
    assert answer.claims_named == ["PCN2", "PCN2"]
    assert "12X5" not in str(validation.groups)
    assert pyx12_check(validation.acknowledgment) == []


def test_a_missing_required_segment_rejects_only_its_set(x837) -> None:
    claims = [x837.claim(f"PCN{n}") for n in range(3)]
    content = x837.build(x837.batch(*claims))
    # Two transaction sets: the first loses its claim's HI (required), the second stays valid.
    first = content.split("SE*")[0]
    body = content[content.index("ST*837"):content.index("GE*")]
    second = body.replace("ST*837*0001", "ST*837*0002").replace("*0001~", "*0002~")
    broken_first = body.replace("HI*ABK:E119~\n", "", 1)
    broken_first = broken_first.replace(broken_first[broken_first.index("SE*"):].split("~")[0],
                                        "SE*" + str(int(broken_first[broken_first.index("SE*") + 3:].split("*")[0]) - 1)
                                        + "*0001")
    envelope_head = first[:first.index("ST*837")]
    two_sets = envelope_head + broken_first + second + "GE*2*1~\nIEA*1*000000001~\n"
    validation = validate(two_sets)
    (ack,) = parse_999(validation.acknowledgment)
    assert {s.control_number: s.code for s in ack.sets} == {"1": "R", "2": "A"}
    assert ack.code == "P"
    assert validation.accepted_sets == {"0002"}


def test_a_version_pyx12_cannot_check_is_rejected_as_not_supported() -> None:
    content = Path("/work/shared/x12-samples/837p/LinuxForHealth_x12_837p-a2-example1.x12").read_text()
    validation = validate(content)
    (ack,) = parse_999(validation.acknowledgment)
    assert ack.code == "R" and not validation.accepted_sets
    (answer,) = ack.sets
    assert answer.control_number == "21" and answer.syntax_errors == ["1"]


def test_text_that_is_not_x12_cannot_be_answered() -> None:
    with pytest.raises(NotX12Error):
        validate("this is not an interchange")
