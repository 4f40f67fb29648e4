"""A visit as patient billing sees it: which encounter, whether insurance still has to answer, its charges.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from patient_billing_svc.domain.ledger import ZERO, money

#: The order payers are billed in; a later coverage is billed after the earlier one answers.
COVERAGE_ORDER = ("primary", "secondary", "tertiary")


class VisitStatus(StrEnum):
    #: No coverage: the patient is billed directly.
    SELF_PAY = "self_pay"
    #: Billed to insurance; until the last payer answers, nothing of it is the patient's to pay.
    CLAIM_PENDING = "claim_pending"
    #: The last payer answered; the patient's share is on the ledger.
    ADJUDICATED = "adjudicated"


@dataclass
class Visit:
    id: uuid.UUID
    tenant_id: str
    account_id: uuid.UUID
    encounter_id: uuid.UUID
    #: The encounter revision this visit reflects; 0 while it is known only from a remit.
    revision: int
    service_date_from: date | None
    service_date_to: date | None
    coverage_sequences: tuple[str, ...]
    total_charge: Decimal
    status: VisitStatus
    adjudicated_on: date | None = None

    @classmethod
    def from_encounter(
        cls, *, tenant_id: str, account_id: uuid.UUID, encounter_id: uuid.UUID, revision: int,
        service_date_from: date, service_date_to: date, coverage_sequences: Iterable[str], total_charge: Decimal,
    ) -> Visit:
        coverages = tuple(coverage_sequences)
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, encounter_id=encounter_id, revision=revision,
            service_date_from=service_date_from, service_date_to=service_date_to, coverage_sequences=coverages,
            total_charge=money(total_charge),
            status=VisitStatus.CLAIM_PENDING if coverages else VisitStatus.SELF_PAY,
        )

    @classmethod
    def known_only_from_remit(
        cls, *, tenant_id: str, account_id: uuid.UUID, encounter_id: uuid.UUID, coverage_sequence: str,
        total_charge: Decimal,
    ) -> Visit:
        """The remit overtook the encounter (they travel on different topics, e.g. when history is replayed).

        Revision 0 lets the encounter, when it arrives, fill in the dates and coverages.
        """
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, encounter_id=encounter_id, revision=0,
            service_date_from=None, service_date_to=None, coverage_sequences=(coverage_sequence,),
            total_charge=money(total_charge), status=VisitStatus.CLAIM_PENDING,
        )

    @property
    def self_pay(self) -> bool:
        return not self.coverage_sequences

    @property
    def insurance_pending(self) -> Decimal:
        """Charges insurance has yet to answer for: shown to staff, never due from the patient."""
        return self.total_charge if self.status is VisitStatus.CLAIM_PENDING else ZERO

    def revise(
        self, *, revision: int, service_date_from: date, service_date_to: date, coverage_sequences: Iterable[str],
        total_charge: Decimal,
    ) -> bool:
        """Take a newer encounter revision. Returns False for a revision already seen (or older)."""
        if revision <= self.revision:
            return False
        self.revision = revision
        self.service_date_from, self.service_date_to = service_date_from, service_date_to
        self.coverage_sequences = tuple(coverage_sequences)
        self.total_charge = money(total_charge)
        # A payer's answer already received stays received; a recoded encounter does not undo it.
        if self.status is not VisitStatus.ADJUDICATED:
            self.status = VisitStatus.SELF_PAY if self.self_pay else VisitStatus.CLAIM_PENDING
        return True

    def is_last_payer(self, coverage_sequence: str) -> bool:
        """True when no later coverage on the visit is billed after this payer answers."""
        later = COVERAGE_ORDER[COVERAGE_ORDER.index(coverage_sequence) + 1 :]
        return not any(sequence in later for sequence in self.coverage_sequences)

    def record_adjudication(self, coverage_sequence: str, adjudicated_on: date) -> bool:
        """A payer answered. Returns True when its patient share is final, i.e. now due from the patient.

        After the primary answers, a secondary coverage is billed next (the patient's share moves to
        it), so the visit stays pending until the last payer answers.
        """
        if not self.is_last_payer(coverage_sequence):
            return False
        self.status = VisitStatus.ADJUDICATED
        self.adjudicated_on = adjudicated_on
        return True

    def reopen_claim(self) -> None:
        """The payer reversed its answer: the claim is back with insurance until it answers again."""
        self.status = VisitStatus.SELF_PAY if self.self_pay else VisitStatus.CLAIM_PENDING
        self.adjudicated_on = None

    def take_back_answer(self, reversed_remit_claim_id: uuid.UUID | None, coverage_sequence: str,
                         answers: Iterable[PayerAnswer]) -> None:
        """The payer reversed one of its answers. The claim goes back to insurance unless another answer of
        the same payer on this visit has already arrived: a replacement claim's payment and the reversal
        of the original come in one 835 but as events of two claims, which may be handled in either order."""
        superseded = any(
            answer.visit_id == self.id and answer.coverage_sequence == coverage_sequence
            and answer.outcome != "reversed" and answer.remit_claim_id != reversed_remit_claim_id
            for answer in answers
        )
        if not superseded:
            self.reopen_claim()


def insurance_pending(visits: Iterable[Visit]) -> Decimal:
    return money(sum((v.insurance_pending for v in visits), ZERO))


@dataclass(frozen=True)
class PayerAnswer:
    """A payer's answer on a visit's claim, as much of it as the patient is shown.

    ``adjusted`` is what the payer took off without the patient owing it (contractual and other
    non-patient adjustments): charge - paid - patient share. A reversal carries every amount negated,
    so summing a visit's answers nets a reversed one out.
    """

    remit_claim_id: uuid.UUID
    visit_id: uuid.UUID
    payer_id: str
    payer_name: str
    coverage_sequence: str
    outcome: str
    total_charge: Decimal
    total_paid: Decimal
    patient_share: Decimal
    adjudicated_on: date | None

    @property
    def adjusted(self) -> Decimal:
        return money(self.total_charge - self.total_paid - self.patient_share)
