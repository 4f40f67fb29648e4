"""The remittance aggregate: one payer payment, the claims it pays, and how each one was posted.

Posting a claim of the remittance:

1. Match it by patient control number to a claim we submitted (within the tenant).
2. Check that it balances (see ``balancing``).
3. Only a matched and balanced claim is posted: it records RemitReceived and, for every denied
   claim or line, DenialRaised. An unmatched claim waits in the unmatched queue; an unbalanced one
   is kept with its problems. Neither emits anything: downstream services would act on a claim
   they do not know or on amounts that do not add up.

One claim's result never stops the others from posting. Pure domain code: the aggregate records
its events in ``events``; the application writes them to the outbox with the state change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from openrcm_shared.contracts import (
    DenialRaised, EventContract, PatientResponsibility, PayerRef, PaymentInfo, RemitLine, RemitReceived,
)
from payments_svc.domain.adjudication import Outcome, claim_outcome, patient_responsibility
from payments_svc.domain.balancing import BalanceProblem, claim_balance_problems
from payments_svc.domain.denials import DenialFinding, find_denials
from payments_svc.domain.expected_claim import ExpectedClaim
from payments_svc.domain.remittance_document import REVERSAL, ClaimPayment, RemittanceDocument


class RemitClaimStatus(StrEnum):
    POSTED = "posted"
    UNMATCHED = "unmatched"
    OUT_OF_BALANCE = "out_of_balance"


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

    @property
    def balanced(self) -> bool:
        return not self.balance_problems

    @property
    def matched(self) -> bool:
        return self.match is not None


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


@dataclass
class Remittance:
    id: uuid.UUID
    tenant_id: str
    payer: PayerRef
    payment: PaymentInfo
    source: str
    received_by: str
    received_at: datetime
    claims: list[RemitClaim] = field(default_factory=list)
    events: list[EventContract] = field(default_factory=list)

    @classmethod
    def post(
        cls,
        *,
        tenant_id: str,
        actor: str,
        document: RemittanceDocument,
        received_at: datetime,
        expected_claims: Mapping[str, ExpectedClaim],
        latest_postings: Mapping[uuid.UUID, uuid.UUID],
        source: str = "json",
    ) -> "Remittance":
        """Post every claim of ``document``.

        ``expected_claims``: the tenant's expected claims by patient control number.
        ``latest_postings``: expected claim id -> the remit claim a reversal (CLP02 22) takes back.
        """
        remittance = cls(
            id=uuid.uuid4(), tenant_id=tenant_id, payer=document.payer, payment=document.payment, source=source,
            received_by=actor, received_at=received_at,
        )
        for sequence, payment in enumerate(document.claims, start=1):
            remittance._post_claim(sequence, payment, expected_claims.get(payment.patient_control_number),
                                   latest_postings)
        return remittance

    def _post_claim(
        self, sequence: int, payment: ClaimPayment, expected: ExpectedClaim | None,
        latest_postings: Mapping[uuid.UUID, uuid.UUID],
    ) -> None:
        problems = tuple(claim_balance_problems(payment))
        if expected is None:
            status = RemitClaimStatus.UNMATCHED
        elif problems:
            status = RemitClaimStatus.OUT_OF_BALANCE
        else:
            status = RemitClaimStatus.POSTED
        claim = RemitClaim(
            id=uuid.uuid4(), remittance_id=self.id, sequence=sequence, payment=payment, status=status,
            outcome=claim_outcome(payment), patient_responsibility=patient_responsibility(payment.all_adjustments),
            balance_problems=problems,
            match=ClaimMatch(expected.id, expected.claim_id, expected.encounter_id) if expected else None,
        )
        self.claims.append(claim)
        if status != RemitClaimStatus.POSTED or expected is None:
            return
        if payment.status_code == REVERSAL:
            claim.reverses_remit_claim_id = latest_postings.get(expected.id)
        claim.denials = [Denial(uuid.uuid4(), finding) for finding in find_denials(payment, claim.outcome)]
        self.events.append(self._remit_received(claim, expected))
        self.events.extend(self._denial_raised(claim, expected, denial) for denial in claim.denials)

    def _remit_received(self, claim: RemitClaim, expected: ExpectedClaim) -> RemitReceived:
        payment = claim.payment
        return RemitReceived(
            remit_claim_id=claim.id,
            remittance_id=self.id,
            claim_id=expected.claim_id,
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
                    line_control_number=line.line_control_number, procedure_code=line.procedure_code,
                    modifiers=list(line.modifiers), units=line.units, service_date=line.service_date,
                    charge=line.charge, allowed=line.allowed, paid=line.paid, adjustments=list(line.adjustments),
                    remark_codes=list(line.remark_codes),
                    patient_responsibility=patient_responsibility(line.adjustments),
                )
                for line in payment.lines
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
            claim_id=expected.claim_id,
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
        def count(status: RemitClaimStatus) -> int:
            return sum(1 for c in self.claims if c.status == status)

        return RemittanceSummary(
            id=self.id, payer=self.payer, payment=self.payment, source=self.source, received_by=self.received_by,
            received_at=self.received_at, claim_count=len(self.claims), posted_count=count(RemitClaimStatus.POSTED),
            unmatched_count=count(RemitClaimStatus.UNMATCHED),
            out_of_balance_count=count(RemitClaimStatus.OUT_OF_BALANCE),
            denial_count=sum(len(c.denials) for c in self.claims),
        )
