"""Formats of standard identifiers and code sets (syntax only, no payer or coding rules)."""

from __future__ import annotations

import re

_ICD10CM = re.compile(r"^[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?$")
# CPT: Category I (5 digits; ####A vaccine administration codes are Category I too), Category II (####F),
# Category III (####T), Proprietary Laboratory Analyses (####U), multianalyte assay administrative codes (####M).
_CPT = re.compile(r"^\d{4}[0-9AFMTU]$")
_CPT_KIND = {"F": "II", "T": "III", "U": "PLA", "M": "MAAA", "A": "I"}
_HCPCS = re.compile(r"^[A-CEGHJ-MP-V]\d{4}$")
_MODIFIER = re.compile(r"^[0-9A-Z]{2}$")


def npi_is_valid(npi: str) -> bool:
    """NPI check digit: Luhn over the number prefixed with 80840 (CMS NPI standard)."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    total = 24  # the prefix 80840 contributes 24 to the Luhn sum
    for index, char in enumerate(reversed(npi[:-1])):
        digit = int(char)
        if index % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(npi[-1])


def normalize_icd10(code: str) -> str:
    return code.strip().upper().replace(".", "")


def icd10_format_is_valid(code: str) -> bool:
    """ICD-10-CM shape (letter, digit, alphanumerics, 3-7 characters); codes without the dot."""
    return bool(_ICD10CM.match(normalize_icd10(code)))


def procedure_code_system(code: str) -> str | None:
    """'CPT' or 'HCPCS' by format, or None when the code has neither shape."""
    if _CPT.match(code):
        return "CPT"
    if _HCPCS.match(code):
        return "HCPCS"
    return None


def cpt_category(code: str) -> str | None:
    """The CPT category a code's shape puts it in: 'I', 'II', 'III', 'PLA' or 'MAAA'; None if not CPT-shaped."""
    if not _CPT.match(code):
        return None
    return _CPT_KIND.get(code[-1], "I")


def modifier_format_is_valid(modifier: str) -> bool:
    return bool(_MODIFIER.match(modifier))
