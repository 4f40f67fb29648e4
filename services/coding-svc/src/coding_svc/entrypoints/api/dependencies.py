"""``Annotated`` dependencies the coding routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coding_svc.adapters.reference import edit_engine
from coding_svc.domain.edits.engine import EditEngine

#: The edit families with their reference data (loaded once per process).
EditEngineDep = Annotated[EditEngine, Depends(edit_engine)]
