"""Reaction: a payer's answer on a claim puts the patient's share on the ledger, or takes it back."""

from __future__ import annotations

import logging

from openrcm_shared.contracts import EventEnvelope, RemitReceived
from openrcm_shared.db import UnitOfWork, utcnow
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.adapters.repository import AccountRepository, PayerAnswerRepository, VisitRepository
from patient_billing_svc.application.accounts import AccountBook, account_for_patient
from patient_billing_svc.domain.account import Guarantor
from patient_billing_svc.domain.ledger import PatientShare, RemitRef, money, patient_share_posting_key
from patient_billing_svc.domain.visit import PayerAnswer, Visit

log = logging.getLogger(__name__)


async def when_remit_received_post_patient_share(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    remit = envelope.payload_as(RemitReceived)
    tenant_id, now = envelope.tenant_id, utcnow()
    visits = VisitRepository(uow.session)
    account = None
    visit = await visits.find_by_encounter(tenant_id, remit.encounter_id)
    if visit is not None:
        # Account first, then visit: the order every use case locks them in.
        account = await AccountRepository(uow.session).get(tenant_id, visit.account_id, for_update=True)
        visit = await visits.find_by_encounter(tenant_id, remit.encounter_id, for_update=True)
    if visit is None or account is None:
        account = await account_for_patient(
            uow, tenant_id=tenant_id, patient_id=remit.patient.patient_id,
            guarantor=Guarantor.named_on_encounter(remit.patient, None, None), guarantor_as_of=None, now=now,
        )
        visit = Visit.known_only_from_remit(
            tenant_id=tenant_id, account_id=account.id, encounter_id=remit.encounter_id,
            coverage_sequence=remit.coverage_sequence,
            total_charge=abs(remit.total_charge),  # a reversal carries the charge negated
        )
        await visits.add(visit, now)
        log.info("remit arrived before its encounter", extra={"encounter_id": str(remit.encounter_id),
                                                              "remit_claim_id": str(remit.remit_claim_id)})

    book = await AccountBook.of(uow, account)
    ledger = book.ledger
    posted_on = envelope.occurred_at.date()
    this_remit = RemitRef(payer_id=remit.payer.payer_id, claim_id=remit.claim_id, remit_claim_id=remit.remit_claim_id)
    if remit.outcome == "reversed":
        # Cancel exactly what the reversed remit posted, whatever amounts the reversal itself carries.
        reversed_share = (
            ledger.find(patient_share_posting_key(remit.reverses_remit_claim_id))
            if remit.reverses_remit_claim_id else None
        )
        if reversed_share is not None:
            ledger.reverse(reversed_share, on=posted_on, source_event_id=envelope.event_id, remit=this_remit)
        answers = await PayerAnswerRepository(uow.session).list_for_account(tenant_id, account.id)
        visit.take_back_answer(remit.reverses_remit_claim_id, remit.coverage_sequence, answers)
    elif visit.record_adjudication(remit.coverage_sequence, remit.adjudicated_on or posted_on):
        ledger.post_patient_share(
            visit_id=visit.id, encounter_id=visit.encounter_id, share=_patient_share(remit), remit=this_remit,
            on=posted_on, source_event_id=envelope.event_id,
        )
    await visits.save(visit, now)
    await PayerAnswerRepository(uow.session).add_once(tenant_id, account.id, _payer_answer(remit, visit), now)
    posted = [str(e.id) for e in ledger.new_entries]
    await book.settle(uow, today=posted_on, now=now)
    uow.audit(
        tenant_id=tenant_id, actor=SERVICE_NAME, action="post", entity_type="guarantor_account",
        entity_id=visit.account_id,
        details={"event_type": envelope.event_type, "event_id": envelope.event_id, "visit_id": visit.id,
                 "remit_claim_id": remit.remit_claim_id, "visit_status": visit.status.value, "entries": posted},
    )
    await uow.commit()
    log.info(
        "remit posted to account",
        extra={"account_id": str(visit.account_id), "visit_id": str(visit.id),
               "remit_claim_id": str(remit.remit_claim_id), "outcome": remit.outcome,
               "visit_status": visit.status.value, "entries_posted": len(posted)},
    )


def _patient_share(remit: RemitReceived) -> PatientShare:
    share = remit.patient_responsibility
    return PatientShare(
        deductible=money(share.deductible), coinsurance=money(share.coinsurance), copay=money(share.copay),
        other=money(share.other),
    )


def _payer_answer(remit: RemitReceived, visit: Visit) -> PayerAnswer:
    return PayerAnswer(
        remit_claim_id=remit.remit_claim_id, visit_id=visit.id, payer_id=remit.payer.payer_id,
        payer_name=remit.payer.name, coverage_sequence=remit.coverage_sequence, outcome=remit.outcome,
        total_charge=money(remit.total_charge), total_paid=money(remit.total_paid),
        patient_share=money(remit.patient_responsibility.total), adjudicated_on=remit.adjudicated_on,
    )
