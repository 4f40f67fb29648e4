"""The claim aggregate and its lifecycle. Pure domain code: no FastAPI, SQLAlchemy or Kafka.

One claim bills one coverage of one encounter revision. It keeps everything an 837P needs from
the coded encounter (diagnoses and pointers, place of service, subscriber, providers, prior
authorization) with the charges the fee schedule gave it; the tenant's reference data (billing
profile, payer, route) joins it when a batch is written. Its status only moves along
``ALLOWED_TRANSITIONS``; every move is kept in its history with who (a user, ``system`` or the
event that caused it) and why.

Revisions (:func:`bill_revision`): once the payer has a claim of the encounter, a later revision
is a replacement (frequency 7) naming the payer's claim number, or a void (8) when the coverage
went away or moved to another payer, never a second original. A replacement or void whose payer
claim number is not known yet is held in the billing work queue (finding ``HOLD-PAYER-CLAIM-NUMBER``)
until a 277CA or a remit names it; if the payer rejects the original instead, the held claim is
sent as a new original (:meth:`Claim.become_original`).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from claims_svc.domain.reference import FeeSchedule
from claims_svc.domain.rejections import Rejection
from claims_svc.domain.scrubber import HOLD_PAYER_CLAIM_NUMBER, ScrubFinding
from openrcm_shared.contracts import (
    ClaimSubmitted, Coverage, EncounterCoded, Patient, PayerRef, Provider, RemitReceived, SubmittedServiceLine,
)

SYSTEM_ACTOR = "system"


class ClaimStatus(StrEnum):
    DRAFT = "draft"
    SCRUB_FAILED = "scrub_failed"
    READY = "ready"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    PAID = "paid"
    PARTIALLY_PAID = "partially_paid"
    DENIED = "denied"
    APPEALED = "appealed"
    CLOSED = "closed"


S = ClaimStatus
_ADJUDICATED = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED})
#: Which status may follow which. A payer can adjudicate a claim we never saw acknowledged (no 277CA
#: yet), a corrected remit can change an adjudication, and a reversal sends an adjudicated claim
#: back to submitted.
ALLOWED_TRANSITIONS: dict[ClaimStatus, frozenset[ClaimStatus]] = {
    S.DRAFT: frozenset({S.SCRUB_FAILED, S.READY, S.CLOSED}),
    S.SCRUB_FAILED: frozenset({S.READY, S.CLOSED}),
    S.READY: frozenset({S.SUBMITTED, S.SCRUB_FAILED, S.CLOSED}),
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}) | _ADJUDICATED,
    S.ACCEPTED: _ADJUDICATED,
    S.REJECTED: frozenset({S.READY, S.SCRUB_FAILED, S.CLOSED}),
    S.PAID: frozenset({S.SUBMITTED, S.PARTIALLY_PAID, S.DENIED, S.CLOSED}),
    S.PARTIALLY_PAID: frozenset({S.SUBMITTED, S.PAID, S.DENIED, S.APPEALED, S.CLOSED}),
    S.DENIED: frozenset({S.SUBMITTED, S.PAID, S.PARTIALLY_PAID, S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.SUBMITTED, S.CLOSED}) | _ADJUDICATED,
    S.CLOSED: frozenset(),
}
#: The payer never received a claim in these statuses, so a later revision is billed as an original.
NEVER_SENT = frozenset({S.DRAFT, S.SCRUB_FAILED, S.READY})
#: Statuses in which the payer has (or may have, once submitted) the claim.
_AT_PAYER = frozenset({S.SUBMITTED, S.ACCEPTED, S.APPEALED}) | _ADJUDICATED
#: Statuses a biller can still correct and send: the claim never reached the payer's adjudication.
CORRECTABLE = frozenset({S.DRAFT, S.SCRUB_FAILED, S.READY, S.REJECTED})

_REMIT_OUTCOME_STATUS = {"paid": S.PAID, "partially_paid": S.PARTIALLY_PAID, "denied": S.DENIED, "reversed": S.SUBMITTED}

FrequencyCode = Literal["1", "7", "8"]  # CLM05-3: original, replacement, void
ORIGINAL: FrequencyCode = "1"
REPLACEMENT: FrequencyCode = "7"
VOID: FrequencyCode = "8"
CoverageSequence = Literal["primary", "secondary", "tertiary"]

#: CLM01 alphabet without I, O, 0 and 1, so a number read over the phone is not misheard.
PCN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: 14 of 32 symbols = 70 random bits: collisions are negligible and the database refuses them anyway.
#: Well under the 20 characters many payers keep of CLM01.
PCN_LENGTH = 14


class IllegalTransition(Exception):
    def __init__(self, current: ClaimStatus, requested: ClaimStatus) -> None:
        super().__init__(f"a claim cannot go from {current.value} to {requested.value}")
        self.current, self.requested = current, requested


def new_patient_control_number() -> str:
    """CLM01: random, echoed by payers in CLP01 of the 835."""
    return "".join(secrets.choice(PCN_ALPHABET) for _ in range(PCN_LENGTH))


@dataclass(frozen=True)
class StatusChange:
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    at: datetime
    actor: str
    reason: str


@dataclass(frozen=True)
class ClaimLine:
    line_number: int
    line_control_number: str  # REF*6R; payers echo it on the 835 service line
    procedure_code: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge: Decimal | None  # None until a charge is known: such a claim fails the scrubber
    service_date: date
    diagnosis_pointers: tuple[int, ...] = ()  # positions in Claim.diagnoses, from 1
    charge_source: Literal["fee_schedule", "ehr", "none"] = "ehr"


Adjusted = tuple[str, str, Decimal]  # CAS group, reason code (CARC), amount


@dataclass(frozen=True)
class PriorLine:
    """How an earlier payer adjudicated one service line (the 2430 loop of the next payer's claim)."""

    line_number: int
    procedure_code: str
    modifiers: tuple[str, ...]
    units: Decimal
    paid: Decimal
    adjustments: tuple[Adjusted, ...]


@dataclass(frozen=True)
class PriorAdjudication:
    """An earlier payer's remittance of this encounter: the 2320/2330 loops of a secondary or tertiary claim."""

    payer: PayerRef
    claim_filing_indicator: str
    coverage: Coverage  # the earlier payer's subscriber, member id, relationship and group
    coverage_sequence: CoverageSequence
    paid: Decimal
    patient_responsibility: Decimal
    claim_adjustments: tuple[Adjusted, ...]
    lines: tuple[PriorLine, ...]
    adjudicated_on: date
    payer_claim_control_number: str | None = None


@dataclass(frozen=True)
class LineCorrection:
    line_number: int
    charge: Decimal | None = None
    diagnosis_pointers: tuple[int, ...] | None = None
    modifiers: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Correction:
    """What a biller corrects on a claim in the work queue (None: unchanged)."""

    member_id: str | None = None
    prior_authorization_number: str | None = None
    place_of_service: str | None = None
    lines: tuple[LineCorrection, ...] = ()

    def changed_fields(self) -> list[str]:
        fields = [name for name in ("member_id", "prior_authorization_number", "place_of_service")
                  if getattr(self, name) is not None]
        return fields + [f"line {line.line_number}" for line in self.lines]


class NotCorrectable(Exception):
    pass


@dataclass
class Claim:
    id: uuid.UUID
    tenant_id: str
    encounter_id: uuid.UUID
    encounter_revision: int
    coverage_sequence: CoverageSequence
    patient_control_number: str
    frequency_code: FrequencyCode
    original_payer_claim_number: str | None
    payer: PayerRef
    member_id: str
    patient: Patient
    billing_provider_npi: str
    rendering_provider_npi: str | None
    service_date_from: date
    service_date_to: date
    lines: list[ClaimLine]
    status: ClaimStatus
    findings: list[ScrubFinding] = field(default_factory=list)
    payer_claim_control_number: str | None = None
    total_paid: Decimal | None = None
    patient_responsibility: Decimal | None = None
    history: list[StatusChange] = field(default_factory=list)
    # What the 837P needs from the coded encounter (the claim keeps it: no other service is asked later).
    place_of_service: str = ""
    diagnoses: tuple[str, ...] = ()  # ICD-10-CM without dots, principal first
    coverage: Coverage | None = None  # subscriber, relationship, group number
    prior_authorization_number: str | None = None
    rendering_provider: Provider | None = None
    referring_provider: Provider | None = None
    batch_id: uuid.UUID | None = None  # the last batch that carried it
    prior_adjudications: tuple[PriorAdjudication, ...] = ()  # earlier payers' remits (secondary, tertiary)
    #: The correlation id of the request or event that made the claim: its later events carry it on.
    correlation_id: str | None = None
    #: How many history entries the database already holds (the repository appends only the rest).
    persisted_history: int = field(default=0, compare=False, repr=False)

    @property
    def is_void(self) -> bool:
        return self.frequency_code == VOID

    @property
    def reached_payer(self) -> bool:
        """The payer has this claim (or may have it: submitted and not rejected)."""
        return self.status in _AT_PAYER or (
            self.status == S.CLOSED and any(change.to_status in _AT_PAYER - {S.SUBMITTED} for change in self.history)
        )

    @property
    def held_for_payer_claim_number(self) -> bool:
        return self.status == S.SCRUB_FAILED and any(f.rule_id == HOLD_PAYER_CLAIM_NUMBER for f in self.findings)

    @property
    def blocking_findings(self) -> list[ScrubFinding]:
        return [finding for finding in self.findings if finding.blocks]

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines if line.charge is not None), Decimal("0.00"))

    def move_to(self, status: ClaimStatus, *, at: datetime, actor: str, reason: str) -> None:
        """Change status along the allowed transitions; staying in the same status changes nothing."""
        if status == self.status:
            return
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise IllegalTransition(self.status, status)
        self.history.append(StatusChange(self.status, status, at, actor, reason))
        self.status = status

    def submission(self, at: datetime) -> ClaimSubmitted:
        """The ClaimSubmitted event of a submitted claim."""
        if self.status != S.SUBMITTED:
            raise IllegalTransition(self.status, S.SUBMITTED)
        return ClaimSubmitted(
            claim_id=self.id, encounter_id=self.encounter_id, encounter_revision=self.encounter_revision,
            patient_control_number=self.patient_control_number, frequency_code=self.frequency_code,
            original_payer_claim_number=self.original_payer_claim_number, coverage_sequence=self.coverage_sequence,
            payer=self.payer, member_id=self.member_id, patient=self.patient,
            billing_provider_npi=self.billing_provider_npi, rendering_provider_npi=self.rendering_provider_npi,
            service_date_from=self.service_date_from, service_date_to=self.service_date_to,
            total_charge=self.total_charge,
            lines=[
                SubmittedServiceLine(
                    line_number=line.line_number, line_control_number=line.line_control_number,
                    procedure_code=line.procedure_code, modifiers=list(line.modifiers), units=line.units,
                    charge=line.charge, service_date=line.service_date,
                )
                for line in self.lines
            ],
            submitted_at=at,
        )

    def record_remit(self, remit: RemitReceived, *, at: datetime, actor: str,
                     replaced_by: Claim | None = None) -> None:
        """The payer adjudicated (or reversed) the claim. Nothing changes if the status move is illegal.

        A reversal normally sends the claim back to submitted (the payer will adjudicate it again); when
        a replacement (``replaced_by``) took its place, the payer reversed it to pay the replacement,
        so it is closed instead of waiting for an answer that never comes.
        """
        reason = f"remit {remit.remit_claim_id}: CLP02 {remit.claim_status_code} ({remit.outcome})"
        if remit.outcome == "reversed" and replaced_by is not None:
            self.move_to(S.CLOSED, at=at, actor=actor, reason=f"{reason}; replaced by claim {replaced_by.id}")
        else:
            self.move_to(_REMIT_OUTCOME_STATUS[remit.outcome], at=at, actor=actor, reason=reason)
        if remit.outcome == "reversed":
            self.total_paid = None
            self.patient_responsibility = None
        else:
            self.total_paid = remit.total_paid
            self.patient_responsibility = remit.patient_responsibility.total
        if remit.payer_claim_control_number:
            self.payer_claim_control_number = remit.payer_claim_control_number

    def is_replaced_by(self, other: Claim) -> bool:
        """Whether ``other`` is a later replacement (frequency 7) of this claim at the same payer."""
        return (other.id != self.id and other.frequency_code == REPLACEMENT
                and other.encounter_id == self.encounter_id and other.coverage_sequence == self.coverage_sequence
                and other.patient_control_number == self.patient_control_number
                and other.encounter_revision > self.encounter_revision)

    def retire_unsent(self, *, by_revision: int, at: datetime, actor: str) -> bool:
        """Close a claim the payer does not have once a newer revision bills the encounter. False if it has it."""
        if self.status not in CORRECTABLE:
            return False
        self.move_to(S.CLOSED, at=at, actor=actor, reason=f"superseded by encounter revision {by_revision}")
        return True

    def apply_scrub(self, findings: Sequence[ScrubFinding], *, at: datetime, actor: str) -> None:
        """Keep the scrubber's findings; READY when none blocks, else SCRUB_FAILED (the billing work queue)."""
        self.findings = list(findings)
        blocking = self.blocking_findings
        if blocking:
            ids = ", ".join(sorted({finding.rule_id for finding in blocking}))
            self.move_to(S.SCRUB_FAILED, at=at, actor=actor, reason=f"scrubber: {ids}")
        else:
            self.move_to(S.READY, at=at, actor=actor, reason="scrubber passed")

    def learn_payer_claim_number(self, number: str) -> None:
        """The payer's claim number of the claim this replacement or void corrects (from a 277CA or a remit)."""
        if self.frequency_code != ORIGINAL and not self.original_payer_claim_number:
            self.original_payer_claim_number = number

    def become_original(self, *, at: datetime, actor: str, reason: str) -> None:
        """The payer rejected the claim this one would replace: it never had it, so this one is an original."""
        if self.frequency_code == REPLACEMENT and self.status in CORRECTABLE:
            self.frequency_code = ORIGINAL
            self.original_payer_claim_number = None
            self.note(reason, at=at, actor=actor)

    def correct(self, correction: Correction, *, at: datetime, actor: str) -> None:
        """Apply a biller's correction; the claim must still be correctable (it never reached adjudication)."""
        if self.status not in CORRECTABLE or (self.status == S.READY and self.batch_id is not None):
            raise NotCorrectable(f"a {self.status.value} claim cannot be corrected")
        by_number = {line.line_number: index for index, line in enumerate(self.lines)}
        unknown = [fix.line_number for fix in correction.lines if fix.line_number not in by_number]
        if unknown:
            raise NotCorrectable(f"the claim has no line {unknown[0]}")
        if correction.member_id is not None:
            self.member_id = correction.member_id
        if correction.prior_authorization_number is not None:
            self.prior_authorization_number = correction.prior_authorization_number or None
        if correction.place_of_service is not None:
            self.place_of_service = correction.place_of_service
        for fix in correction.lines:
            index = by_number[fix.line_number]
            line = self.lines[index]
            self.lines[index] = replace(
                line,
                charge=line.charge if fix.charge is None else fix.charge,
                charge_source=line.charge_source if fix.charge is None else "ehr",
                diagnosis_pointers=line.diagnosis_pointers if fix.diagnosis_pointers is None else fix.diagnosis_pointers,
                modifiers=line.modifiers if fix.modifiers is None else fix.modifiers,
            )
        self.note(f"corrected: {', '.join(correction.changed_fields()) or 'nothing'}", at=at, actor=actor)

    @property
    def waits_for_earlier_payer(self) -> bool:
        """A secondary or tertiary claim is sent with the earlier payers' adjudication, so it waits for their remits."""
        expected = {"primary": 0, "secondary": 1, "tertiary": 2}[self.coverage_sequence]
        return not self.is_void and len(self.prior_adjudications) < expected

    def take_prior_adjudication(self, earlier: Claim, remit: RemitReceived, *, claim_filing_indicator: str,
                                at: datetime, actor: str) -> bool:
        """Keep how the earlier payer adjudicated the encounter (its remit of ``earlier``); False if it does not fit."""
        if (self.status != S.DRAFT or earlier.coverage is None or remit.outcome == "reversed"
                or any(p.coverage_sequence == earlier.coverage_sequence for p in self.prior_adjudications)):
            return False
        by_control_number = {line.line_control_number: line.line_number for line in earlier.lines}
        lines = []
        for position, remit_line in enumerate(remit.lines):
            number = by_control_number.get(remit_line.line_control_number or "")
            if number is None and position < len(earlier.lines):
                number = earlier.lines[position].line_number
            if number is None:
                continue
            lines.append(PriorLine(
                line_number=number, procedure_code=remit_line.procedure_code, modifiers=tuple(remit_line.modifiers),
                units=remit_line.units or Decimal(1), paid=remit_line.paid,
                adjustments=tuple((a.group.value, a.reason_code, a.amount) for a in remit_line.adjustments)))
        self.prior_adjudications = (*self.prior_adjudications, PriorAdjudication(
            payer=earlier.payer, claim_filing_indicator=claim_filing_indicator, coverage=earlier.coverage,
            coverage_sequence=earlier.coverage_sequence, paid=remit.total_paid,
            patient_responsibility=remit.patient_responsibility.total,
            claim_adjustments=tuple((a.group.value, a.reason_code, a.amount) for a in remit.claim_adjustments),
            lines=tuple(lines), adjudicated_on=remit.adjudicated_on or remit.payment.payment_date or at.date(),
            payer_claim_control_number=remit.payer_claim_control_number))
        self.note(f"{earlier.coverage_sequence} payer {earlier.payer.payer_id} adjudicated the encounter "
                  f"(remit {remit.remit_claim_id})", at=at, actor=actor)
        return True

    def reprice(self, fee_schedule: FeeSchedule) -> None:
        """Take the fee schedule's current charges for lines it priced (or nobody did); an EHR or biller charge stays."""
        for index, line in enumerate(self.lines):
            if line.charge_source == "ehr":
                continue
            charge = fee_schedule.charge_for(line.procedure_code, line.modifiers, line.units, line.service_date)
            if charge is not None:
                self.lines[index] = replace(line, charge=charge, charge_source="fee_schedule")

    def note(self, reason: str, *, at: datetime, actor: str) -> None:
        """Record something that happened to the claim without a status change (who, when, why)."""
        self.history.append(StatusChange(self.status, self.status, at, actor, reason))

    def accept(self, *, payer_claim_number: str | None, code: str, at: datetime, actor: str) -> None:
        """The payer took the claim into adjudication (277CA A2)."""
        self.move_to(S.ACCEPTED, at=at, actor=actor, reason=f"277CA {code}: accepted into adjudication")
        if payer_claim_number:
            self.payer_claim_control_number = payer_claim_number

    def reject(self, reasons: Sequence[Rejection], *, at: datetime, actor: str) -> None:
        """The clearinghouse (999) or payer (277CA) refused the claim: back to the billing work queue."""
        self.findings = [ScrubFinding(f"{r.source}-{r.code}", "error", r.description, r.suggested_fix) for r in reasons]
        codes = ", ".join(f"{r.source} {r.code}" for r in reasons)
        self.move_to(S.REJECTED, at=at, actor=actor, reason=f"rejected: {codes}")
        self.batch_id = None

    def mark_submitted(self, batch_id: uuid.UUID, *, at: datetime, actor: str) -> None:
        self.move_to(S.SUBMITTED, at=at, actor=actor, reason=f"sent in batch {batch_id}")
        self.batch_id = batch_id




@dataclass
class RevisionPlan:
    """What billing one coded encounter revision changes: new claims (drafts, to be scrubbed) and retired ones."""

    claims: list[Claim] = field(default_factory=list)
    retired: list[Claim] = field(default_factory=list)


def chain_at_payer(claim: Claim) -> bool:
    """Whether the payer holds a claim of this claim's chain (it, or the original an unsent replacement corrects)."""
    return claim.reached_payer or claim.frequency_code == REPLACEMENT


def bill_revision(
    tenant_id: str, coded: EncounterCoded, *, previous: Mapping[str, Claim], fee_schedule: FeeSchedule,
    now: datetime, actor: str,
) -> RevisionPlan:
    """Claims for a coded encounter revision, one per coverage in order (primary first), as drafts.

    ``previous`` is, per coverage sequence, the latest non-void claim of earlier revisions. A chain
    the payer has gets a replacement (same payer) or a void plus a new original (the coverage moved
    to another payer, or is gone); a chain it never got is retired and billed again as an original.
    """
    plan = RevisionPlan()
    for coverage in coded.coverages:
        prev = previous.get(coverage.sequence)
        if prev is not None and chain_at_payer(prev) and prev.payer.payer_id != coverage.payer_id:
            plan.claims.append(_void(prev, coded.revision, now=now, actor=actor))
            prev = None
        plan.claims.append(_claim_for(tenant_id, coded, coverage, prev, fee_schedule, now=now, actor=actor))
    sequences = {coverage.sequence for coverage in coded.coverages}
    for sequence, prev in previous.items():
        if sequence not in sequences and chain_at_payer(prev):
            plan.claims.append(_void(prev, coded.revision, now=now, actor=actor))
    for prev in previous.values():
        if prev.retire_unsent(by_revision=coded.revision, at=now, actor=actor):
            plan.retired.append(prev)
    return plan


def _claim_for(
    tenant_id: str, coded: EncounterCoded, coverage: Coverage, prev: Claim | None, fee_schedule: FeeSchedule, *,
    now: datetime, actor: str,
) -> Claim:
    same_payer = prev is not None and prev.payer.payer_id == coverage.payer_id
    pcn = prev.patient_control_number if prev is not None and same_payer else new_patient_control_number()
    replaces = prev is not None and same_payer and chain_at_payer(prev)
    lines = []
    for line in coded.service_lines:
        scheduled = fee_schedule.charge_for(line.procedure_code, line.modifiers, line.units, line.service_date)
        charge, source = (
            (scheduled, "fee_schedule") if scheduled is not None
            else (line.charge, "ehr") if line.charge is not None else (None, "none")
        )
        lines.append(ClaimLine(
            line_number=line.line_number,
            # The revision keeps control numbers unique across the replacements that share a PCN.
            line_control_number=f"{pcn}-{coded.revision}-{line.line_number}",
            procedure_code=line.procedure_code, modifiers=tuple(line.modifiers), units=line.units, charge=charge,
            service_date=line.service_date, diagnosis_pointers=tuple(line.diagnosis_pointers),
            charge_source=source,  # type: ignore[arg-type]
        ))
    claim = Claim(
        id=uuid.uuid4(), tenant_id=tenant_id, encounter_id=coded.encounter_id, encounter_revision=coded.revision,
        coverage_sequence=coverage.sequence, patient_control_number=pcn,
        frequency_code=REPLACEMENT if replaces else ORIGINAL,
        original_payer_claim_number=_payer_number(prev) if replaces and prev is not None else None,
        payer=PayerRef(payer_id=coverage.payer_id, name=coverage.payer_name), member_id=coverage.member_id,
        patient=coded.patient, billing_provider_npi=coded.billing_provider.npi,
        rendering_provider_npi=coded.rendering_provider.npi if coded.rendering_provider else None,
        service_date_from=coded.service_date_from, service_date_to=coded.service_date_to, lines=lines,
        status=S.DRAFT, place_of_service=coded.place_of_service,
        diagnoses=tuple(d.code.replace(".", "") for d in sorted(coded.diagnoses, key=lambda d: d.sequence)),
        coverage=coverage, prior_authorization_number=coded.prior_authorization_number,
        rendering_provider=coded.rendering_provider, referring_provider=coded.referring_provider,
    )
    claim.history.append(StatusChange(None, S.DRAFT, now, actor, f"built from encounter revision {coded.revision}"))
    return claim


def _payer_number(claim: Claim) -> str | None:
    return claim.payer_claim_control_number or claim.original_payer_claim_number


def _void(prev: Claim, revision: int, *, now: datetime, actor: str) -> Claim:
    """Frequency 8: the claim the payer has, sent again to cancel it."""
    void = replace(
        prev, id=uuid.uuid4(), encounter_revision=revision, frequency_code=VOID,
        original_payer_claim_number=_payer_number(prev), status=S.DRAFT, findings=[], payer_claim_control_number=None,
        total_paid=None, patient_responsibility=None, batch_id=None, persisted_history=0,
        lines=[replace(line, line_control_number=f"{prev.patient_control_number}-{revision}-{line.line_number}")
               for line in prev.lines],
        history=[StatusChange(None, S.DRAFT, now, actor,
                              f"void of claim {prev.id}: encounter revision {revision} no longer bills this payer")],
    )
    return void
