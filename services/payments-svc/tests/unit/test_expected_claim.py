from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from openrcm_devtools.samples import claim_submitted_event
from payments_svc.domain.expected_claim import ExpectedClaim


def test_a_newer_submission_with_the_same_number_supersedes_the_expected_claim():
    original = claim_submitted_event(pcn="PCN9")
    expected = ExpectedClaim.from_submission("t1", original)
    replacement = original.model_copy(update={
        "claim_id": uuid.uuid4(), "frequency_code": "7", "submitted_at": original.submitted_at + timedelta(minutes=5),
    })
    row_id = expected.id
    assert expected.supersede(replacement)
    assert (expected.id, expected.tenant_id, expected.claim_id, expected.frequency_code) == (
        row_id, "t1", replacement.claim_id, "7"
    )


def test_the_same_or_an_older_submission_changes_nothing():
    original = claim_submitted_event(pcn="PCN9")
    expected = ExpectedClaim.from_submission("t1", original)
    older = original.model_copy(
        update={"claim_id": uuid.uuid4(), "submitted_at": original.submitted_at - timedelta(days=1)}
    )
    assert not expected.supersede(original)
    assert not expected.supersede(older)
    assert expected.claim_id == original.claim_id


def test_only_the_same_patient_control_number_supersedes():
    expected = ExpectedClaim.from_submission("t1", claim_submitted_event(pcn="PCN9"))
    with pytest.raises(ValueError):
        expected.supersede(claim_submitted_event(pcn="OTHER"))
