"""``Annotated`` dependencies the coding routes share."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coding_svc.adapters.reference import CodingReference, coding_reference
from coding_svc.domain.edits.engine import EditEngine
from openrcm_shared.runtime import get_runtime


async def _reference(request: Request) -> CodingReference:
    # A cache hit: the start-up hook (main.py) loaded it before the service took requests, so no
    # thread hop on the request path.
    return coding_reference(get_runtime(request).settings)


async def _edit_engine(reference: Annotated[CodingReference, Depends(_reference)]) -> EditEngine:
    return reference.edit_engine


#: ICD-10-CM and the CMS tables (loaded once per process).
CodingReferenceDep = Annotated[CodingReference, Depends(_reference)]
#: The edit families with their reference data.
EditEngineDep = Annotated[EditEngine, Depends(_edit_engine)]
