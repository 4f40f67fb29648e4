"""Use case: a payment poster posts a payer's remittance."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict
from payments_svc import SERVICE_NAME
from payments_svc.adapters.repository import ExpectedClaimRepository, RemittanceRepository
from payments_svc.domain.remittance import Remittance
from payments_svc.domain.remittance_document import REVERSAL, RemittanceDocument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostRemittance:
    tenant_id: str
    actor: str
    document: RemittanceDocument
    source: str = "json"


class PaymentAlreadyPosted(Conflict):
    type_slug = "payment-already-posted"
    title = "This payment was already posted"


async def post_remittance(uow: UnitOfWork, command: PostRemittance) -> Remittance:
    """Store the remittance and its claims, post the matched and balanced ones, all in one transaction.

    The same payment (payer, trace number, amount) is posted once: a repeat, also one racing the
    first, raises ``PaymentAlreadyPosted`` naming the earlier remittance and stores nothing.
    """
    doc, tenant_id = command.document, command.tenant_id
    remittances = RemittanceRepository(uow.session)
    await _refuse_if_posted(remittances, tenant_id, doc)

    expected = await ExpectedClaimRepository(uow.session).by_control_numbers(
        tenant_id, [claim.patient_control_number for claim in doc.claims]
    )
    reversed_claims = [
        expected[c.patient_control_number].id
        for c in doc.claims
        if c.status_code == REVERSAL and c.patient_control_number in expected
    ]
    remittance = Remittance.post(
        tenant_id=tenant_id, actor=command.actor, document=doc, received_at=utcnow(), expected_claims=expected,
        latest_postings=await remittances.latest_postings(tenant_id, reversed_claims), source=command.source,
    )
    for event in remittance.events:
        uow.emit(EventEnvelope.wrap(event, tenant_id=tenant_id, producer=SERVICE_NAME))
    summary = remittance.summary()
    uow.audit(
        tenant_id=tenant_id, actor=command.actor, action="create", entity_type="remittance", entity_id=remittance.id,
        details={"claims": summary.claim_count, "posted": summary.posted_count, "unmatched": summary.unmatched_count,
                 "out_of_balance": summary.out_of_balance_count, "denials": summary.denial_count},
    )
    try:
        await remittances.add(remittance)
        await uow.commit()
    except IntegrityError:
        await uow.session.rollback()
        await _refuse_if_posted(remittances, tenant_id, doc)  # lost the race to the same payment
        raise
    log.info(
        "remittance posted",
        extra={"remittance_id": str(remittance.id), "tenant_id": tenant_id, "claims": summary.claim_count,
               "posted": summary.posted_count, "unmatched": summary.unmatched_count,
               "out_of_balance": summary.out_of_balance_count, "denials": summary.denial_count},
    )
    return remittance


async def _refuse_if_posted(remittances: RemittanceRepository, tenant_id: str, doc: RemittanceDocument) -> None:
    payment = doc.payment
    earlier = await remittances.find_same_payment(tenant_id, doc.payer.payer_id, payment.trace_number, payment.amount)
    if earlier is not None:
        raise PaymentAlreadyPosted(
            f"The same payment (payer, trace number and amount) was already posted as remittance {earlier}.",
            remittance_id=str(earlier),
        )
