"""HTTP request and response bodies of coding-svc (separate from tables and event contracts)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from coding_svc.domain.encounter import ClinicalNote, Encounter, EncounterDocument, EncounterVersion, ProcedureLine
from openrcm_shared.contracts import Address, Coverage, PartyName, Patient, Provider, Subscriber
from openrcm_shared.identifiers import (
    icd10_format_is_valid, modifier_format_is_valid, normalize_icd10, npi_is_valid, procedure_code_system,
)

RELATIONSHIP_CODES = ("18", "01", "19", "20", "21", "39", "40", "53", "G8")


def _npi(value: str) -> str:
    if not npi_is_valid(value):
        raise ValueError("is not a valid NPI (10 digits with a correct check digit)")
    return value


def _icd10(value: str) -> str:
    if not icd10_format_is_valid(value):
        raise ValueError("is not an ICD-10-CM code (e.g. E11.9)")
    return normalize_icd10(value)


def _procedure(value: str) -> str:
    value = value.strip().upper()
    if procedure_code_system(value) is None:
        raise ValueError("is not a CPT (5 characters) or HCPCS Level II (letter + 4 digits) code")
    return value


def _modifier(value: str) -> str:
    value = value.strip().upper()
    if not modifier_format_is_valid(value):
        raise ValueError("is not a modifier (2 letters or digits)")
    return value


Npi = Annotated[str, AfterValidator(_npi)]
Icd10 = Annotated[str, AfterValidator(_icd10)]
ProcedureCode = Annotated[str, AfterValidator(_procedure)]
Modifier = Annotated[str, AfterValidator(_modifier)]
Text = Annotated[str, Field(min_length=1, max_length=100)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddressIn(_In):
    line1: Text
    line2: str | None = Field(default=None, max_length=100)
    city: Text
    state: str = Field(pattern=r"^[A-Z]{2}$")
    postal_code: str = Field(pattern=r"^\d{5}(\d{4})?$")


class NameIn(_In):
    last: Text
    first: str | None = Field(default=None, max_length=60)
    middle: str | None = Field(default=None, max_length=60)
    suffix: str | None = Field(default=None, max_length=10)


class PatientIn(_In):
    patient_id: str = Field(min_length=1, max_length=64, description="The practice's patient id (MRN).")
    name: NameIn
    date_of_birth: date
    sex: Literal["M", "F", "U"]
    address: AddressIn | None = None
    phone: str | None = Field(default=None, pattern=r"^\d{10}$")


class SubscriberIn(_In):
    name: NameIn
    date_of_birth: date | None = None
    sex: Literal["M", "F", "U"] | None = None
    address: AddressIn | None = None


class CoverageIn(_In):
    sequence: Literal["primary", "secondary", "tertiary"]
    payer_id: str = Field(min_length=1, max_length=80)
    payer_name: Text
    member_id: str = Field(min_length=1, max_length=80)
    group_number: str | None = Field(default=None, max_length=50)
    relationship_to_subscriber: Literal[RELATIONSHIP_CODES] = Field(  # type: ignore[valid-type]
        description="X12 code: 18 self, 01 spouse, 19 child, 20 employee, 21 unknown, 39 organ donor, "
        "40 cadaver donor, 53 life partner, G8 other."
    )
    subscriber: SubscriberIn | None = Field(
        default=None, validate_default=True, description="Required unless the patient is the subscriber (18)."
    )

    @field_validator("subscriber", mode="after")
    @classmethod
    def _subscriber_needed(cls, subscriber: SubscriberIn | None, info: ValidationInfo) -> SubscriberIn | None:
        # Reported at /coverages/N/subscriber; skipped when the relationship code itself is bad.
        relationship = info.data.get("relationship_to_subscriber")
        if subscriber is None and relationship is not None and relationship != "18":
            raise ValueError("is required when the patient is not the subscriber (relationship other than 18)")
        return subscriber


class ProviderIn(_In):
    npi: Npi
    name: NameIn | None = None
    organization_name: str | None = Field(default=None, max_length=100)
    taxonomy: str | None = Field(default=None, pattern=r"^[0-9A-Z]{9}X$")
    tax_id: str | None = Field(default=None, pattern=r"^\d{9}$")
    address: AddressIn | None = None

    @model_validator(mode="after")
    def _named(self) -> "ProviderIn":
        if self.name is None and self.organization_name is None:
            raise ValueError("a provider needs a person name or an organization name")
        return self


class ServiceLineIn(_In):
    procedure_code: ProcedureCode
    modifiers: list[Modifier] = Field(default_factory=list, max_length=4)
    units: Decimal = Field(default=Decimal("1"), gt=0, max_digits=9, decimal_places=3)
    diagnosis_pointers: list[Annotated[int, Field(ge=1, le=12)]] = Field(min_length=1, max_length=4)
    service_date: date | None = Field(default=None, description="Defaults to service_date_from.")
    charge: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class NoteIn(_In):
    type: str = Field(min_length=1, max_length=60)
    author: str = Field(min_length=1, max_length=100)
    text: str = Field(min_length=1, max_length=100_000)


class EncounterIn(_In):
    source_system: str = Field(min_length=1, max_length=60, description="The sending EHR.")
    external_encounter_id: str = Field(min_length=1, max_length=80, description="The EHR's id of the encounter.")
    patient: PatientIn
    guarantor: NameIn | None = None
    guarantor_address: AddressIn | None = None
    coverages: list[CoverageIn] = Field(default_factory=list, max_length=3, description="Empty for self-pay.")
    billing_provider: ProviderIn
    rendering_provider: ProviderIn | None = None
    referring_provider: ProviderIn | None = None
    facility_name: str | None = Field(default=None, max_length=100)
    place_of_service: str = Field(pattern=r"^\d{2}$", description="CMS place of service code, e.g. 11 office.")
    service_date_from: date
    service_date_to: date | None = Field(default=None, description="Defaults to service_date_from.")
    prior_authorization_number: str | None = Field(default=None, max_length=50)
    notes: list[NoteIn] = Field(default_factory=list, max_length=50)
    diagnoses: list[Icd10] = Field(default_factory=list, max_length=12, description="ICD-10-CM, first-listed first.")
    service_lines: list[ServiceLineIn] = Field(default_factory=list, max_length=50)

    def to_document(self) -> EncounterDocument:
        date_to = self.service_date_to or self.service_date_from
        return EncounterDocument(
            source_system=self.source_system,
            external_encounter_id=self.external_encounter_id,
            patient=Patient.model_validate(self.patient.model_dump()),
            guarantor=PartyName.model_validate(self.guarantor.model_dump()) if self.guarantor else None,
            guarantor_address=Address.model_validate(self.guarantor_address.model_dump()) if self.guarantor_address else None,
            coverages=tuple(self._coverage(c) for c in self.coverages),
            billing_provider=Provider.model_validate(self.billing_provider.model_dump()),
            rendering_provider=Provider.model_validate(self.rendering_provider.model_dump()) if self.rendering_provider else None,
            referring_provider=Provider.model_validate(self.referring_provider.model_dump()) if self.referring_provider else None,
            facility_name=self.facility_name,
            place_of_service=self.place_of_service,
            service_date_from=self.service_date_from,
            service_date_to=date_to,
            prior_authorization_number=self.prior_authorization_number,
            diagnoses=tuple(self.diagnoses),
            notes=tuple(ClinicalNote(type=n.type, author=n.author, text=n.text) for n in self.notes),
            lines=tuple(
                ProcedureLine(
                    procedure_code=line.procedure_code,
                    code_system=procedure_code_system(line.procedure_code) or "CPT",
                    modifiers=tuple(line.modifiers),
                    units=line.units,
                    diagnosis_pointers=tuple(line.diagnosis_pointers),
                    service_date=line.service_date or self.service_date_from,
                    charge=line.charge,
                )
                for line in self.service_lines
            ),
        )

    def _coverage(self, coverage: CoverageIn) -> Coverage:
        if coverage.subscriber is not None:
            subscriber = Subscriber.model_validate(coverage.subscriber.model_dump())
        else:  # the patient is the subscriber
            subscriber = Subscriber(
                name=PartyName.model_validate(self.patient.name.model_dump()),
                date_of_birth=self.patient.date_of_birth, sex=self.patient.sex,
                address=Address.model_validate(self.patient.address.model_dump()) if self.patient.address else None,
            )
        data: dict[str, Any] = coverage.model_dump(exclude={"subscriber"})
        return Coverage(**data, subscriber=subscriber)


class EncounterOut(BaseModel):
    id: uuid.UUID
    status: str
    revision: int = Field(description="Code sets released to billing (EncounterCoded); 0 until coded.")
    version: int = Field(description="Documents received from the EHR: 1, plus one per amendment before coding.")
    coded_at: datetime | None
    source_system: str
    external_encounter_id: str
    patient: Patient
    coverages: list[Coverage]
    billing_provider: Provider
    rendering_provider: Provider | None
    place_of_service: str
    service_date_from: date
    service_date_to: date
    diagnoses: list[str]
    service_lines: list[ProcedureLine]
    rework_reasons: list[dict[str, Any]]

    @classmethod
    def of(cls, encounter: Encounter) -> "EncounterOut":
        doc = encounter.document
        return cls(
            id=encounter.id, status=encounter.status.value, revision=encounter.revision, version=encounter.version,
            coded_at=encounter.coded_at,
            source_system=doc.source_system, external_encounter_id=doc.external_encounter_id, patient=doc.patient,
            coverages=list(doc.coverages), billing_provider=doc.billing_provider,
            rendering_provider=doc.rendering_provider, place_of_service=doc.place_of_service,
            service_date_from=doc.service_date_from, service_date_to=doc.service_date_to,
            diagnoses=list(doc.diagnoses), service_lines=list(doc.lines), rework_reasons=encounter.rework_reasons,
        )


class EncounterVersionOut(BaseModel):
    version: int
    current: bool
    received_at: datetime | None
    received_by: str | None = Field(description="The token subject that sent this version.")
    document: EncounterDocument

    @classmethod
    def of(cls, version: EncounterVersion, *, current: bool) -> "EncounterVersionOut":
        return cls(version=version.version, current=current, received_at=version.received_at,
                   received_by=version.received_by, document=version.document)


class EncounterVersionsOut(BaseModel):
    encounter_id: uuid.UUID
    versions: list[EncounterVersionOut] = Field(description="Oldest first; the last is the current document.")


MAX_BULK_ITEMS = 1000


class BulkEncountersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    encounters: list[Any] = Field(
        min_length=1, max_length=MAX_BULK_ITEMS,
        description=f"Up to {MAX_BULK_ITEMS} encounters, each shaped like the body of POST /v1/encounters. "
        "Each is validated and stored on its own.",
        json_schema_extra={"items": {"$ref": "#/components/schemas/EncounterIn"}},
    )


BulkItemStatus = Literal["created", "unchanged", "amended", "invalid", "conflict", "failed"]


class BulkItemResult(BaseModel):
    index: int = Field(description="Position of the item in the request, from 0.")
    status: BulkItemStatus
    encounter_id: uuid.UUID | None = None
    version: int | None = None
    detail: str | None = None
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="For invalid items: problems with JSON pointers relative to the item."
    )


class BulkEncountersOut(BaseModel):
    results: list[BulkItemResult]
    counts: dict[str, int] = Field(description="How many items ended in each status.")
