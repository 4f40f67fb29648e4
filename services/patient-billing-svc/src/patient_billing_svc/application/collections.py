"""Use cases of collection: disputes, the daily dunning job, the small-balance write-off job."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory
from patient_billing_svc.adapters.repository import AccountRepository, DunningRepository, PolicyRepository
from patient_billing_svc.application.accounts import AccountBook
from patient_billing_svc.application.job_report import JobReport
from patient_billing_svc.application.statements import Trigger, write_statement
from patient_billing_svc.domain.account import GuarantorAccount
from patient_billing_svc.domain.dunning import DunningOutcome, decide_dunning
from patient_billing_svc.domain.ledger import AdjustmentReason
from patient_billing_svc.domain.statement import kind_for


async def set_dispute(
    uow: UnitOfWork, *, tenant_id: str, actor: str, account_id: uuid.UUID, disputed: bool, today: date,
    now: datetime,
) -> GuarantorAccount:
    """The guarantor disputes the balance (dunning is held until it is resolved), or the dispute is resolved."""
    account = (await AccountBook.open(uow, tenant_id, account_id)).account
    changed = account.dispute(today) if disputed else account.resolve_dispute()
    if changed:
        await AccountRepository(uow.session).save(account, now)
        uow.audit(tenant_id=tenant_id, actor=actor, action="dispute" if disputed else "resolve_dispute",
                  entity_type="guarantor_account", entity_id=account.id)
    await uow.commit()
    return account


async def run_dunning(uows: UnitOfWorkFactory, *, tenant_id: str, as_of: date, actor: str, now: datetime) -> JobReport:
    """Move each account in dunning on by the tenant's days: reminder, final notice (each a notice issued
    like a statement), then collections; clear it once the balance is paid down. One transaction per account;
    running it again the same day changes nothing (each step waits its days from the previous one)."""
    report = JobReport("dunning", as_of)
    async with uows() as uow:
        policy = await PolicyRepository(uow.session).get(tenant_id)
        account_ids = await AccountRepository(uow.session).in_dunning(tenant_id)
    for account_id in account_ids:
        async with uows() as uow:
            book = await AccountBook.open(uow, tenant_id, account_id)
            account = book.account
            decision = decide_dunning(account.dunning, today=as_of, patient_due=book.ledger.patient_due,
                                      policy=policy, holds=account.holds)
            if decision.outcome not in (DunningOutcome.ADVANCED, DunningOutcome.CLEARED):
                report.count(decision.outcome.value)
                continue
            step = decision.state.step
            statement_id = None
            if step.sends_notice:
                statement_id = (await write_statement(
                    uow, book, kind=kind_for(step), as_of=as_of, trigger=Trigger.DUNNING, actor=actor, now=now,
                    policy=policy,
                )).id
            account.dunning = decision.state
            await AccountRepository(uow.session).save(account, now)
            recorded = step.value if decision.outcome is DunningOutcome.ADVANCED else "cleared"
            await DunningRepository(uow.session).record(
                tenant_id, account.id, recorded, as_of, book.ledger.patient_due, statement_id, now
            )
            uow.audit(tenant_id=tenant_id, actor=actor, action="dunning", entity_type="guarantor_account",
                      entity_id=account.id, details={"step": recorded, "statement_id": statement_id})
            await uow.commit()
            report.count(recorded, account.id)
    return report


async def write_off_small_balances(
    uows: UnitOfWorkFactory, *, tenant_id: str, as_of: date, actor: str, now: datetime,
) -> JobReport:
    """Write off patient-due balances below the tenant's threshold (none when the threshold is 0).

    Idempotent: a written-off balance is zero, and the posting key names the account and day.
    """
    report = JobReport("small-balance-write-off", as_of)
    async with uows() as uow:
        policy = await PolicyRepository(uow.session).get(tenant_id)
        account_ids = await AccountRepository(uow.session).owing_below(tenant_id, policy.small_balance_write_off_below)
    if policy.small_balance_write_off_below <= 0:
        report.ran, report.note = False, "the tenant's small-balance write-off threshold is 0 (off)"
        return report
    for account_id in account_ids:
        async with uows() as uow:
            book = await AccountBook.open(uow, tenant_id, account_id)
            due = book.ledger.patient_due
            if not policy.is_small_balance(due):
                report.count("not_small")
                continue
            entry = book.ledger.post_reduction(
                amount=due, reason=AdjustmentReason.SMALL_BALANCE, on=as_of,
                posting_key=f"small-balance:{account_id}:{as_of.isoformat()}",
            )
            if entry is None:
                report.count("already_written_off")
                continue
            await book.settle(uow, today=as_of, now=now)
            uow.audit(tenant_id=tenant_id, actor=actor, action="write_off", entity_type="guarantor_account",
                      entity_id=account_id, details={"entry_id": entry.id, "reason": entry.reason})
            await uow.commit()
            report.count("written_off", account_id)
    return report
