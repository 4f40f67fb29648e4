"""The encounter aggregate: what the EHR sent, its coding status and its released revisions.

Two counters, not to be confused: ``version`` counts the documents the EHR sent (an amendment before
coding is the next version); ``revision`` counts the code sets released to billing (EncounterCoded).

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from openrcm_shared.contracts import (
    CodedServiceLine, Coverage, DenialRaised, Diagnosis, EncounterCoded, Patient, PartyName, Address, Provider,
)
from openrcm_shared.contracts.events import Department


class EncounterStatus(StrEnum):
    AWAITING_CODING = "awaiting_coding"
    CODED = "coded"
    REWORK = "rework"


class ProcedureLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedure_code: str
    code_system: str
    modifiers: tuple[str, ...]
    units: Decimal
    diagnosis_pointers: tuple[int, ...]
    service_date: date
    charge: Decimal | None


class ClinicalNote(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    author: str
    text: str


class EncounterDocument(BaseModel):
    """What the EHR sent, validated: demographics, coverages, providers, dates and any codes."""

    model_config = ConfigDict(frozen=True)

    source_system: str
    external_encounter_id: str
    patient: Patient
    coverages: tuple[Coverage, ...]
    billing_provider: Provider
    rendering_provider: Provider | None
    referring_provider: Provider | None
    facility_name: str | None
    place_of_service: str
    service_date_from: date
    service_date_to: date
    prior_authorization_number: str | None
    diagnoses: tuple[str, ...]
    lines: tuple[ProcedureLine, ...]
    guarantor: PartyName | None = None
    guarantor_address: Address | None = None
    notes: tuple[ClinicalNote, ...] = ()

    @property
    def carries_codes(self) -> bool:
        return bool(self.diagnoses) and bool(self.lines)

    def fingerprint(self) -> str:
        """sha256 of the canonical document (every field, notes included; numbers by value, so units
        "1" and "1.0" are the same): two sends with the same fingerprint are the same encounter."""
        canonical = json.dumps(
            self.model_dump(mode="python"), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
            default=_canonical_scalar,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical_scalar(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class EncounterVersion:
    """One document the EHR sent for the encounter, and when and by whom it was received."""

    version: int
    document: EncounterDocument
    received_at: datetime | None
    received_by: str | None


class EncounterAlreadyCoded(Exception):
    """A changed document for an encounter whose codes were already released: not an amendment."""

    def __init__(self, encounter: "Encounter") -> None:
        self.encounter_id = encounter.id
        self.status = encounter.status
        self.revision = encounter.revision
        self.coded_at = encounter.coded_at
        super().__init__(f"encounter {encounter.id} is {encounter.status.value} (revision {encounter.revision})")


@dataclass
class Encounter:
    id: uuid.UUID
    tenant_id: str
    document: EncounterDocument
    status: EncounterStatus
    revision: int = 0
    coded_at: datetime | None = None
    rework_reasons: list[dict[str, Any]] = field(default_factory=list)
    version: int = 1
    received_at: datetime | None = None
    received_by: str | None = None

    @classmethod
    def receive(
        cls, tenant_id: str, document: EncounterDocument, *, now: datetime | None = None, actor: str | None = None
    ) -> "Encounter":
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, document=document, status=EncounterStatus.AWAITING_CODING,
            received_at=now, received_by=actor,
        )

    @property
    def current_version(self) -> EncounterVersion:
        return EncounterVersion(self.version, self.document, self.received_at, self.received_by)

    def is_same_document(self, document: EncounterDocument) -> bool:
        return self.document.fingerprint() == document.fingerprint()

    def amend(self, document: EncounterDocument, *, now: datetime, actor: str) -> EncounterVersion:
        """Replace the document of an encounter not coded yet; returns the superseded version.

        Once codes were released (coded, or in rework after a denial) the EHR can no longer change
        what was billed: corrections are the coding department's, as a new revision.
        """
        if self.status != EncounterStatus.AWAITING_CODING:
            raise EncounterAlreadyCoded(self)
        superseded = self.current_version
        self.document = document
        self.version += 1
        self.received_at = now
        self.received_by = actor
        return superseded

    def release(self, now: datetime) -> EncounterCoded:
        """Release the codes to billing: the next revision, as the EncounterCoded event."""
        if not self.document.carries_codes:
            raise ValueError("an encounter without diagnoses and procedure lines cannot be released")
        self.revision += 1
        self.status = EncounterStatus.CODED
        self.coded_at = now
        doc = self.document
        return EncounterCoded(
            encounter_id=self.id,
            revision=self.revision,
            source_system=doc.source_system,
            external_encounter_id=doc.external_encounter_id,
            patient=doc.patient,
            guarantor=doc.guarantor,
            guarantor_address=doc.guarantor_address,
            coverages=list(doc.coverages),
            billing_provider=doc.billing_provider,
            rendering_provider=doc.rendering_provider,
            referring_provider=doc.referring_provider,
            facility_name=doc.facility_name,
            place_of_service=doc.place_of_service,
            service_date_from=doc.service_date_from,
            service_date_to=doc.service_date_to,
            prior_authorization_number=doc.prior_authorization_number,
            diagnoses=[Diagnosis(sequence=i, code=code) for i, code in enumerate(doc.diagnoses, start=1)],
            service_lines=[
                CodedServiceLine(
                    line_number=n, code_system=line.code_system, procedure_code=line.procedure_code,
                    modifiers=list(line.modifiers), units=line.units, diagnosis_pointers=list(line.diagnosis_pointers),
                    service_date=line.service_date, charge=line.charge,
                )
                for n, line in enumerate(doc.lines, start=1)
            ],
            coded_at=now,
        )

    def reopen_for_denial(self, denial: DenialRaised) -> bool:
        """A coding-owned denial sends the encounter back to coders. Returns False if not ours to rework."""
        if denial.owning_department != Department.CODING:
            return False
        self.status = EncounterStatus.REWORK
        self.rework_reasons.append(
            {
                "denial_id": str(denial.denial_id),
                "claim_id": str(denial.claim_id),
                "category": denial.category.value,
                "reason_codes": [f"{a.group.value}-{a.reason_code}" for a in denial.adjustments],
                "remark_codes": list(denial.remark_codes),
                "recommended_action": denial.recommended_action.value,
                "explanation": denial.explanation,
            }
        )
        return True
