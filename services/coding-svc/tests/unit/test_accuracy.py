"""Coding accuracy against a hand-computed example (the figures are worked out in the comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from coding_svc.domain.accuracy import CoderQuality, CodingError, compare, selected_for_audit
from coding_svc.domain.encounter import CodeSet, ProcedureLine

DOS = date(2026, 10, 5)


def line(code: str, *pointers: int, units: str = "1", modifiers: tuple[str, ...] = ()) -> ProcedureLine:
    return ProcedureLine(procedure_code=code, code_system="CPT", modifiers=modifiers, units=Decimal(units),
                         diagnosis_pointers=pointers, service_date=DOS, charge=None)


def answer(diagnoses: list[str], *lines: ProcedureLine) -> CodeSet:
    return CodeSet(diagnoses=tuple(d.replace(".", "") for d in diagnoses), lines=lines)


# Encounter 1: E11.9 for E11.65 (same category: wrong code), 99214 for 99213 (wrong code);
# I10 and 36415 agree. The 36415 line points at E11.9, the counterpart of E11.65: no pointer error.
# Codes: coder 4, auditor 4, matched 2.
ENCOUNTER_1 = (
    answer(["E11.9", "I10"], line("99214", 1, 2), line("36415", 1)),
    answer(["E11.65", "I10"], line("99213", 1, 2), line("36415", 1)),
)
# Encounter 2: J06.9 where the auditor coded J02.0 (different categories: one extra, one missing);
# 99213 carries a 25 the auditor did not use (wrong modifier); 87880 billed 2 units for 1 (wrong
# units); 99401 was not performed (extra). Codes: coder 4, auditor 3, matched 2.
ENCOUNTER_2 = (
    answer(["J06.9"], line("99213", 1, modifiers=("25",)), line("87880", 1, units="2"), line("99401", 1)),
    answer(["J02.0"], line("99213", 1), line("87880", 1)),
)
# Encounter 3: identical, but the coder listed the diagnoses in another order and the line points at
# the same diagnosis by another position: exact. Codes: coder 3, auditor 3, matched 3.
ENCOUNTER_3 = (
    answer(["Z00.00", "Z13.220"], line("99395", 1, 2)),
    answer(["Z13.220", "Z00.00"], line("99395", 2, 1)),
)


def test_encounter_1_counts_each_mistake_once():
    result = compare(*ENCOUNTER_1)
    assert (result.matched_codes, result.coder_codes, result.auditor_codes) == (2, 4, 4)
    assert result.error_counts() == {CodingError.WRONG_CODE: 2}
    assert {(d.coder_code, d.auditor_code) for d in result.discrepancies} == {("E119", "E1165"), ("99214", "99213")}


def test_encounter_2_modifier_units_and_extras():
    result = compare(*ENCOUNTER_2)
    assert (result.matched_codes, result.coder_codes, result.auditor_codes) == (2, 4, 3)
    assert result.error_counts() == {
        CodingError.EXTRA: 2, CodingError.MISSING: 1, CodingError.WRONG_MODIFIER: 1, CodingError.WRONG_UNITS: 1,
    }


def test_reordered_diagnoses_with_matching_pointers_are_exact():
    assert compare(*ENCOUNTER_3).is_exact


def test_a_pointer_to_another_diagnosis_both_coded_is_a_wrong_pointer():
    coder = answer(["E11.9", "I10"], line("99213", 2))
    auditor = answer(["E11.9", "I10"], line("99213", 1))
    assert compare(coder, auditor).error_counts() == {CodingError.WRONG_POINTER: 1}


def test_a_missing_line_is_missing():
    result = compare(answer(["I10"]), answer(["I10"], line("93000", 1)))
    assert result.error_counts() == {CodingError.MISSING: 1}
    assert (result.matched_codes, result.coder_codes, result.auditor_codes) == (1, 1, 2)


def test_per_coder_figures_match_the_hand_computed_example():
    quality = CoderQuality("coder-a")
    for encounter in (ENCOUNTER_1, ENCOUNTER_2, ENCOUNTER_3):
        quality.add_audit(compare(*encounter))
    for seconds in (600, 900, 1200, 900):  # four releases, 3,600 s of work
        quality.add_release(seconds)
    # matched 2 + 2 + 3 = 7; coder codes 4 + 4 + 3 = 11; auditor codes 4 + 3 + 3 = 10
    assert quality.precision == Decimal("0.6364")  # 7 / 11
    assert quality.recall == Decimal("0.7000")  # 7 / 10
    assert (quality.encounters_audited, quality.encounters_exact) == (3, 1)
    assert quality.errors == {
        CodingError.WRONG_CODE: 2, CodingError.EXTRA: 2, CodingError.MISSING: 1,
        CodingError.WRONG_MODIFIER: 1, CodingError.WRONG_UNITS: 1,
    }
    assert quality.hours_worked == Decimal("1.00") and quality.encounters_per_hour == Decimal("4.00")


def test_no_audits_means_no_precision_rather_than_zero():
    quality = CoderQuality("coder-b")
    assert quality.precision is None and quality.recall is None and quality.encounters_per_hour is None


def test_audit_sampling_is_stable_and_close_to_the_percentage():
    picks = [selected_for_audit("t1", f"enc-{i}", 1, Decimal("10")) for i in range(20_000)]
    assert 1_800 < sum(picks) < 2_200
    assert picks == [selected_for_audit("t1", f"enc-{i}", 1, Decimal("10")) for i in range(20_000)]
    assert not any(selected_for_audit("t1", f"enc-{i}", 1, Decimal("0")) for i in range(1_000))
    assert all(selected_for_audit("t1", f"enc-{i}", 1, Decimal("100")) for i in range(1_000))
