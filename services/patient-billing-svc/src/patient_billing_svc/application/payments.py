"""Use cases: record a patient payment, post an adjustment, and work refund items."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openrcm_shared.contracts import EventEnvelope, PatientPaymentReceived, PaymentApplication
from openrcm_shared.db import UnitOfWork
from openrcm_shared.idempotency import Claim
from openrcm_shared.problems import Conflict, InvalidInput, NotFound
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.adapters.repository import LedgerRepository, RefundRepository, VisitRepository
from patient_billing_svc.application.accounts import AccountBook
from patient_billing_svc.application.answers import Respond, commit_answering
from patient_billing_svc.domain.account import GuarantorAccount
from patient_billing_svc.domain.ledger import AdjustmentReason, Application, LedgerEntry, PaymentMethod
from patient_billing_svc.domain.refund import RefundItem, RefundStatus


@dataclass(frozen=True)
class RecordPayment:
    tenant_id: str
    actor: str
    account_id: uuid.UUID
    amount: Decimal
    method: PaymentMethod
    received_on: date
    reference: str | None = None
    #: Pay this visit's charges first (else the oldest charges first).
    visit_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PostAdjustment:
    tenant_id: str
    actor: str
    account_id: uuid.UUID
    amount: Decimal
    reason: AdjustmentReason
    on: date
    visit_id: uuid.UUID | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Posted:
    """An entry posted to an account, how it was applied, and the account after it."""

    entry: LedgerEntry
    applied: list[Application]
    account: GuarantorAccount
    refund_item: RefundItem | None

    @property
    def unapplied(self) -> Decimal:
        """What of the credit no open charge took (it waits on the account as a credit)."""
        return -self.entry.amount - sum((a.amount for a in self.applied), Decimal("0.00"))


async def record_payment(
    uow: UnitOfWork, command: RecordPayment, *, now: datetime, claim: Claim | None = None,
    respond: Respond[Posted] | None = None,
) -> Posted:
    book = await AccountBook.open(uow, command.tenant_id, command.account_id)
    await _check_visit(uow, book, command.visit_id)
    entry = book.ledger.post_payment(
        amount=command.amount, method=command.method, on=command.received_on, reference=command.reference,
        visit_id=command.visit_id,
    )
    posted = await _settle(uow, book, entry, today=command.received_on, now=now)
    uow.emit(EventEnvelope.wrap(
        PatientPaymentReceived(
            payment_id=entry.id, account_id=book.account.id, patient_id=book.account.patient_id, amount=-entry.amount,
            method=command.method.value, received_on=command.received_on,
            applied=[PaymentApplication(visit_id=a.visit_id, encounter_id=a.encounter_id, amount=a.amount)
                     for a in posted.applied],
            unapplied=posted.unapplied, balance_after=book.ledger.balance,
        ),
        tenant_id=command.tenant_id, producer=SERVICE_NAME,
    ))
    _audit(uow, command.tenant_id, command.actor, "payment", book, posted)
    return await commit_answering(uow, posted, claim, respond)


async def post_adjustment(
    uow: UnitOfWork, command: PostAdjustment, *, now: datetime, claim: Claim | None = None,
    respond: Respond[Posted] | None = None,
) -> Posted:
    book = await AccountBook.open(uow, command.tenant_id, command.account_id)
    await _check_visit(uow, book, command.visit_id)
    if command.amount > book.ledger.patient_due:
        raise InvalidInput(
            "An adjustment cannot take off more than the guarantor owes.",
            errors=[{"pointer": "/amount", "location": "body", "message": "more than the patient-due balance",
                     "code": "exceeds_balance"}],
        )
    entry = book.ledger.post_reduction(
        amount=command.amount, reason=command.reason, on=command.on, visit_id=command.visit_id,
        reference=command.reference,
    )
    assert entry is not None  # a fresh posting key is never already posted
    posted = await _settle(uow, book, entry, today=command.on, now=now)
    _audit(uow, command.tenant_id, command.actor, "adjustment", book, posted)
    return await commit_answering(uow, posted, claim, respond)


async def _check_visit(uow: UnitOfWork, book: AccountBook, visit_id: uuid.UUID | None) -> None:
    if visit_id is None:
        return
    visit = await VisitRepository(uow.session).get(book.account.tenant_id, visit_id)
    if visit is None or visit.account_id != book.account.id:
        raise InvalidInput(
            "The visit is not one of this account's visits.",
            errors=[{"pointer": "/visit_id", "location": "body", "message": "not a visit of this account",
                     "code": "unknown_visit"}],
        )


async def _settle(uow: UnitOfWork, book: AccountBook, entry: LedgerEntry, *, today: date, now: datetime) -> Posted:
    refund_item = await book.settle(uow, today=today, now=now)
    return Posted(entry=entry, applied=book.ledger.allocation().applied_by(entry.id), account=book.account,
                  refund_item=refund_item)


def _audit(uow: UnitOfWork, tenant_id: str, actor: str, action: str, book: AccountBook, posted: Posted) -> None:
    uow.audit(
        tenant_id=tenant_id, actor=actor, action=action, entity_type="guarantor_account", entity_id=book.account.id,
        details={"entry_id": posted.entry.id, "entry_type": posted.entry.entry_type.value,
                 "refund_item_id": posted.refund_item.id if posted.refund_item else None},
    )


# ------------------------------------------------------------------ refunds
@dataclass(frozen=True)
class IssueRefund:
    tenant_id: str
    actor: str
    item_id: uuid.UUID
    method: PaymentMethod
    on: date
    reference: str | None = None


class RefundItemClosed(Conflict):
    type_slug = "refund-item-closed"
    title = "The refund item is no longer open"


async def issue_refund(
    uow: UnitOfWork, command: IssueRefund, *, now: datetime, claim: Claim | None = None,
    respond: Respond[RefundItem] | None = None,
) -> RefundItem:
    """Pay the credit back: a refund entry for the item's amount; the item is refunded."""
    item, book = await _locked_open_item(uow, command.tenant_id, command.item_id)
    if item.amount != book.ledger.credit_balance:  # cannot happen while every change settles the item; be safe
        raise RefundItemClosed("The account's credit changed; reload the refund item.", item_status=item.status.value)
    entry = book.ledger.post_refund(
        amount=item.amount, method=command.method, on=command.on, refund_id=item.id, reference=command.reference,
    )
    item.refunded(entry.id, command.on)
    # The entry first (the item refers to it), then the item closed, so settling finds no open item to follow.
    await LedgerRepository(uow.session).add_new_entries(command.tenant_id, book.ledger, now)
    await RefundRepository(uow.session).upsert(item, now, new=False)
    await book.settle(uow, today=command.on, now=now)
    uow.audit(tenant_id=command.tenant_id, actor=command.actor, action="refund", entity_type="refund_item",
              entity_id=item.id, details={"account_id": item.account_id, "entry_id": entry.id})
    return await commit_answering(uow, item, claim, respond)


async def dismiss_refund(uow: UnitOfWork, *, tenant_id: str, actor: str, item_id: uuid.UUID, today: date,
                         now: datetime) -> RefundItem:
    """Keep the credit on the account (e.g. for a visit already booked): the item is closed without a refund."""
    item, _ = await _locked_open_item(uow, tenant_id, item_id)
    item.dismiss(today)
    await RefundRepository(uow.session).upsert(item, now, new=False)
    uow.audit(tenant_id=tenant_id, actor=actor, action="dismiss", entity_type="refund_item", entity_id=item.id,
              details={"account_id": item.account_id})
    await uow.commit()
    return item


async def _locked_open_item(uow: UnitOfWork, tenant_id: str, item_id: uuid.UUID) -> tuple[RefundItem, AccountBook]:
    """The open item and its account's book, the account locked (every ledger change updates the item)."""
    item = await _open_item(uow, tenant_id, item_id)
    book = await AccountBook.open(uow, tenant_id, item.account_id)
    return await _open_item(uow, tenant_id, item_id), book  # re-read under the account lock


async def _open_item(uow: UnitOfWork, tenant_id: str, item_id: uuid.UUID) -> RefundItem:
    item = await RefundRepository(uow.session).get(tenant_id, item_id)
    if item is None:
        raise NotFound("No refund item with that id.")
    if item.status is not RefundStatus.OPEN:
        raise RefundItemClosed(f"The refund item is {item.status.value}; nothing to do.", item_status=item.status.value)
    return item
