"""Finding or opening the guarantor account an event posts to (one per patient within a tenant)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from openrcm_shared.db import UnitOfWork
from patient_billing_svc.adapters.repository import AccountRepository
from patient_billing_svc.domain.account import Guarantor, GuarantorAccount


async def account_for_patient(
    uow: UnitOfWork, *, tenant_id: str, patient_id: str, guarantor: Guarantor, guarantor_as_of: datetime | None,
    now: datetime,
) -> GuarantorAccount:
    """The patient's account, opened if missing; a newer ``guarantor_as_of`` updates its guarantor.

    ``guarantor_as_of`` None means the caller only knows the patient (a remit): it never replaces a
    guarantor an encounter named.
    """
    repo = AccountRepository(uow.session)
    account = await repo.find_by_patient(tenant_id, patient_id, for_update=guarantor_as_of is not None)
    if account is None:
        account = GuarantorAccount.open(tenant_id, patient_id, guarantor, guarantor_as_of)
        try:
            async with uow.session.begin_nested():
                await repo.add(account, now)
            return account
        except IntegrityError:
            # Events of different encounters run in parallel: another one opened the account first.
            winner = await repo.find_by_patient(tenant_id, patient_id, for_update=guarantor_as_of is not None)
            if winner is None:
                raise
            account = winner
    if guarantor_as_of is not None and account.name_guarantor(guarantor, guarantor_as_of):
        await repo.save(account, now)
    return account
