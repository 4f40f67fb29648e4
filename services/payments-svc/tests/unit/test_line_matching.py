"""Matching remittance lines to submitted lines: REF*6R, then procedure and date, modifiers and SVC06."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openrcm_shared.contracts import SubmittedServiceLine
from payments_svc.domain.line_matching import match_lines
from payments_svc.domain.remittance_document import ServiceLinePayment

D = Decimal
DOS = date(2026, 11, 1)


def sent(n: int, code: str, *modifiers: str, charge: str = "100.00", day: date = DOS) -> SubmittedServiceLine:
    return SubmittedServiceLine(line_number=n, line_control_number=f"L{n}", procedure_code=code,
                                modifiers=list(modifiers), units=D(1), charge=D(charge), service_date=day)


def answer(code: str, *modifiers: str, lcn: str | None = None, original: str | None = None, day: date | None = DOS,
           charge: str = "100.00") -> ServiceLinePayment:
    return ServiceLinePayment(procedure_code=code, modifiers=modifiers, line_control_number=lcn, service_date=day,
                              original_procedure_code=original, charge=D(charge), paid=D("0"))


def methods(lines, submitted):  # type: ignore[no-untyped-def]
    return [(m.method, m.line_number) for m in match_lines(lines, submitted)]


def test_control_numbers_win_over_everything_else():
    submitted = [sent(1, "99213"), sent(2, "99213")]
    assert methods([answer("99213", lcn="L2"), answer("99213", lcn="L1")], submitted) == [
        ("line_control_number", 2), ("line_control_number", 1)]


def test_same_procedure_and_date_prefers_same_modifiers_then_charge_then_line_number():
    submitted = [sent(1, "97110", "GP", charge="50.00"), sent(2, "97110", "GP", "59", charge="50.00"),
                 sent(3, "97110", "GP", charge="60.00")]
    assert methods([answer("97110", "GP", "59", charge="50.00"), answer("97110", "GP", charge="60.00"),
                    answer("97110", "GP", charge="50.00")], submitted) == [
        ("procedure_and_date", 2), ("procedure_and_date", 3), ("procedure_and_date", 1)]


def test_dropped_modifiers_and_bundled_codes_still_match():
    submitted = [sent(1, "99214", "25"), sent(2, "93000")]
    assert methods([answer("99214"), answer("93010", original="93000")], submitted) == [
        ("modifiers_changed", 1), ("original_procedure", 2)]


def test_other_dates_other_codes_and_used_lines_do_not_match():
    submitted = [sent(1, "99213")]
    assert methods([answer("99213", day=date(2026, 11, 2)), answer("99999"), answer("99213"), answer("99213")],
                   submitted) == [("unmatched", None), ("unmatched", None), ("procedure_and_date", 1),
                                  ("unmatched", None)]


def test_a_line_without_a_date_matches_on_the_procedure():
    assert methods([answer("99213", day=None)], [sent(1, "99213")]) == [("procedure_and_date", 1)]
