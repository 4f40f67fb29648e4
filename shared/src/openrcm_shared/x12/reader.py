"""A streaming segment reader: separators from the ISA, then one list of elements per segment.

A segment comes out as ``list[str]`` split on the element separator, so ``segment[0]`` is the
segment id and ``segment[n]`` element n (``segment[1]`` is NM101 of an NM1). Composites and
repetitions stay joined: split them with :func:`components` / :func:`repetitions` where needed.

Input is read in chunks, so a file of any size takes memory for one chunk plus one segment.
Line breaks (and other whitespace the X12 separators do not use) around segment terminators are
ignored, as partners often wrap after each ``~``.
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from typing import IO, Any

from openrcm_shared.x12.errors import X12SyntaxError
from openrcm_shared.x12.separators import ISA_LENGTH, Separators

Segment = list[str]

CHUNK_SIZE = 1 << 20
#: Skipped between segments: line breaks, and padding some systems put around or after the data.
_BETWEEN_SEGMENTS = "\r\n\t \x00\x1a\ufeff"


class SegmentReader:
    """Iterate the segments of one X12 file or string.

    ``source`` is X12 content (``str`` or ``bytes``), a path (``os.PathLike``, never a plain ``str``)
    or an open file (binary or text). Bytes are decoded with ``encoding``. ``separators`` is known
    once the reader is built (it reads the ISA straight away). Every ISA in the file must use the same
    separators. Iterate once.
    """

    def __init__(self, source: str | bytes | os.PathLike[str] | IO[Any], *, encoding: str = "utf-8",
                 chunk_size: int = CHUNK_SIZE) -> None:
        self._owned: IO[Any] | None = None
        if isinstance(source, os.PathLike):
            source = self._owned = open(source, "rb")  # noqa: SIM115 - closed by close()
        elif isinstance(source, bytes):
            source = io.BytesIO(source)
        elif isinstance(source, str):
            source = io.StringIO(source)
        self._file = source
        self._chunk_size = chunk_size
        self._decode = codecs.getincrementaldecoder(encoding)().decode
        try:
            self._buffer = self._read_head()
            self.separators = Separators.from_isa(self._buffer)
        except BaseException:
            self.close()
            raise

    def _read(self) -> str | None:
        """The next piece of text; None at the end of the input (a piece may be empty mid-character)."""
        chunk = self._file.read(self._chunk_size)
        if isinstance(chunk, str):  # a text file
            return chunk or None
        text = self._decode(chunk, final=not chunk)
        return None if not chunk and not text else text

    def _read_head(self) -> str:
        head = ""
        while len(head) < ISA_LENGTH:
            chunk = self._read()
            if chunk is None:
                break
            head = (head + chunk).lstrip(_BETWEEN_SEGMENTS)
        return head

    def __iter__(self) -> Iterator[Segment]:
        terminator, element = self.separators.segment, self.separators.element
        strip = _BETWEEN_SEGMENTS.replace(terminator, "").replace(element, "")
        buffer = self._buffer
        self._buffer = ""
        while True:
            pieces = buffer.split(terminator)
            buffer = pieces.pop()  # after the last terminator: the start of a segment still to be read
            for piece in pieces:
                piece = piece.strip(strip)
                if not piece:
                    continue
                if piece.startswith("ISA"):
                    self._check_isa(piece)
                yield piece.split(element)
            chunk = self._read()
            if chunk is None:
                break
            buffer += chunk
        if buffer.strip(strip):
            raise X12SyntaxError("the data ends without a segment terminator after its last segment")

    def _check_isa(self, isa: str) -> None:
        if Separators.from_isa(isa + self.separators.segment) != self.separators:
            raise X12SyntaxError("an ISA in this file declares separators different from the first one")

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> SegmentReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_segments(source: str | bytes | os.PathLike[str] | IO[Any], *, encoding: str = "utf-8") -> Iterator[Segment]:
    """The segments of ``source`` (see :class:`SegmentReader`), closing a file opened from a path."""
    with SegmentReader(source, encoding=encoding) as reader:
        yield from reader


def components(value: str, separators: Separators) -> list[str]:
    """The components of a composite element, e.g. ``HC:99213:25`` -> ``['HC', '99213', '25']``."""
    return value.split(separators.component)


def repetitions(value: str, separators: Separators) -> list[str]:
    """The repeats of a repeating element; the value itself when the interchange declares no repetition separator."""
    return value.split(separators.repetition) if separators.repetition else [value]
