"""Read use cases. Reads of patient data are audited, so they commit the audit entry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openrcm_shared.db import UnitOfWork
from openrcm_shared.problems import NotFound
from patient_billing_svc.adapters.repository import (
    AccountRepository, LedgerRepository, RefundRepository, VisitRepository,
)
from patient_billing_svc.domain.refund import RefundItem, RefundStatus
from patient_billing_svc.domain.account import AccountStatus, GuarantorAccount
from patient_billing_svc.domain.ledger import Aging, AgingBucket, Ledger
from patient_billing_svc.domain.visit import Visit, insurance_pending


@dataclass(frozen=True)
class AccountView:
    """An account with its ledger and visits, and the figures derived from them as of a day."""

    account: GuarantorAccount
    ledger: Ledger
    visits: list[Visit]
    as_of: date

    @property
    def balance(self) -> Decimal:
        return self.ledger.balance

    @property
    def patient_due(self) -> Decimal:
        return self.ledger.patient_due

    @property
    def insurance_pending(self) -> Decimal:
        return insurance_pending(self.visits)

    @property
    def aging(self) -> Aging:
        return self.ledger.aging(self.as_of)


async def get_account(
    uow: UnitOfWork, *, tenant_id: str, actor: str, account_id: uuid.UUID, today: date
) -> AccountView:
    account = await AccountRepository(uow.session).get(tenant_id, account_id)
    if account is None:
        raise NotFound("No account with that id.")
    return await _view(uow, account, actor=actor, today=today)


async def get_account_by_patient(
    uow: UnitOfWork, *, tenant_id: str, actor: str, patient_id: str, today: date
) -> AccountView:
    account = await AccountRepository(uow.session).find_by_patient(tenant_id, patient_id)
    if account is None:
        raise NotFound("No account for that patient.")
    return await _view(uow, account, actor=actor, today=today)


async def list_accounts(
    uow: UnitOfWork, *, tenant_id: str, actor: str, patient_id: str | None, limit: int, offset: int,
    status: AccountStatus | None = None, aging_bucket: AgingBucket | None = None, today: date | None = None,
) -> list[GuarantorAccount]:
    found = await AccountRepository(uow.session).list(
        tenant_id, patient_id=patient_id, status=status, aging_bucket=aging_bucket, today=today, limit=limit,
        offset=offset,
    )
    uow.audit(
        tenant_id=tenant_id, actor=actor, action="list", entity_type="guarantor_account", entity_id="*",
        details={"count": len(found), "ids": [str(a.id) for a in found]},
    )
    await uow.commit()
    return found


async def _view(uow: UnitOfWork, account: GuarantorAccount, *, actor: str, today: date) -> AccountView:
    ledger = await LedgerRepository(uow.session).load(account.tenant_id, account.id)
    visits = await VisitRepository(uow.session).list_for_account(account.tenant_id, account.id)
    uow.audit(
        tenant_id=account.tenant_id, actor=actor, action="read", entity_type="guarantor_account", entity_id=account.id
    )
    await uow.commit()
    return AccountView(account=account, ledger=ledger, visits=visits, as_of=today)


async def list_refund_items(
    uow: UnitOfWork, *, tenant_id: str, actor: str, status: RefundStatus | None, account_id: uuid.UUID | None,
    limit: int, offset: int,
) -> list[RefundItem]:
    found = await RefundRepository(uow.session).list(
        tenant_id, status=status, account_id=account_id, limit=limit, offset=offset
    )
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="refund_item", entity_id="*",
              details={"count": len(found)})
    await uow.commit()
    return found
