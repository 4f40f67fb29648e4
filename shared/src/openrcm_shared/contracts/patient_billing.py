"""Events patient-billing-svc emits, version 1. Nobody consumes them yet (a mailing vendor, reporting).

Money is Decimal (a string on the wire); dates are dates.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import Field

from openrcm_shared.contracts.envelope import EventContract
from openrcm_shared.contracts.events import Address, Amount, PartyName, _Part


class StatementIssued(EventContract):
    """A statement (or dunning notice) was issued to a guarantor; its PDF is served by patient-billing-svc."""

    event_type = "StatementIssued"
    event_version = 1
    domain = "patient-billing"
    topic_name = "statement-issued"

    statement_id: uuid.UUID
    account_id: uuid.UUID
    patient_id: str = Field(description="The practice's patient identifier (MRN).")
    kind: Literal["statement", "reminder", "final_notice"]
    statement_date: date
    due_date: date
    amount_due: Amount = Field(description="The guarantor's whole patient-due balance on the statement date.")
    pay_now: Amount = Field(description="What to pay by the due date: the balance, or the plan's next installment.")
    insurance_pending: Amount = Field(description="Charges still with insurance: listed, not due.")
    visit_count: int = Field(ge=0)
    guarantor: PartyName
    guarantor_address: Address | None = None
    document_path: str = Field(description="Path of the PDF on patient-billing-svc, e.g. /v1/statements/{id}/pdf.")

    def aggregate_id(self) -> str:
        return str(self.account_id)


class PaymentApplication(_Part):
    visit_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    amount: Amount


class PatientPaymentReceived(EventContract):
    """A guarantor paid; ``applied`` is how the payment was applied to the account's charges when it was posted."""

    event_type = "PatientPaymentReceived"
    event_version = 1
    domain = "patient-billing"
    topic_name = "patient-payment-received"

    payment_id: uuid.UUID
    account_id: uuid.UUID
    patient_id: str
    amount: Amount
    method: Literal["card", "cash", "check", "online"]
    received_on: date
    applied: list[PaymentApplication] = Field(default_factory=list)
    unapplied: Amount = Field(description="What no open charge took: a credit on the account.")
    balance_after: Amount = Field(description="The account balance after the payment; negative is a credit.")

    def aggregate_id(self) -> str:
        return str(self.account_id)
