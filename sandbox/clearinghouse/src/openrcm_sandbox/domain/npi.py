"""The NPI check digit (CMS: Luhn over the 10 digits prefixed with the card issuer prefix 80840). Pure."""

from __future__ import annotations

_ISSUER_PREFIX = "80840"


def is_valid_npi(npi: str) -> bool:
    """True for ten digits whose last is the Luhn check digit of 80840 + the first nine."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    digits = [int(c) for c in _ISSUER_PREFIX + npi]
    total = 0
    # Luhn: from the right, every second digit (starting with the one left of the check digit) doubles.
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
