"""Reads an 837P (005010X222A1) interchange into :class:`SubmittedClaim` values, one transaction set at a time.

Uses the shared segment reader (separators from the ISA, line breaks tolerated). It reads what a
payer's front end and adjudication need and skips the rest (CR1, NTE, ambulance and anesthesia
details...). Structure it follows::

    ST BHT NM1*41 NM1*40
      HL*20  NM1*85 REF*EI|SY                       billing provider
        HL*22  SBR NM1*IL DMG NM1*PR                  subscriber, payer
          [HL*23  PAT NM1*QC DMG]                     patient (not the subscriber)
            CLM REF*G1 REF*F8 HI NM1*82               claim, prior auth, original claim, diagnoses, rendering
              [SBR CAS AMT*D NM1*PR DTP*573]          2320/2330B other payer (secondary claims)
              LX SV1 DTP*472 REF*6R [SVD CAS]         lines, 2430 what the other payer paid
    SE

Validity is pyx12's job (:mod:`openrcm_sandbox.adapters.validation`); this reader trusts the
structure but not the values: an unreadable amount or date makes its transaction set unreadable
(``Read837.unreadable``) and reading goes on with the next set. Problems name the segment position
and element, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from openrcm_sandbox.domain.claims import OtherPayer, Person, SubmittedClaim, SubmittedLine, TransactionSet
from openrcm_sandbox.domain.remittance import Adjustment
from openrcm_shared.x12 import Segment, SegmentReader, Separators, X12SyntaxError, components


class Read837Error(ValueError):
    """The file is not X12 at all (no ISA, broken separators)."""


@dataclass(frozen=True)
class Envelope837:
    """Who sent the interchange, to whom, and the submitter of its (first) transaction set: for the answers."""

    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06 (trimmed)
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08 (trimmed)
    usage: str  # ISA15: P or T
    application_sender: str  # GS02
    application_receiver: str  # GS03
    interchange_control_number: str  # ISA13
    submitter_name: str = ""  # 1000A NM103
    submitter_id: str = ""  # 1000A NM109
    reference: str = ""  # BHT03: the submitter's batch reference (the 277CA's TRN*2 at 2200B)


@dataclass
class Read837:
    envelope: Envelope837
    transaction_sets: list[TransactionSet] = field(default_factory=list)
    #: ST02 -> why the set could not be read (segment position and element)
    unreadable: dict[str, str] = field(default_factory=dict)


class _Unreadable(Exception):
    pass


def read_837p(content: str | bytes, *, tenant_id: str, file_name: str, received_on: date) -> list[TransactionSet]:
    """The transaction sets of an 837P file with their claims (unreadable sets come back without claims)."""
    return read_837p_file(content, tenant_id=tenant_id, file_name=file_name, received_on=received_on).transaction_sets


def read_837p_file(content: str | bytes, *, tenant_id: str, file_name: str, received_on: date) -> Read837:
    try:
        reader = SegmentReader(content)
        segments = list(reader)
    except X12SyntaxError as exc:
        raise Read837Error(str(exc)) from None
    if not segments or segments[0][0] != "ISA":
        raise Read837Error("the interchange does not start with an ISA segment")
    isa = segments[0] + [""] * 17
    envelope = dict(sender_qualifier=isa[5], sender_id=isa[6].strip(), receiver_qualifier=isa[7],
                    receiver_id=isa[8].strip(), usage=isa[15], interchange_control_number=isa[13],
                    application_sender="", application_receiver="")
    result = Read837(Envelope837(**envelope))
    index = 1
    while index < len(segments):
        segment = segments[index]
        tag = segment[0]
        if tag == "GS" and not result.envelope.application_sender:
            envelope.update(application_sender=_at(segment, 2), application_receiver=_at(segment, 3))
            result.envelope = Envelope837(**envelope)
        if tag != "ST":
            index += 1
            continue
        end = index + 1
        while end < len(segments) and segments[end][0] not in ("SE", "ST", "GE", "IEA"):
            end += 1
        control_number = _at(segment, 2)
        body = segments[index + 1:end]
        reading = _TransactionSetReader(reader.separators, tenant_id, file_name, control_number, received_on, index + 1)
        try:
            claims = reading.read(body)
        except _Unreadable as exc:
            result.unreadable[control_number] = str(exc)
            claims = []
        if not result.envelope.submitter_id and reading.submitter_id:
            envelope.update(submitter_name=reading.submitter_name, submitter_id=reading.submitter_id,
                            reference=reading.reference)
            result.envelope = Envelope837(**envelope)
        result.transaction_sets.append(TransactionSet(control_number, tuple(claims)))
        index = end + 1 if end < len(segments) and segments[end][0] == "SE" else end
    return result


def _at(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""


class _TransactionSetReader:
    """The body of one ST..SE (exclusive) into claims."""

    def __init__(self, separators: Separators, tenant_id: str, file_name: str, control_number: str,
                 received_on: date, first_position: int) -> None:
        self.separators = separators
        self.tenant_id, self.file_name, self.control_number = tenant_id, file_name, control_number
        self.received_on = received_on
        self.first_position = first_position  # file position of the ST (ISA = 1) minus one... for messages
        self.submitter_name = self.submitter_id = self.reference = ""
        self.position = 0

    # ------------------------------------------------------------ values
    def _fail(self, segment: Segment, element: str, problem: str) -> _Unreadable:
        return _Unreadable(f"segment {self.first_position + self.position} ({segment[0]}) {element}: {problem}")

    def _decimal(self, segment: Segment, index: int, *, required: bool = True) -> Decimal | None:
        text = _at(segment, index)
        if not text:
            if required:
                raise self._fail(segment, f"{segment[0]}{index:02d}", "is required")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise self._fail(segment, f"{segment[0]}{index:02d}", "is not a decimal number") from None
        if not value.is_finite():
            raise self._fail(segment, f"{segment[0]}{index:02d}", "is not a decimal number")
        return value

    def _date(self, segment: Segment, text: str, element: str) -> date:
        if len(text) != 8 or not text.isdigit():
            raise self._fail(segment, element, "is not a date CCYYMMDD")
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            raise self._fail(segment, element, "is not a valid date") from None

    def _period(self, segment: Segment) -> tuple[date, date | None]:
        """DTP*xxx*D8*CCYYMMDD or DTP*xxx*RD8*CCYYMMDD-CCYYMMDD."""
        qualifier, value = _at(segment, 2), _at(segment, 3)
        if qualifier == "RD8":
            start, _, end = value.partition("-")
            return self._date(segment, start, "DTP03"), self._date(segment, end, "DTP03")
        return self._date(segment, value, "DTP03"), None

    def _adjustments(self, segment: Segment) -> list[Adjustment]:
        group = _at(segment, 1)
        found = []
        for start in range(2, min(len(segment), 20), 3):
            reason = _at(segment, start)
            if not reason:
                continue
            amount = self._decimal(segment, start + 1)
            assert amount is not None
            found.append(Adjustment(group, reason, amount, self._decimal(segment, start + 2, required=False)))
        return found

    # ------------------------------------------------------------ structure
    def read(self, body: list[Segment]) -> list[SubmittedClaim]:
        claims: list[SubmittedClaim] = []
        provider: dict[str, str] = {}
        subscriber: dict[str, object] = {}
        patient: dict[str, object] | None = None
        claim: dict[str, object] | None = None
        in_header = True  # before the first HL: submitter and receiver
        for self.position, segment in enumerate(body, start=1):
            tag = segment[0]
            if tag == "HL":
                in_header = False
                if claim is not None:
                    claims.append(self._finish(claim))
                    claim = None
                level = _at(segment, 3)
                if level == "20":
                    provider, subscriber, patient = {"npi": "", "name": "", "tax_id": ""}, {}, None
                elif level == "22":
                    subscriber, patient = {"responsibility": "", "relationship": "", "member_id": "",
                                           "name": ("", ""), "birth_date": None, "gender": "",
                                           "payer_id": "", "payer_name": ""}, None
                elif level == "23":
                    patient = {"relationship": "", "name": ("", ""), "birth_date": None, "gender": ""}
            elif in_header:
                if tag == "BHT":
                    self.reference = _at(segment, 3)
                elif tag == "NM1" and _at(segment, 1) == "41":
                    self.submitter_name, self.submitter_id = _at(segment, 3), _at(segment, 9)
            elif tag == "CLM":  # a claim ends at the next CLM of the same patient, or at the next HL
                if claim is not None:
                    claims.append(self._finish(claim))
                claim = self._begin_claim(segment, provider, subscriber, patient)
            elif claim is not None:
                self._claim_segment(claim, segment)
            elif patient is not None:
                if tag == "PAT":
                    patient["relationship"] = _at(segment, 1)
                elif tag == "NM1" and _at(segment, 1) == "QC":
                    patient["name"] = (_at(segment, 3), _at(segment, 4))
                elif tag == "DMG":
                    patient["birth_date"] = self._date(segment, _at(segment, 2), "DMG02") if _at(segment, 2) else None
                    patient["gender"] = _at(segment, 3)
            elif subscriber:
                if tag == "SBR":
                    subscriber["responsibility"], subscriber["relationship"] = _at(segment, 1), _at(segment, 2)
                elif tag == "NM1" and _at(segment, 1) == "IL":
                    subscriber["name"] = (_at(segment, 3), _at(segment, 4))
                    subscriber["member_id"] = _at(segment, 9)
                elif tag == "DMG":
                    subscriber["birth_date"] = (self._date(segment, _at(segment, 2), "DMG02")
                                                if _at(segment, 2) else None)
                    subscriber["gender"] = _at(segment, 3)
                elif tag == "NM1" and _at(segment, 1) == "PR":
                    subscriber["payer_name"], subscriber["payer_id"] = _at(segment, 3), _at(segment, 9)
            elif provider:
                if tag == "NM1" and _at(segment, 1) == "85":
                    name = _at(segment, 3) if _at(segment, 2) == "2" else " ".join(
                        part for part in (_at(segment, 4), _at(segment, 3)) if part)
                    provider["name"], provider["npi"] = name, _at(segment, 9)
                elif tag == "REF" and _at(segment, 1) in ("EI", "SY"):
                    provider["tax_id"] = _at(segment, 2)
        if claim is not None:
            claims.append(self._finish(claim))
        return claims

    def _begin_claim(self, clm: Segment, provider: dict[str, str], subscriber: dict[str, object],
                     patient: dict[str, object] | None) -> dict[str, object]:
        if not provider or not subscriber:
            raise self._fail(clm, "CLM", "a claim needs a billing provider (HL*20) and a subscriber (HL*22) above it")
        facility = components(_at(clm, 5), self.separators) + ["", "", ""]
        last, first = subscriber["name"]  # type: ignore[misc]
        patient_person = None
        relationship = str(subscriber["relationship"])
        if patient is not None:
            p_last, p_first = patient["name"]  # type: ignore[misc]
            patient_person = Person(p_last, p_first, patient["birth_date"], str(patient["gender"]))  # type: ignore[arg-type]
            relationship = str(patient["relationship"])
        return {
            "fields": {
                "tenant_id": self.tenant_id, "file_name": self.file_name,
                "transaction_control_number": self.control_number, "received_on": self.received_on,
                "billing_provider_npi": provider["npi"], "billing_provider_name": provider["name"],
                "billing_provider_tax_id": provider["tax_id"],
                "payer_id": subscriber["payer_id"], "payer_name": subscriber["payer_name"],
                "member_id": subscriber["member_id"],
                "subscriber": Person(last, first, subscriber["birth_date"], str(subscriber["gender"])),  # type: ignore[arg-type]
                "responsibility": subscriber["responsibility"], "patient": patient_person,
                "patient_relationship": relationship, "patient_control_number": _at(clm, 1),
                "total_charge": self._decimal(clm, 2), "place_of_service": facility[0],
                "frequency_code": facility[2], "payer_claim_number": "", "prior_authorization": "",
                "diagnoses": (), "rendering_provider_npi": "",
            },
            "lines": [],  # dicts of SubmittedLine fields
            "other_payers": [],  # dicts of OtherPayer fields
            "line": None,
        }

    def _claim_segment(self, claim: dict[str, object], segment: Segment) -> None:
        tag = segment[0]
        fields: dict[str, object] = claim["fields"]  # type: ignore[assignment]
        lines: list[dict[str, object]] = claim["lines"]  # type: ignore[assignment]
        others: list[dict[str, object]] = claim["other_payers"]  # type: ignore[assignment]
        if tag == "LX":
            line: dict[str, object] = {"line_number": int(_at(segment, 1)) if _at(segment, 1).isdigit() else
                                       len(lines) + 1, "svd": []}
            lines.append(line)
            claim["line"] = line
            return
        line = claim["line"]  # type: ignore[assignment]
        if line is not None:
            self._line_segment(line, segment)
        elif others:
            self._other_payer_segment(others[-1], segment)
            if tag == "SBR":
                others.append({"responsibility": _at(segment, 1), "payer_id": "", "paid": Decimal("0"),
                               "claim_adjustments": [], "adjudication_date": None})
        elif tag == "SBR":
            others.append({"responsibility": _at(segment, 1), "payer_id": "", "paid": Decimal("0"),
                           "claim_adjustments": [], "adjudication_date": None})
        elif tag == "REF" and _at(segment, 1) == "G1":
            fields["prior_authorization"] = _at(segment, 2)
        elif tag == "REF" and _at(segment, 1) == "F8":
            fields["payer_claim_number"] = _at(segment, 2)
        elif tag == "HI":
            codes = list(fields["diagnoses"])  # type: ignore[call-overload]
            for value in segment[1:]:
                parts = components(value, self.separators)
                if len(parts) > 1 and parts[0] in ("ABK", "ABF", "BK", "BF") and parts[1]:
                    codes.append(parts[1])
            fields["diagnoses"] = tuple(codes)
        elif tag == "NM1" and _at(segment, 1) == "82":
            fields["rendering_provider_npi"] = _at(segment, 9)

    def _other_payer_segment(self, other: dict[str, object], segment: Segment) -> None:
        tag = segment[0]
        if tag == "CAS":
            other["claim_adjustments"].extend(self._adjustments(segment))  # type: ignore[attr-defined]
        elif tag == "AMT" and _at(segment, 1) == "D":
            other["paid"] = self._decimal(segment, 2)
        elif tag == "NM1" and _at(segment, 1) == "PR":
            other["payer_id"] = _at(segment, 9)
        elif tag == "DTP" and _at(segment, 1) == "573":
            other["adjudication_date"] = self._period(segment)[0]

    def _line_segment(self, line: dict[str, object], segment: Segment) -> None:
        tag = segment[0]
        if tag == "SV1":
            procedure = components(_at(segment, 1), self.separators) + [""]
            line["procedure_code"] = procedure[1]
            line["modifiers"] = tuple(code for code in procedure[2:6] if code)
            line["charge"] = self._decimal(segment, 2)
            line["units"] = self._decimal(segment, 4, required=False) or Decimal("1")
            pointers = [p for p in components(_at(segment, 7), self.separators) if p]
            if not all(p.isdigit() for p in pointers):
                raise self._fail(segment, "SV107", "diagnosis pointers are whole numbers")
            line["diagnosis_pointers"] = tuple(int(p) for p in pointers)
        elif tag == "DTP" and _at(segment, 1) == "472":
            line["service_date"], line["service_date_to"] = self._period(segment)
        elif tag == "REF" and _at(segment, 1) == "6R":
            line["line_control_number"] = _at(segment, 2)
        elif tag == "SVD":
            line["svd"].append({"paid": self._decimal(segment, 2), "adjustments": []})  # type: ignore[attr-defined]
        elif tag == "CAS" and line["svd"]:
            line["svd"][-1]["adjustments"].extend(self._adjustments(segment))  # type: ignore[index]

    def _finish(self, claim: dict[str, object]) -> SubmittedClaim:
        fields: dict[str, object] = dict(claim["fields"])  # type: ignore[call-overload]
        lines = []
        for raw in claim["lines"]:  # type: ignore[attr-defined]
            if "procedure_code" not in raw or "service_date" not in raw:
                raise _Unreadable(f"claim line {raw['line_number']} has no SV1 or no service date (DTP*472)")
            svd = raw.pop("svd")
            if svd:
                raw["prior_paid"] = sum((entry["paid"] for entry in svd), Decimal("0"))
                raw["prior_adjustments"] = tuple(adj for entry in svd for adj in entry["adjustments"])
            lines.append(SubmittedLine(**raw))
        if not lines:
            raise _Unreadable("a claim has no service lines")
        others = tuple(
            OtherPayer(str(o["payer_id"]), str(o["responsibility"]), o["paid"],  # type: ignore[arg-type]
                       tuple(o["claim_adjustments"]), o["adjudication_date"])  # type: ignore[arg-type]
            for o in claim["other_payers"]  # type: ignore[attr-defined]
        )
        return SubmittedClaim(**fields, lines=tuple(lines), other_payers=others)  # type: ignore[arg-type]
