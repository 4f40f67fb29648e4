"""ISA/GS/ST envelopes: fixed-width ISA, trailers that count what they close, control numbers passed in."""

from __future__ import annotations

from datetime import datetime

import pytest

from openrcm_shared.x12 import (
    MAX_CONTROL_NUMBER, ControlNumbersExhausted, EnvelopeNumbers, GroupHeader, InMemoryControlNumbers,
    InterchangeHeader, InterchangeWriter, SegmentReader, Separators, X12DataError, X12Error,
    allocate_envelope_numbers,
)

CREATED = datetime(2026, 11, 23, 9, 5)
HEADER = InterchangeHeader(sender_id="SUB123", receiver_id="GATEWAY1", usage="T")
GROUP = GroupHeader("HC", "SUB123", "GATEWAY1", "005010X222A1")


def _interchange(groups: int, transactions: int, body: int, **kwargs) -> str:
    writer = InterchangeWriter(HEADER, 42, CREATED, **kwargs)
    for g in range(groups):
        writer.begin_group(GROUP, 100 + g)
        for t in range(transactions):
            writer.begin_transaction("837", t + 1)
            for n in range(body):
                writer.add("LX", str(n + 1))
            writer.end_transaction()
        writer.end_group()
    return writer.finish()


def test_the_isa_has_its_fixed_width():
    isa = _interchange(1, 1, 0).split("~")[0] + "~"
    assert isa == ("ISA*00*          *00*          *ZZ*SUB123         *ZZ*GATEWAY1       *261123*0905*^*00501*"
                   "000000042*0*T*:~")
    assert len(isa) == 106


def test_trailers_count_what_they_close():
    segments = list(SegmentReader(_interchange(groups=2, transactions=3, body=4)))
    tags = [segment[0] for segment in segments]
    assert tags.count("ST") == 6 and tags.count("GS") == 2
    assert [s[1:] for s in segments if s[0] == "SE"] == [["6", "0001"], ["6", "0002"], ["6", "0003"]] * 2
    assert [s[1:] for s in segments if s[0] == "GE"] == [["3", "100"], ["3", "101"]]
    assert segments[-1] == ["IEA", "2", "000000042"]
    gs = segments[1]
    assert gs == ["GS", "HC", "SUB123", "GATEWAY1", "20261123", "0905", "100", "X", "005010X222A1"]
    assert segments[2] == ["ST", "837", "0001", "005010X222A1"]  # ST03 defaults to GS08


def test_the_isa_declares_the_separators_the_interchange_uses():
    separators = Separators(element="|", component=">", repetition="!", segment="\n")
    text = _interchange(1, 1, 1, separators=separators)
    reader = SegmentReader(text)
    assert reader.separators == separators
    assert [segment[0] for segment in reader] == ["ISA", "GS", "ST", "LX", "SE", "GE", "IEA"]


def test_control_numbers_are_formatted_per_element():
    writer = InterchangeWriter(HEADER, MAX_CONTROL_NUMBER, CREATED)
    writer.begin_group(GROUP, 7)
    writer.begin_transaction("837", 123456)
    writer.end_transaction()
    writer.end_group()
    segments = list(SegmentReader(writer.finish()))
    assert segments[0][13] == "999999999" and segments[1][6] == "7" and segments[2][2] == "123456"


@pytest.mark.parametrize("number", [0, -1, MAX_CONTROL_NUMBER + 1, "1"])
def test_control_numbers_have_nine_digits_at_most(number):
    with pytest.raises(ValueError, match="control number"):
        InterchangeWriter(HEADER, number, CREATED)


@pytest.mark.parametrize("field,value,element", [
    ("sender_id", "S" * 16, "ISA06"), ("receiver_id", "R" * 16, "ISA08"), ("sender_qualifier", "ZZZ", "ISA05"),
    ("sender_id", "SUB*1", "ISA06"), ("receiver_id", "GATE:WAY", "ISA08"), ("security", "S~", "ISA04"),
])
def test_isa_fields_that_do_not_fit_are_refused(field, value, element):
    header = InterchangeHeader(**{**{"sender_id": "SUB", "receiver_id": "RCV"}, field: value})
    with pytest.raises(X12DataError, match=element):
        InterchangeWriter(header, 1, CREATED)


def test_5010_needs_a_repetition_separator():
    with pytest.raises(X12DataError, match="ISA11"):
        InterchangeWriter(HEADER, 1, CREATED, separators=Separators("*", ":", None, "~"))


def test_envelopes_open_and_close_in_order():
    writer = InterchangeWriter(HEADER, 1, CREATED)
    with pytest.raises(X12Error):
        writer.begin_transaction("837", 1)  # no group yet
    writer.begin_group(GROUP, 1)
    with pytest.raises(X12Error):
        writer.begin_group(GROUP, 2)
    with pytest.raises(X12Error):
        writer.end_transaction()
    writer.begin_transaction("837", 1)
    with pytest.raises(X12Error):
        writer.end_group()
    writer.end_transaction()
    with pytest.raises(X12Error):
        writer.finish()  # the group is open
    writer.end_group()
    writer.finish()
    with pytest.raises(X12Error):
        writer.finish()


async def test_in_memory_control_numbers_never_repeat():
    numbers = InMemoryControlNumbers()
    first = await allocate_envelope_numbers(numbers, transaction_sets=3)
    second = await allocate_envelope_numbers(numbers, transaction_sets=1)
    assert first == EnvelopeNumbers(interchange=1, group=1, transactions=(1, 2, 3))
    assert second == EnvelopeNumbers(interchange=2, group=2, transactions=(4,))


async def test_control_numbers_run_out_rather_than_wrap():
    numbers = InMemoryControlNumbers(interchange=MAX_CONTROL_NUMBER)
    assert await numbers.next_interchange() == MAX_CONTROL_NUMBER
    with pytest.raises(ControlNumbersExhausted):
        await numbers.next_interchange()


def test_transaction_numbers_differ_within_a_group():
    with pytest.raises(ValueError, match="differ"):
        EnvelopeNumbers(interchange=1, group=1, transactions=(5, 5))
