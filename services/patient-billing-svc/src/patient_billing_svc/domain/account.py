"""The guarantor account: one per patient within a tenant, billed to the person responsible for paying.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from openrcm_shared.contracts import Address, PartyName, Patient
from patient_billing_svc.domain.dunning import DunningState, DunningStep, Hold
from patient_billing_svc.domain.ledger import ZERO, Ledger
from patient_billing_svc.domain.visit import Visit, insurance_pending


class AccountStatus(StrEnum):
    """What can be said of an account; several apply at once (see ``GuarantorAccount.statuses``)."""

    PATIENT_DUE = "patient_due"
    INSURANCE_PENDING = "insurance_pending"
    CREDIT = "credit"
    SETTLED = "settled"
    PAYMENT_PLAN = "payment_plan"
    DISPUTED = "disputed"
    COLLECTIONS = "collections"


@dataclass(frozen=True)
class Guarantor:
    name: PartyName
    address: Address | None
    #: True when the patient pays their own bills (the usual case for adults).
    is_patient: bool

    @classmethod
    def named_on_encounter(
        cls, patient: Patient, guarantor: PartyName | None, guarantor_address: Address | None
    ) -> Guarantor:
        """The guarantor the encounter names, or else the patient."""
        if guarantor is None:
            return cls(name=patient.name, address=patient.address, is_patient=True)
        return cls(name=guarantor, address=guarantor_address, is_patient=False)


@dataclass
class GuarantorAccount:
    id: uuid.UUID
    tenant_id: str
    patient_id: str
    guarantor: Guarantor
    #: When the encounter that named the guarantor was coded; None while only a remit has named anyone.
    guarantor_as_of: datetime | None
    # Derived from the ledger and visits by ``refresh``; kept on the account so lists can filter on them.
    balance: Decimal = ZERO
    insurance_pending: Decimal = ZERO
    oldest_open_on: date | None = None
    # Collection state.
    dunning: DunningState = field(default_factory=DunningState)
    disputed_on: date | None = None
    active_plan_id: uuid.UUID | None = None

    @classmethod
    def open(cls, tenant_id: str, patient_id: str, guarantor: Guarantor, as_of: datetime | None) -> GuarantorAccount:
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, patient_id=patient_id, guarantor=guarantor, guarantor_as_of=as_of
        )

    def name_guarantor(self, guarantor: Guarantor, as_of: datetime) -> bool:
        """Take the guarantor from a newer encounter; an older one delivered late changes nothing.

        Returns True when the account changed.
        """
        if self.guarantor_as_of is not None and as_of <= self.guarantor_as_of:
            return False
        self.guarantor, self.guarantor_as_of = guarantor, as_of
        return True

    def refresh(self, ledger: Ledger, visits: Iterable[Visit]) -> None:
        """Recompute the figures kept with the account from its ledger and visits."""
        self.balance = ledger.balance
        self.insurance_pending = insurance_pending(visits)
        self.oldest_open_on = ledger.allocation().oldest_open_on

    @property
    def patient_due(self) -> Decimal:
        return max(self.balance, ZERO)

    @property
    def disputed(self) -> bool:
        return self.disputed_on is not None

    def dispute(self, on: date) -> bool:
        if self.disputed_on is not None:
            return False
        self.disputed_on = on
        return True

    def resolve_dispute(self) -> bool:
        if self.disputed_on is None:
            return False
        self.disputed_on = None
        return True

    @property
    def holds(self) -> frozenset[Hold]:
        """What stops dunning: an active payment plan (a defaulted one is no longer active), a dispute."""
        held = set()
        if self.active_plan_id is not None:
            held.add(Hold.PAYMENT_PLAN)
        if self.disputed:
            held.add(Hold.DISPUTE)
        return frozenset(held)

    @property
    def in_collections(self) -> bool:
        return self.dunning.step is DunningStep.COLLECTIONS

    @property
    def statuses(self) -> list[AccountStatus]:
        found = []
        if self.balance > ZERO:
            found.append(AccountStatus.PATIENT_DUE)
        if self.insurance_pending > ZERO:
            found.append(AccountStatus.INSURANCE_PENDING)
        if self.balance < ZERO:
            found.append(AccountStatus.CREDIT)
        if self.balance == ZERO and self.insurance_pending == ZERO:
            found.append(AccountStatus.SETTLED)
        if self.active_plan_id is not None:
            found.append(AccountStatus.PAYMENT_PLAN)
        if self.disputed:
            found.append(AccountStatus.DISPUTED)
        if self.in_collections:
            found.append(AccountStatus.COLLECTIONS)
        return found
