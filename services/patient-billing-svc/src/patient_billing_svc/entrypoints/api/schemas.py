"""HTTP response bodies of patient-billing-svc (separate from tables and event contracts).

Money is a Decimal, a string on the wire.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from openrcm_shared.contracts import Address, PartyName
from patient_billing_svc.application.queries import AccountView
from patient_billing_svc.domain.account import GuarantorAccount
from patient_billing_svc.domain.ledger import Aging, LedgerEntry
from patient_billing_svc.domain.visit import Visit


class GuarantorOut(BaseModel):
    name: PartyName
    address: Address | None
    is_patient: bool = Field(description="True when the patient is their own guarantor.")


class AccountOut(BaseModel):
    id: uuid.UUID
    patient_id: str
    guarantor: GuarantorOut

    @classmethod
    def of(cls, account: GuarantorAccount) -> "AccountOut":
        g = account.guarantor
        return cls(
            id=account.id, patient_id=account.patient_id,
            guarantor=GuarantorOut(name=g.name, address=g.address, is_patient=g.is_patient),
        )


class AgingOut(BaseModel):
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    days_91_120: Decimal
    over_120: Decimal

    @classmethod
    def of(cls, aging: Aging) -> "AgingOut":
        return cls(
            days_0_30=aging.days_0_30, days_31_60=aging.days_31_60, days_61_90=aging.days_61_90,
            days_91_120=aging.days_91_120, over_120=aging.over_120,
        )


class PatientShareOut(BaseModel):
    deductible: Decimal
    coinsurance: Decimal
    copay: Decimal
    other: Decimal


class EntryOut(BaseModel):
    id: uuid.UUID
    entry_type: str
    amount: Decimal = Field(description="Positive: owed by the guarantor; negative: owed less.")
    entry_date: date
    visit_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    patient_share: PatientShareOut | None
    payer_id: str | None
    claim_id: uuid.UUID | None
    remit_claim_id: uuid.UUID | None
    reverses_entry_id: uuid.UUID | None

    @classmethod
    def of(cls, entry: LedgerEntry) -> "EntryOut":
        share, remit = entry.patient_share, entry.remit
        return cls(
            id=entry.id, entry_type=entry.entry_type.value, amount=entry.amount, entry_date=entry.entry_date,
            visit_id=entry.visit_id, encounter_id=entry.encounter_id,
            patient_share=PatientShareOut(
                deductible=share.deductible, coinsurance=share.coinsurance, copay=share.copay, other=share.other
            ) if share else None,
            payer_id=remit.payer_id if remit else None,
            claim_id=remit.claim_id if remit else None,
            remit_claim_id=remit.remit_claim_id if remit else None,
            reverses_entry_id=entry.reverses_entry_id,
        )


class VisitOut(BaseModel):
    id: uuid.UUID
    encounter_id: uuid.UUID
    revision: int
    service_date_from: date | None
    service_date_to: date | None
    self_pay: bool
    coverage_sequences: list[str]
    status: str
    total_charge: Decimal
    insurance_pending: Decimal
    adjudicated_on: date | None

    @classmethod
    def of(cls, visit: Visit) -> "VisitOut":
        return cls(
            id=visit.id, encounter_id=visit.encounter_id, revision=visit.revision,
            service_date_from=visit.service_date_from, service_date_to=visit.service_date_to,
            self_pay=visit.self_pay, coverage_sequences=list(visit.coverage_sequences), status=visit.status.value,
            total_charge=visit.total_charge, insurance_pending=visit.insurance_pending,
            adjudicated_on=visit.adjudicated_on,
        )


class AccountViewOut(AccountOut):
    as_of: date = Field(description="The day balances and aging are computed for.")
    balance: Decimal = Field(description="Sum of the ledger entries; negative when the guarantor holds a credit.")
    patient_due: Decimal = Field(description="What the guarantor owes now (never negative).")
    insurance_pending: Decimal = Field(
        description="Charges of insured visits the payer has not answered yet: shown, never due from the patient."
    )
    aging: AgingOut
    entries: list[EntryOut] = Field(description="The ledger, oldest first. Entries are never edited, only reversed.")
    visits: list[VisitOut]

    @classmethod
    def of_view(cls, view: AccountView) -> "AccountViewOut":
        header = AccountOut.of(view.account)
        return cls(
            **header.model_dump(), as_of=view.as_of, balance=view.balance, patient_due=view.patient_due,
            insurance_pending=view.insurance_pending, aging=AgingOut.of(view.aging),
            entries=[EntryOut.of(e) for e in view.ledger.entries], visits=[VisitOut.of(v) for v in view.visits],
        )
