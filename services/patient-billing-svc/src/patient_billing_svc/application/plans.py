"""Use cases: agree a payment plan, cancel it, and the daily check for missed installments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory
from openrcm_shared.idempotency import Claim
from openrcm_shared.problems import Conflict, InvalidInput, NotFound
from patient_billing_svc.adapters.repository import AccountRepository, PlanRepository, PolicyRepository
from patient_billing_svc.application.accounts import AccountBook
from patient_billing_svc.application.answers import Respond, commit_answering
from patient_billing_svc.application.job_report import JobReport
from patient_billing_svc.domain.ledger import Ledger
from patient_billing_svc.domain.plan import PaymentPlan, PlanFrequency, PlanStanding, PlanStatus, PlanTermsInvalid
from patient_billing_svc.domain.policy import BillingPolicy


def plan_standing(plan: PaymentPlan, ledger: Ledger, today: date, policy: BillingPolicy) -> PlanStanding:
    return plan.standing(paid=ledger.payments_since(plan.created_on), today=today,
                         grace_days=policy.installment_grace_days)


@dataclass(frozen=True)
class AgreePlan:
    tenant_id: str
    actor: str
    account_id: uuid.UUID
    total: Decimal | None
    installment_amount: Decimal
    frequency: PlanFrequency
    first_due_on: date
    today: date


@dataclass(frozen=True)
class PlanView:
    plan: PaymentPlan
    standing: PlanStanding


class PlanExists(Conflict):
    type_slug = "payment-plan-exists"
    title = "The account already has an active payment plan"


async def agree_plan(
    uow: UnitOfWork, command: AgreePlan, *, now: datetime, claim: Claim | None = None,
    respond: Respond[PlanView] | None = None,
) -> PlanView:
    """A plan for the patient-due balance (or ``total`` of it); while it is active, dunning is held."""
    book = await AccountBook.open(uow, command.tenant_id, command.account_id)
    account = book.account
    if account.active_plan_id is not None:
        raise PlanExists("Cancel the account's active plan before agreeing a new one.",
                         plan_id=str(account.active_plan_id))
    try:
        plan = PaymentPlan.agree(
            tenant_id=command.tenant_id, account_id=account.id,
            total=command.total if command.total is not None else book.ledger.patient_due,
            installment_amount=command.installment_amount, frequency=command.frequency,
            first_due_on=command.first_due_on, today=command.today, patient_due=book.ledger.patient_due,
        )
    except PlanTermsInvalid as exc:
        raise InvalidInput(f"{len(exc.problems)} field(s) are invalid; see `errors`.", errors=[
            {"pointer": f"/{name}", "location": "body", "message": message, "code": "invalid_terms"}
            for name, message in exc.problems
        ]) from None
    repo = PlanRepository(uow.session)
    await repo.add(plan, now)
    account.active_plan_id = plan.id
    await AccountRepository(uow.session).save(account, now)
    uow.audit(tenant_id=command.tenant_id, actor=command.actor, action="create", entity_type="payment_plan",
              entity_id=plan.id, details={"account_id": account.id})
    policy = await PolicyRepository(uow.session).get(command.tenant_id)
    view = PlanView(plan, plan_standing(plan, book.ledger, command.today, policy))
    return await commit_answering(uow, view, claim, respond)


async def cancel_plan(uow: UnitOfWork, *, tenant_id: str, actor: str, plan_id: uuid.UUID, today: date,
                      now: datetime) -> PlanView:
    plan, book, policy = await _locked_plan(uow, tenant_id, plan_id)
    try:
        plan.cancel(today)
    except ValueError:
        raise Conflict(f"The plan is {plan.status.value}; only an active plan can be cancelled.") from None
    await _end(uow, plan, book, now)
    uow.audit(tenant_id=tenant_id, actor=actor, action="cancel", entity_type="payment_plan", entity_id=plan.id,
              details={"account_id": plan.account_id})
    await uow.commit()
    return PlanView(plan, plan_standing(plan, book.ledger, today, policy))


async def get_plan(uow: UnitOfWork, *, tenant_id: str, actor: str, plan_id: uuid.UUID, today: date) -> PlanView:
    plan = await PlanRepository(uow.session).get(tenant_id, plan_id)
    if plan is None:
        raise NotFound("No payment plan with that id.")
    book = await AccountBook.of(uow, await _account(uow, tenant_id, plan.account_id))
    policy = await PolicyRepository(uow.session).get(tenant_id)
    uow.audit(tenant_id=tenant_id, actor=actor, action="read", entity_type="payment_plan", entity_id=plan.id)
    await uow.commit()
    return PlanView(plan, plan_standing(plan, book.ledger, today, policy))


async def list_plans(
    uow: UnitOfWork, *, tenant_id: str, actor: str, account_id: uuid.UUID | None, status: PlanStatus | None,
    limit: int, offset: int,
) -> list[PaymentPlan]:
    found = await PlanRepository(uow.session).list(tenant_id, account_id=account_id, status=status, limit=limit,
                                                   offset=offset)
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="payment_plan", entity_id="*",
              details={"count": len(found)})
    await uow.commit()
    return found


async def check_plans(
    uows: UnitOfWorkFactory, *, tenant_id: str, as_of: date, actor: str, now: datetime,
) -> JobReport:
    """The daily plan job: record missed installments; default plans past the allowed misses, complete paid ones.

    Idempotent: the plan keeps how many installments were missed at the last check, so running it
    again the same day changes nothing. Each plan is checked in its own transaction.
    """
    report = JobReport("payment-plans", as_of)
    async with uows() as uow:
        plan_ids = await PlanRepository(uow.session).active_ids(tenant_id)
    for plan_id in plan_ids:
        async with uows() as uow:
            plan, book, policy = await _locked_plan(uow, tenant_id, plan_id)
            if not plan.is_active:
                continue
            newly_missed = plan.check(
                paid=book.ledger.payments_since(plan.created_on), patient_due=book.ledger.patient_due, today=as_of,
                missed_allowed=policy.missed_installments_allowed, grace_days=policy.installment_grace_days,
            )
            if not newly_missed and plan.is_active:
                report.count("in_good_standing")
                continue
            await _end(uow, plan, book, now)
            uow.audit(tenant_id=tenant_id, actor=actor, action="check", entity_type="payment_plan", entity_id=plan.id,
                      details={"account_id": plan.account_id, "status": plan.status.value,
                               "newly_missed": newly_missed, "missed": plan.missed_installments})
            await uow.commit()
            report.count(plan.status.value if not plan.is_active else "installment_missed", plan.id)
    return report


async def _locked_plan(uow: UnitOfWork, tenant_id: str, plan_id: uuid.UUID
                       ) -> tuple[PaymentPlan, AccountBook, BillingPolicy]:
    plan = await PlanRepository(uow.session).get(tenant_id, plan_id)
    if plan is None:
        raise NotFound("No payment plan with that id.")
    book = await AccountBook.open(uow, tenant_id, plan.account_id)
    plan = await PlanRepository(uow.session).get(tenant_id, plan_id)  # re-read under the account lock
    assert plan is not None
    return plan, book, await PolicyRepository(uow.session).get(tenant_id)


async def _end(uow: UnitOfWork, plan: PaymentPlan, book: AccountBook, now: datetime) -> None:
    """Save the plan; an ended plan no longer holds the account's dunning."""
    await PlanRepository(uow.session).save(plan, now)
    if not plan.is_active and book.account.active_plan_id == plan.id:
        book.account.active_plan_id = None
        await AccountRepository(uow.session).save(book.account, now)


async def _account(uow: UnitOfWork, tenant_id: str, account_id: uuid.UUID):  # type: ignore[no-untyped-def]
    account = await AccountRepository(uow.session).get(tenant_id, account_id)
    if account is None:
        raise NotFound("No account with that id.")
    return account

