"""The remittance aggregate: one payer payment, the claims it pays, and how each one is posted.

Two steps, so that a payment poster can see exactly what would post before it does:

1. **Stage** each claim as it is read (``stage``): match it to a claim we submitted (by patient
   control number, or by the payer's claim number for corrections and reversals), check that it
   balances, match its lines (``line_matching``) and note anything the poster should look at.
   Its status says what posting will do with it: ``posted`` (matched and balanced), ``unmatched``
   (the unmatched queue), ``out_of_balance`` (held), ``predetermination`` (CLP02 25: an estimate,
   nothing to post). After the last claim, ``close`` balances the payment against the claims and the
   provider-level adjustments (PLB).
2. **Post** (``post_claim`` for each staged ``posted`` claim, then ``mark_posted``): denials are found
   and routed, and RemitReceived (and DenialRaised per denial) are returned for the outbox. A
   reversal (CLP02 22) names the earlier posting it undoes.

An ``unmatched`` claim waits for its submitted claim: when ClaimSubmitted is consumed after the 835
(events lag), ``match_late`` assesses the claim as staging would have, and it is posted then if its
remittance already is (or becomes clean and the tenant lets clean remittances post by themselves).

A remittance is *clean* when every claim posts without a warning, nothing was wrong in the file and
the payment balances: a tenant may let clean remittances post without a poster's confirmation.

Claims are counted as they are staged and need not be kept (``keep_claims``), so a payment of
50,000 claims is staged and posted in chunks. Pure domain code: no I/O.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from openrcm_shared.contracts import (
    DenialRaised, EventContract, PatientResponsibility, PayerRef, PaymentInfo, RemitLine, RemitReceived,
)
from payments_svc.domain.adjudication import Outcome, claim_outcome, patient_responsibility
from payments_svc.domain.balancing import BalanceProblem, PaymentTotals, claim_balance_problems
from payments_svc.domain.denials import DenialFinding, find_denials
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.line_matching import LineMatch, match_lines
from payments_svc.domain.remittance_document import (
    PREDETERMINATION, REVERSAL, ClaimPayment, ProviderAdjustment, RemittanceDocument, RemittanceHeader,
)

_ZERO = Decimal("0.00")


class RemitClaimStatus(StrEnum):
    POSTED = "posted"
    UNMATCHED = "unmatched"
    OUT_OF_BALANCE = "out_of_balance"
    PREDETERMINATION = "predetermination"


class RemittanceStatus(StrEnum):
    PENDING = "pending"  # staged: the preview, waiting for the payment poster's confirmation
    POSTED = "posted"


MatchedBy = Literal["patient_control_number", "payer_claim_number"]


@dataclass(frozen=True)
class Note:
    """Something about a staged claim the payment poster should see. ``warning`` keeps a remittance from
    posting by itself; ``info`` does not. Codes and amounts only, never patient data."""

    code: str
    message: str
    pointer: str = ""  # JSON pointer inside the claim
    severity: Literal["warning", "info"] = "warning"


@dataclass(frozen=True)
class Denial:
    id: uuid.UUID
    finding: DenialFinding


@dataclass(frozen=True)
class ClaimMatch:
    """The submitted claim a remittance claim answers (ids only; the patient stays on ExpectedClaim)."""

    expected_claim_id: uuid.UUID
    claim_id: uuid.UUID
    encounter_id: uuid.UUID


@dataclass(frozen=True)
class ReversalTarget:
    """The earlier posting a reversal takes back; amounts None when not known."""

    remit_claim_id: uuid.UUID
    total_charge: Decimal | None = None
    total_paid: Decimal | None = None
    # The claim that posting answered: after a replacement the expected claim points at the new claim,
    # but the reversal takes back the original's payment.
    claim_id: uuid.UUID | None = None


@dataclass
class RemitClaim:
    id: uuid.UUID
    remittance_id: uuid.UUID
    sequence: int
    payment: ClaimPayment
    status: RemitClaimStatus
    outcome: Outcome
    patient_responsibility: PatientResponsibility
    balance_problems: tuple[BalanceProblem, ...] = ()
    match: ClaimMatch | None = None
    reverses_remit_claim_id: uuid.UUID | None = None
    denials: list[Denial] = field(default_factory=list)
    notes: tuple[Note, ...] = ()
    line_matches: tuple[LineMatch, ...] = ()
    reversed_by_remit_claim_id: uuid.UUID | None = None

    @property
    def balanced(self) -> bool:
        return not self.balance_problems

    @property
    def matched(self) -> bool:
        return self.match is not None

    @property
    def unmatched_lines(self) -> list[int]:
        return [m.index for m in self.line_matches if not m.matched]

    @property
    def clean(self) -> bool:
        return self.status in (RemitClaimStatus.POSTED, RemitClaimStatus.PREDETERMINATION) and not any(
            n.severity == "warning" for n in self.notes
        )

    def planned_denials(self) -> list[DenialFinding]:
        """What posting this claim raises (the preview of a staged claim)."""
        return find_denials(self.payment, self.outcome) if self.status == RemitClaimStatus.POSTED else []

    def adjustments_by_group(self) -> dict[str, Decimal]:
        """CO, PR, OA, PI (and CR) totals over the claim's and its lines' adjustments."""
        totals: dict[str, Decimal] = {}
        for adjustment in self.payment.all_adjustments:
            totals[adjustment.group.value] = totals.get(adjustment.group.value, _ZERO) + adjustment.amount
        return totals


@dataclass(frozen=True)
class Deposit:
    """The bank deposit a payment was matched to (reconciliation)."""

    reference: str
    deposit_date: date
    amount: Decimal
    matched_by: str
    matched_at: datetime


@dataclass(frozen=True)
class RemittanceSummary:
    id: uuid.UUID
    payer: PayerRef
    payment: PaymentInfo
    source: str
    received_by: str
    received_at: datetime
    claim_count: int
    posted_count: int
    unmatched_count: int
    out_of_balance_count: int
    denial_count: int
    status: RemittanceStatus = RemittanceStatus.POSTED
    predetermination_count: int = 0
    claims_paid_total: Decimal = _ZERO
    provider_adjustment_total: Decimal = _ZERO
    balance_problem: str | None = None
    era_file_id: uuid.UUID | None = None
    transaction_index: int | None = None
    deposit: Deposit | None = None
    credit_debit: str = "C"

    @property
    def signed_amount(self) -> Decimal:
        return -self.payment.amount if self.credit_debit == "D" else self.payment.amount


@dataclass
class Remittance:
    id: uuid.UUID
    tenant_id: str
    header: RemittanceHeader
    source: str
    received_by: str
    received_at: datetime
    status: RemittanceStatus = RemittanceStatus.PENDING
    era_file_id: uuid.UUID | None = None
    transaction_index: int | None = None
    provider_adjustments: list[ProviderAdjustment] = field(default_factory=list)
    problems: list[dict[str, Any]] = field(default_factory=list)  # file problems (X12 segment + element)
    totals: PaymentTotals = field(default_factory=PaymentTotals)
    balance_problem: str | None = None
    counts: dict[RemitClaimStatus, int] = field(default_factory=lambda: {s: 0 for s in RemitClaimStatus})
    unclean_claims: int = 0  # staged claims that are not clean (unreadable ones included); kept with the header
    denial_count: int = 0
    claims: list[RemitClaim] = field(default_factory=list)
    keep_claims: bool = True
    events: list[EventContract] = field(default_factory=list)
    posted_at: datetime | None = None
    posted_by: str | None = None
    deposit: Deposit | None = None

    @property
    def payer(self) -> PayerRef:
        return self.header.payer

    @property
    def payment(self) -> PaymentInfo:
        return self.header.payment

    @classmethod
    def receive(
        cls, *, tenant_id: str, actor: str, header: RemittanceHeader, received_at: datetime, source: str,
        era_file_id: uuid.UUID | None = None, transaction_index: int | None = None, keep_claims: bool = True,
    ) -> "Remittance":
        return cls(id=uuid.uuid4(), tenant_id=tenant_id, header=header, source=source, received_by=actor,
                   received_at=received_at, era_file_id=era_file_id, transaction_index=transaction_index,
                   keep_claims=keep_claims)

    # ------------------------------------------------------------ 1. stage
    def stage(
        self, sequence: int, payment: ClaimPayment, expected: ExpectedClaim | None, *,
        matched_by: MatchedBy = "patient_control_number", reversal: ReversalTarget | None = None,
    ) -> RemitClaim:
        claim = _assess(uuid.uuid4(), self.id, sequence, payment, expected, matched_by, reversal)
        self.counts[claim.status] += 1
        self.totals.add_claim(payment)
        if not claim.clean:
            self.unclean_claims += 1
        if self.keep_claims:
            self.claims.append(claim)
        return claim

    def match_late(
        self, claim: RemitClaim, expected: ExpectedClaim, *, matched_by: MatchedBy = "patient_control_number",
        reversal: ReversalTarget | None = None,
    ) -> RemitClaim:
        """A claim staged unmatched, matched once its submitted claim is known (ClaimSubmitted was consumed
        after the 835): assessed exactly as staging would have, keeping its id and place in the remittance.
        Posting it (``post_claim``) is the caller's step, as for a staged claim."""
        if claim.status != RemitClaimStatus.UNMATCHED or claim.remittance_id != self.id:
            raise ValueError("only an unmatched claim of this remittance is matched late")
        matched = _assess(claim.id, self.id, claim.sequence, claim.payment, expected, matched_by, reversal)
        self.counts[RemitClaimStatus.UNMATCHED] -= 1
        self.counts[matched.status] += 1
        if matched.clean:
            self.unclean_claims = max(0, self.unclean_claims - 1)  # it was counted: an unmatched claim is never clean
        if self.keep_claims:
            self.claims = [matched if c.id == claim.id else c for c in self.claims]
        return matched

    def note_unreadable_claim(self, problems: Iterable[dict[str, Any]]) -> None:
        """A claim of the file that could not be read: its problems stay on the remittance, which then
        cannot balance."""
        self.problems.extend(problems)
        self.totals.add_claim(None)
        self.unclean_claims += 1

    def close(self, provider_adjustments: Iterable[ProviderAdjustment], problems: Iterable[dict[str, Any]] = ()) -> None:
        """The last claim is staged: balance the payment against claims and PLB."""
        self.provider_adjustments = list(provider_adjustments)
        self.totals.add_provider_adjustments(self.provider_adjustments)
        self.problems.extend(problems)
        self.balance_problem = self.totals.problem(self.header)

    @property
    def clean(self) -> bool:
        return self.balance_problem is None and not self.problems and self.unclean_claims == 0

    # ------------------------------------------------------------ 2. post
    def post_claim(self, claim: RemitClaim, expected: ExpectedClaim) -> list[EventContract]:
        """Post one staged claim; returns its events (RemitReceived, then a DenialRaised per denial)."""
        if claim.status != RemitClaimStatus.POSTED:
            return []
        claim.denials = [Denial(uuid.uuid4(), finding) for finding in claim.planned_denials()]
        self.denial_count += len(claim.denials)
        return [self._remit_received(claim, expected),
                *(self._denial_raised(claim, expected, denial) for denial in claim.denials)]

    def mark_posted(self, actor: str, at: datetime) -> None:
        self.status, self.posted_by, self.posted_at = RemittanceStatus.POSTED, actor, at

    @classmethod
    def post(
        cls, *, tenant_id: str, actor: str, document: RemittanceDocument, received_at: datetime,
        expected_claims: Mapping[str, ExpectedClaim], latest_postings: Mapping[uuid.UUID, uuid.UUID],
        source: str = "json",
    ) -> "Remittance":
        """Stage and post a whole document in memory (small remittances, tests): ``expected_claims`` by
        patient control number; ``latest_postings``: expected claim id -> the posting a reversal takes back."""
        remittance = cls.receive(tenant_id=tenant_id, actor=actor, header=document.header, received_at=received_at,
                                 source=source)
        for sequence, payment in enumerate(document.claims, start=1):
            expected = expected_claims.get(payment.patient_control_number)
            target = latest_postings.get(expected.id) if expected and payment.status_code == REVERSAL else None
            remittance.stage(sequence, payment, expected, reversal=ReversalTarget(target) if target else None)
        remittance.close(document.provider_adjustments)
        for claim in remittance.claims:
            if claim.match is not None:
                remittance.events.extend(remittance.post_claim(claim, expected_claims[claim.payment.patient_control_number]))
        remittance.mark_posted(actor, received_at)
        return remittance

    def _remit_received(self, claim: RemitClaim, expected: ExpectedClaim) -> RemitReceived:
        payment = claim.payment
        matches = {m.index: m for m in claim.line_matches}
        return RemitReceived(
            remit_claim_id=claim.id,
            remittance_id=self.id,
            claim_id=claim.match.claim_id if claim.match else expected.claim_id,
            encounter_id=expected.encounter_id,
            patient_control_number=payment.patient_control_number,
            payer_claim_control_number=payment.payer_claim_control_number,
            payer=self.payer,
            coverage_sequence=expected.coverage_sequence,
            patient=expected.patient,
            claim_status_code=payment.status_code,
            outcome=claim.outcome,
            total_charge=payment.total_charge,
            total_paid=payment.total_paid,
            patient_responsibility=claim.patient_responsibility,
            claim_adjustments=list(payment.adjustments),
            remark_codes=list(payment.remark_codes),
            lines=[
                RemitLine(
                    # The line we sent (REF*6R), also when the payer did not echo it but the line matched.
                    line_control_number=(matches[i].line_control_number if i in matches and matches[i].matched
                                         else line.line_control_number),
                    procedure_code=line.procedure_code, modifiers=list(line.modifiers), units=line.units,
                    service_date=line.service_date, charge=line.charge, allowed=line.allowed, paid=line.paid,
                    adjustments=list(line.adjustments), remark_codes=list(line.remark_codes),
                    patient_responsibility=patient_responsibility(line.adjustments),
                )
                for i, line in enumerate(payment.lines)
            ],
            payment=self.payment,
            adjudicated_on=payment.adjudicated_on,
            reverses_remit_claim_id=claim.reverses_remit_claim_id,
        )

    def _denial_raised(self, claim: RemitClaim, expected: ExpectedClaim, denial: Denial) -> DenialRaised:
        finding = denial.finding
        return DenialRaised(
            denial_id=denial.id,
            remittance_id=self.id,
            remit_claim_id=claim.id,
            claim_id=claim.match.claim_id if claim.match else expected.claim_id,
            encounter_id=expected.encounter_id,
            patient_control_number=claim.payment.patient_control_number,
            payer=self.payer,
            level=finding.level,
            line_control_number=finding.line_control_number,
            procedure_code=finding.procedure_code,
            adjustments=list(finding.adjustments),
            remark_codes=list(finding.remark_codes),
            denied_amount=finding.denied_amount,
            category=finding.category,
            owning_department=finding.owning_department,
            recommended_action=finding.recommended_action,
            explanation=finding.explanation,
        )

    def summary(self) -> RemittanceSummary:
        return RemittanceSummary(
            id=self.id, payer=self.payer, payment=self.payment, source=self.source, received_by=self.received_by,
            received_at=self.received_at, claim_count=sum(self.counts.values()),
            posted_count=self.counts[RemitClaimStatus.POSTED], unmatched_count=self.counts[RemitClaimStatus.UNMATCHED],
            out_of_balance_count=self.counts[RemitClaimStatus.OUT_OF_BALANCE], denial_count=self.denial_count,
            status=self.status, predetermination_count=self.counts[RemitClaimStatus.PREDETERMINATION],
            claims_paid_total=self.totals.claims_paid, provider_adjustment_total=self.totals.provider_adjustments,
            balance_problem=self.balance_problem, era_file_id=self.era_file_id,
            transaction_index=self.transaction_index, deposit=self.deposit, credit_debit=self.header.credit_debit,
        )


def _assess(
    claim_id: uuid.UUID, remittance_id: uuid.UUID, sequence: int, payment: ClaimPayment, expected: ExpectedClaim | None,
    matched_by: MatchedBy, reversal: ReversalTarget | None,
) -> RemitClaim:
    """What staging makes of a claim payment: its status, match, line matches and notes."""
    problems = tuple(claim_balance_problems(payment))
    if payment.status_code == PREDETERMINATION:
        status = RemitClaimStatus.PREDETERMINATION
    elif expected is None:
        status = RemitClaimStatus.UNMATCHED
    elif problems:
        status = RemitClaimStatus.OUT_OF_BALANCE
    else:
        status = RemitClaimStatus.POSTED
    line_matches = tuple(match_lines(payment.lines, expected.lines)) if expected is not None else ()
    claim = RemitClaim(
        id=claim_id, remittance_id=remittance_id, sequence=sequence, payment=payment, status=status,
        outcome=claim_outcome(payment), patient_responsibility=patient_responsibility(payment.all_adjustments),
        balance_problems=problems,
        match=ClaimMatch(expected.id, reversal.claim_id if reversal and reversal.claim_id else expected.claim_id,
                         expected.encounter_id) if expected else None,
        reverses_remit_claim_id=reversal.remit_claim_id if reversal else None,
        line_matches=line_matches,
    )
    claim.notes = tuple(_notes(claim, matched_by, reversal))
    return claim


def _notes(claim: RemitClaim, matched_by: MatchedBy, reversal: ReversalTarget | None) -> list[Note]:
    notes: list[Note] = []
    payment = claim.payment
    if matched_by == "payer_claim_number":
        notes.append(Note("matched_by_payer_claim_number", "matched by the payer's claim number: the payer changed "
                          "the patient control number (a correction)", severity="info"))
    for match in claim.line_matches:
        pointer = f"/lines/{match.index}"
        if match.method == "unmatched":
            notes.append(Note("unmatched_line", "matches none of the submitted lines; it waits in the unmatched queue",
                              pointer))
        elif match.method == "modifiers_changed":
            notes.append(Note("modifiers_changed", f"matched submitted line {match.line_number}; the payer changed or "
                              "dropped its modifiers", pointer, "info"))
        elif match.method == "original_procedure":
            notes.append(Note("procedure_changed", f"matched submitted line {match.line_number} by the original "
                              "procedure (SVC06); the payer changed or bundled the code", pointer, "info"))
    if payment.status_code == REVERSAL:
        if reversal is None:
            notes.append(Note("reversal_without_posting", "a reversal, but no earlier posting of this claim was found "
                              "to take back"))
        elif reversal.total_paid is not None and (
            payment.total_paid != -reversal.total_paid or payment.total_charge != -reversal.total_charge
        ):
            notes.append(Note("reversal_amounts_differ", "the reversal's amounts are not the negated amounts of the "
                              "posting it takes back; that posting is undone exactly"))
    if payment.party("74") is not None:
        notes.append(Note("corrected_patient", "the payer corrected the patient's or insured's name or id (NM1*74)",
                          severity="info"))
    return notes
