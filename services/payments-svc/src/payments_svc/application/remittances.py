"""Use cases: a payment poster posts a remittance keyed in from paper (JSON), or confirms a staged one."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, NotFound
from payments_svc.adapters.repository import RemittanceRepository
from payments_svc.application.posting import post_staged, stage_all
from payments_svc.domain.remittance import Remittance, RemittanceStatus
from payments_svc.domain.remittance_document import RemittanceDocument, RemittanceHeader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostRemittance:
    tenant_id: str
    actor: str
    document: RemittanceDocument
    source: str = "json"
    dry_run: bool = False  # compute exactly what would post, store nothing


@dataclass(frozen=True)
class ConfirmRemittance:
    tenant_id: str
    actor: str
    remittance_id: uuid.UUID
    accept_out_of_balance: bool = False


class PaymentAlreadyPosted(Conflict):
    type_slug = "payment-already-posted"
    title = "This payment was already posted"


class RemittanceNotPostable(Conflict):
    type_slug = "remittance-not-postable"
    title = "This remittance cannot be posted as it is"


async def post_remittance(uow: UnitOfWork, command: PostRemittance) -> Remittance:
    """Stage the remittance and post its matched and balanced claims, all in one transaction.

    The same payment (payer, trace number, amount) is posted once: a repeat, also one racing the
    first, raises ``PaymentAlreadyPosted`` naming the earlier remittance and stores nothing. A dry run
    does all of it and rolls back: the answer is exactly what posting would do.
    """
    doc, tenant_id = command.document, command.tenant_id
    remittances = RemittanceRepository(uow.session)
    await refuse_if_posted(remittances, tenant_id, doc)
    now = utcnow()
    remittance = Remittance.receive(tenant_id=tenant_id, actor=command.actor, header=doc.header, received_at=now,
                                    source=command.source, keep_claims=False)
    try:
        await remittances.add_header(remittance)
        await stage_all(uow, remittance, doc.claims)
        remittance.close(doc.provider_adjustments)
        await remittances.add_provider_adjustments(remittance)
        await post_staged(uow, remittance, actor=command.actor, at=now)
        posted = await remittances.get(tenant_id, remittance.id)
        assert posted is not None
        if command.dry_run:
            return posted  # the unit of work rolls back: nothing stored, nothing emitted
        summary = posted.summary()
        uow.audit(
            tenant_id=tenant_id, actor=command.actor, action="create", entity_type="remittance",
            entity_id=remittance.id,
            details={"claims": summary.claim_count, "posted": summary.posted_count,
                     "unmatched": summary.unmatched_count, "out_of_balance": summary.out_of_balance_count,
                     "denials": summary.denial_count},
        )
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        await refuse_if_posted(remittances, tenant_id, doc)  # lost the race to the same payment
        raise
    log.info("remittance posted", extra={"remittance_id": str(remittance.id), "tenant_id": tenant_id,
                                         "claims": summary.claim_count, "posted": summary.posted_count,
                                         "denials": summary.denial_count})
    return posted


async def confirm_remittance(uow: UnitOfWork, command: ConfirmRemittance) -> Remittance:
    """The payment poster has seen the preview of a staged remittance and posts it.

    A payment that does not balance posts only when the poster says so explicitly
    (``accept_out_of_balance``); the claims that do not balance stay held either way.
    """
    remittances = RemittanceRepository(uow.session)
    remittance = await remittances.get(command.tenant_id, command.remittance_id, for_update=True, with_claims=False)
    if remittance is None:
        raise NotFound("No remittance with that id.")
    if remittance.status != RemittanceStatus.PENDING:
        raise RemittanceNotPostable("The remittance is already posted.", remittance_id=str(remittance.id))
    if remittance.balance_problem is not None and not command.accept_out_of_balance:
        raise RemittanceNotPostable(
            f"The payment does not balance ({remittance.balance_problem}); post it only with "
            "accept_out_of_balance set, after checking the payer's remittance advice.",
            remittance_id=str(remittance.id),
        )
    await post_staged(uow, remittance, actor=command.actor, at=utcnow())
    posted = await remittances.get(command.tenant_id, remittance.id, with_claims=False)
    assert posted is not None
    uow.audit(
        tenant_id=command.tenant_id, actor=command.actor, action="post", entity_type="remittance",
        entity_id=remittance.id,
        details={"accept_out_of_balance": command.accept_out_of_balance, "denials": remittance.denial_count},
    )
    await uow.commit()
    log.info("staged remittance posted", extra={"remittance_id": str(remittance.id), "tenant_id": command.tenant_id})
    return posted


async def refuse_if_posted(remittances: RemittanceRepository, tenant_id: str, header: RemittanceHeader) -> None:
    earlier = await same_payment(remittances, tenant_id, header)
    if earlier is not None:
        raise PaymentAlreadyPosted(
            f"The same payment (payer, trace number and amount) was already received as remittance {earlier}.",
            remittance_id=str(earlier),
        )


async def same_payment(remittances: RemittanceRepository, tenant_id: str, header: RemittanceHeader) -> uuid.UUID | None:
    payment = header.payment
    return await remittances.find_same_payment(tenant_id, header.payer.payer_id, payment.trace_number, payment.amount)
