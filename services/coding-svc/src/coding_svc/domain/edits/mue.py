"""Medically Unlikely Edits (MUE): the most units of a code one practitioner reports for one patient on
one date of service, under most circumstances.

The MUE adjudication indicator (MAI) says how the limit is applied:

- 1, line edit: each claim line is checked on its own (``mue.line``); more units on one day may be
  reported on separate lines with modifiers (e.g. anatomic modifiers, 59/XS, 76, 77, 91) when documented;
- 2, date of service edit, policy: units of the code on all lines of the day are added up
  (``mue.day``); the limit rests on policy or the code's definition and is not exceeded on appeal;
- 3, date of service edit, clinical: added up per day as for 2 (``mue.day``); units above the limit
  are paid only on appeal with documentation of medical necessity.

Pure domain code, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum
from types import MappingProxyType

from coding_svc.domain.edits.findings import CodesUnderEdit, Finding, Severity


class MueAdjudication(IntEnum):
    LINE = 1
    DAY_POLICY = 2
    DAY_CLINICAL = 3


_MAI_TEXT = {
    MueAdjudication.LINE: "MAI 1, a per-line limit",
    MueAdjudication.DAY_POLICY: "MAI 2, a per-day limit set by policy",
    MueAdjudication.DAY_CLINICAL: "MAI 3, a per-day limit set on clinical data",
}


@dataclass(frozen=True, slots=True)
class MueLimit:
    code: str
    units: int
    adjudication: MueAdjudication
    rationale: str = ""


class MueTable:
    """Immutable MUE limits by procedure code."""

    def __init__(self, limits: Iterable[MueLimit]) -> None:
        self._by_code: Mapping[str, MueLimit] = MappingProxyType({limit.code: limit for limit in limits})

    def __len__(self) -> int:
        return len(self._by_code)

    def limit(self, code: str) -> MueLimit | None:
        return self._by_code.get(code)


def _units(value: Decimal | int) -> str:
    """'1 unit', '3 units', '120.5 units'."""
    text = format(Decimal(value).normalize(), "f")
    return f"{text} unit" if text == "1" else f"{text} units"


class MueEdits:
    family = "mue"

    def __init__(self, table: MueTable) -> None:
        self.table = table

    def check(self, codes: CodesUnderEdit) -> Iterator[Finding]:
        per_day: dict[tuple[str, date], tuple[MueLimit, list[int]]] = {}  # MAI 2 and 3: lines by code and day
        for number, line in enumerate(codes.lines, start=1):
            limit = self.table.limit(line.procedure_code)
            if limit is None:
                continue
            if limit.adjudication == MueAdjudication.LINE:
                if line.units > limit.units:
                    yield self._line_finding(number, line.procedure_code, line.units, limit)
            else:
                per_day.setdefault((line.procedure_code, line.service_date), (limit, []))[1].append(number)
        for (code, day), (limit, numbers) in per_day.items():
            total = sum((codes.lines[n - 1].units for n in numbers), Decimal(0))
            if total > limit.units:
                yield self._day_finding(code, day, tuple(numbers), total, limit)

    @staticmethod
    def _line_finding(number: int, code: str, units: Decimal, limit: MueLimit) -> Finding:
        return Finding(
            "mue.line", Severity.ERROR,
            f"Line {number} bills {_units(units)} of {code}; the medically unlikely edit allows {limit.units} "
            f"per line ({_MAI_TEXT[limit.adjudication]}).",
            f"Reduce line {number} to {_units(limit.units)}, or, if the documentation supports more (separate sites "
            f"or sessions), report the extra units on separate lines with the modifiers that show why (e.g. RT/LT, "
            f"XS, 76, 91).",
            lines=(number,),
        )

    @staticmethod
    def _day_finding(code: str, day: date, numbers: tuple[int, ...], total: Decimal, limit: MueLimit) -> Finding:
        where = f"line {numbers[0]}" if len(numbers) == 1 else "lines " + ", ".join(str(n) for n in numbers)
        if limit.adjudication == MueAdjudication.DAY_POLICY:
            fix = (
                f"Reduce {code} to {_units(limit.units)} in total on {day.isoformat()}; this limit rests on policy and "
                f"is not paid above it on appeal, and splitting the units across lines or adding modifiers does "
                f"not change it."
            )
        else:
            fix = (
                f"Reduce {code} to {_units(limit.units)} in total on {day.isoformat()}; splitting across lines or "
                f"adding modifiers does not change this limit. If more were furnished and documented as medically "
                f"necessary, the excess can only be pursued on appeal."
            )
        return Finding(
            "mue.day", Severity.ERROR,
            f"{code} is billed {_units(total)} on {day.isoformat()} ({where}); the medically unlikely edit "
            f"allows {limit.units} per day ({_MAI_TEXT[limit.adjudication]}).",
            fix, lines=numbers,
        )
