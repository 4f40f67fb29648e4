"""The segment writer escapes nothing: it refuses separator characters in data, naming the element."""

from __future__ import annotations

import pytest

from openrcm_shared.x12 import DEFAULT_SEPARATORS, SegmentReader, SegmentWriter, Separators, X12DataError, components


def _written(*segment) -> str:
    writer = SegmentWriter()
    writer.add(*segment)
    return writer.getvalue()


def test_elements_composites_and_empty_elements():
    assert _written("NM1", "IL", "1", "DOE", "JANE", None, "", "", "MI", "W123") == "NM1*IL*1*DOE*JANE****MI*W123~"
    assert _written("SV1", ("HC", "99213", "25"), "125", "UN", "1", None, None, ("1", "2")) == \
        "SV1*HC:99213:25*125*UN*1***1:2~"


def test_trailing_empty_elements_and_components_are_dropped():
    assert _written("N3", "1 MAIN ST", "") == "N3*1 MAIN ST~"
    assert _written("NM1", "87", "2", None, "", None) == "NM1*87*2~"
    assert _written("SV1", ("HC", "99213", "", None), "10") == "SV1*HC:99213*10~"
    assert _written("X", ("A", None, "C")) == "X*A::C~"
    assert _written("X", (None, ""), "B") == "X**B~"


def test_segments_are_joined_with_an_optional_line_break():
    writer = SegmentWriter(line_break=True)
    writer.add("ST", "837", "0001")
    writer.add("SE", "2", "0001")
    assert writer.getvalue() == "ST*837*0001~\nSE*2*0001~\n"
    assert len(writer) == 2
    assert SegmentWriter().getvalue() == ""


@pytest.mark.parametrize("value,separator", [("O*BRIEN", "element"), ("A:B", "component"), ("A^B", "repetition"),
                                             ("A~B", "segment")])
def test_a_separator_in_an_element_is_refused(value, separator):
    with pytest.raises(X12DataError) as caught:
        _written("NM1", "IL", "1", value)
    assert caught.value.element == "NM103"
    assert f"{separator} separator" in caught.value.problem
    assert value not in str(caught.value)  # the element is named, the data is not (it may be PHI)


@pytest.mark.parametrize("component,separator", [("2*5", "element"), ("2:5", "component"), ("2~", "segment")])
def test_a_separator_in_a_component_is_refused(component, separator):
    with pytest.raises(X12DataError) as caught:
        _written("SV1", ("HC", "99213", component))
    assert caught.value.element == "SV101-3"
    assert f"{separator} separator" in caught.value.problem


def test_the_separators_of_the_writer_are_the_ones_checked():
    pipes = Separators(element="|", component=">", repetition=None, segment="\n")
    writer = SegmentWriter(pipes)
    writer.add("NM1", "IL", "1", "O*BRIEN:JR^", ("A~B", "C"))  # none of these are separators here
    assert writer.getvalue() == "NM1|IL|1|O*BRIEN:JR^|A~B>C\n"
    with pytest.raises(X12DataError, match="NM103"):
        writer.add("NM1", "IL", "1", "A|B")
    with pytest.raises(X12DataError, match="NM104"):
        writer.add("NM1", "IL", "1", "A", "B\nC")


def test_a_refused_segment_is_not_written():
    writer = SegmentWriter()
    with pytest.raises(X12DataError):
        writer.add("N3", "1~2")
    assert len(writer) == 0


@pytest.mark.parametrize("value", [125, 1.5, object()])
def test_only_strings_are_elements(value):
    with pytest.raises(TypeError, match="SV102"):
        _written("SV1", ("HC", "99213"), value)


def test_what_is_written_reads_back():
    isa = "ISA*00*          *00*          *ZZ*S              *ZZ*R              *261123*0905*^*00501*000000001*0*T*:"
    writer = SegmentWriter(DEFAULT_SEPARATORS, line_break=True)
    writer.append_unchecked(isa)
    writer.add("SV1", ("HC", "99213", "25"), "125", "UN", "1", None, None, ("1", "2"))
    writer.add("IEA", "1", "000000001")
    reader = SegmentReader(writer.getvalue())
    isa_read, sv1, iea = list(reader)
    assert isa_read == isa.split("*")
    assert components(sv1[1], reader.separators) == ["HC", "99213", "25"]
    assert sv1[2:] == ["125", "UN", "1", "", "", "1:2"]
    assert iea == ["IEA", "1", "000000001"]
