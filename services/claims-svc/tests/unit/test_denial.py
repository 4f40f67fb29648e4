"""Which denials the billing queue takes."""

from __future__ import annotations

import uuid
from decimal import Decimal

from claims_svc.domain.denial import BillingDenial, DenialStatus
from openrcm_shared.contracts.events import Department


def test_billing_owned_denial_becomes_an_open_queue_item(make_denial, coded_at):
    event = make_denial(claim_id=uuid.uuid4(), encounter_id=uuid.uuid4(), owner=Department.BILLING)
    item = BillingDenial.queue_item("t1", event, received_at=coded_at)
    assert item is not None
    assert (item.denial_id, item.claim_id, item.status) == (event.denial_id, event.claim_id, DenialStatus.OPEN)
    assert (item.category, item.reason_codes, item.remark_codes) == ("missing_information", ("CO-16",), ("MA130",))
    assert item.recommended_action == "correct_and_resubmit" and item.denied_amount == Decimal("165.00")


def test_coding_owned_denial_is_not_billing_work(make_denial, coded_at):
    event = make_denial(claim_id=uuid.uuid4(), encounter_id=uuid.uuid4(), owner=Department.CODING)
    assert BillingDenial.queue_item("t1", event, received_at=coded_at) is None
