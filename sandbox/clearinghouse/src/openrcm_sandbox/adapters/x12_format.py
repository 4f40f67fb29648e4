"""Free text taken from other files, made safe for ours (values use openrcm_shared.x12.values)."""

from __future__ import annotations


_OUR_SEPARATORS = str.maketrans({"*": " ", ":": " ", "^": " ", "~": " "})


def text(value: str) -> str:
    """Free text (names) from a file written with other separators: ours become spaces, as X12 cannot escape."""
    return value.translate(_OUR_SEPARATORS).strip()
