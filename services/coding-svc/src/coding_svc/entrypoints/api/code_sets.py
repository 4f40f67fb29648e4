"""Reference code sets for coders: ICD-10-CM FY2026 search and look-up (read-only, no patient data).

The code set is part of the coding reference data, loaded once per process at start-up
(``coding_svc.adapters.reference.warm_up``, a ``ServiceDefinition.startup`` hook).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from coding_svc.domain.codesets.icd10cm import CodeInfo, ICD10CMCodeSet, NoteKind, Sequencing
from coding_svc.entrypoints.api.dependencies import CodingReferenceDep
from openrcm_shared.auth import Role, TenantContext, require_roles
from openrcm_shared.pagination import Page, PageParams
from openrcm_shared.problems import InvalidInput, NotFound

router = APIRouter(prefix="/v1/code-sets", tags=["code sets"])

CanRead = Annotated[
    TenantContext,
    Depends(require_roles(Role.CODER, Role.CODING_AUDITOR, Role.PRACTICE_ADMIN, Role.BILLER, Role.EHR_INTEGRATION)),
]

MAX_SEARCH_RESULTS = 100
_PROBLEM = {"content": {"application/problem+json": {}}}


async def _icd10cm(reference: CodingReferenceDep) -> ICD10CMCodeSet:
    return reference.icd10cm


ICD10CMDep = Annotated[ICD10CMCodeSet, Depends(_icd10cm)]


class SeventhCharacterOut(BaseModel):
    character: str
    meaning: str


class NoteOut(BaseModel):
    kind: NoteKind
    text: str
    source: str  # the code the note is written under; it applies to every code below it


class CodeOut(BaseModel):
    code: str
    description: str
    billable: bool
    header: bool
    seventh_character_required: bool
    seventh_characters: list[SeventhCharacterOut]
    sequencing: Sequencing
    notes: list[NoteOut]

    @classmethod
    def of(cls, info: CodeInfo) -> CodeOut:
        return cls(
            code=info.code, description=info.description, billable=info.billable, header=info.header,
            seventh_character_required=info.seventh_character_required,
            seventh_characters=[
                SeventhCharacterOut(character=s.character, meaning=s.meaning) for s in info.seventh_characters
            ],
            sequencing=info.sequencing,
            notes=[NoteOut(kind=n.kind, text=n.text, source=n.source) for n in info.notes],
        )


class CodeBriefOut(BaseModel):
    code: str
    description: str
    billable: bool


class CodeDetailOut(CodeOut):
    version: str
    more_specific: list[CodeBriefOut]  # the codes directly below a header, or the 7th-character codes


@router.get(
    "/icd10cm", response_model=Page[CodeOut], summary="Search ICD-10-CM FY2026 by code or words",
    description="`q` is a code or code prefix (`E11.6`, `e116`) or words (`diabetes kidney`; each word also "
    "matches words it begins). Ranked: the exact code, codes starting with it (shorter first), then codes whose "
    "description holds every word, then codes whose inclusion terms complete the match; billable codes and "
    "shorter descriptions first. A code among words (`E11 kidney`) narrows the search to that branch.",
    responses={422: {"description": "`q` is missing or blank, or `limit`/`offset` out of range.", **_PROBLEM}},
)
async def search_icd10cm(
    ctx: CanRead,
    code_set: ICD10CMDep,
    q: Annotated[str, Query(max_length=200, description="A code, a code prefix or words.")],
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS, description="Results per page.")] = 20,
    offset: Annotated[int, Query(ge=0, le=1000, description="Results to skip.")] = 0,
) -> Page[CodeOut]:
    if not q.strip():
        raise InvalidInput(
            "Give a code or words to search for.",
            errors=[{"pointer": "/q", "location": "query", "message": "must not be blank", "code": "blank"}],
        )
    found = code_set.search(q, limit=limit + 1, offset=offset)
    return Page.of([CodeOut.of(info) for info in found], PageParams(limit=limit, offset=offset))


@router.get(
    "/icd10cm/{code}", response_model=CodeDetailOut, summary="One ICD-10-CM FY2026 code",
    description="With or without the dot, any case. Codes completed by a 7th character (`S52.501A`) are found "
    "too. Headers and codes that still need a 7th character are answered with `billable: false` and the codes "
    "to choose from in `more_specific`.",
    responses={404: {"description": "Not an ICD-10-CM FY2026 code.", **_PROBLEM}},
)
async def get_icd10cm(
    ctx: CanRead, code_set: ICD10CMDep, code: Annotated[str, Path(max_length=16)],
) -> CodeDetailOut:
    info = code_set.lookup(code)
    if info is None:
        raise NotFound("Not an ICD-10-CM FY2026 code (nor a category of one). Search with ?q= to find the code.")
    more_specific = code_set.completions(info.code) if info.seventh_character_required else code_set.children(info.code)
    return CodeDetailOut(
        **CodeOut.of(info).model_dump(), version=code_set.version,
        more_specific=[
            CodeBriefOut(code=c.code, description=c.description, billable=c.billable) for c in more_specific
        ],
    )
