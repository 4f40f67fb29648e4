"""The encounter aggregate: what the EHR sent, its coding status and its released revisions.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

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

    @property
    def carries_codes(self) -> bool:
        return bool(self.diagnoses) and bool(self.lines)


@dataclass
class Encounter:
    id: uuid.UUID
    tenant_id: str
    document: EncounterDocument
    status: EncounterStatus
    revision: int = 0
    coded_at: datetime | None = None
    rework_reasons: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def receive(cls, tenant_id: str, document: EncounterDocument) -> "Encounter":
        return cls(id=uuid.uuid4(), tenant_id=tenant_id, document=document, status=EncounterStatus.AWAITING_CODING)

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
