"""The streaming segment reader, on real public X12 files and on awkward input."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from openrcm_shared.x12 import SegmentReader, Separators, X12SyntaxError, components, read_segments, repetitions

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "x12-samples"
SAMPLE_FILES = sorted(SAMPLES.glob("*/*.x12"))
#: Envelope defects of the real files as published, which the reader must show as they are.
KNOWN_DEFECTS = {
    "imsweb_x12-parser_837p-multiple-st.x12": ["SE01 25, counted 34", "SE01 25, counted 34", "GE01 1, counted 2"],
    "jdavisp3_TigerShark_271-zirmed-style.x12": ["SE01 74, counted 73"],
    "imsweb_x12-parser_999-accepted.x12": ["IEA02 000000001, ISA13 000000286"],
    "imsweb_x12-parser_277-x212.x12": ["IEA02 842928883, ISA13 000000001"],
}


def _envelope_defects(segments: list[list[str]]) -> list[str]:
    """Where a trailer's count or control number disagrees with what it closes."""
    defects = []
    isa13 = ""
    st_at = groups = transactions = 0
    for index, segment in enumerate(segments):
        tag = segment[0]
        if tag == "ISA":
            isa13 = segment[13]
        elif tag == "ST":
            st_at, transactions = index, transactions + 1
        elif tag == "SE" and int(segment[1]) != index - st_at + 1:
            defects.append(f"SE01 {segment[1]}, counted {index - st_at + 1}")
        elif tag == "GE":
            if int(segment[1]) != transactions:
                defects.append(f"GE01 {segment[1]}, counted {transactions}")
            groups, transactions = groups + 1, 0
        elif tag == "IEA":
            if int(segment[1]) != groups:
                defects.append(f"IEA01 {segment[1]}, counted {groups}")
            if segment[2] != isa13:
                defects.append(f"IEA02 {segment[2]}, ISA13 {isa13}")
    return defects


def test_the_samples_are_all_here():
    assert len(SAMPLE_FILES) == 33
    assert {path.parent.name for path in SAMPLE_FILES} == {"270-271", "277ca", "835", "837p", "999", "other"}


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda path: path.name)
def test_every_sample_reads_as_one_whole_interchange(path):
    with SegmentReader(path) as reader:
        segments = list(reader)
    assert segments[0][0] == "ISA" and len(segments[0]) == 17
    assert segments[1][0] == "GS" and segments[-1][0] == "IEA"
    assert [segment[0] for segment in segments].count("ISA") == 1
    assert all(segment[0].isalnum() and segment[0].isupper() for segment in segments)
    assert _envelope_defects(segments) == KNOWN_DEFECTS.get(path.name, [])


@pytest.mark.parametrize("name,separators", [
    ("LinuxForHealth_x12_835-managed-care.x12", Separators("*", ":", "^", "~")),  # a newline after each ~
    ("albmarin_badX12_837p-cob-payer-a-to-payer-b.x12", Separators("*", ":", "`", "~")),  # one line
    ("jdavisp3_TigerShark_271-zirmed-style.x12", Separators("|", "^", "}", "~")),  # CRLF after each ~
    ("jdavisp3_TigerShark_835-dental-example-1.x12", Separators("*", "|", "^", "~")),
    ("imsweb_x12-parser_837p-multiple-st.x12", Separators("*", ":", None, "~")),  # ISA11 "U" in 00501
])
def test_separators_are_read_from_each_files_isa(name, separators):
    (path,) = SAMPLES.glob(f"*/{name}")
    with SegmentReader(path) as reader:
        assert reader.separators == separators


def test_an_837p_sample_reads_field_by_field():
    (path,) = SAMPLES.glob("837p/albmarin_badX12_837p-medicare-secondary-payer-cob.x12")
    segments = list(read_segments(path))
    separators = SegmentReader(path.read_bytes()).separators
    by_tag = Counter(segment[0] for segment in segments)
    assert (by_tag["CLM"], by_tag["SV1"], by_tag["SVD"], by_tag["CAS"]) == (1, 1, 1, 2)
    clm = next(segment for segment in segments if segment[0] == "CLM")
    assert clm[1:3] == ["101KEN6055", "120"]
    assert components(clm[5], separators) == ["11", "B", "1"]
    sv1 = next(segment for segment in segments if segment[0] == "SV1")
    assert components(sv1[1], separators) == ["HC", "99203", "25"]
    assert components(sv1[7], separators) == ["1", "2"]


def test_a_pipe_delimited_271_reads_its_repetitions():
    (path,) = SAMPLES.glob("270-271/jdavisp3_TigerShark_271-zirmed-style.x12")
    with SegmentReader(path) as reader:
        segments = list(reader)
        separators = reader.separators
    assert sum(segment[0] == "EB" for segment in segments) == 19
    assert repetitions("A}B", separators) == ["A", "B"]
    assert repetitions("A}B", Separators("*", ":", None, "~")) == ["A}B"]


@pytest.mark.parametrize("path", SAMPLE_FILES[::4], ids=lambda path: path.name)
def test_every_input_kind_and_chunk_size_reads_the_same(path):
    expected = list(read_segments(path))
    data = path.read_bytes()
    sources = [data, data.decode(), io.BytesIO(data), io.StringIO(data.decode())]
    for source in sources:
        assert list(SegmentReader(source)) == expected
    for chunk_size in (1, 7, 106, 4096):
        assert list(SegmentReader(io.BytesIO(data), chunk_size=chunk_size)) == expected
    with path.open(encoding="ascii") as text_file:
        assert list(SegmentReader(text_file, chunk_size=5)) == expected


ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261123*0930*^*00501*000000001*0*P*:~"
BODY = "GS*HC*S*R*20261123*0930*1*X*005010X222A1~ST*837*0001~NM1*IL*1*MÜLLER*JÖRG~SE*3*0001~GE*1*1~IEA*1*000000001~"


def test_whitespace_around_segments_is_ignored_and_multibyte_text_survives_chunking():
    text = "\ufeff\r\n  " + ISA + "\r\n" + BODY.replace("~", "~\r\n") + "\n\n"
    for chunk_size in (1, 3, 64):
        segments = list(SegmentReader(io.BytesIO(text.encode()), chunk_size=chunk_size))
        assert [segment[0] for segment in segments] == ["ISA", "GS", "ST", "NM1", "SE", "GE", "IEA"]
        assert segments[3] == ["NM1", "IL", "1", "MÜLLER", "JÖRG"]


def test_a_newline_may_be_the_segment_terminator():
    text = (ISA[:-1] + "\n" + BODY.replace("~", "\r\n"))
    reader = SegmentReader(text)
    assert reader.separators.segment == "\n"
    assert [segment[0] for segment in reader] == ["ISA", "GS", "ST", "NM1", "SE", "GE", "IEA"]


@pytest.mark.parametrize("text,message", [
    ("", "does not start with an ISA"),
    ("hello world, this is not X12", "does not start with an ISA"),
    (ISA + BODY[:-1], "without a segment terminator"),
    (ISA + BODY + ISA.replace("*", "|"), "separators different"),
])
def test_malformed_input_is_refused(text, message):
    with pytest.raises(X12SyntaxError, match=message):
        list(SegmentReader(text))


def test_a_file_opened_from_a_path_is_closed(tmp_path, monkeypatch):
    (tmp_path / "one.x12").write_text(ISA + BODY)
    (tmp_path / "not.x12").write_text("not X12 at all")
    opened = []
    real_open = open

    def tracking_open(*args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(real_open(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr("builtins.open", tracking_open)
    assert len(list(read_segments(tmp_path / "one.x12"))) == 7
    with pytest.raises(X12SyntaxError):
        SegmentReader(tmp_path / "not.x12")
    assert len(opened) == 2 and all(file.closed for file in opened)
