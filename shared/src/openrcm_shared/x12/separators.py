"""The four delimiters of an interchange, as its ISA segment declares them.

ISA is fixed-width: the character after ``ISA`` is the element separator, ISA11 the repetition
separator (from version 00402 on; before that ISA11 is the standards identifier ``U``), ISA16 the
component separator, and the character right after ISA16 the segment terminator.
"""

from __future__ import annotations

from dataclasses import dataclass

from openrcm_shared.x12.errors import X12SyntaxError

#: Length of an ISA segment including its terminator when every field has its fixed width.
ISA_LENGTH = 106


@dataclass(frozen=True, slots=True)
class Separators:
    element: str
    component: str
    repetition: str | None  # None: the interchange declares none (version 00401, or ISA11 "U")
    segment: str

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char == " ":
                raise X12SyntaxError(f"a separator must be one character, not a letter, digit or space: {char!r}")
        if len(set(chars)) != len(chars):
            raise X12SyntaxError(f"separators must differ from each other: {chars!r}")

    @property
    def all(self) -> str:
        """Every separator character, for checking data."""
        return self.element + self.component + (self.repetition or "") + self.segment

    @classmethod
    def from_isa(cls, text: str) -> Separators:
        """Read the separators from text that starts with an ISA segment (its first ~106 characters)."""
        if not text.startswith("ISA") or len(text) < 4:
            raise X12SyntaxError("the interchange does not start with an ISA segment")
        element = text[3]
        fields = text.split(element, 16)  # "ISA", ISA01..ISA15, and ISA16 followed by the rest
        if len(fields) < 17 or len(fields[16]) < 2:
            raise X12SyntaxError("the ISA segment is truncated: it needs 16 elements and a segment terminator")
        version, isa11 = fields[12], fields[11]
        repetition = isa11 if version >= "00402" and len(isa11) == 1 and not isa11.isalnum() else None
        return cls(element=element, component=fields[16][0], repetition=repetition, segment=fields[16][1])


#: What OpenRCM writes: ``*`` elements, ``:`` components, ``^`` repetitions, ``~`` segments.
DEFAULT_SEPARATORS = Separators(element="*", component=":", repetition="^", segment="~")
