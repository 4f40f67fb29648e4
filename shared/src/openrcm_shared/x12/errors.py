"""Errors of the X12 syntax layer. Messages name positions and element ids, never data values (PHI)."""

from __future__ import annotations


class X12Error(Exception):
    """Base class of X12 syntax errors."""


class X12SyntaxError(X12Error):
    """Incoming data is not well-formed X12 (no ISA, bad separators, a truncated last segment)."""


class X12DataError(X12Error, ValueError):
    """Outgoing data cannot be written as is, e.g. a value contains a separator character.

    ``element`` is the element reference, such as ``NM103`` or ``SV101-2``.
    """

    def __init__(self, element: str, problem: str) -> None:
        super().__init__(f"{element}: {problem}")
        self.element = element
        self.problem = problem
