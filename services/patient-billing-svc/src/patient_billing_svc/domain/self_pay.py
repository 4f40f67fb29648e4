"""What a self-pay patient is charged for a visit.

This is where the tenant's self-pay discount policy will apply (a later issue): the policy will
implement ``SelfPayPricing`` and the EncounterCoded handler will be given the tenant's policy.
Until then every tenant charges self-pay visits as billed.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from patient_billing_svc.domain.ledger import money


class SelfPayPricing(Protocol):
    def patient_charge(self, billed_charges: Decimal) -> Decimal:
        """The amount the patient owes for a visit whose line charges add up to ``billed_charges``."""
        ...


class ChargesAsBilled:
    """No self-pay policy configured: the patient owes the billed charges."""

    def patient_charge(self, billed_charges: Decimal) -> Decimal:
        return money(billed_charges)


CHARGES_AS_BILLED = ChargesAsBilled()
