"""Interchange (ISA/IEA), functional group (GS/GE) and transaction set (ST/SE) envelopes.

:class:`InterchangeWriter` writes the headers, counts what it wrapped and writes the trailers:
SE01 is the number of segments from ST to SE inclusive, GE01 the number of transaction sets in the
group, IEA01 the number of groups in the interchange. ISA fields get their fixed widths. Control
numbers are passed in (see :mod:`openrcm_shared.x12.control_numbers`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from openrcm_shared.x12.control_numbers import check_control_number
from openrcm_shared.x12.errors import X12DataError, X12Error
from openrcm_shared.x12.separators import DEFAULT_SEPARATORS, Separators
from openrcm_shared.x12.writer import Element, SegmentWriter


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    """Who sends the interchange to whom (ISA05-08), and how (ISA12, ISA14, ISA15)."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "ZZ"  # ISA05: ZZ mutually defined, 01 DUNS, 30 federal tax id, ...
    receiver_qualifier: str = "ZZ"
    usage: Literal["P", "T"] = "P"  # ISA15: production or test data
    acknowledgment_requested: bool = False  # ISA14: ask for a TA1
    version: str = "00501"  # ISA12
    authorization_qualifier: str = "00"  # ISA01/02: 00 no authorization information
    authorization: str = ""
    security_qualifier: str = "00"  # ISA03/04: 00 no security information
    security: str = ""


@dataclass(frozen=True, slots=True)
class GroupHeader:
    functional_id: str  # GS01: HC health care claim (837), FA acknowledgment, HP payment (835)
    sender_code: str  # GS02
    receiver_code: str  # GS03
    version: str  # GS08, e.g. 005010X222A1


#: (ISA element, width) of the fixed-width ISA fields that carry caller data.
_ISA_FIELDS = (
    ("ISA01", 2), ("ISA02", 10), ("ISA03", 2), ("ISA04", 10), ("ISA05", 2), ("ISA06", 15), ("ISA07", 2), ("ISA08", 15),
)


class InterchangeWriter:
    """One interchange: ``begin_group``, ``begin_transaction``, body segments, ``end_*``, then ``finish``.

    Body segments go through :meth:`add`, or straight to ``segments.add`` in hot loops.
    """

    def __init__(self, header: InterchangeHeader, control_number: int, created_at: datetime, *,
                 separators: Separators = DEFAULT_SEPARATORS, line_break: bool = False) -> None:
        self.segments = SegmentWriter(separators, line_break=line_break)
        self.created_at = created_at
        self._isa13 = f"{check_control_number(control_number):09d}"
        self._groups = 0
        self._group: tuple[str, int, str] | None = None  # (GS06, transaction sets so far, GS08)
        self._transaction: tuple[str, int] | None = None  # (ST02, index of the ST segment)
        self._finished = False
        self.segments.append_unchecked(self._isa(header, separators))

    def _isa(self, header: InterchangeHeader, separators: Separators) -> str:
        if separators.repetition is None and header.version >= "00402":
            raise X12DataError("ISA11", f"version {header.version} needs a repetition separator")
        values = (header.authorization_qualifier, header.authorization, header.security_qualifier, header.security,
                  header.sender_qualifier, header.sender_id, header.receiver_qualifier, header.receiver_id)
        fields = []
        for (ref, width), value in zip(_ISA_FIELDS, values):
            if len(value) > width:
                raise X12DataError(ref, f"is {len(value)} characters long; the field holds {width}")
            _check_no_separators(ref, value, separators)
            fields.append(value.ljust(width))
        stamp = self.created_at
        return separators.element.join([
            "ISA", *fields, f"{stamp:%y%m%d}", f"{stamp:%H%M}", separators.repetition or "U", header.version,
            self._isa13, "1" if header.acknowledgment_requested else "0", header.usage, separators.component,
        ])

    def begin_group(self, header: GroupHeader, control_number: int) -> None:
        if self._group is not None or self._finished:
            raise X12Error("a functional group is already open, or the interchange is finished")
        gs06 = str(check_control_number(control_number))
        stamp = self.created_at
        self.segments.add("GS", header.functional_id, header.sender_code, header.receiver_code, f"{stamp:%Y%m%d}",
                          f"{stamp:%H%M}", gs06, "X", header.version)
        self._group = (gs06, 0, header.version)

    def begin_transaction(self, transaction_set_id: str, control_number: int,
                          implementation_reference: str | None = None) -> None:
        """ST; ``implementation_reference`` (ST03) defaults to the group's version (GS08)."""
        if self._group is None or self._transaction is not None:
            raise X12Error("a transaction set needs an open group and no open transaction set")
        st02 = f"{check_control_number(control_number):04d}"
        self._transaction = (st02, len(self.segments))
        self.segments.add("ST", transaction_set_id, st02, implementation_reference or self._group[2])

    def add(self, segment_id: str, *elements: Element) -> None:
        """A body segment (same as ``segments.add``; hot loops should bind ``segments.add`` directly)."""
        self.segments.add(segment_id, *elements)

    def end_transaction(self) -> None:
        if self._transaction is None or self._group is None:
            raise X12Error("no transaction set is open")
        st02, st_index = self._transaction
        self.segments.add("SE", str(len(self.segments) - st_index + 1), st02)  # +1: the SE itself
        gs06, count, version = self._group
        self._group = (gs06, count + 1, version)
        self._transaction = None

    def end_group(self) -> None:
        if self._group is None or self._transaction is not None:
            raise X12Error("no group is open, or a transaction set in it is still open")
        gs06, count, _ = self._group
        self.segments.add("GE", str(count), gs06)
        self._groups += 1
        self._group = None

    def finish(self) -> str:
        """IEA, then the whole interchange as text."""
        if self._group is not None or self._finished:
            raise X12Error("a group is still open, or the interchange is already finished")
        self.segments.add("IEA", str(self._groups), self._isa13)
        self._finished = True
        return self.segments.getvalue()


def _check_no_separators(ref: str, value: str, separators: Separators) -> None:
    for char in separators.all:
        if char in value:
            raise X12DataError(ref, f"contains the separator {char!r}; X12 cannot escape it")
