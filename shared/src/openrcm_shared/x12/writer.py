"""The segment writer: elements in, one delimited segment out, nothing escaped.

X12 has no escape character, so a value holding a separator would silently change the structure
the receiver reads. The writer refuses it instead (:class:`X12DataError` naming the element, never
the value). Trailing empty elements and components are dropped, as X12 requires.

An element is a ``str``, ``None`` (empty) or a tuple/list of ``str`` (a composite, joined by the
component separator). Segments are kept as strings and joined once: no object per segment. The
fast path is a segment of ``str`` elements only (``""`` for an empty one); hot loops should call
:meth:`SegmentWriter.add_composite` for segments that hold composites.
"""

from __future__ import annotations

from collections.abc import Sequence

from openrcm_shared.x12.errors import X12DataError
from openrcm_shared.x12.separators import DEFAULT_SEPARATORS, Separators

Element = str | Sequence[str | None] | None

_SEPARATOR_NAMES = ("element", "component", "repetition", "segment")


class SegmentWriter:
    __slots__ = ("separators", "_segments", "_element", "_component", "_repetition", "_terminator", "_line_break")

    def __init__(self, separators: Separators = DEFAULT_SEPARATORS, *, line_break: bool = False) -> None:
        self.separators = separators
        self._segments: list[str] = []
        self._element = separators.element
        self._component = separators.component
        # Without a repetition separator, checking for the terminator twice costs nothing and keeps one code path.
        self._repetition = separators.repetition or separators.segment
        self._terminator = separators.segment
        self._line_break = line_break

    def add(self, segment_id: str, *elements: Element) -> None:
        """Append one segment; raises X12DataError if a value contains a separator character."""
        element = self._element
        try:
            body = element.join(elements)  # type: ignore[arg-type]
        except TypeError:  # None or a composite among the elements
            self.add_composite(segment_id, *elements)
            return
        # Every element separator in the body must be one the join put there; no other separator may appear.
        if (body.count(element) != len(elements) - 1 or self._component in body or self._repetition in body
                or self._terminator in body):
            if elements:
                self._reject(segment_id, elements)
        body = body.rstrip(element)  # trailing empty elements: the data holds no element separator
        self._segments.append(segment_id + element + body if body else segment_id)

    def add_composite(self, segment_id: str, *elements: Element) -> None:
        """Same as :meth:`add`, quicker for a segment with composites (its fast path expects only ``str``)."""
        component = self._component
        parts = [segment_id]
        append = parts.append
        joins = 0
        for value in elements:
            if value.__class__ is str:
                append(value)  # type: ignore[arg-type]
            elif value is None:
                append("")
            elif isinstance(value, (tuple, list)):
                values = [v or "" for v in value]
                while values and not values[-1]:
                    values.pop()
                if values:
                    joins += len(values) - 1
                append(component.join(values))
            else:
                raise TypeError(f"{segment_id}{len(parts):02d}: an element is a str, None or a tuple of str, "
                                f"not {type(value).__name__}")
        while not parts[-1]:
            parts.pop()
        element = self._element
        text = element.join(parts)
        if (text.count(element) != len(parts) - 1 or text.count(component) != joins
                or self._repetition in text or self._terminator in text):
            self._reject(segment_id, elements)
        self._segments.append(text)

    def append_unchecked(self, text: str) -> None:
        """Append a finished segment as is: for the ISA, whose fields declare the separators themselves."""
        self._segments.append(text)

    def __len__(self) -> int:
        """How many segments have been written."""
        return len(self._segments)

    def getvalue(self) -> str:
        end = self._terminator + "\n" if self._line_break else self._terminator
        return end.join(self._segments) + end if self._segments else ""

    def _reject(self, segment_id: str, elements: tuple[Element, ...]) -> None:
        separators = (self.separators.element, self.separators.component, self.separators.repetition,
                      self.separators.segment)
        for position, value in enumerate(elements, start=1):
            named = [(f"{segment_id}{position:02d}", value)] if value is None or isinstance(value, str) else [
                (f"{segment_id}{position:02d}-{index}", part) for index, part in enumerate(value, start=1)
            ]
            for ref, text in named:
                for name, char in zip(_SEPARATOR_NAMES, separators):
                    if text and char and char in text:
                        raise X12DataError(ref, f"contains the {name} separator {char!r}; X12 cannot escape it")
        raise X12DataError(segment_id, "the segment id contains a separator")  # only the id is left
