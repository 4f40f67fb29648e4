"""Use cases: issue a statement (one account), run a statement cycle (every account owing), read statements.

A statement's content is built from the ledger as of the statement date and frozen as issued;
its PDF is rendered from that content. One statement per account, day and kind: running a cycle
again for the same day issues nothing twice (checked first, and guarded by a unique key).
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import TypeAdapter
from sqlalchemy.exc import IntegrityError

from openrcm_shared.contracts import EventEnvelope, StatementIssued
from openrcm_shared.db import UnitOfWork, UnitOfWorkFactory
from openrcm_shared.problems import NotFound
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.adapters.repository import (
    AccountRepository, DunningRepository, PayerAnswerRepository, PlanRepository, PolicyRepository,
    StatementRepository, VisitRepository,
)
from patient_billing_svc.application.accounts import AccountBook
from patient_billing_svc.application.job_report import JobReport
from patient_billing_svc.application.plans import plan_standing
from patient_billing_svc.domain.dunning import DunningStep
from patient_billing_svc.domain.policy import BillingPolicy
from patient_billing_svc.domain.statement import (
    IssuedStatement, StatementContent, StatementKind, build_statement, kind_for,
)

log = logging.getLogger(__name__)

CONTENT: TypeAdapter[StatementContent] = TypeAdapter(StatementContent)


class Trigger(StrEnum):
    CYCLE = "cycle"
    ON_DEMAND = "on_demand"
    DUNNING = "dunning"


class NotIssued(StrEnum):
    ALREADY_ISSUED = "already_issued"
    BELOW_MINIMUM = "below_minimum"
    NOTHING_DUE = "nothing_due"
    DISPUTED = "disputed"
    IN_COLLECTIONS = "in_collections"


async def issue_statement(
    uow: UnitOfWork, *, tenant_id: str, account_id: uuid.UUID, as_of: date, trigger: Trigger, actor: str,
    now: datetime, kind: StatementKind | None = None, policy: BillingPolicy | None = None,
) -> IssuedStatement | NotIssued:
    """Issue the account's statement for ``as_of`` (commits), or say why not (nothing written).

    Cycle statements skip accounts below the tenant's minimum, disputed or in collections; an
    on-demand statement only needs something due. Dunning notices (``kind``) come from the dunning job.
    """
    book = await AccountBook.open(uow, tenant_id, account_id)
    account = book.account
    policy = policy or await PolicyRepository(uow.session).get(tenant_id)
    kind = kind or (StatementKind.STATEMENT if account.holds else kind_for(account.dunning.step))
    reason = _why_not(book, trigger, policy)
    if reason is None and await StatementRepository(uow.session).issued(tenant_id, account.id, as_of, kind):
        reason = NotIssued.ALREADY_ISSUED
    if reason is not None:
        await uow.rollback()
        return reason
    record = await write_statement(uow, book, kind=kind, as_of=as_of, trigger=trigger, actor=actor, now=now,
                                   policy=policy)
    if trigger is not Trigger.DUNNING:
        started = account.dunning.started_by_statement(as_of)
        if started != account.dunning:
            account.dunning = started
            await AccountRepository(uow.session).save(account, now)
            await DunningRepository(uow.session).record(
                tenant_id, account.id, DunningStep.STATEMENT.value, as_of, account.patient_due, record.id, now
            )
    try:
        await uow.commit()
    except IntegrityError:  # a concurrent run issued it first
        return NotIssued.ALREADY_ISSUED
    return record


def _why_not(book: AccountBook, trigger: Trigger, policy: BillingPolicy) -> NotIssued | None:
    account, due = book.account, book.ledger.patient_due
    if due <= 0:
        return NotIssued.NOTHING_DUE
    if trigger is Trigger.ON_DEMAND:
        return None
    if account.in_collections:
        return NotIssued.IN_COLLECTIONS
    if account.disputed:
        return NotIssued.DISPUTED
    if due < policy.minimum_statement_balance:
        return NotIssued.BELOW_MINIMUM
    return None


async def write_statement(
    uow: UnitOfWork, book: AccountBook, *, kind: StatementKind, as_of: date, trigger: Trigger, actor: str,
    now: datetime, policy: BillingPolicy,
) -> IssuedStatement:
    """Build the statement of a locked account, store it, announce it (StatementIssued) and audit it; no commit."""
    content = await _content(uow, book, kind=kind, as_of=as_of, policy=policy)
    return await _store(uow, book, content, trigger=trigger, actor=actor, now=now)


async def _content(
    uow: UnitOfWork, book: AccountBook, *, kind: StatementKind, as_of: date, policy: BillingPolicy
) -> StatementContent:
    account = book.account
    plan = None
    if account.active_plan_id is not None:
        agreed = await PlanRepository(uow.session).get(account.tenant_id, account.active_plan_id)
        if agreed is not None:
            plan = (agreed, plan_standing(agreed, book.ledger, as_of, policy))
    return build_statement(
        kind=kind, statement_date=as_of, account=account, ledger=book.ledger,
        visits=await VisitRepository(uow.session).list_for_account(account.tenant_id, account.id),
        answers=await PayerAnswerRepository(uow.session).list_for_account(account.tenant_id, account.id),
        policy=policy, plan=plan,
    )


async def _store(
    uow: UnitOfWork, book: AccountBook, content: StatementContent, *, trigger: Trigger, actor: str, now: datetime,
) -> IssuedStatement:
    account = book.account
    statement_id = uuid.uuid4()
    issued = IssuedStatement(
        id=statement_id, account_id=account.id, kind=content.kind, statement_date=content.statement_date,
        due_date=content.due_date, amount_due=content.amount_due, pay_now=content.pay_now, trigger=trigger.value,
        content=CONTENT.dump_python(content, mode="json"), issued_at=now,
    )
    await StatementRepository(uow.session).add(account.tenant_id, issued, issued_by=actor)
    uow.emit(EventEnvelope.wrap(
        StatementIssued(
            statement_id=statement_id, account_id=account.id, patient_id=account.patient_id, kind=content.kind.value,
            statement_date=content.statement_date, due_date=content.due_date, amount_due=content.amount_due,
            pay_now=content.pay_now, insurance_pending=content.insurance_pending, visit_count=len(content.visits),
            guarantor=content.guarantor_name, guarantor_address=content.guarantor_address,
            document_path=f"/v1/statements/{statement_id}/pdf",
        ),
        tenant_id=account.tenant_id, producer=SERVICE_NAME,
    ))
    uow.audit(tenant_id=account.tenant_id, actor=actor, action="issue", entity_type="statement",
              entity_id=statement_id, details={"account_id": account.id, "kind": content.kind.value,
                                               "trigger": trigger.value})
    return issued


# ------------------------------------------------------------------ the cycle
async def run_statement_cycle(
    uows: UnitOfWorkFactory, *, tenant_id: str, as_of: date, actor: str, now: datetime, on_demand: bool = False,
) -> JobReport:
    """One statement per guarantor owing at least the minimum, on the tenant's cycle days (or on demand).

    Each account is issued in its own transaction: one account's failure does not undo the others,
    and running the cycle again (after a crash, or by mistake) issues only what is missing.
    """
    report = JobReport("statement-run", as_of)
    async with uows() as uow:
        policy = await PolicyRepository(uow.session).get(tenant_id)
        candidates = await AccountRepository(uow.session).owing_at_least(tenant_id, policy.minimum_statement_balance)
    if not on_demand and not policy.is_cycle_day(as_of):
        report.ran, report.note = False, "not a statement cycle day of this tenant"
        return report
    for account_id in candidates:
        async with uows() as uow:
            outcome = await issue_statement(
                uow, tenant_id=tenant_id, account_id=account_id, as_of=as_of, trigger=Trigger.CYCLE, actor=actor,
                now=now, policy=policy,
            )
        if isinstance(outcome, IssuedStatement):
            report.count("issued", outcome.id)
        else:
            report.count(outcome.value)
    log.info("statement run", extra={"as_of": as_of.isoformat(), **report.outcomes})
    return report


# ------------------------------------------------------------------ reads
async def get_statement(uow: UnitOfWork, *, tenant_id: str, actor: str, statement_id: uuid.UUID,
                        action: str = "read") -> tuple[IssuedStatement, StatementContent]:
    record = await StatementRepository(uow.session).get(tenant_id, statement_id)
    if record is None:
        raise NotFound("No statement with that id.")
    uow.audit(tenant_id=tenant_id, actor=actor, action=action, entity_type="statement", entity_id=statement_id,
              details={"account_id": record.account_id})
    await uow.commit()
    return record, CONTENT.validate_python(record.content)


async def list_statements(
    uow: UnitOfWork, *, tenant_id: str, actor: str, account_id: uuid.UUID | None, date_from: date | None,
    date_to: date | None, kind: StatementKind | None, limit: int, offset: int,
) -> list[IssuedStatement]:
    found = await StatementRepository(uow.session).list(
        tenant_id, account_id=account_id, date_from=date_from, date_to=date_to, kind=kind, limit=limit, offset=offset,
    )
    uow.audit(tenant_id=tenant_id, actor=actor, action="list", entity_type="statement", entity_id="*",
              details={"count": len(found)})
    await uow.commit()
    return found
