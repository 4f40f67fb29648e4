"""HTTP request and response bodies of coding-svc (separate from tables and event contracts)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from coding_svc.application.coding_work import EnteredCodes
from coding_svc.domain.edits.engine import EditReport
from coding_svc.domain.edits.findings import Finding
from coding_svc.domain.encounter import (
    ClinicalNote, Encounter, EncounterDocument, EncounterVersion, LineEntry, ProcedureLine,
)
from coding_svc.domain.physician_query import PhysicianQuery, aging_bucket
from coding_svc.domain.policy import (
    DEFAULT_AUDIT_SAMPLE_PERCENT, DEFAULT_CLAIM_MINUTES, DEFAULT_FILING_DAYS, CodingPolicy,
)
from coding_svc.domain.work_queue import QueueItem
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
    insurance_type_code: Literal["12", "13", "14", "15", "16", "41", "42", "43", "47"] | None = Field(
        default=None,
        description="For a Medicare coverage that is not primary: why (Medicare Secondary Payer type, X12 SBR05): "
        "12 working aged, 13 ESRD, 14 no-fault, 15 workers' compensation, 16 public health service, "
        "41 black lung, 42 veterans, 43 disability, 47 other liability.",
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

    def to_entry(self) -> LineEntry:
        return LineEntry(
            procedure_code=self.procedure_code, code_system=procedure_code_system(self.procedure_code) or "CPT",
            modifiers=tuple(self.modifiers), units=self.units, diagnosis_pointers=tuple(self.diagnosis_pointers),
            service_date=self.service_date, charge=self.charge,
        )


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
    notes: list[NoteIn] = Field(min_length=1, max_length=50, description="The clinical documentation coders code from.")
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
            lines=tuple(line.to_entry().to_line(self.service_date_from) for line in self.service_lines),
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


class FindingOut(BaseModel):
    """One edit finding: which edit, how bad (``error`` blocks release, ``warning`` does not), what is
    wrong and how to fix it, and the service lines (1-based) and diagnoses it concerns."""

    edit_id: str
    severity: Literal["error", "warning"]
    message: str
    suggested_fix: str
    lines: list[int]
    diagnoses: list[str]

    @classmethod
    def of(cls, finding: Finding) -> "FindingOut":
        return cls(edit_id=finding.edit_id, severity=finding.severity.value, message=finding.message,
                   suggested_fix=finding.suggested_fix, lines=list(finding.lines), diagnoses=list(finding.diagnoses))


def findings_out(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    return [FindingOut.of(f).model_dump(mode="json") for f in findings]


class CodeSetOut(BaseModel):
    diagnoses: list[str] = Field(description="ICD-10-CM without the dot, first-listed first.")
    service_lines: list[ProcedureLine]
    entered_by: str | None = Field(description="The coder whose draft these are; null: the provider's codes as sent.")


class ClaimOut(BaseModel):
    claimed_by: str
    claimed_at: datetime = Field(description="When this coder's work on the encounter began.")
    expires_at: datetime
    active: bool = Field(description="False once expired: anyone may then claim the encounter.")


class EncounterOut(BaseModel):
    id: uuid.UUID
    status: str = Field(description="awaiting_coding, query_pending, coded or rework.")
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
    diagnoses: list[str] = Field(description="The diagnoses as the EHR sent them (the working codes are in `codes`).")
    service_lines: list[ProcedureLine] = Field(description="The service lines as the EHR sent them.")
    codes: CodeSetOut = Field(description="The working codes: released as the next revision, replaced by drafts.")
    findings: list[FindingOut] = Field(description="What the edits found the last time they ran on the working codes.")
    claim: ClaimOut | None = Field(description="The coder holding the encounter (or whose claim expired).")
    filing_deadline: date | None = Field(description="The primary payer's timely-filing deadline.")
    rework_reasons: list[dict[str, Any]]

    @classmethod
    def of(cls, encounter: Encounter) -> "EncounterOut":
        doc, codes, assignment = encounter.document, encounter.codes, encounter.assignment
        now = datetime.now(timezone.utc)
        return cls(
            id=encounter.id, status=encounter.status.value, revision=encounter.revision, version=encounter.version,
            coded_at=encounter.coded_at,
            source_system=doc.source_system, external_encounter_id=doc.external_encounter_id, patient=doc.patient,
            coverages=list(doc.coverages), billing_provider=doc.billing_provider,
            rendering_provider=doc.rendering_provider, place_of_service=doc.place_of_service,
            service_date_from=doc.service_date_from, service_date_to=doc.service_date_to,
            diagnoses=list(doc.diagnoses), service_lines=list(doc.lines),
            codes=CodeSetOut(diagnoses=list(codes.diagnoses), service_lines=list(codes.lines), entered_by=encounter.codes_by),
            findings=[FindingOut.of(f) for f in encounter.findings],
            claim=ClaimOut(claimed_by=assignment.coder, claimed_at=assignment.claimed_at,
                           expires_at=assignment.expires_at, active=assignment.active(now)) if assignment else None,
            filing_deadline=encounter.filing_deadline, rework_reasons=encounter.rework_reasons,
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


# ---------------------------------------------------------------- coding work

class CodesIn(_In):
    """Codes a coder enters: the same shapes as the diagnoses and service lines of an encounter at intake.

    Each field is checked as at intake; whether the codes fit together (pointers, dates of service,
    code validity, NCCI, MUE ...) is the edits' job: drafts are saved whatever they find."""

    diagnoses: list[Icd10] = Field(default_factory=list, max_length=12, description="ICD-10-CM, first-listed first.")
    service_lines: list[ServiceLineIn] = Field(default_factory=list, max_length=50)

    def to_entered(self) -> EnteredCodes:
        return EnteredCodes(diagnoses=tuple(self.diagnoses), lines=tuple(line.to_entry() for line in self.service_lines))


class EditsOut(BaseModel):
    clean: bool = Field(description="True when no finding blocks release (warnings may remain).")
    errors: int
    warnings: int
    findings: list[FindingOut] = Field(description="Errors first, then by the line they concern.")

    @classmethod
    def of(cls, report: EditReport) -> "EditsOut":
        return cls(clean=report.clean, errors=len(report.errors), warnings=len(report.warnings),
                   findings=[FindingOut.of(f) for f in report.findings])


class QueueItemOut(BaseModel):
    encounter_id: uuid.UUID
    status: str
    revision: int
    source_system: str
    external_encounter_id: str
    patient_id: str
    service_date_from: date
    payer_id: str | None = Field(description="The primary coverage's payer; null for self-pay.")
    filing_deadline: date | None
    days_left: int | None = Field(description="Days until the filing deadline; negative once it passed.")
    received_at: datetime | None
    age_days: int = Field(description="Whole days since the encounter was received.")
    has_codes: bool = Field(description="Whether there are working codes (the provider's or a draft) at all.")
    codes_entered_by: str | None
    claimed_by: str | None = Field(description="The coder holding an unexpired claim.")
    claim_expires_at: datetime | None
    errors: int = Field(description="Error findings of the last edit run (they block release).")
    warnings: int
    rework_reason: dict[str, Any] | None = Field(description="Rework: the latest denial reason still to answer.")

    @classmethod
    def of(cls, item: QueueItem) -> "QueueItemOut":
        encounter, doc = item.encounter, item.encounter.document
        holder = encounter.claimed_by(item.now)
        return cls(
            encounter_id=encounter.id, status=encounter.status.value, revision=encounter.revision,
            source_system=doc.source_system, external_encounter_id=doc.external_encounter_id,
            patient_id=doc.patient.patient_id, service_date_from=doc.service_date_from, payer_id=doc.primary_payer_id,
            filing_deadline=item.filing_deadline, days_left=item.days_left, received_at=encounter.received_at,
            age_days=item.age_days, has_codes=not encounter.codes.is_empty, codes_entered_by=encounter.codes_by,
            claimed_by=holder, claim_expires_at=encounter.assignment.expires_at if holder and encounter.assignment else None,
            errors=item.error_count, warnings=item.warning_count, rework_reason=item.rework_reason,
        )


# ---------------------------------------------------------------- coding policy

PayerId = Annotated[str, Field(min_length=1, max_length=80)]
CoderId = Annotated[str, Field(min_length=1, max_length=200)]
FilingDays = Annotated[int, Field(ge=1, le=3650)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class CodingPolicyIn(_In):
    """The whole policy (PUT replaces it; a field left out takes its default)."""

    auto_release_clean_provider_codes: bool = Field(
        default=False, description="Release provider-entered codes at intake when no edit finds an error, "
        "instead of sending them to the coding queue.",
    )
    claim_minutes: int = Field(default=DEFAULT_CLAIM_MINUTES, ge=1, le=24 * 60,
                               description="How long a coder's claim on an encounter lasts.")
    default_filing_days: FilingDays = Field(default=DEFAULT_FILING_DAYS,
                                            description="Timely-filing days after the date of service.")
    filing_days_by_payer: dict[PayerId, FilingDays] = Field(
        default_factory=dict, max_length=1000, description="Timely-filing days per payer id (primary coverage).",
    )
    audit_sample_percent: Percent = Field(default=DEFAULT_AUDIT_SAMPLE_PERCENT,
                                          description="Share of each coder's releases drawn for audit.")
    audit_sample_percent_by_coder: dict[CoderId, Percent] = Field(default_factory=dict, max_length=1000)

    def to_policy(self, tenant_id: str) -> CodingPolicy:
        return CodingPolicy(tenant_id=tenant_id, **self.model_dump())


class CodingPolicyOut(BaseModel):
    tenant_id: str
    auto_release_clean_provider_codes: bool
    claim_minutes: int
    default_filing_days: int
    filing_days_by_payer: dict[str, int]
    audit_sample_percent: Decimal
    audit_sample_percent_by_coder: dict[str, Decimal]
    is_default: bool = Field(description="True while the tenant never set a policy (these are the defaults).")
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, policy: CodingPolicy) -> "CodingPolicyOut":
        return cls(
            tenant_id=policy.tenant_id, auto_release_clean_provider_codes=policy.auto_release_clean_provider_codes,
            claim_minutes=policy.claim_minutes, default_filing_days=policy.default_filing_days,
            filing_days_by_payer=dict(policy.filing_days_by_payer), audit_sample_percent=policy.audit_sample_percent,
            audit_sample_percent_by_coder=dict(policy.audit_sample_percent_by_coder), is_default=policy.is_default,
            updated_at=policy.updated_at, updated_by=policy.updated_by,
        )


# ---------------------------------------------------------------- physician queries

class QueryIn(_In):
    question: str = Field(min_length=1, max_length=4000, description="What the coder asks the provider.")
    options: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, min_length=2, max_length=10,
        description="Choices the provider picks one of (a multiple-choice query); null for a free-text answer.",
    )
    provider_npi: Npi | None = Field(
        default=None, description="Who is asked; defaults to the encounter's rendering provider (else billing)."
    )

    @field_validator("options", mode="after")
    @classmethod
    def _distinct(cls, options: list[str] | None) -> list[str] | None:
        if options is not None and len(set(options)) != len(options):
            raise ValueError("must not repeat an option")
        return options


class AnswerIn(_In):
    answer: str | None = Field(default=None, min_length=1, max_length=4000,
                               description="The provider's answer; for a query with options, an optional comment.")
    chosen_option: str | None = Field(default=None, min_length=1, max_length=200,
                                      description="For a query with options: exactly one of them.")


class QueryOut(BaseModel):
    id: uuid.UUID
    encounter_id: uuid.UUID
    provider_npi: str
    asked_by: str
    question: str
    options: list[str] | None
    status: str = Field(description="open, answered or withdrawn.")
    answer: str | None
    chosen_option: str | None
    asked_at: datetime
    answered_at: datetime | None
    answered_by: str | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    returns_to: str = Field(description="The queue the encounter goes back to: awaiting_coding or rework.")
    age_days: int = Field(description="Whole days waited: until now while open, until closed after.")
    aging_bucket: Literal["0-2", "3-7", "8-14", "15+"]

    @classmethod
    def of(cls, query: PhysicianQuery, now: datetime | None = None) -> "QueryOut":
        age = query.age_days(now or datetime.now(timezone.utc))
        return cls(
            id=query.id, encounter_id=query.encounter_id, provider_npi=query.provider_npi, asked_by=query.asked_by,
            question=query.question, options=list(query.options) if query.options is not None else None,
            status=query.status.value, answer=query.answer, chosen_option=query.chosen_option, asked_at=query.asked_at,
            answered_at=query.answered_at, answered_by=query.answered_by, withdrawn_at=query.withdrawn_at,
            withdrawn_by=query.withdrawn_by, returns_to=query.resume_status.value, age_days=age,
            aging_bucket=aging_bucket(age),  # type: ignore[arg-type]
        )
