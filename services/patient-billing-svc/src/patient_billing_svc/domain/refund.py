"""Refund work items: a credit balance is money the practice owes the guarantor, and someone must act on it.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from patient_billing_svc.domain.ledger import ZERO


class RefundStatus(StrEnum):
    OPEN = "open"
    #: Paid back: a refund entry is on the ledger.
    REFUNDED = "refunded"
    #: Staff decided to keep the credit on the account (e.g. for an upcoming visit).
    DISMISSED = "dismissed"
    #: The credit was used up by a later charge (or a reversed payment) before anyone refunded it.
    RESOLVED = "resolved"


class RefundNotOpen(ValueError):
    pass


@dataclass
class RefundItem:
    id: uuid.UUID
    tenant_id: str
    account_id: uuid.UUID
    #: The credit balance to refund (kept equal to the account's credit while the item is open).
    amount: Decimal
    status: RefundStatus
    created_on: date
    resolved_on: date | None = None
    refund_entry_id: uuid.UUID | None = None

    @classmethod
    def for_credit(cls, tenant_id: str, account_id: uuid.UUID, credit: Decimal, today: date) -> RefundItem:
        return cls(id=uuid.uuid4(), tenant_id=tenant_id, account_id=account_id, amount=credit,
                   status=RefundStatus.OPEN, created_on=today)

    def follow_credit(self, credit: Decimal, today: date) -> bool:
        """The account's credit changed: track it, or resolve the item once nothing is left. True if changed."""
        if self.status is not RefundStatus.OPEN or credit == self.amount:
            return False
        if credit <= ZERO:
            self.status, self.resolved_on = RefundStatus.RESOLVED, today
        else:
            self.amount = credit
        return True

    def refunded(self, entry_id: uuid.UUID, today: date) -> None:
        self._close(RefundStatus.REFUNDED, today)
        self.refund_entry_id = entry_id

    def dismiss(self, today: date) -> None:
        self._close(RefundStatus.DISMISSED, today)

    def _close(self, status: RefundStatus, today: date) -> None:
        if self.status is not RefundStatus.OPEN:
            raise RefundNotOpen(f"the refund item is {self.status.value}")
        self.status, self.resolved_on = status, today


def refund_item_after_change(
    open_item: RefundItem | None, *, tenant_id: str, account_id: uuid.UUID, credit: Decimal, today: date,
) -> RefundItem | None:
    """After a ledger change: the open item to save (new or changed), or None when nothing changes.

    A credit with no open item gets one; an open item follows the credit, and is resolved when the
    credit is gone.
    """
    if open_item is None:
        return RefundItem.for_credit(tenant_id, account_id, credit, today) if credit > ZERO else None
    return open_item if open_item.follow_credit(credit, today) else None
