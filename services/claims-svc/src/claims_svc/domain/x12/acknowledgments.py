"""The acknowledgements claims-svc receives for its 837P files: 999 (X231A1) and 277CA (X214). Pure.

A 999 answers one functional group (AK1 names our GS06) per transaction set (AK2 names our ST02):
IK5 accepts or rejects the set, IK3/IK4 say which segment and element was wrong, CTX may name the
claim (CLM01). A 277CA answers per claim: in the patient loop (HL*PT), TRN*2 echoes CLM01, STC01
says category:status:entity, REF*1K gives the payer's claim number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openrcm_shared.x12 import Segment, SegmentReader, X12SyntaxError, components


class AcknowledgmentError(ValueError):
    """The file is not a 999 or 277CA this service can read. Names segments, never values."""


# ---------------------------------------------------------------- 999
@dataclass(frozen=True)
class ElementError:
    segment_id: str  # IK301
    segment_position: str  # IK302: position in the transaction set
    loop: str  # IK303
    segment_error: str  # IK304
    element_position: str = ""  # IK401
    element_error: str = ""  # IK403


@dataclass
class SetAcknowledgment:
    """AK2 ... IK5: one of our transaction sets."""

    transaction_set: str  # AK201, 837
    control_number: str  # AK202: our ST02
    code: str = ""  # IK501: A accepted, E accepted with errors, R/M/W/X rejected
    syntax_errors: list[str] = field(default_factory=list)  # IK502-IK506
    errors: list[ElementError] = field(default_factory=list)
    claims_named: list[str] = field(default_factory=list)  # CTX*CLM01:<pcn>

    @property
    def accepted(self) -> bool:
        return self.code in ("A", "E")


@dataclass
class FunctionalAcknowledgment:
    """One 999 transaction set: the answer to one of our functional groups."""

    functional_id: str  # AK101
    group_control_number: int  # AK102: our GS06
    code: str = ""  # AK901: A, E, P (partially accepted), R, M, W, X
    sets: list[SetAcknowledgment] = field(default_factory=list)


def parse_999(source: str | bytes) -> list[FunctionalAcknowledgment]:
    found: list[FunctionalAcknowledgment] = []
    current: FunctionalAcknowledgment | None = None
    answer: SetAcknowledgment | None = None
    reader = _reader(source)
    for segment in reader:
        tag = segment[0]
        if tag == "ST":
            current, answer = None, None
        elif tag == "AK1":
            try:
                current = FunctionalAcknowledgment(_at(segment, 1), int(_at(segment, 2)))
            except ValueError:
                raise AcknowledgmentError("AK102 is not a group control number") from None
            found.append(current)
        elif current is None:
            continue
        elif tag == "AK2":
            answer = SetAcknowledgment(_at(segment, 1), _at(segment, 2).lstrip("0") or "0")
            current.sets.append(answer)
        elif tag == "IK3" and answer is not None:
            answer.errors.append(ElementError(_at(segment, 1), _at(segment, 2), _at(segment, 3), _at(segment, 4)))
        elif tag == "IK4" and answer is not None and answer.errors:
            last = answer.errors[-1]
            position = components(_at(segment, 1), reader.separators)[0]
            answer.errors[-1] = ElementError(last.segment_id, last.segment_position, last.loop, last.segment_error,
                                             position, _at(segment, 3))
        elif tag == "CTX" and answer is not None:
            context = components(_at(segment, 1), reader.separators)
            if context[0] == "CLM01" and len(context) > 1:
                answer.claims_named.append(context[1])
        elif tag == "IK5" and answer is not None:
            answer.code = _at(segment, 1)
            answer.syntax_errors = [code for code in segment[2:7] if code]
        elif tag == "AK9":
            current.code = _at(segment, 1)
    if not found:
        raise AcknowledgmentError("no AK1 segment: not a 999 acknowledgement")
    return found


# ---------------------------------------------------------------- 277CA
@dataclass(frozen=True)
class StatusCode:
    """One STC composite: category (A1, A2, A7 ...), status code (562 ...), entity (85 ...)."""

    category: str
    status: str
    entity: str = ""

    @property
    def code(self) -> str:
        return ":".join(part for part in (self.category, self.status, self.entity) if part)


@dataclass
class ClaimAcknowledgment:
    """One claim in a 277CA (2200D)."""

    patient_control_number: str  # TRN02
    statuses: list[StatusCode] = field(default_factory=list)
    payer_claim_control_number: str | None = None  # REF*1K
    clearinghouse_trace: str | None = None  # REF*D9
    total_charge: Decimal | None = None  # STC04

    @property
    def categories(self) -> set[str]:
        return {status.category for status in self.statuses}


def parse_277ca(source: str | bytes) -> list[ClaimAcknowledgment]:
    found: list[ClaimAcknowledgment] = []
    level = ""
    current: ClaimAcknowledgment | None = None
    reader = _reader(source)
    for segment in reader:
        tag = segment[0]
        if tag == "HL":
            level, current = _at(segment, 3), None
        elif level != "PT":
            continue
        elif tag == "TRN" and _at(segment, 1) == "2":
            current = ClaimAcknowledgment(_at(segment, 2))
            found.append(current)
        elif current is None:
            continue
        elif tag == "STC":
            for position in (1, 10, 11):
                value = _at(segment, position)
                if value:
                    parts = components(value, reader.separators) + ["", ""]
                    current.statuses.append(StatusCode(parts[0], parts[1], parts[2]))
            if _at(segment, 4) and current.total_charge is None:
                try:
                    current.total_charge = Decimal(_at(segment, 4))
                except InvalidOperation:
                    pass
        elif tag == "REF" and _at(segment, 1) == "1K":
            current.payer_claim_control_number = _at(segment, 2)
        elif tag == "REF" and _at(segment, 1) == "D9":
            current.clearinghouse_trace = _at(segment, 2)
    return found


def transaction_kind(source: str | bytes) -> str:
    """'999' or '277CA' from the first ST (and GS08): anything else is refused."""
    version = ""
    for segment in _reader(source):
        if segment[0] == "GS":
            version = _at(segment, 8)
        if segment[0] == "ST":
            if _at(segment, 1) == "999":
                return "999"
            if _at(segment, 1) == "277" and (version.startswith("005010X214") or _at(segment, 3).startswith("005010X214")):
                return "277CA"
            break
    raise AcknowledgmentError("not a 999 or a 277CA (005010X214) transaction")


def _reader(source: str | bytes) -> SegmentReader:
    try:
        return SegmentReader(source)
    except X12SyntaxError as exc:
        raise AcknowledgmentError(f"not X12: {exc}") from None


def _at(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""
