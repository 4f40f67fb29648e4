from decimal import Decimal

import pytest

from openrcm_devtools.samples import claim_submitted_event
from openrcm_shared.contracts import ClaimSubmitted, EventEnvelope
from openrcm_shared.observability import reset_correlation_id, set_correlation_id


def _claim() -> ClaimSubmitted:
    return claim_submitted_event(charge="100.10")


def test_envelope_round_trips_with_money_as_a_string_and_the_request_correlation_id():
    token = set_correlation_id("corr-123")
    try:
        envelope = EventEnvelope.wrap(_claim(), tenant_id="t1", producer="claims-svc", causation_id="cause-1")
    finally:
        reset_correlation_id(token)
    wire = envelope.model_dump_json()
    assert '"total_charge":"100.10"' in wire
    parsed = EventEnvelope.model_validate_json(wire)
    assert parsed.correlation_id == "corr-123" and parsed.causation_id == "cause-1"
    assert parsed.topic == "claims.claim-submitted.v1"
    claim = parsed.payload_as(ClaimSubmitted)
    assert parsed.message_key == f"t1:{claim.claim_id}"
    assert claim.total_charge == Decimal("100.10")


def test_payload_as_refuses_another_contract():
    from openrcm_shared.contracts import RemitReceived

    envelope = EventEnvelope.wrap(_claim(), tenant_id="t1", producer="x")
    with pytest.raises(ValueError):
        envelope.payload_as(RemitReceived)


def test_contracts_are_strict_about_unknown_fields():
    data = _claim().model_dump(mode="json") | {"surprise": 1}
    with pytest.raises(ValueError):
        ClaimSubmitted.model_validate(data)
