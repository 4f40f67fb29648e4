"""pyx12 validation of an incoming 837P, answered by a 999 (005010X231A1) per functional group.

pyx12's ``x12n_document`` walks the file against its 005010X222A1 map and writes a 999 (AK1 per
group, AK2/IK3/IK4/IK5 per transaction set, AK9). That 999 is stamped with the wall clock and a
random group number, so only its body is kept: it is re-enveloped here with the control number and
timestamp the caller gives (deterministic output), and each IK3 inside a claim gets a CTX*CLM01 so
the submitter knows which claim the error is in.

A group that is not an 837P 005010X222A1 (another transaction, or a version pyx12 has no map for)
is rejected without pyx12 (AK9 R, AK905 2 "version not supported"; IK5 R, IK502 1 "not supported").
pyx12 logs every finding through the ``pyx12`` logger with the bad values (PHI): those records are
caught here and never reach the log.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import pyx12.errors
import pyx12.params
import pyx12.x12n_document

from openrcm_shared.x12 import (
    GroupHeader, InterchangeHeader, InterchangeWriter, Segment, SegmentReader, X12DataError, X12SyntaxError,
)

IMPLEMENTATION_999 = "005010X231A1"
SUPPORTED = ("HC", "005010X222A1")
log = logging.getLogger(__name__)
_PYX12_LOCK = threading.Lock()  # the pyx12 logger is global: one validation at a time


class NotX12Error(ValueError):
    """The content is not an X12 interchange (no ISA, bad separators): no 999 can answer it."""


@dataclass(frozen=True)
class SetResult:
    control_number: str  # AK202: the submitter's ST02
    code: str  # IK501: A accepted, E accepted with errors, R rejected

    @property
    def accepted(self) -> bool:
        return self.code in ("A", "E")


@dataclass(frozen=True)
class GroupResult:
    control_number: str  # AK102: the submitter's GS06
    code: str  # AK901
    sets: tuple[SetResult, ...]


@dataclass(frozen=True)
class Validation:
    acknowledgment: str  # the 999 interchange
    groups: tuple[GroupResult, ...]
    finding_count: int  # how many findings pyx12 logged (no values: they may be PHI)

    @property
    def accepted_sets(self) -> frozenset[str]:
        return frozenset(s.control_number for g in self.groups for s in g.sets if s.accepted)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@dataclass
class _Group:
    control_number: str
    functional_id: str
    version: str
    sets: list[tuple[str, str]]  # (ST01, ST02)


def _envelope(segments: list[Segment]) -> tuple[Segment, list[_Group]]:
    isa: Segment = []
    groups: list[_Group] = []
    for segment in segments:
        tag = segment[0]
        if tag == "ISA" and not isa:
            isa = segment
        elif tag == "GS":
            groups.append(_Group(_at(segment, 6), _at(segment, 1), _at(segment, 8), []))
        elif tag == "ST" and groups:
            groups[-1].sets.append((_at(segment, 1), _at(segment, 2)))
    return isa, groups


def _claim_positions(segments: list[Segment]) -> dict[str, dict[int, str]]:
    """ST02 -> {segment position in the set (ST = 1): CLM01 of the claim the segment belongs to}."""
    found: dict[str, dict[int, str]] = {}
    current: dict[int, str] | None = None
    position = 0
    claim = ""
    for segment in segments:
        tag = segment[0]
        if tag == "ST":
            current, position, claim = found.setdefault(_at(segment, 2), {}), 0, ""
        if current is None:
            continue
        position += 1
        if tag == "HL" or tag == "SE":
            claim = ""
        elif tag == "CLM":
            claim = _at(segment, 1)
        if claim:
            current[position] = claim
        if tag == "SE":
            current = None
    return found


def _at(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""


def validate_837p(content: str, *, control_number: int, created_at: datetime, sender_id: str = "") -> Validation:
    """Validate ``content`` and answer it with a 999 interchange numbered ``control_number``.

    The 999 goes back the way the file came: ISA05/06 and ISA07/08 (and GS02/GS03) swapped;
    ``sender_id`` replaces our side (the file's ISA08) when given.
    """
    try:
        reader = SegmentReader(content)
        segments = list(reader)
    except X12SyntaxError as exc:
        raise NotX12Error(str(exc)) from None
    isa, groups = _envelope(segments)
    if not isa or not groups:
        raise NotX12Error("the interchange holds no functional group (GS)")
    isa = isa + [""] * 17
    supported = all((g.functional_id, g.version) == SUPPORTED for g in groups)
    finding_count = 0
    bodies: list[list[Segment]] = []
    if supported:
        pyx12_999, finding_count = _run_pyx12(content)
        bodies = _bodies(pyx12_999) if pyx12_999 else []
        if len(bodies) != len(groups):  # pyx12 gave up (a structure it cannot walk): reject everything
            log.warning("pyx12 could not answer every functional group; rejecting the interchange",
                        extra={"groups": len(groups), "answered": len(bodies)})
            bodies = [_rejection(g, set_error="5") for g in groups]  # IK502 5: segments in error
            finding_count = max(finding_count, 1)
    else:
        # IK502 1: transaction set not supported; AK905 1: group not supported, 2: its version is not
        bodies = [_rejection(g, set_error="1", group_error="1" if g.functional_id != "HC" else "2") for g in groups]
    positions = _claim_positions(segments)
    bodies = [_partial_acceptance(_with_claim_context(body, positions)) for body in bodies]

    header = InterchangeHeader(sender_id=sender_id or isa[8].strip(), receiver_id=isa[6].strip(),
                               sender_qualifier=isa[7] or "ZZ", receiver_qualifier=isa[5] or "ZZ",
                               usage="T" if isa[15] == "T" else "P")
    gs = next(s for s in segments if s[0] == "GS")
    writer = InterchangeWriter(header, control_number, created_at)
    writer.begin_group(GroupHeader("FA", sender_id or _at(gs, 3), _at(gs, 2), IMPLEMENTATION_999), control_number)
    results = []
    for number, body in enumerate(bodies, start=1):
        writer.begin_transaction("999", number, IMPLEMENTATION_999)
        for segment in body:
            elements = _composites(segment[1:])
            try:
                writer.segments.add_composite(segment[0], *elements)
            except X12DataError:  # IK404 copies the bad value, which may hold one of our separators
                writer.segments.add_composite(segment[0], *elements[:3])
        writer.end_transaction()
        results.append(_result(body))
    writer.end_group()
    return Validation(writer.finish(), tuple(results), finding_count)


def _composites(elements: list[str]) -> list[str | tuple[str, ...]]:
    """Elements of pyx12's 999 (it always joins composites with ":") and of ours, as the writer takes them."""
    return [tuple(value.split(":")) if ":" in value else value for value in elements]


def _run_pyx12(content: str) -> tuple[str, int]:
    logger = logging.getLogger("pyx12")
    collect = _Collect()
    out = io.StringIO()
    with _PYX12_LOCK:
        logger.addHandler(collect)
        propagate, logger.propagate = logger.propagate, False
        try:
            pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(content),
                                              fd_997=out, fd_html=None)
        except (pyx12.errors.X12Error, pyx12.errors.EngineError, KeyError, IndexError, AttributeError,
                TypeError, ValueError):
            log.warning("pyx12 failed on an interchange", exc_info=False)
            return "", collect.count + 1
        finally:
            logger.removeHandler(collect)
            logger.propagate = propagate
    return out.getvalue(), collect.count


def _bodies(pyx12_999: str) -> list[list[Segment]]:
    """The segments between each ST and SE of pyx12's 999."""
    try:
        segments = list(SegmentReader(pyx12_999))
    except X12SyntaxError:
        return []
    bodies: list[list[Segment]] = []
    current: list[Segment] | None = None
    for segment in segments:
        if segment[0] == "ST":
            current = []
        elif segment[0] == "SE":
            if current is not None:
                bodies.append(current)
            current = None
        elif current is not None:
            current.append(segment)
    return bodies


def _rejection(group: _Group, *, set_error: str, group_error: str = "") -> list[Segment]:
    """The 999 body rejecting every set of ``group`` without pyx12's findings."""
    body: list[Segment] = [["AK1", group.functional_id, group.control_number, group.version]]
    for st01, st02 in group.sets:
        body.append(["AK2", st01, st02, group.version])
        body.append(["IK5", "R", set_error])
    count = str(len(group.sets))
    body.append(["AK9", "R", count, count, "0", group_error])
    return body


def _with_claim_context(body: list[Segment], positions: dict[str, dict[int, str]]) -> list[Segment]:
    """A CTX*CLM01:<patient control number> after each IK3 that points inside a claim."""
    result: list[Segment] = []
    claims: dict[int, str] = {}
    for segment in body:
        result.append(segment)
        if segment[0] == "AK2":
            claims = positions.get(_at(segment, 2), {})
        elif segment[0] == "IK3" and _at(segment, 2).isdigit():
            pcn = claims.get(int(_at(segment, 2)))
            if pcn:
                result.append(["CTX", f"CLM01:{pcn}"])
    return result


def _partial_acceptance(body: list[Segment]) -> list[Segment]:
    """AK901 P when some sets are accepted and some rejected (pyx12 says R for the whole group)."""
    codes = [_at(segment, 1) for segment in body if segment[0] == "IK5"]
    accepted = sum(1 for code in codes if code in ("A", "E"))
    result = []
    for segment in body:
        if segment[0] == "AK9" and _at(segment, 1) == "R" and 0 < accepted < len(codes) and len(segment) <= 5:
            segment = ["AK9", "P", *segment[2:4], str(accepted)]
        result.append(segment)
    return result


def _result(body: list[Segment]) -> GroupResult:
    group_number, code, sets = "", "", []
    for segment in body:
        if segment[0] == "AK1":
            group_number = _at(segment, 2)
        elif segment[0] == "AK2":
            sets.append([_at(segment, 2), ""])
        elif segment[0] == "IK5" and sets:
            sets[-1][1] = _at(segment, 1)
        elif segment[0] == "AK9":
            code = _at(segment, 1)
    return GroupResult(group_number, code, tuple(SetResult(number, ack) for number, ack in sets))

