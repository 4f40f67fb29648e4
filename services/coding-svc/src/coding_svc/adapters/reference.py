"""The reference data coding edits run against, loaded once per process.

Each edit family is bound to its tables here; adding a family means adding it to ``edit_engine``.
"""

from __future__ import annotations

from functools import cache

from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.edits.lines import LineEdits


@cache
def edit_engine() -> EditEngine:
    return EditEngine([LineEdits()])
