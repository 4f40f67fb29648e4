"""Loads the ICD-10-CM FY2026 code set from the CMS tabular XML that `simple-icd-10-cm` ships.

Only the package's data files are read: ``simple_icd_10_cm`` itself is never imported (importing it
builds a ~200 MB object graph). ``importlib.util.find_spec`` locates the package directory without
running it; the tabular XML is streamed with ``iterparse`` (elements cleared as they are read) into
:class:`TabularEntry` values, and the code list next to it tells which 7th-character combinations
exist. :func:`load_icd10cm` does this once per process (about 2 s) and logs how long it took and the
process RSS after it.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import resource
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from coding_svc.domain.codesets.icd10cm import EntryKind, ICD10CMCodeSet, NoteKind, TabularEntry

log = logging.getLogger(__name__)

PACKAGE = "simple_icd_10_cm"

_NODE_KINDS = {"chapter": EntryKind.CHAPTER, "section": EntryKind.BLOCK, "diag": EntryKind.SUBCATEGORY}
_NOTE_KINDS = {
    "inclusionTerm": NoteKind.INCLUSION_TERM,
    "includes": NoteKind.INCLUDES,
    "excludes1": NoteKind.EXCLUDES1,
    "excludes2": NoteKind.EXCLUDES2,
    "codeFirst": NoteKind.CODE_FIRST,
    "useAdditionalCode": NoteKind.USE_ADDITIONAL_CODE,
    "codeAlso": NoteKind.CODE_ALSO,
    "sevenChrNote": NoteKind.SEVENTH_CHARACTER,
    "notes": NoteKind.NOTE,
}


@dataclass(frozen=True)
class SourceFiles:
    tabular: Path  # icd10c-tabular-<release>.xml
    code_list: Path | None  # code-list-<release>.txt: every valid code, without dots


def source_files() -> SourceFiles:
    """The data files inside the installed package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"the {PACKAGE!r} package (simple-icd-10-cm) is not installed")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    tabular = sorted(data.glob("*tabular*.xml"))
    if not tabular:
        raise LookupError(f"no tabular XML in {data}")
    code_lists = sorted(data.glob("code-list*.txt"))
    return SourceFiles(tabular=tabular[-1], code_list=code_lists[-1] if code_lists else None)


def _clean(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


@dataclass
class _OpenNode:
    tag: str
    index: int
    parent: int | None
    depth: int
    code: str = ""
    description: str = ""
    notes: list[tuple[NoteKind, str]] = field(default_factory=list)
    seventh: list[tuple[str, str]] = field(default_factory=list)

    def read_child(self, child: ET.Element) -> None:
        tag = child.tag
        if tag == "name":
            self.code = _clean(child.text)
        elif tag == "desc":
            self.description = _clean(child.text)
        elif tag in _NOTE_KINDS:
            kind = _NOTE_KINDS[tag]
            self.notes.extend((kind, _clean(note.text)) for note in child.iter("note") if _clean(note.text))
        elif tag == "sevenChrDef":
            for item in child:
                if item.tag == "extension":
                    self.seventh.append((item.get("char", ""), _clean(item.text)))
                elif item.tag == "note" and self.seventh:  # a second line of the extension above
                    char, meaning = self.seventh[-1]
                    self.seventh[-1] = (char, f"{meaning}/{_clean(item.text)}")

    def entry(self, element: ET.Element) -> TabularEntry:
        kind = _NODE_KINDS[self.tag]
        code = element.get("id", "") if kind == EntryKind.BLOCK else self.code
        if kind == EntryKind.SUBCATEGORY and len(code.replace(".", "")) == 3:
            kind = EntryKind.CATEGORY
        return TabularEntry(
            kind=kind, code=code, description=self.description, parent=self.parent,
            notes=tuple(self.notes), seventh_characters=tuple(self.seventh),
        )


def parse_tabular(path: Path) -> tuple[str, list[TabularEntry]]:
    """(version, entries in tabular order, parents first) from the CMS tabular XML, streamed."""
    version = ""
    entries: list[TabularEntry | None] = []
    open_nodes: list[_OpenNode] = []
    depth = 0
    for event, element in ET.iterparse(path, events=("start", "end")):
        if event == "start":
            if element.tag in _NODE_KINDS:
                parent = open_nodes[-1].index if open_nodes else None
                open_nodes.append(_OpenNode(element.tag, len(entries), parent, depth))
                entries.append(None)  # filled at the end tag, once its name and notes are read
            depth += 1
            continue
        depth -= 1
        if element.tag in _NODE_KINDS:
            node = open_nodes.pop()
            entries[node.index] = node.entry(element)
            element.clear()
        elif open_nodes and depth == open_nodes[-1].depth + 1:  # a direct child of the open node
            open_nodes[-1].read_child(element)
            element.clear()
        elif element.tag == "version" and not open_nodes:
            version = _clean(element.text)
    return version, [e for e in entries if e is not None]


def read_code_list(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            code = line.strip()
            if code:
                yield code


def build_code_set(files: SourceFiles) -> ICD10CMCodeSet:
    version, entries = parse_tabular(files.tabular)
    release = files.tabular.stem.split("tabular-")[-1]  # e.g. "April-1-2026"
    return ICD10CMCodeSet.build(
        entries, version=f"FY{version} ({release})" if version else release,
        valid_codes=read_code_list(files.code_list) if files.code_list else None,
    )


def process_rss_mb() -> float:
    """Resident set size of this process now (Linux), else its peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_lock = threading.Lock()


@functools.cache
def _load() -> ICD10CMCodeSet:
    started = time.perf_counter()
    code_set = build_code_set(source_files())
    log.info("ICD-10-CM code set loaded", extra={
        "version": code_set.version, "codes": len(code_set), "billable_codes": code_set.billable_count,
        "seconds": round(time.perf_counter() - started, 2), "rss_mb": round(process_rss_mb(), 1),
    })
    return code_set


def load_icd10cm() -> ICD10CMCodeSet:
    """The process's ICD-10-CM code set, built on the first call (thread-safe, once)."""
    with _lock:
        return _load()


def icd10cm_loaded() -> bool:
    return _load.cache_info().currsize > 0
