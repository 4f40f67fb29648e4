"""Events payments-svc listens to, and the use case each one runs."""

from openrcm_shared.contracts import ClaimSubmitted
from payments_svc.application.expected_claims import when_claim_submitted_expect_remittance

HANDLERS = {ClaimSubmitted: when_claim_submitted_expect_remittance}
