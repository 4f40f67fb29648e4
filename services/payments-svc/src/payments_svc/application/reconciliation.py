"""Use cases: reconcile payments with their postings and with bank deposits; report denial rates."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, InvalidInput, NotFound
from payments_svc.adapters.repository import RemittanceRepository, ReportRepository
from payments_svc.domain.reconciliation import (
    DenialRate, Dimension, PaymentReconciliation, denial_rates, deposit_problems, reconcile,
)
from payments_svc.domain.remittance import Deposit


class DepositNotMatched(Conflict):
    type_slug = "deposit-not-matched"
    title = "The payment cannot be matched to this deposit"


async def list_reconciliations(
    uow: UnitOfWork, *, tenant_id: str, reconciled: bool | None, limit: int, offset: int
) -> list[PaymentReconciliation]:
    """Posted payments with what they paid against what was posted, held and adjusted (PLB)."""
    remittances = RemittanceRepository(uow.session)
    summaries = await remittances.list_summaries(tenant_id, limit=limit, offset=offset, reconciled=reconciled,
                                                 posted_only=True)
    posted = await remittances.posted_totals(tenant_id, [s.id for s in summaries])
    return [reconcile(s, posted.get(s.id, Decimal("0.00"))) for s in summaries]


async def match_deposit(
    uow: UnitOfWork, *, tenant_id: str, actor: str, remittance_id: uuid.UUID, reference: str, deposit_date: date,
    amount: Decimal,
) -> PaymentReconciliation:
    remittances = RemittanceRepository(uow.session)
    remittance = await remittances.get(tenant_id, remittance_id, for_update=True, with_claims=False)
    if remittance is None:
        raise NotFound("No remittance with that id.")
    summary = remittance.summary()
    problems = deposit_problems(summary, amount)
    if problems == ["the deposit amount differs from the payment amount"]:
        raise InvalidInput("The deposit amount differs from the payment amount.", errors=[
            {"pointer": "/amount", "location": "body", "message": "differs from the payment amount", "code": "invalid"}])
    if problems:
        raise DepositNotMatched("The payment cannot be matched: " + "; ".join(problems) + ".")
    deposit = Deposit(reference=reference, deposit_date=deposit_date, amount=amount, matched_by=actor,
                      matched_at=utcnow())
    await remittances.record_deposit(tenant_id, remittance_id, deposit)
    uow.audit(tenant_id=tenant_id, actor=actor, action="reconcile", entity_type="remittance", entity_id=remittance_id,
              details={"deposit_reference": reference})
    await uow.commit()
    posted = await remittances.posted_totals(tenant_id, [remittance_id])
    remittance.deposit = deposit
    return reconcile(remittance.summary(), posted.get(remittance_id, Decimal("0.00")))


async def denial_report(
    uow: UnitOfWork, *, tenant_id: str, by: Dimension, start: date, end: date
) -> list[DenialRate]:
    """Denial rate by payer, CARC, category or department over remittances posted from ``start`` to ``end``."""
    since = datetime.combine(start, time.min, tzinfo=timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=timezone.utc)
    reports = ReportRepository(uow.session)
    return denial_rates(by, await reports.posted_claims_by_payer(tenant_id, since, until),
                        await reports.denial_records(tenant_id, since, until))
