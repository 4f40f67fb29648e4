"""X12 835 (005010X221A1) -> remittance documents, one claim at a time.

Reads what payers really send: separators from the ISA (the shared ``SegmentReader``), several
interchanges, functional groups and transaction sets in one file, line breaks after segments or
none. Each transaction set (ST..SE) is one payment:

* header: BPR (payment), TRN (check or EFT trace number), DTM*405, N1*PR loop (payer), N1*PE loop (payee);
* detail: LX headers, CLP claims (every CLP02 status) with CAS (up to six reason/amount/quantity
  triples each), NM1 names, MIA/MOA, REF, DTM, AMT, QTY, and SVC lines with their DTM, CAS, REF (6R
  line control number), AMT (B6 allowed), QTY and LQ remark codes;
* trailer: PLB provider-level adjustments, SE.

Streaming: :func:`read_835` yields one :class:`Transaction835` per ST; its :meth:`Transaction835.claims`
yields one :class:`ParsedClaim` per CLP, so a file is never held as objects all at once. Consume
each transaction's claims before asking for the next transaction (like ``itertools.groupby``);
PLB adjustments and the trailer checks are known once its claims are exhausted.

Errors name the segment (its position in the file, ISA = 1) and the element (``CLP04``,
``SVC01-2``), never a data value. A problem inside a claim makes that claim unusable
(``ParsedClaim.claim is None``) and the reader goes on with the next one; a problem in a header
makes the transaction unusable. Warnings (an invalid date in an informational DTM, an unknown
segment skipped) keep the claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import IO, Any, Literal

from pydantic import ValidationError

from openrcm_shared.contracts import Adjustment, PayerRef, PaymentInfo
from openrcm_shared.contracts.events import AdjustmentGroup
from openrcm_shared.x12 import Segment, SegmentReader, X12SyntaxError
from payments_svc.domain.remittance_document import (
    CLAIM_STATUS_CODES, ClaimPayment, NamedParty, PayeeRef, ProviderAdjustment, RemittanceDocument,
    RemittanceHeader, ServiceLinePayment,
)

Severity = Literal["error", "warning"]

_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)\Z")
_CODE = re.compile(r"[A-Z0-9]{1,5}\Z")
_GROUPS = {g.value: g for g in AdjustmentGroup}
_PAYMENT_METHODS = frozenset({"ACH", "BOP", "CHK", "FWT", "NON"})
_HANDLING_CODES = frozenset({"C", "D", "H", "I", "P", "U", "X"})
_CLAIM_STATUSES = frozenset(CLAIM_STATUS_CODES)
_MAX_MONEY = Decimal("1000000000000")  # NUMERIC(14,2)
_CENT = Decimal("0.01")
#: Segments that end a claim (2100 loop).
_CLAIM_END = frozenset({"CLP", "LX", "TS3", "TS2", "PLB", "SE", "ST", "GE", "GS", "IEA", "ISA"})
#: Segments that end a service line (2110 loop).
_LINE_END = _CLAIM_END | {"SVC"}
#: Segments that end a transaction's header (before the first claim).
_DETAIL_START = frozenset({"LX", "CLP", "PLB", "SE", "TS3", "TS2"})
_ENVELOPE_END = frozenset({"SE", "ST", "GE", "GS", "IEA", "ISA"})
#: MIA/MOA elements that carry remark codes (the rest are amounts, quantities and rates).
_MIA_REMARKS = frozenset({5, 20, 21, 22, 23, 24})
_MOA_REMARKS = frozenset({3, 4, 5, 6, 7})
#: Adjustments are immutable and repeat a lot (the same contractual write-off or copay on many claims):
#: the same CAS triple reuses one object. Only well-formed triples get here.
_ADJUSTMENTS: dict[tuple[Any, str, str, str], Adjustment] = {}
_ADJUSTMENT_CACHE_SIZE = 20_000
#: Appended to a segment so that any element up to the largest we read can be indexed ("" when absent).
_PAD = [""] * 24


@dataclass(frozen=True, slots=True)
class X12Problem:
    """Where (segment position in the file, ISA = 1; element reference) and what is wrong."""

    segment: int
    segment_id: str
    element: str | None
    message: str
    severity: Severity = "error"

    def as_error(self) -> dict[str, Any]:
        """An entry of a problem+json ``errors`` list."""
        pointer = f"/segments/{self.segment}" + (f"/{self.element}" if self.element else "")
        return {"pointer": pointer, "location": "x12", "segment": self.segment, "segment_id": self.segment_id,
                "element": self.element, "message": self.message, "code": self.severity}


@dataclass(slots=True)
class ParsedClaim:
    """One CLP loop: the claim, or None when it has errors (then ``problems`` says where)."""

    sequence: int  # 1-based within the transaction
    segment: int  # position of its CLP in the file
    patient_control_number: str  # CLP01 as sent (possibly empty when the claim has errors)
    header_number: str | None  # LX01 of the 2000 loop it belongs to
    claim: ClaimPayment | None
    problems: list[X12Problem]

    @property
    def errors(self) -> list[X12Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Cursor:
    """The segments of the file with one segment of look-ahead (``current``) and their positions.

    A syntax error of the file (e.g. no terminator after the last segment) ends the segments and is
    kept in ``syntax_error`` for the envelope problems.
    """

    __slots__ = ("_next", "number", "current", "syntax_error")

    def __init__(self, segments: Iterator[Segment]) -> None:
        self._next = segments.__next__
        self.number = 0  # position of the last segment taken
        self.syntax_error: str | None = None
        self.current: Segment | None = self._pull()  # the next segment, not yet taken; None at the end

    def _pull(self) -> Segment | None:
        try:
            return self._next()
        except StopIteration:
            return None
        except X12SyntaxError as exc:
            self.syntax_error = str(exc)
            return None

    def take(self) -> Segment | None:
        segment = self.current
        if segment is not None:
            self.number += 1
            self.current = self._pull()
        return segment


def _el(segment: Segment, index: int) -> str:
    return segment[index] if index < len(segment) else ""


@lru_cache(maxsize=4096)
def _date(text: str) -> date | None:
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


class _Problems:
    """Collects problems of one part (header, claim, trailer) with positions."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[X12Problem] = []

    def add(self, number: int, segment: Segment | str, element: str | None, message: str,
            severity: Severity = "error") -> None:
        segment_id = segment if isinstance(segment, str) else segment[0]
        self.items.append(X12Problem(number, segment_id, element, message, severity))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.items)

    # --- typed element readers: each reports its own problem and returns None when it cannot read
    def money(self, number: int, segment: Segment, index: int, *, required: bool = True) -> Decimal | None:
        text = segment[index] if index < len(segment) else ""
        if not text:
            if required:
                self.add(number, segment, f"{segment[0]}{index:02d}", "is required (an amount)")
            return None
        if _NUMBER.match(text) is None:
            self.add(number, segment, f"{segment[0]}{index:02d}", "is not a decimal number")
            return None
        dot = text.find(".")
        whole = (dot if dot >= 0 else len(text)) - (text[0] == "-")
        if whole <= 12 and (dot < 0 or len(text) - dot <= 3):
            return Decimal(text)  # the common case: at most 12 digits and 2 decimal places
        value = Decimal(text)
        if dot >= 0 and len(text) - dot > 3:
            rounded = value.quantize(_CENT)
            if rounded != value:
                self.add(number, segment, f"{segment[0]}{index:02d}", "has more than 2 decimal places")
                return None
            value = rounded
        if abs(value) >= _MAX_MONEY:
            self.add(number, segment, f"{segment[0]}{index:02d}",
                     "is too large (at most 12 digits before the decimal point)")
            return None
        return value

    def quantity(self, number: int, segment: Segment, index: int, ref: str | None = None) -> Decimal | None:
        text = _el(segment, index)
        if not text:
            return None
        value = _decimal(text)
        if value is None:
            self.add(number, segment, ref or f"{segment[0]}{index:02d}", "is not a decimal number")
        return value

    def qualified_quantity(self, number: int, segment: Segment, out: list[tuple[str, Decimal]]) -> None:
        """QTY: (QTY01, QTY02) when QTY02 is a number."""
        quantity = self.quantity(number, segment, 2)
        if quantity is not None:
            out.append((_el(segment, 1), quantity))

    def day(self, number: int, segment: Segment, index: int, *, severity: Severity = "warning") -> date | None:
        text = _el(segment, index)
        ref = f"{segment[0]}{index:02d}"
        if not text:
            self.add(number, segment, ref, "is required (a date CCYYMMDD)", severity)
            return None
        value = _date(text)
        if value is None:
            self.add(number, segment, ref, "is not a valid date (CCYYMMDD)", severity)
        return value


def _decimal(text: str) -> Decimal | None:
    if _NUMBER.match(text) is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


# ---------------------------------------------------------------- transactions
@dataclass
class Transaction835:
    """One ST..SE of an 835: a header, then claims (iterate once), then PLB and trailer checks."""

    index: int  # 1-based position among the file's transaction sets
    segment: int  # position of its ST in the file
    control_number: str
    header: RemittanceHeader | None  # None when the header has errors
    header_problems: list[X12Problem]
    _reader: Reader835 = field(repr=False)
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    trailer_problems: list[X12Problem] = field(default_factory=list)
    claim_count: int = 0
    finished: bool = False

    def claims(self) -> Iterator[ParsedClaim]:
        """The claims, one CLP loop at a time; afterwards the PLB and trailer are read."""
        if self.finished:
            return
        yield from self._reader._claims(self)
        self._reader._trailer(self)

    def drain(self) -> None:
        for _ in self.claims():
            pass

    @property
    def problems(self) -> list[X12Problem]:
        """Header and trailer problems (claim problems travel with each claim)."""
        return self.header_problems + self.trailer_problems


class Reader835:
    """Reads the transaction sets of one file. ``problems`` holds envelope-level problems (ISA/GS/GE/IEA)."""

    def __init__(self, source: str | bytes | IO[Any], *, encoding: str = "utf-8") -> None:
        self._segments = SegmentReader(source, encoding=encoding)
        self.separators = self._segments.separators
        self._cursor = _Cursor(iter(self._segments))
        self.problems: list[X12Problem] = []
        self._group_ok = True
        self._group_transactions = 0
        self._groups = 0
        self._transactions = 0

    def close(self) -> None:
        self._segments.close()

    def transactions(self) -> Iterator[Transaction835]:
        cursor, envelope = self._cursor, _Problems()
        current: Transaction835 | None = None
        while True:
            if current is not None and not current.finished:
                current.drain()
            segment = cursor.current
            if segment is None:
                break
            tag = segment[0]
            if tag == "ST":
                current = self._begin_transaction()
                yield current
                continue
            cursor.take()
            number = cursor.number
            if tag == "ISA":
                pass
            elif tag == "GS":
                self._begin_group(number, segment, envelope)
            elif tag == "GE":
                self._end_group(number, segment, envelope)
            elif tag == "IEA":
                self._end_interchange(number, segment, envelope)
            else:
                envelope.add(number, segment, None, "is outside a transaction set (ST..SE)")
        if cursor.syntax_error is not None:
            envelope.add(cursor.number + 1, "???", None, cursor.syntax_error)
        if self._transactions == 0:
            envelope.add(max(cursor.number, 1), "ISA", None, "the interchange holds no 835 transaction set")
        self.problems.extend(envelope.items)

    # --- envelope
    def _begin_group(self, number: int, segment: Segment, problems: _Problems) -> None:
        self._groups += 1
        self._group_transactions = 0
        self._group_ok = True
        if _el(segment, 1) != "HP":
            problems.add(number, segment, "GS01", "is not HP (health care claim payment/advice)")
            self._group_ok = False
        if not _el(segment, 8).startswith("005010X221"):
            problems.add(number, segment, "GS08", "is not 005010X221A1 (the 835 version this reader maps)")
            self._group_ok = False

    def _end_group(self, number: int, segment: Segment, problems: _Problems) -> None:
        if _el(segment, 1) != str(self._group_transactions):
            problems.add(number, segment, "GE01", "does not match the number of transaction sets in the group",
                         "warning")

    def _end_interchange(self, number: int, segment: Segment, problems: _Problems) -> None:
        if _el(segment, 1) != str(self._groups):
            problems.add(number, segment, "IEA01", "does not match the number of functional groups", "warning")
        self._groups = 0

    def _begin_transaction(self) -> Transaction835:
        cursor = self._cursor
        st = cursor.take()
        assert st is not None
        self._transactions += 1
        self._group_transactions += 1
        problems = _Problems()
        start = cursor.number
        if _el(st, 1) != "835":
            problems.add(start, st, "ST01", "is not 835")
        if not self._group_ok:
            problems.add(start, st, None, "belongs to a functional group that is not an 835 005010X221A1 group")
        header = self._header(start, _el(st, 2), problems)
        return Transaction835(
            index=self._transactions, segment=start, control_number=_el(st, 2), header=header,
            header_problems=problems.items, _reader=self,
        )

    # --- header: BPR, TRN, CUR, REF, DTM, 1000A, 1000B
    def _header(self, start: int, control_number: str, problems: _Problems) -> RemittanceHeader | None:
        cursor = self._cursor
        bpr = trn = payer_n1 = payee_n1 = None
        bpr_at = trn_at = payer_at = 0
        production_date: date | None = None
        payer_refs: dict[str, str] = {}
        loop = ""
        while (segment := cursor.current) is not None and segment[0] not in _DETAIL_START:
            if segment[0] in _ENVELOPE_END:
                break
            cursor.take()
            number, tag = cursor.number, segment[0]
            if tag == "BPR":
                bpr, bpr_at = segment, number
            elif tag == "TRN":
                trn, trn_at = segment, number
            elif tag == "DTM" and _el(segment, 1) == "405" and not loop:
                production_date = problems.day(number, segment, 2)
            elif tag == "N1":
                loop = _el(segment, 1)
                if loop == "PR":
                    payer_n1, payer_at = segment, number
                elif loop == "PE":
                    payee_n1 = segment
                else:
                    problems.add(number, segment, "N101", "is neither PR (payer) nor PE (payee); the loop is skipped",
                                 "warning")
            elif tag == "REF" and loop == "PR":
                payer_refs.setdefault(_el(segment, 1), _el(segment, 2))
            elif tag in ("CUR", "REF", "DTM", "N3", "N4", "PER", "RDM"):
                pass
            else:
                problems.add(number, segment, None, "is not expected in the 835 header; skipped", "warning")
        if bpr is None:
            problems.add(start, "ST", None, "the transaction has no BPR (financial information) segment")
        if trn is None:
            problems.add(start, "ST", None, "the transaction has no TRN (reassociation trace number) segment")
        if payer_n1 is None:
            problems.add(start, "ST", None, "the transaction has no N1*PR (payer identification) loop")
        if payee_n1 is None:
            problems.add(start, "ST", None, "the transaction has no N1*PE (payee identification) loop")
        if bpr is None or trn is None or payer_n1 is None:
            return None

        handling, amount, credit_debit, method = _el(bpr, 1), problems.money(bpr_at, bpr, 2), _el(bpr, 3), _el(bpr, 4)
        if handling not in _HANDLING_CODES:
            problems.add(bpr_at, bpr, "BPR01", "is not a transaction handling code (C, D, H, I, P, U, X)")
        if amount is not None and amount < 0:
            problems.add(bpr_at, bpr, "BPR02", "must not be negative (BPR03 D marks a debit)")
        if credit_debit not in ("C", "D"):
            problems.add(bpr_at, bpr, "BPR03", "is not C (credit) or D (debit)")
        if method not in _PAYMENT_METHODS:
            problems.add(bpr_at, bpr, "BPR04", "is not a payment method (ACH, BOP, CHK, FWT, NON)")
        payment_date = _date(_el(bpr, 16))
        if payment_date is None:
            problems.add(bpr_at, bpr, "BPR16", "is missing or not a valid date; the production date (DTM*405) is used",
                         "warning")
            payment_date = production_date
        trace = _el(trn, 2)
        if not trace:
            problems.add(trn_at, trn, "TRN02", "is required (the check or EFT trace number)")
        payer_name = _el(payer_n1, 2)
        if not payer_name:
            problems.add(payer_at, payer_n1, "N102", "is required (the payer's name)")
        payer_id = payer_refs.get("2U") or (_el(payer_n1, 4) if _el(payer_n1, 3) == "XV" else "") or _el(trn, 3)
        if not payer_id:
            problems.add(trn_at, trn, "TRN03", "is required when the payer loop has no REF*2U payer identifier")
        if problems.has_errors:
            return None
        payee = None
        if payee_n1 is not None:
            payee = PayeeRef(name=_el(payee_n1, 2) or "(unnamed)", id_qualifier=_el(payee_n1, 3) or None,
                             identifier=_el(payee_n1, 4) or None)
        assert amount is not None
        return RemittanceHeader(
            payer=PayerRef(payer_id=payer_id[:80], name=payer_name[:100]),
            payment=PaymentInfo(trace_number=trace[:50], method=method, amount=amount, payment_date=payment_date),
            credit_debit=credit_debit, handling_code=handling, originating_company_id=_el(trn, 3) or None, payee=payee,
            production_date=production_date, transaction_control_number=control_number or None,
        )

    # --- detail: LX, TS3, TS2, CLP loops
    def _claims(self, transaction: Transaction835) -> Iterator[ParsedClaim]:
        cursor = self._cursor
        header_number: str | None = None
        adjudicated_on = transaction.header.production_date if transaction.header else None
        while (segment := cursor.current) is not None:
            tag = segment[0]
            if tag == "CLP":
                transaction.claim_count += 1
                yield self._claim(transaction.claim_count, header_number, adjudicated_on)
            elif tag == "LX":
                cursor.take()
                header_number = _el(segment, 1) or None
            elif tag in ("TS3", "TS2"):
                cursor.take()
            else:
                break

    def _claim(self, sequence: int, header_number: str | None, adjudicated_on: date | None) -> ParsedClaim:
        cursor = self._cursor
        clp = cursor.take()
        assert clp is not None
        at = cursor.number
        problems = _Problems()
        money, add = problems.money, problems.add
        c = clp + _PAD  # every element readable by index; "" when absent
        pcn, status = c[1], c[2]
        if not pcn:
            add(at, clp, "CLP01", "is required (the patient control number)")
        elif len(pcn) > 38:
            add(at, clp, "CLP01", "is longer than 38 characters")
        if status not in _CLAIM_STATUSES:
            add(at, clp, "CLP02", "is not a claim status code of 005010X221A1")
        fields: dict[str, Any] = {
            "patient_control_number": pcn, "status_code": status, "total_charge": money(at, clp, 3),
            "total_paid": money(at, clp, 4), "adjudicated_on": adjudicated_on,
        }
        if c[5]:
            fields["patient_responsibility_amount"] = money(at, clp, 5)
        for name, value in (("claim_filing_indicator", c[6]), ("payer_claim_control_number", c[7]),
                            ("facility_type_code", c[8]), ("frequency_code", c[9]), ("drg_code", c[11])):
            if value:
                fields[name] = value
        adjustments: list[Adjustment] = []
        remarks: list[str] = []
        parties: list[NamedParty] = []
        adjudication: list[tuple[str, str]] = []
        references: list[tuple[str, str]] = []
        dates: list[tuple[str, date]] = []
        amounts: list[tuple[str, Decimal]] = []
        quantities: list[tuple[str, Decimal]] = []
        lines: list[ServiceLinePayment | None] = []
        for tag, segment, e, number in self._loop(_CLAIM_END):
            if tag == "SVC":
                lines.append(self._line(problems))
            elif tag == "CAS":
                self._adjustments(number, segment, problems, adjustments)
            elif tag == "DTM":
                day = _date(e[2])
                if day is None:
                    problems.day(number, segment, 2)  # reports why
                elif e[1] == "232":
                    fields["statement_from"] = day
                elif e[1] == "233":
                    fields["statement_to"] = day
                elif e[1] == "050":
                    fields["received_on"] = day
                else:
                    dates.append((e[1], day))
            elif tag == "NM1":
                parties.append(NamedParty(
                    entity=e[1], last_or_organization=e[3] or None, first=e[4] or None, middle=e[5] or None,
                    suffix=e[7] or None, id_qualifier=e[8] or None, identifier=e[9] or None,
                ))
            elif tag == "REF":
                references.append((e[1], e[2]))
            elif tag == "AMT":
                amount = money(number, segment, 2)
                if amount is not None:
                    amounts.append((e[1], amount))
            elif tag == "MIA" or tag == "MOA":
                remark_positions = _MIA_REMARKS if tag == "MIA" else _MOA_REMARKS
                for index in range(1, len(segment)):
                    value = segment[index]
                    if not value:
                        continue
                    if index in remark_positions:
                        remarks.append(value)
                    elif _decimal(value) is None:
                        add(number, segment, f"{tag}{index:02d}", "is not a decimal number", "warning")
                    else:
                        adjudication.append((f"{tag}{index:02d}", value))
            elif tag == "QTY":
                problems.qualified_quantity(number, segment, quantities)
            elif tag != "PER":
                add(number, segment, None, "is not expected in a claim payment loop (2100); skipped", "warning")
        claim = None
        if not problems.has_errors:
            for name, collected in (("adjustments", adjustments), ("remark_codes", remarks), ("parties", parties),
                                    ("claim_adjudication", adjudication), ("references", references),
                                    ("dates", dates), ("amounts", amounts), ("quantities", quantities),
                                    ("lines", lines)):
                if collected:
                    fields[name] = tuple(collected)
            try:
                claim = ClaimPayment(**fields)
            except ValidationError as exc:  # the element checks above should leave nothing for pydantic
                for error in exc.errors():
                    add(at, clp, None, f"the claim payment is invalid ({error.get('type')})")
        return ParsedClaim(sequence, at, pcn, header_number, claim, problems.items)

    def _loop(self, stop: frozenset[str]) -> Iterator[tuple[str, Segment, Segment, int]]:
        """(id, segment, segment padded for indexing, position) of the segments of a loop, until one in ``stop``.
        An SVC is yielded without being taken (position 0): the claim loop reads it as a service line."""
        cursor = self._cursor
        while (segment := cursor.current) is not None and (tag := segment[0]) not in stop:
            if tag == "SVC":
                yield tag, segment, segment, 0
                continue
            cursor.take()
            yield tag, segment, segment + _PAD, cursor.number

    def _adjustments(self, number: int, segment: Segment, problems: _Problems, out: list[Adjustment]) -> None:
        group = _GROUPS.get(segment[1] if len(segment) > 1 else "")
        if group is None:
            problems.add(number, segment, "CAS01", "is not a claim adjustment group code (CO, PR, OA, PI, CR)")
        e = segment + _PAD
        found = 0
        for start in range(2, min(len(segment), 20), 3):
            reason = e[start]
            if not reason:
                if e[start + 1]:
                    problems.add(number, segment, f"CAS{start:02d}", "is required with an adjustment amount")
                continue
            found += 1
            if _CODE.match(reason) is None:
                problems.add(number, segment, f"CAS{start:02d}", "is not a claim adjustment reason code")
                continue
            key = (group, reason, e[start + 1], e[start + 2])
            adjustment = _ADJUSTMENTS.get(key)
            if adjustment is not None:
                out.append(adjustment)
                continue
            amount = problems.money(number, segment, start + 1)
            quantity = problems.quantity(number, segment, start + 2) if e[start + 2] else None
            if group is not None and amount is not None:
                adjustment = Adjustment(group=group, reason_code=reason, amount=amount, quantity=quantity)
                if len(_ADJUSTMENTS) >= _ADJUSTMENT_CACHE_SIZE:
                    _ADJUSTMENTS.clear()
                _ADJUSTMENTS[key] = adjustment
                out.append(adjustment)
        if not found:
            problems.add(number, segment, "CAS02", "is required (an adjustment reason code)")

    def _line(self, problems: _Problems) -> ServiceLinePayment | None:
        cursor, component = self._cursor, self.separators.component
        svc = cursor.take()
        assert svc is not None
        at = cursor.number
        errors_before = len(problems.items)
        money, add = problems.money, problems.add
        v = svc + _PAD
        procedure = v[1].split(component)
        qualifier, code = procedure[0], procedure[1] if len(procedure) > 1 else ""
        if not qualifier:
            add(at, svc, "SVC01-1", "is required (the product/service id qualifier)")
        if not code:
            add(at, svc, "SVC01-2", "is required (the procedure, revenue or drug code; SVC01 must be a composite "
                                    "split by the ISA16 component separator)")
        fields: dict[str, Any] = {"procedure_qualifier": qualifier, "procedure_code": code,
                                  "charge": money(at, svc, 2), "paid": money(at, svc, 3)}
        if len(procedure) > 2:
            fields["modifiers"] = tuple(m for m in procedure[2:6] if m)
        if v[4]:
            fields["revenue_code"] = v[4]
        if v[5]:
            fields["units"] = problems.quantity(at, svc, 5)
        if v[6]:
            original = v[6].split(component)
            fields["original_procedure_qualifier"] = original[0] or None
            if len(original) > 1:
                fields["original_procedure_code"] = original[1] or None
                fields["original_modifiers"] = tuple(m for m in original[2:6] if m)
        if v[7]:
            fields["original_units"] = problems.quantity(at, svc, 7)
        adjustments: list[Adjustment] = []
        remarks: list[str] = []
        rejects: list[str] = []
        references: list[tuple[str, str]] = []
        amounts: list[tuple[str, Decimal]] = []
        quantities: list[tuple[str, Decimal]] = []
        for tag, segment, e, number in self._loop(_LINE_END):
            if tag == "CAS":
                self._adjustments(number, segment, problems, adjustments)
            elif tag == "DTM":
                day = _date(e[2])
                if day is None:
                    problems.day(number, segment, 2)  # reports why
                elif e[1] == "472" or e[1] == "150":
                    fields["service_date"] = day
                elif e[1] == "151":
                    fields["service_date_end"] = day
            elif tag == "REF":
                if e[1] == "6R":
                    fields["line_control_number"] = e[2] or None
                else:
                    references.append((e[1], e[2]))
            elif tag == "AMT":
                amount = money(number, segment, 2)
                if amount is None:
                    continue
                if e[1] == "B6":
                    fields["allowed"] = amount
                else:
                    amounts.append((e[1], amount))
            elif tag == "LQ":
                if not e[2]:
                    add(number, segment, "LQ02", "is required (the remark code)")
                elif e[1] == "RX":
                    rejects.append(e[2])
                else:
                    remarks.append(e[2])
            elif tag == "QTY":
                problems.qualified_quantity(number, segment, quantities)
            else:
                add(number, segment, None, "is not expected in a service payment loop (2110); skipped", "warning")
        for problem in problems.items[errors_before:]:
            if problem.severity == "error":
                return None
        for name, collected in (("adjustments", adjustments), ("remark_codes", remarks), ("reject_codes", rejects),
                                ("references", references), ("amounts", amounts), ("quantities", quantities)):
            if collected:
                fields[name] = tuple(collected)
        return ServiceLinePayment(**fields)

    # --- trailer: PLB, SE
    def _trailer(self, transaction: Transaction835) -> None:
        cursor, problems = self._cursor, _Problems()
        component = self.separators.component
        while (segment := cursor.current) is not None and segment[0] == "PLB":
            cursor.take()
            number = cursor.number
            provider, period = _el(segment, 1), problems.day(number, segment, 2, severity="error")
            if not provider:
                problems.add(number, segment, "PLB01", "is required (the provider identifier)")
            for start in (3, 5, 7, 9, 11, 13):
                if not _el(segment, start):
                    continue
                reason, _, reference = _el(segment, start).partition(component)
                amount = problems.money(number, segment, start + 1)
                if not reason:
                    problems.add(number, segment, f"PLB{start:02d}-1", "is required (the adjustment reason)")
                elif amount is not None:
                    transaction.provider_adjustments.append(ProviderAdjustment(
                        provider_id=provider or "?", fiscal_period_end=period, reason_code=reason[:5],
                        reference=reference or None, amount=amount,
                    ))
        segment = cursor.current
        if segment is not None and segment[0] == "SE":
            cursor.take()
            count = cursor.number - transaction.segment + 1
            if _el(segment, 1) != str(count):
                problems.add(cursor.number, segment, "SE01", "does not match the number of segments from ST to SE")
            if _el(segment, 2) != transaction.control_number:
                problems.add(cursor.number, segment, "SE02", "does not match ST02")
        else:
            where = cursor.number + (1 if segment is not None else 0)
            problems.add(where, segment[0] if segment else "SE", None,
                         "the transaction set ends without SE (segments out of place or the file is cut short)")
            # Skip to the next envelope segment so that the next transaction is read from its ST.
            while (segment := cursor.current) is not None and segment[0] not in _ENVELOPE_END:
                cursor.take()
        transaction.trailer_problems = problems.items
        transaction.finished = True


def read_835(source: str | bytes | IO[Any], *, encoding: str = "utf-8") -> Reader835:
    """A reader over ``source``; iterate ``.transactions()`` (raises ``X12SyntaxError`` if there is no ISA)."""
    return Reader835(source, encoding=encoding)


@dataclass
class Parsed835:
    """A whole (small) file in memory: each transaction's document or its problems."""

    documents: list[RemittanceDocument | None]
    claims: list[list[ParsedClaim]]
    transactions: list[Transaction835]
    problems: list[X12Problem]

    @property
    def errors(self) -> list[X12Problem]:
        found = [p for p in self.problems if p.severity == "error"]
        for transaction, claims in zip(self.transactions, self.claims):
            found += [p for p in transaction.problems if p.severity == "error"]
            found += [p for claim in claims for p in claim.errors]
        return found


def parse_835(source: str | bytes | IO[Any], *, encoding: str = "utf-8") -> Parsed835:
    """Read everything at once (tests, small files). Large files: iterate :func:`read_835`."""
    reader = read_835(source, encoding=encoding)
    documents: list[RemittanceDocument | None] = []
    all_claims: list[list[ParsedClaim]] = []
    transactions: list[Transaction835] = []
    try:
        for transaction in reader.transactions():
            claims = list(transaction.claims())
            transactions.append(transaction)
            all_claims.append(claims)
            usable = [c.claim for c in claims if c.claim is not None]
            documents.append(
                RemittanceDocument(**dict(transaction.header), claims=tuple(usable),
                                   provider_adjustments=tuple(transaction.provider_adjustments))
                if transaction.header is not None else None
            )
    finally:
        reader.close()
    return Parsed835(documents, all_claims, transactions, reader.problems)
