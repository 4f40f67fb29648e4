"""Reaction: a coded encounter opens (or updates) the patient's account and visit.

A self-pay visit is charged to the patient at once, less the tenant's self-pay discount; an
insured one waits for the payer's answer and meanwhile shows as insurance pending.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from openrcm_shared.contracts import EncounterCoded, EventEnvelope
from openrcm_shared.db import UnitOfWork, utcnow
from patient_billing_svc import SERVICE_NAME
from patient_billing_svc.adapters.repository import PolicyRepository, VisitRepository
from patient_billing_svc.application.accounts import AccountBook, account_for_patient
from patient_billing_svc.domain.account import Guarantor
from patient_billing_svc.domain.ledger import ZERO, money
from patient_billing_svc.domain.visit import Visit, VisitStatus

log = logging.getLogger(__name__)


async def when_encounter_coded_post_to_account(uow: UnitOfWork, envelope: EventEnvelope) -> None:
    coded = envelope.payload_as(EncounterCoded)
    tenant_id, now = envelope.tenant_id, utcnow()
    account = await account_for_patient(
        uow, tenant_id=tenant_id, patient_id=coded.patient.patient_id,
        guarantor=Guarantor.named_on_encounter(coded.patient, coded.guarantor, coded.guarantor_address),
        guarantor_as_of=coded.coded_at, now=now,
    )

    billed = _billed_charges(coded)
    coverages = [c.sequence for c in coded.coverages]
    visits = VisitRepository(uow.session)
    visit = await visits.find_by_encounter(tenant_id, coded.encounter_id, for_update=True)
    if visit is None:
        visit = Visit.from_encounter(
            tenant_id=tenant_id, account_id=account.id, encounter_id=coded.encounter_id, revision=coded.revision,
            service_date_from=coded.service_date_from, service_date_to=coded.service_date_to,
            coverage_sequences=coverages, total_charge=billed,
        )
        await visits.add(visit, now)
    elif visit.revise(
        revision=coded.revision, service_date_from=coded.service_date_from, service_date_to=coded.service_date_to,
        coverage_sequences=coverages, total_charge=billed,
    ):
        await visits.save(visit, now)
    else:
        log.info("older encounter revision ignored", extra={"encounter_id": str(coded.encounter_id),
                                                           "revision": coded.revision})
        await uow.commit()  # the guarantor may still have changed
        return

    book = await AccountBook.of(uow, account)
    ledger = book.ledger
    posted_on = envelope.occurred_at.date()
    # A recoded encounter replaces the charge (and discount) of its earlier revision (reversed, never edited).
    for charge in ledger.open_charges(visit.id):
        ledger.reverse(charge, on=posted_on, source_event_id=envelope.event_id)
    if visit.status is VisitStatus.SELF_PAY:
        ledger.post_patient_charge(
            visit_id=visit.id, encounter_id=visit.encounter_id, revision=visit.revision,
            amount=billed, on=posted_on, source_event_id=envelope.event_id,
        )
        policy = await PolicyRepository(uow.session).get(tenant_id)
        ledger.post_self_pay_discount(
            visit_id=visit.id, encounter_id=visit.encounter_id, revision=visit.revision,
            amount=policy.self_pay_discount(billed), on=posted_on, source_event_id=envelope.event_id,
        )
    posted = [str(e.id) for e in ledger.new_entries]
    await book.settle(uow, today=posted_on, now=now)
    uow.audit(
        tenant_id=tenant_id, actor=SERVICE_NAME, action="post", entity_type="guarantor_account", entity_id=account.id,
        details={"event_type": envelope.event_type, "event_id": envelope.event_id, "visit_id": visit.id,
                 "visit_status": visit.status.value, "entries": posted},
    )
    await uow.commit()
    log.info(
        "encounter posted to account",
        extra={"account_id": str(visit.account_id), "visit_id": str(visit.id), "encounter_id": str(visit.encounter_id),
               "revision": visit.revision, "visit_status": visit.status.value, "entries_posted": len(posted)},
    )


def _billed_charges(coded: EncounterCoded) -> Decimal:
    """The sum of the line charges the EHR sent. Lines without a charge add nothing."""
    missing = sum(1 for line in coded.service_lines if line.charge is None)
    if missing:
        log.warning("service lines without a charge", extra={"encounter_id": str(coded.encounter_id),
                                                             "lines_without_charge": missing})
    return money(sum((line.charge for line in coded.service_lines if line.charge is not None), ZERO))
