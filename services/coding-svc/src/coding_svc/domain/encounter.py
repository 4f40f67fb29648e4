"""The encounter aggregate: what the EHR sent, the codes being worked on, its place in the coding
workflow and its released revisions.

Two counters, not to be confused: ``version`` counts the documents the EHR sent (an amendment before
coding is the next version); ``revision`` counts the code sets released to billing (EncounterCoded).

The document is kept exactly as sent. The *working codes* (``codes``) start as the codes the provider
entered in the EHR and are replaced by a coder's drafts; a release emits EncounterCoded from them.

Workflow (statuses and the claim overlay)::

    awaiting_coding --release--> coded --coding denial--> rework --release--> coded (revision + 1)
          |    ^                                            |   ^
      ask query |  answer / withdraw (back to the asker)   ask query | answer / withdraw
          v    |                                            v   |
         query_pending  <-----------------------------  query_pending

Encounters awaiting coding or in rework are *workable*: a coder claims one (one coder at a time; the
claim expires, and an expired claim may be taken by anyone), saves drafts, asks the provider a query
or releases it. Every rule lives in the methods below; a refused action raises a ``WorkflowError``.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from openrcm_shared.contracts import (
    CodedServiceLine, Coverage, DenialRaised, Diagnosis, EncounterCoded, Patient, PartyName, Address, Provider,
)
from openrcm_shared.contracts.events import Department

if TYPE_CHECKING:  # findings.py imports ProcedureLine from here; only annotations refer to these
    from coding_svc.domain.edits.engine import EditReport
    from coding_svc.domain.edits.findings import Finding


class EncounterStatus(StrEnum):
    AWAITING_CODING = "awaiting_coding"
    QUERY_PENDING = "query_pending"
    CODED = "coded"
    REWORK = "rework"


#: Statuses in which coders work an encounter (claim, draft, query, release).
WORKABLE = frozenset({EncounterStatus.AWAITING_CODING, EncounterStatus.REWORK})


class ProcedureLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    procedure_code: str
    code_system: str
    modifiers: tuple[str, ...]
    units: Decimal
    diagnosis_pointers: tuple[int, ...]
    service_date: date
    charge: Decimal | None


@dataclass(frozen=True)
class LineEntry:
    """A service line as the EHR or a coder entered it: the date may be left out (it is then the
    encounter's first date of service)."""

    procedure_code: str
    code_system: str
    modifiers: tuple[str, ...]
    units: Decimal
    diagnosis_pointers: tuple[int, ...]
    service_date: date | None
    charge: Decimal | None

    def to_line(self, default_service_date: date) -> ProcedureLine:
        return ProcedureLine(
            procedure_code=self.procedure_code, code_system=self.code_system, modifiers=self.modifiers,
            units=self.units, diagnosis_pointers=self.diagnosis_pointers,
            service_date=self.service_date or default_service_date, charge=self.charge,
        )


class CodeSet(BaseModel):
    """Diagnoses (first-listed first, ICD-10-CM without the dot) and the service lines pointing at them."""

    model_config = ConfigDict(frozen=True)

    diagnoses: tuple[str, ...] = ()
    lines: tuple[ProcedureLine, ...] = ()

    @classmethod
    def entered(cls, diagnoses: tuple[str, ...], lines: tuple[LineEntry, ...], service_date_from: date) -> "CodeSet":
        return cls(diagnoses=diagnoses, lines=tuple(line.to_line(service_date_from) for line in lines))

    @property
    def carries_codes(self) -> bool:
        """Enough to release: at least one diagnosis and one line (the edits decide whether they are right)."""
        return bool(self.diagnoses) and bool(self.lines)

    @property
    def is_empty(self) -> bool:
        return not self.diagnoses and not self.lines


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

    @property
    def provider_codes(self) -> CodeSet:
        """The codes the provider entered in the EHR (possibly none)."""
        return CodeSet(diagnoses=self.diagnoses, lines=self.lines)

    @property
    def primary_payer_id(self) -> str | None:
        return next((c.payer_id for c in self.coverages if c.sequence == "primary"), None)

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


@dataclass(frozen=True)
class Assignment:
    """Which coder holds the encounter, since when (their work on it started) and until when."""

    coder: str
    claimed_at: datetime
    expires_at: datetime

    def active(self, now: datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class Release:
    """One release of codes to billing: the event to emit and what the release record keeps."""

    event: EncounterCoded
    revision: int
    coder: str | None
    work_started_at: datetime | None
    released_at: datetime
    codes: CodeSet
    auto_released: bool
    warnings: tuple["Finding", ...]


# ---------------------------------------------------------------- refusals

class EncounterAlreadyCoded(Exception):
    """A changed document for an encounter whose codes were already released: not an amendment."""

    def __init__(self, encounter: "Encounter") -> None:
        self.encounter_id = encounter.id
        self.status = encounter.status
        self.revision = encounter.revision
        self.coded_at = encounter.coded_at
        super().__init__(f"encounter {encounter.id} is {encounter.status.value} (revision {encounter.revision})")


class WorkflowError(Exception):
    """A coding-workflow action the encounter's (or query's) current state does not allow.

    ``slug`` names the refusal for clients; ``details`` are ids and states, never PHI.
    """

    slug = "workflow-conflict"
    title = "The action does not fit the current state"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotWorkable(WorkflowError):
    slug = "encounter-not-workable"
    title = "The encounter is not in a coding queue"

    def __init__(self, encounter: "Encounter") -> None:
        reason = {
            EncounterStatus.CODED: "its codes are released; it comes back only in rework after a coding denial",
            EncounterStatus.QUERY_PENDING: "it waits for the provider's answer to a query",
        }.get(encounter.status, "of its status")
        super().__init__(
            f"The encounter cannot be worked now: {reason}.",
            encounter_id=str(encounter.id), encounter_status=encounter.status.value,
        )


class ClaimedByAnother(WorkflowError):
    slug = "claimed-by-another-coder"
    title = "Another coder holds the encounter"

    def __init__(self, encounter_id: uuid.UUID, assignment: Assignment) -> None:
        super().__init__(
            "Another coder is working this encounter; it becomes free when they release or give it back, "
            "or when their claim expires.",
            encounter_id=str(encounter_id), claimed_by=assignment.coder,
            claim_expires_at=assignment.expires_at.isoformat(),
        )


class ClaimNotHeld(WorkflowError):
    slug = "claim-not-held"
    title = "Claim the encounter first"

    def __init__(self, encounter_id: uuid.UUID) -> None:
        super().__init__("You do not hold a claim on this encounter: claim it first.", encounter_id=str(encounter_id))


class ClaimExpired(WorkflowError):
    slug = "claim-expired"
    title = "Your claim on the encounter expired"

    def __init__(self, encounter_id: uuid.UUID, assignment: Assignment) -> None:
        super().__init__(
            "Your claim on this encounter expired, so the action was not applied; claim it again to go on.",
            encounter_id=str(encounter_id), claim_expired_at=assignment.expires_at.isoformat(),
        )


class ReleaseBlocked(WorkflowError):
    """The working codes have error findings; the coder fixes them and releases again."""

    slug = "release-blocked-by-edits"
    title = "The codes fail coding edits"

    def __init__(self, encounter_id: uuid.UUID, findings: tuple["Finding", ...]) -> None:
        errors = [f for f in findings if f.blocks_release]
        super().__init__(
            f"{len(errors)} edit error(s) block the release; fix them (see `findings`) and release again.",
            encounter_id=str(encounter_id),
        )
        self.findings = findings


# ---------------------------------------------------------------- the aggregate

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
    #: The working codes: the provider's until a coder saves a draft (``codes_by`` is then the coder).
    codes: CodeSet = field(default_factory=CodeSet)
    codes_by: str | None = None
    assignment: Assignment | None = None
    #: What the edits found on the working codes the last time they ran (intake, draft, release).
    findings: tuple["Finding", ...] = ()
    #: The payer's timely-filing deadline (first date of service + the tenant's filing days for the payer).
    filing_deadline: date | None = None

    @classmethod
    def receive(
        cls, tenant_id: str, document: EncounterDocument, *, now: datetime | None = None, actor: str | None = None
    ) -> "Encounter":
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, document=document, status=EncounterStatus.AWAITING_CODING,
            received_at=now, received_by=actor, codes=document.provider_codes,
        )

    @property
    def current_version(self) -> EncounterVersion:
        return EncounterVersion(self.version, self.document, self.received_at, self.received_by)

    def is_same_document(self, document: EncounterDocument) -> bool:
        return self.document.fingerprint() == document.fingerprint()

    def amend(self, document: EncounterDocument, *, now: datetime, actor: str) -> EncounterVersion:
        """Replace the document of an encounter never released; returns the superseded version.

        Once codes were released (coded, in rework after a denial, or a query asked during rework) the
        EHR can no longer change what was billed: corrections are the coding department's, as a new
        revision. Working codes that are still the provider's follow the new document; a coder's
        draft stays (the coder sees the new version).
        """
        if self.revision > 0 or self.status not in (EncounterStatus.AWAITING_CODING, EncounterStatus.QUERY_PENDING):
            raise EncounterAlreadyCoded(self)
        superseded = self.current_version
        self.document = document
        self.version += 1
        self.received_at = now
        self.received_by = actor
        if self.codes_by is None:
            self.codes = document.provider_codes
        return superseded

    # -- claims --------------------------------------------------------------------------------------

    def claimed_by(self, now: datetime) -> str | None:
        """The coder holding an unexpired claim, if any."""
        return self.assignment.coder if self.assignment and self.assignment.active(now) else None

    def claim(self, coder: str, *, now: datetime, minutes: int) -> None:
        """Take the encounter (or extend your own claim: its start, when work began, stays)."""
        self._require_workable()
        current = self.assignment
        if current is not None and current.active(now) and current.coder != coder:
            raise ClaimedByAnother(self.id, current)
        started = current.claimed_at if current is not None and current.coder == coder and current.active(now) else now
        self.assignment = Assignment(coder, started, now + timedelta(minutes=minutes))

    def give_back(self, coder: str, *, now: datetime) -> bool:
        """The holder gives the encounter back to the queue. False if there was nothing of theirs to give back."""
        current = self.assignment
        if current is None:
            return False
        if current.coder != coder:
            if current.active(now):
                raise ClaimedByAnother(self.id, current)
            return False
        self.assignment = None
        return True

    def _require_workable(self) -> None:
        if self.status not in WORKABLE:
            raise NotWorkable(self)

    def _require_holder(self, coder: str, now: datetime) -> Assignment:
        self._require_workable()
        current = self.assignment
        if current is None:
            raise ClaimNotHeld(self.id)
        if current.coder != coder:
            if current.active(now):
                raise ClaimedByAnother(self.id, current)
            raise ClaimNotHeld(self.id)
        if not current.active(now):
            raise ClaimExpired(self.id, current)
        return current

    # -- coding --------------------------------------------------------------------------------------

    def record_findings(self, report: "EditReport | None") -> None:
        self.findings = report.findings if report is not None else ()

    def save_draft(self, coder: str, codes: CodeSet, report: "EditReport", *, now: datetime) -> None:
        """The holder replaces the working codes; findings are recorded, never a reason to refuse."""
        self._require_holder(coder, now)
        self.codes = codes
        self.codes_by = coder
        self.record_findings(report)

    def release(self, coder: str, report: "EditReport", *, now: datetime) -> Release:
        """The holder releases the working codes (``report`` is the edits' verdict on them)."""
        assignment = self._require_holder(coder, now)
        self.record_findings(report)
        if not report.clean or not self.codes.carries_codes:
            raise ReleaseBlocked(self.id, report.findings)
        return self._release(now, coder=coder, work_started_at=assignment.claimed_at, auto=False)

    def auto_release(self, report: "EditReport", *, now: datetime) -> Release | None:
        """Release the provider's codes without a coder (the tenant's policy allows it): only an encounter
        awaiting coding that no coder touched (no draft, no unexpired claim), with clean edits."""
        untouched = self.codes_by is None and self.claimed_by(now) is None
        if self.status != EncounterStatus.AWAITING_CODING or not untouched:
            return None
        if not report.clean or not self.codes.carries_codes:
            return None
        self.record_findings(report)
        return self._release(now, coder=None, work_started_at=None, auto=True)

    def _release(self, now: datetime, *, coder: str | None, work_started_at: datetime | None, auto: bool) -> Release:
        if self.status == EncounterStatus.REWORK:
            for reason in self.rework_reasons:
                reason.setdefault("resolved_in_revision", self.revision + 1)
        self.revision += 1
        self.status = EncounterStatus.CODED
        self.coded_at = now
        self.assignment = None
        return Release(
            event=self._encounter_coded(now), revision=self.revision, coder=coder, work_started_at=work_started_at,
            released_at=now, codes=self.codes, auto_released=auto,
            warnings=tuple(f for f in self.findings if not f.blocks_release),
        )

    def _encounter_coded(self, now: datetime) -> EncounterCoded:
        doc, codes = self.document, self.codes
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
            diagnoses=[Diagnosis(sequence=i, code=code) for i, code in enumerate(codes.diagnoses, start=1)],
            service_lines=[
                CodedServiceLine(
                    line_number=n, code_system=line.code_system, procedure_code=line.procedure_code,
                    modifiers=list(line.modifiers), units=line.units, diagnosis_pointers=list(line.diagnosis_pointers),
                    service_date=line.service_date, charge=line.charge,
                )
                for n, line in enumerate(codes.lines, start=1)
            ],
            coded_at=now,
        )

    # -- physician queries ---------------------------------------------------------------------------

    def await_query(self, coder: str, *, now: datetime) -> EncounterStatus:
        """The holder asked the provider a query: the encounter waits, unclaimed. Returns the status to
        resume when the query is answered or withdrawn."""
        self._require_holder(coder, now)
        resume = self.status
        self.status = EncounterStatus.QUERY_PENDING
        self.assignment = None
        return resume

    def resume_after_query(self, resume: EncounterStatus, coder: str, *, now: datetime, minutes: int) -> None:
        """The query was answered or withdrawn: back to its queue, reserved for ``coder`` (a fresh claim)."""
        if self.status != EncounterStatus.QUERY_PENDING or resume not in WORKABLE:
            raise NotWorkable(self)
        self.status = resume
        self.assignment = Assignment(coder, now, now + timedelta(minutes=minutes))

    # -- denials -------------------------------------------------------------------------------------

    def reopen_for_denial(self, denial: DenialRaised) -> bool:
        """A coding-owned denial sends released codes back to coders. Returns False if there is nothing to
        do: not a coding denial, never released, or this denial already recorded.

        An encounter already in rework (or waiting for a query asked in rework) keeps its status and its
        claim and collects the further reason.
        """
        if denial.owning_department != Department.CODING or self.revision == 0:
            return False
        if any(r.get("denial_id") == str(denial.denial_id) for r in self.rework_reasons):
            return False
        if self.status == EncounterStatus.CODED:
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
                "denied_revision": self.revision,
            }
        )
        return True

    @property
    def open_rework_reasons(self) -> list[dict[str, Any]]:
        """The denial reasons the next release has to answer."""
        return [r for r in self.rework_reasons if "resolved_in_revision" not in r]
