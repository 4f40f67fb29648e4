"""The ICD-10-CM code set (FY2026): codes, billability, 7th characters, Excludes1, sequencing, search.

Built once from the entries of the CMS tabular list (an adapter parses the XML; see
``adapters/icd10cm_loader.py``) into compact, immutable in-memory tables:

- one row per chapter, block, category and subcategory, in tabular (pre-order) order, so a node's
  descendants are the contiguous rows ``index .. end``; a dict maps the code without its dot to its row;
- the codes completed by a 7th character (``S52.501A``, ``T81.4XXA``, ~51,000 of them) are *not*
  stored: they are recognised on lookup from their 6-character base and the inherited ``sevenChrDef``
  (the few combinations CMS leaves out, such as ``S06.0X7D``, are recorded as exceptions);
- Excludes1 notes are resolved at build time to row intervals, so a conflict check is a few integer
  comparisons per note up the ancestor chain;
- a word index (description words, and inclusion terms as a second tier) for search.

Conventions applied (ICD-10-CM Official Guidelines, section I.A):

- **Billable**: a category or subcategory with no more specific code below it and no 7th character
  requirement, or a code completed with a valid 7th character. Headers (``E11``, ``E11.6``) are not.
- **7th characters**: a ``sevenChrDef`` applies to every code below the category or subcategory that
  defines it (a lower definition replaces a higher one). A code shorter than 6 characters takes the
  placeholder ``X`` up to 6 characters before its 7th (``T81.4`` -> ``T81.4XXA``).
- **Excludes1**: a note applies to the code it is written under and to every code below it, block and
  chapter notes included (a note on ``E10`` applies to ``E10.9``). Two codes conflict when either's
  inherited Excludes1 notes cover the other. How notes are read: see :func:`excludes1_references`.
- **Sequencing** (whether a code may be first-listed), decided per code:

  * ``MANIFESTATION``: the code's title, or a parent category's, says "in ... classified elsewhere"
    (e.g. ``G63 Polyneuropathy in diseases classified elsewhere``). Guideline I.A.13: such codes are
    never permitted as first-listed or principal diagnosis (the Medicare Code Editor's manifestation edit).
  * ``CODE_FIRST``: otherwise, the nearest "Code first" note (the code's own or an ancestor's) asks
    unconditionally for the underlying condition ("Code first underlying disease", "Code first the
    underlying physiological condition" -- e.g. ``E08``, ``F06``, ``R65.2``). Notes qualified "if
    applicable", "if known" or "any associated", and notes about other things (the chemical and intent
    of a corrosion, a poisoning) do not count: they apply only when such a condition is documented.
  * ``ANY`` otherwise.

Pure domain code: no I/O.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from openrcm_shared.identifiers import normalize_icd10


class EntryKind(StrEnum):
    CHAPTER = "chapter"
    BLOCK = "block"  # a range of categories, e.g. E08-E13 ("section" in the XML)
    CATEGORY = "category"  # 3 characters
    SUBCATEGORY = "subcategory"  # 4 to 7 characters


class NoteKind(StrEnum):
    INCLUSION_TERM = "inclusion_term"
    INCLUDES = "includes"
    EXCLUDES1 = "excludes1"
    EXCLUDES2 = "excludes2"
    CODE_FIRST = "code_first"
    USE_ADDITIONAL_CODE = "use_additional_code"
    CODE_ALSO = "code_also"
    SEVENTH_CHARACTER = "seventh_character"
    NOTE = "note"


class Sequencing(StrEnum):
    ANY = "any"
    CODE_FIRST = "code_first"  # "Code first the underlying ...": list that condition first when documented
    MANIFESTATION = "manifestation"  # "in diseases classified elsewhere": never first-listed


class CodeStatus(StrEnum):
    BILLABLE = "billable"
    HEADER = "header"  # a category or subcategory with more specific codes below it
    SEVENTH_MISSING = "seventh_character_missing"  # S52.501, T81.4, T81.4XX
    SEVENTH_INVALID = "seventh_character_invalid"  # S52.501Z, T81.4A (placeholder X missing)
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class TabularEntry:
    """One node of the tabular list as the source gives it; the code set works out the rest.

    ``parent`` is the index of the parent entry in the same sequence (parents come first, in tabular
    order); ``notes`` are the node's own notes only; ``seventh_characters`` its own ``sevenChrDef``.
    """

    kind: EntryKind
    code: str  # as printed: "E11.9"; a block "E08-E13"; a chapter "4"
    description: str
    parent: int | None = None
    notes: tuple[tuple[NoteKind, str], ...] = ()
    seventh_characters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    kind: NoteKind
    text: str
    source: str  # the code the note is written under (a note on E11 applies to E11.9)


@dataclass(frozen=True, slots=True)
class SeventhCharacter:
    character: str
    meaning: str


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """What a coder sees for one code: the code with its dot, what it means and how it may be used."""

    code: str
    description: str
    billable: bool
    header: bool  # more specific codes exist below it
    seventh_character_required: bool
    seventh_characters: tuple[SeventhCharacter, ...]  # allowed 7th characters when one is required
    sequencing: Sequencing
    notes: tuple[Note, ...]  # from the category down to the code (block and chapter notes left out)

    @property
    def normalized(self) -> str:
        return self.code.replace(".", "")


@dataclass(frozen=True, slots=True)
class Validation:
    """The verdict on one code: ``code`` as given (normalized), ``base`` the row it rests on."""

    code: str
    status: CodeStatus
    base: str | None = None  # the code itself, the 6-character base of a 7th-character code, or None

    @property
    def valid(self) -> bool:
        return self.status == CodeStatus.BILLABLE


@dataclass(frozen=True, slots=True)
class Excludes1Conflict:
    """``owner``'s Excludes1 note ``note`` covers ``excluded`` (codes with their dots)."""

    owner: str
    excluded: str
    note: str


def display(normalized: str) -> str:
    """'E119' -> 'E11.9'; 'T814XXA' -> 'T81.4XXA'; 'E11' -> 'E11'."""
    return normalized if len(normalized) <= 3 else f"{normalized[:3]}.{normalized[3:]}"


# ---------------------------------------------------------------------------------------------------
# Excludes1 notes -> code references

@dataclass(frozen=True, slots=True)
class CodeReference:
    """A code, a category (``E11.-``) or a range (``E08-E13``) named in a note, normalized.

    ``qualifier`` narrows it, as the tabular list sometimes does:
    ``("at", 3, "42")`` "with .42"; ``("at", 4, "1")`` "with fifth character 1";
    ``("end", 0, "93")`` "with final characters -93"; ``("seventh", 6, "A")`` "with 7th character A".
    """

    first: str
    last: str
    qualifier: tuple[str, int, str] | None = None


_CODE_TOKEN = re.compile(r"(?<![0-9A-Za-z])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?![0-9A-Za-z])(\.?-)?")
_RANGE_GAP = re.compile(r"\s*(?:-+|–|to)?\s*")
_PARENTHESES = re.compile(r"\(([^()]*)\)")
_QUALIFIERS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(r"with\s+\.([0-9A-Z]{1,3})-?$"), "at", 3),
    (re.compile(r"with\s+(?:fifth|5th)[- ]characters?\s+\.?([0-9A-Z])$", re.I), "at", 4),
    (re.compile(r"with\s+fifth\s+to\s+sixth\s+characters\s+([0-9A-Z]{2})$", re.I), "at", 4),
    (re.compile(r"with\s+final\s+characters\s+-?([0-9A-Z]{1,3})$", re.I), "end", 0),
    (re.compile(r"with\s+(?:seventh|7th)\s+character\s+([A-Z0-9])$", re.I), "seventh", 6),
)


def excludes1_references(text: str) -> list[CodeReference] | None:
    """The codes an Excludes1 note points at, or None when the note cannot be read safely.

    Rules, from the shapes found in the FY2026 tabular list:

    - references are taken from the parenthesised groups that hold codes ("type 2 diabetes mellitus
      (E11.-)"); only when there is none, from the whole note ("injury to visual cortex S04.04-",
      "conditions classified in S06.1- to S06.6-"), so a code mentioned in the prose next to a
      parenthesised reference ("any type in A15 (J65)") is not taken for one;
    - ``X.-`` and ``X-`` name X and everything below it; ``A-B``, ``A--B``, ``A- - B`` and ``A- to B``
      are ranges from A to B inclusive, in tabular order (so ``M05-M14`` includes ``M1A``);
    - a trailing "with .42", "with fifth character 1", "with fifth to sixth characters 51", "with final
      characters -93" or "with 7th character A" narrows the reference before it; any other "with ..."
      ("with open fracture 7th character", "with ketoacidosis") makes the whole group unreadable and
      it is skipped: an unread reference misses a conflict, a misread one would block a valid claim.
    """
    groups = [g for g in _PARENTHESES.findall(text) if _CODE_TOKEN.search(g)]
    references: list[CodeReference] = []
    for group in groups or [text]:
        parsed = _group_references(group)
        if parsed is not None:
            references.extend(parsed)
    return references if references or not (groups or _CODE_TOKEN.search(text)) else None


def _group_references(group: str) -> list[CodeReference] | None:
    tokens = list(_CODE_TOKEN.finditer(group))
    references: list[CodeReference] = []
    i = 0
    while i < len(tokens):
        first = last = tokens[i]
        if i + 1 < len(tokens):
            gap = group[first.end():tokens[i + 1].start()]
            dash = bool(first.group(2)) or gap.strip() in ("-", "--", "–", "to")
            if dash and _RANGE_GAP.fullmatch(gap):
                i += 1
                last = tokens[i]
        following = group[last.end(): tokens[i + 1].start() if i + 1 < len(tokens) else len(group)]
        qualifier: tuple[str, int, str] | None = None
        tail = following.strip(" .,;:")
        if tail.lower().startswith("with"):
            qualifier = _qualifier(tail)
            if qualifier is None:
                return None
        references.append(CodeReference(
            normalize_icd10(first.group(1)), normalize_icd10(last.group(1)), qualifier,
        ))
        i += 1
    return references


def _qualifier(tail: str) -> tuple[str, int, str] | None:
    for pattern, kind, position in _QUALIFIERS:
        found = pattern.match(tail)
        if found:
            return kind, position, found.group(1).upper()
    return None


def _qualifier_test(qualifier: tuple[str, int, str]) -> Callable[[str], bool]:
    kind, position, value = qualifier
    if kind == "end":
        return lambda code: len(code) > 3 and code.endswith(value)
    return lambda code: code[position:position + len(value)] == value


# ---------------------------------------------------------------------------------------------------
# Words

_STOP_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "s", "the", "to"})
_WORD = re.compile(r"[a-z0-9]+")
_MANIFESTATION_TITLE = re.compile(r"\bin\b.*\bclassified elsewhere\b", re.I)
_UNDERLYING_FIRST = re.compile(r"^\W*(?:the\s+)?underlying\b", re.I)
_CONDITIONAL = re.compile(r"\bif (?:applicable|known|any|present)\b|\bany associated\b", re.I)
_CODE_QUERY = re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$")


def words(text: str) -> list[str]:
    """Lower-case ASCII words, without stop words: "Sjögren's syndrome" -> ['sjogren', 'syndrome']."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [w for w in _WORD.findall(folded) if w not in _STOP_WORDS]


def _code_first_status(notes: Sequence[str]) -> Sequencing:
    """Sequencing from a "Code first" note's lines (see the module docstring)."""
    if notes and _UNDERLYING_FIRST.match(notes[0]) and not _CONDITIONAL.search(" ".join(notes)):
        return Sequencing.CODE_FIRST
    return Sequencing.ANY


# ---------------------------------------------------------------------------------------------------
# The code set

_DIAG_KINDS = (EntryKind.CATEGORY, EntryKind.SUBCATEGORY)
_EMPTY: tuple = ()


class _Row:
    """One node of the tabular list (internal, compact)."""

    __slots__ = ("code", "norm", "description", "kind", "parent", "end", "leaf", "notes", "seventh",
                 "sequencing", "excludes1")

    def __init__(self, entry: TabularEntry, parent: int, seventh: tuple[SeventhCharacter, ...] | None) -> None:
        self.code = entry.code
        self.norm = entry.code.replace(".", "") if entry.kind in _DIAG_KINDS else ""
        self.description = entry.description
        self.kind = entry.kind
        self.parent = parent
        self.end = 0  # index of the last descendant (set once all rows exist)
        self.leaf = True
        self.notes = entry.notes or _EMPTY
        self.seventh = seventh  # inherited sevenChrDef, shared between rows
        self.sequencing = Sequencing.ANY
        self.excludes1: tuple[tuple[int, int, str, str], ...] = _EMPTY  # (first row, last row, 7th, note)

    @property
    def is_code(self) -> bool:
        return self.kind in _DIAG_KINDS

    @property
    def needs_seventh(self) -> bool:
        return self.leaf and self.seventh is not None

    @property
    def billable(self) -> bool:
        return self.leaf and self.seventh is None and self.kind in _DIAG_KINDS


class ICD10CMCodeSet:
    """An immutable ICD-10-CM code set. Build it with :meth:`build`; codes may be given with or
    without the dot, in any case."""

    def __init__(self) -> None:  # use build()
        self.version = ""
        self._rows: list[_Row] = []
        self._index: dict[str, int] = {}
        self._sorted_codes: list[str] = []
        self._seventh_exceptions: dict[int, frozenset[str]] = {}  # row -> 7th characters it really allows
        self._vocabulary: list[str] = []
        self._postings: list[tuple[array, array]] = []  # per word: rows (description), rows (inclusion terms)
        self.billable_count = 0
        self.unreadable_excludes1_notes = 0

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def build(
        cls, entries: Iterable[TabularEntry], *, version: str = "", valid_codes: Iterable[str] | None = None,
    ) -> ICD10CMCodeSet:
        """Build from tabular entries in tabular order. ``valid_codes``, when given, is the official
        list of valid codes (any length, without dots): 7th-character combinations the tabular
        definitions allow but the list leaves out become exceptions."""
        code_set = cls()
        code_set.version = version
        code_set._add_rows(entries)
        if valid_codes is not None:
            code_set._record_seventh_exceptions(valid_codes)
        code_set._resolve_excludes1()
        code_set._index_words()
        code_set._sorted_codes = sorted(code_set._index)
        code_set.billable_count = sum(
            len(code_set._allowed_seventh(i)) if row.needs_seventh else int(row.billable)
            for i, row in enumerate(code_set._rows)
        )
        return code_set

    def _add_rows(self, entries: Iterable[TabularEntry]) -> None:
        rows = self._rows
        seventh_tables: dict[tuple[tuple[str, str], ...], tuple[SeventhCharacter, ...]] = {}
        code_first: list[Sequencing] = []  # from the nearest "Code first" note, per row
        for i, entry in enumerate(entries):
            parent_index = -1 if entry.parent is None else entry.parent
            parent = rows[parent_index] if parent_index >= 0 else None
            if entry.seventh_characters:
                seventh = seventh_tables.setdefault(
                    entry.seventh_characters, tuple(SeventhCharacter(c, m) for c, m in entry.seventh_characters)
                )
            else:
                seventh = parent.seventh if parent is not None and parent.is_code else None
            row = _Row(entry, parent_index, seventh)
            own_code_first = [text for kind, text in row.notes if kind == NoteKind.CODE_FIRST]
            if own_code_first:
                code_first.append(_code_first_status(own_code_first))
            else:
                code_first.append(code_first[parent_index] if parent is not None else Sequencing.ANY)
            if row.is_code:
                manifestation = _MANIFESTATION_TITLE.search(row.description) or (
                    parent is not None and parent.sequencing == Sequencing.MANIFESTATION
                )
                row.sequencing = Sequencing.MANIFESTATION if manifestation else code_first[i]
                self._index.setdefault(row.norm, i)
            if parent is not None:
                parent.leaf = False
            rows.append(row)
        for i, row in enumerate(rows):
            row.end = i
        for i in range(len(rows) - 1, -1, -1):
            parent_index = rows[i].parent
            if parent_index >= 0 and rows[i].end > rows[parent_index].end:
                rows[parent_index].end = rows[i].end

    def _resolve_excludes1(self) -> None:
        for owner_index, row in enumerate(self._rows):
            resolved: list[tuple[int, int, str, str]] = []
            for kind, text in row.notes:
                if kind != NoteKind.EXCLUDES1:
                    continue
                references = excludes1_references(text)
                if references is None:
                    self.unreadable_excludes1_notes += 1
                    continue
                for reference in references:
                    for first, last, seventh in self._intervals(reference):
                        inside = owner_index <= first and last <= row.end
                        around = first <= owner_index and row.end <= last
                        if not (inside or around):  # a note never excludes its own code
                            resolved.append((first, last, seventh, text))
            if resolved:
                row.excludes1 = tuple(resolved)

    def _intervals(self, reference: CodeReference) -> Iterator[tuple[int, int, str]]:
        first = self._reference_row(reference.first)
        last = self._reference_row(reference.last)
        if first is None or last is None or first[0] > last[0]:
            return
        seventh = first[1]
        start, stop = first[0], self._rows[last[0]].end
        if reference.qualifier is None:
            yield start, stop, seventh
        elif reference.qualifier[0] == "seventh":
            yield start, stop, reference.qualifier[2]
        else:
            matches = _qualifier_test(reference.qualifier)
            covered = -1
            for i in range(start, stop + 1):
                row = self._rows[i]
                if i > covered and row.is_code and matches(row.norm):
                    covered = row.end
                    yield i, row.end, seventh

    def _reference_row(self, code: str) -> tuple[int, str] | None:
        """The row a referenced code names, and its 7th character when the reference has one."""
        index = self._index.get(code)
        if index is not None:
            return index, ""
        if len(code) == 7:
            validation = self.validate(code)
            if validation.status == CodeStatus.BILLABLE and validation.base is not None:
                return self._index[validation.base], code[6]
        return None

    def _record_seventh_exceptions(self, valid_codes: Iterable[str]) -> None:
        listed: dict[str, str] = {}
        for code in valid_codes:
            if len(code) == 7:
                listed[code[:6]] = listed.get(code[:6], "") + code[6]
        for i, row in enumerate(self._rows):
            if row.needs_seventh:
                allowed = frozenset(listed.get(row.norm.ljust(6, "X"), ""))
                if allowed != {s.character for s in row.seventh}:  # type: ignore[union-attr]
                    self._seventh_exceptions[i] = allowed

    def _index_words(self) -> None:
        description: dict[str, list[int]] = {}
        inclusion: dict[str, list[int]] = {}
        for i, row in enumerate(self._rows):
            if not row.is_code:
                continue
            own = set(words(row.description))
            for word in own:
                description.setdefault(word, []).append(i)
            for kind, text in row.notes:
                if kind in (NoteKind.INCLUSION_TERM, NoteKind.INCLUDES):
                    for word in set(words(text)) - own:
                        inclusion.setdefault(word, []).append(i)
                        own.add(word)
        self._vocabulary = sorted(description.keys() | inclusion.keys())
        self._postings = [
            (array("I", description.get(word, _EMPTY)), array("I", inclusion.get(word, _EMPTY)))
            for word in self._vocabulary
        ]

    # -- lookups --------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Categories, subcategories and codes in the tabular list (7th-character codes not counted)."""
        return len(self._index)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.validate(code).status in (
            CodeStatus.BILLABLE, CodeStatus.HEADER, CodeStatus.SEVENTH_MISSING,
        )

    def validate(self, code: str) -> Validation:
        """Is ``code`` a billable FY2026 code, and if not, why. About a microsecond."""
        norm = normalize_icd10(code)
        index = self._index.get(norm)
        if index is not None:
            row = self._rows[index]
            if row.billable:
                return Validation(norm, CodeStatus.BILLABLE, norm)
            return Validation(norm, CodeStatus.SEVENTH_MISSING if row.needs_seventh else CodeStatus.HEADER, norm)
        base_index = self._seventh_base(norm)
        if base_index is None:
            return Validation(norm, CodeStatus.UNKNOWN)
        base = self._rows[base_index].norm
        padded = base.ljust(6, "X")
        if len(norm) == 7 and norm[:6] == padded and norm[6] in self._allowed_seventh(base_index):
            return Validation(norm, CodeStatus.BILLABLE, base)
        if len(norm) < 7 and padded.startswith(norm):
            return Validation(norm, CodeStatus.SEVENTH_MISSING, base)
        return Validation(norm, CodeStatus.SEVENTH_INVALID, base)

    def _seventh_base(self, norm: str) -> int | None:
        """The leaf needing a 7th character that ``norm`` extends: S52501A -> S52501, T814XXA -> T814."""
        for length in range(min(len(norm), 6), 2, -1):
            index = self._index.get(norm[:length])
            if index is not None:
                return index if self._rows[index].needs_seventh else None
        return None

    def _allowed_seventh(self, index: int) -> frozenset[str] | tuple[str, ...]:
        exception = self._seventh_exceptions.get(index)
        if exception is not None:
            return exception
        return tuple(s.character for s in self._rows[index].seventh or _EMPTY)

    def lookup(self, code: str) -> CodeInfo | None:
        """A code of the tabular list (billable or not) or a valid 7th-character code; else None."""
        validation = self.validate(code)
        if validation.base is None or validation.status == CodeStatus.SEVENTH_INVALID:
            return None
        index = self._index[validation.base]
        if validation.status == CodeStatus.BILLABLE and validation.code != validation.base:
            return self._info(index, seventh=validation.code[6])
        return self._info(index)  # a row itself; a partly padded base (T78.2XX) is shown as T78.2

    def _info(self, index: int, seventh: str | None = None) -> CodeInfo:
        row = self._rows[index]
        notes: list[Note] = []
        for ancestor in reversed(list(self._code_ancestors(index))):
            notes.extend(Note(kind, text, ancestor.code) for kind, text in ancestor.notes)
        if seventh is not None:
            meaning = next(s.meaning for s in row.seventh or _EMPTY if s.character == seventh)
            return CodeInfo(
                code=display(row.norm.ljust(6, "X") + seventh), description=f"{row.description}, {meaning}",
                billable=True, header=False, seventh_character_required=False, seventh_characters=(),
                sequencing=row.sequencing, notes=tuple(notes),
            )
        allowed = self._allowed_seventh(index) if row.needs_seventh else ()
        return CodeInfo(
            code=row.code, description=row.description, billable=row.billable, header=not row.leaf,
            seventh_character_required=row.needs_seventh,
            seventh_characters=tuple(s for s in row.seventh or _EMPTY if s.character in allowed),
            sequencing=row.sequencing, notes=tuple(notes),
        )

    def _code_ancestors(self, index: int) -> Iterator[_Row]:
        """The row and its category/subcategory ancestors, nearest first."""
        while index >= 0 and self._rows[index].is_code:
            yield self._rows[index]
            index = self._rows[index].parent

    def children(self, code: str) -> tuple[CodeInfo, ...]:
        """The codes directly below a category or subcategory, in tabular order."""
        index = self._index.get(normalize_icd10(code))
        if index is None:
            return ()
        found = []
        child = index + 1
        while child <= self._rows[index].end:
            found.append(self._info(child))
            child = self._rows[child].end + 1
        return tuple(found)

    def billable_examples(self, code: str, limit: int = 3) -> tuple[CodeInfo, ...]:
        """Codes below a header to pick from: the least detailed first (E11 -> E11.8, E11.9, E11.00).
        Leaves that still need a 7th character count (their info says so)."""
        index = self._index.get(normalize_icd10(code))
        if index is None:
            return ()
        rows = self._rows
        leaves = [i for i in range(index + 1, rows[index].end + 1) if rows[i].leaf]
        leaves.sort(key=lambda i: (len(rows[i].norm), i))
        return tuple(self._info(i) for i in leaves[:limit])

    def completions(self, code: str) -> tuple[CodeInfo, ...]:
        """The valid 7th-character codes of a code that needs one (T81.4 -> T81.4XXA, T81.4XXD, T81.4XXS)."""
        validation = self.validate(code)
        if validation.base is None:
            return ()
        index = self._index[validation.base]
        if not self._rows[index].needs_seventh:
            return ()
        allowed = self._allowed_seventh(index)
        seventh = self._rows[index].seventh or _EMPTY
        return tuple(self._info(index, s.character) for s in seventh if s.character in allowed)

    def closest(self, code: str) -> CodeInfo | None:
        """The nearest existing code a mistyped one starts with (E11.99 -> E11.9), for suggestions."""
        norm = normalize_icd10(code)
        for length in range(min(len(norm), 7) - 1, 2, -1):
            index = self._index.get(norm[:length])
            if index is not None:
                return self._info(index)
        return None

    # -- Excludes1 ------------------------------------------------------------------------------

    def excludes1_conflict(self, a: str, b: str) -> bool:
        """True when either code's Excludes1 notes (its own or inherited) cover the other."""
        return self.excludes1_between(a, b) is not None

    def excludes1_between(self, a: str, b: str) -> Excludes1Conflict | None:
        """The Excludes1 note that forbids ``a`` with ``b`` (either way round), or None."""
        first, second = self._position(a), self._position(b)
        if first is None or second is None:
            return None
        return self._excluding(first, second) or self._excluding(second, first)

    def _position(self, code: str) -> tuple[int, str, str] | None:
        """(row, 7th character or '', code with its dot) for a code that rests on a row."""
        validation = self.validate(code)
        if validation.base is None or validation.status == CodeStatus.SEVENTH_INVALID:
            return None
        seventh = validation.code[6] if validation.code != validation.base and len(validation.code) == 7 else ""
        return self._index[validation.base], seventh, display(validation.code)

    def _excluding(self, owner: tuple[int, str, str], other: tuple[int, str, str]) -> Excludes1Conflict | None:
        index, seventh, _ = other
        row_index = owner[0]
        while row_index >= 0:
            row = self._rows[row_index]
            for first, last, required_seventh, note in row.excludes1:
                if first <= index <= last and (not required_seventh or required_seventh == seventh):
                    return Excludes1Conflict(owner=row.code, excluded=other[2], note=note)
            row_index = row.parent
        return None

    # -- search ---------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 20, offset: int = 0) -> list[CodeInfo]:
        """Codes matching ``query``, best first.

        A query that looks like a code ("E11.6", "e116", "T81.4XX") finds, in this order:
        1. the code itself (a 7th-character code too);
        2. codes starting with it, the shorter (more general) first, then in tabular order;
        3. for a code that needs a 7th character, its completed codes (S52.501 -> S52.501A ...).

        Otherwise the query is words ("diabetes kidney"); each word matches the words it starts,
        so "diab" finds "diabetes" and "diabetic". Ranked:
        4. codes whose description holds every word;
        5. codes whose description, inclusion terms and "Includes" notes together hold every word
           ("juvenile diabetes" -> E10);
        within each, billable codes first, then the shorter description, then tabular order.
        A code-like word among others narrows the search to that code's branch ("E11 kidney").
        """
        wanted = offset + limit
        tokens = query.split()
        prefixes = [normalize_icd10(t) for t in tokens if _CODE_QUERY.match(normalize_icd10(t))]
        if len(tokens) == 1 and prefixes:
            found = self._search_code(prefixes[0], wanted)
        else:
            terms = [w for t in tokens if not _CODE_QUERY.match(normalize_icd10(t)) for w in words(t)]
            found = self._search_words(terms, prefixes[0] if prefixes else "", wanted) if terms else []
        return found[offset:wanted]

    def _search_code(self, prefix: str, wanted: int) -> list[CodeInfo]:
        found: list[CodeInfo] = []
        exact = self.lookup(prefix)
        if exact is not None:
            found.append(exact)
        start = bisect_left(self._sorted_codes, prefix)
        stop = start
        while stop < len(self._sorted_codes) and self._sorted_codes[stop].startswith(prefix):
            stop += 1
        below = [self._index[c] for c in self._sorted_codes[start:stop] if c != prefix]
        below.sort(key=lambda i: (len(self._rows[i].norm), i))
        found.extend(self._info(i) for i in below[:wanted])
        if len(found) < wanted:
            found.extend(c for c in self.completions(prefix) if c.normalized.startswith(prefix) and c != exact)
        return found[:wanted]

    def _search_words(self, terms: list[str], prefix: str, wanted: int) -> list[CodeInfo]:
        in_description: list[set[int]] = []
        anywhere: list[set[int]] = []
        for term in terms:
            description: set[int] = set()
            inclusion: set[int] = set()
            i = bisect_left(self._vocabulary, term)
            while i < len(self._vocabulary) and self._vocabulary[i].startswith(term):
                description.update(self._postings[i][0])
                inclusion.update(self._postings[i][1])
                i += 1
            in_description.append(description)
            anywhere.append(description | inclusion)
        first = set.intersection(*in_description)
        second = set.intersection(*anywhere) - first
        if prefix:
            first = {i for i in first if self._rows[i].norm.startswith(prefix)}
            second = {i for i in second if self._rows[i].norm.startswith(prefix)}
        ranked: list[int] = []
        for tier in (first, second):
            ranked.extend(heapq.nsmallest(wanted - len(ranked), tier, key=self._word_rank))
        return [self._info(i) for i in ranked]

    def _word_rank(self, index: int) -> tuple[bool, int, int]:
        row = self._rows[index]
        return not (row.billable or row.needs_seventh), len(row.description), index
