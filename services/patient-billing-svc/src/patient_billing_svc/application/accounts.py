"""Finding or opening the guarantor account an event posts to, and the flow every ledger change goes through.

Every use case that changes an account's ledger or collection state locks the account row first
(``SELECT ... FOR UPDATE``), so changes to one account apply one after the other; the unique
(account, posting order) of ledger rows is the second guard. ``AccountBook.settle`` then writes the
new entries, recomputes the figures kept on the account and keeps its refund work item in step
with the credit balance, all in the caller's transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError

from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound
from patient_billing_svc.adapters.repository import (
    AccountRepository, LedgerRepository, RefundRepository, VisitRepository,
)
from patient_billing_svc.domain.account import Guarantor, GuarantorAccount
from patient_billing_svc.domain.ledger import Ledger
from patient_billing_svc.domain.refund import RefundItem, refund_item_after_change


async def account_for_patient(
    uow: UnitOfWork, *, tenant_id: str, patient_id: str, guarantor: Guarantor, guarantor_as_of: datetime | None,
    now: datetime,
) -> GuarantorAccount:
    """The patient's account (locked), opened if missing; a newer ``guarantor_as_of`` updates its guarantor.

    ``guarantor_as_of`` None means the caller only knows the patient (a remit): it never replaces a
    guarantor an encounter named.
    """
    repo = AccountRepository(uow.session)
    account = await repo.find_by_patient(tenant_id, patient_id, for_update=True)
    if account is None:
        account = GuarantorAccount.open(tenant_id, patient_id, guarantor, guarantor_as_of)
        try:
            async with uow.session.begin_nested():
                await repo.add(account, now)
            return account
        except IntegrityError:
            # Events of different encounters run in parallel: another one opened the account first.
            winner = await repo.find_by_patient(tenant_id, patient_id, for_update=True)
            if winner is None:
                raise
            account = winner
    if guarantor_as_of is not None and account.name_guarantor(guarantor, guarantor_as_of):
        await repo.save(account, now)
    return account


@dataclass
class AccountBook:
    """A locked account with its ledger: what a ledger-changing use case works on."""

    account: GuarantorAccount
    ledger: Ledger

    @classmethod
    async def of(cls, uow: UnitOfWork, account: GuarantorAccount) -> AccountBook:
        """The book of an account the caller has already locked."""
        return cls(account, await LedgerRepository(uow.session).load(account.tenant_id, account.id))

    @classmethod
    async def open(cls, uow: UnitOfWork, tenant_id: str, account_id: uuid.UUID) -> AccountBook:
        """Lock the tenant's account and load its ledger; 404 when the tenant has no such account."""
        account = await AccountRepository(uow.session).get(tenant_id, account_id, for_update=True)
        if account is None:
            raise NotFound("No account with that id.")
        return await cls.of(uow, account)

    async def settle(self, uow: UnitOfWork, *, today: date, now: datetime) -> RefundItem | None:
        """Write what was posted, refresh the account's figures and its refund item; returns a changed item."""
        account = self.account
        await LedgerRepository(uow.session).add_new_entries(account.tenant_id, self.ledger, now)
        account.refresh(self.ledger, await VisitRepository(uow.session).list_for_account(account.tenant_id, account.id))
        await AccountRepository(uow.session).save(account, now)
        refunds = RefundRepository(uow.session)
        current = await refunds.open_for_account(account.tenant_id, account.id)
        changed = refund_item_after_change(
            current, tenant_id=account.tenant_id, account_id=account.id, credit=self.ledger.credit_balance, today=today,
        )
        if changed is not None:
            await refunds.upsert(changed, now, new=current is None)
        return changed
