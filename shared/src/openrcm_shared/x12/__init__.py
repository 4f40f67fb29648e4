"""X12 syntax layer: separators, a streaming segment reader, a segment writer, envelopes, control numbers.

Platform code only: each transaction's mapping (837P, 835, 999, 277CA) lives in the service that owns it.
"""

from openrcm_shared.x12.control_numbers import (
    MAX_CONTROL_NUMBER, ControlNumbers, ControlNumbersExhausted, EnvelopeNumbers, InMemoryControlNumbers,
    allocate_envelope_numbers,
)
from openrcm_shared.x12.envelope import GroupHeader, InterchangeHeader, InterchangeWriter
from openrcm_shared.x12.errors import X12DataError, X12Error, X12SyntaxError
from openrcm_shared.x12.reader import Segment, SegmentReader, components, read_segments, repetitions
from openrcm_shared.x12.separators import DEFAULT_SEPARATORS, Separators
from openrcm_shared.x12.values import d8, decimal_text, hhmm, money
from openrcm_shared.x12.writer import Element, SegmentWriter

__all__ = [
    "MAX_CONTROL_NUMBER", "ControlNumbers", "ControlNumbersExhausted", "EnvelopeNumbers", "InMemoryControlNumbers",
    "allocate_envelope_numbers", "GroupHeader", "InterchangeHeader", "InterchangeWriter", "X12DataError", "X12Error",
    "X12SyntaxError", "Segment", "SegmentReader", "components", "read_segments", "repetitions", "DEFAULT_SEPARATORS",
    "Separators", "Element", "SegmentWriter", "d8", "decimal_text", "hhmm", "money",
]
