"""Payment runs: the adjudicated claims since the last run, grouped into one 835 remittance each. Pure.

One Remittance per (tenant, payer, billing provider NPI), in the order each group first appears,
its claims in the order given. Provider adjustments (PLB) configured in a contract are taken once,
in the first run that has a remittance for that payer and payee NPI.

An 835 never pays a negative amount: when reversals and PLBs exceed what a remittance's claims pay,
the payer pays nothing (NON) and carries the shortfall as a forward balance (PLB FB with a negative
amount now, recovered by a positive FB in the next remittance to the same tenant, payer and payee).

Trace numbers (TRN02) are ten digits of a SHA-256 over the seed, tenant, payer, payee NPI and the
run number; the run number counts only runs that had something to remit, so idle timer ticks do
not change later files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from openrcm_sandbox.domain.claims import SubmittedClaim
from openrcm_sandbox.domain.contracts import SandboxConfig
from openrcm_sandbox.domain.money import ZERO, cents
from openrcm_sandbox.domain.remittance import ClaimPayment, Payee, ProviderAdjustment, Remittance

NO_PAYMENT = "NON"
FORWARD_BALANCE = "FB"


@dataclass(frozen=True)
class AdjudicatedClaim:
    claim: SubmittedClaim
    payment: ClaimPayment


_RemittanceKey = tuple[str, str, str]  # tenant, payer, billing provider NPI


class PaymentRun:
    def __init__(self, config: SandboxConfig, seed: int) -> None:
        self._config = config
        self._seed = seed
        self._runs = 0
        self._applied_rules: set[tuple[str, int]] = set()  # (payer id, index of the contract's rule)
        self._forward_balances: dict[_RemittanceKey, tuple[str, Decimal]] = {}  # key -> (reference, amount owed)

    @property
    def runs(self) -> int:
        """How many runs had something to remit."""
        return self._runs

    def run(self, adjudicated: Sequence[AdjudicatedClaim], payment_date: date) -> list[Remittance]:
        if not adjudicated:
            return []
        self._runs += 1
        groups: dict[_RemittanceKey, list[AdjudicatedClaim]] = {}
        for item in adjudicated:
            key = (item.claim.tenant_id, item.claim.payer_id, item.claim.billing_provider_npi)
            groups.setdefault(key, []).append(item)
        return [self._remittance(key, items, payment_date) for key, items in groups.items()]

    def _remittance(self, key: _RemittanceKey, items: list[AdjudicatedClaim], payment_date: date) -> Remittance:
        tenant_id, payer_id, npi = key
        contract = self._config.payers.get(payer_id)
        first = items[0].claim
        trace_number = self._trace_number(tenant_id, payer_id, npi)
        provider_adjustments: list[ProviderAdjustment] = []
        owed = self._forward_balances.pop(key, None)
        if owed is not None:
            reference, amount = owed
            provider_adjustments.append(ProviderAdjustment(npi, payment_date, FORWARD_BALANCE, reference, amount))
        if contract is not None:
            for index, rule in enumerate(contract.provider_adjustments):
                if rule.npi == npi and (payer_id, index) not in self._applied_rules:
                    self._applied_rules.add((payer_id, index))
                    provider_adjustments.append(
                        ProviderAdjustment(npi, payment_date, rule.reason, rule.reference, cents(rule.amount)))
        claims = tuple(item.payment for item in items)
        total = sum((claim.paid for claim in claims), ZERO) - sum((plb.amount for plb in provider_adjustments), ZERO)
        if total < 0:
            reference = f"FB{trace_number}"
            provider_adjustments.append(ProviderAdjustment(npi, payment_date, FORWARD_BALANCE, reference, total))
            self._forward_balances[key] = (reference, -total)
            total = ZERO
        payment_method = contract.payment_method if contract is not None else "CHK"
        return Remittance(
            tenant_id=tenant_id,
            payer_id=payer_id,
            payer_name=contract.name if contract is not None else first.payer_name,
            payee=Payee(name=first.billing_provider_name, npi=npi, tax_id=first.billing_provider_tax_id),
            payment_method=NO_PAYMENT if total == 0 else payment_method,
            payment_date=payment_date,
            trace_number=trace_number,
            total_paid=total,
            claims=claims,
            provider_adjustments=tuple(provider_adjustments),
        )

    def _trace_number(self, tenant_id: str, payer_id: str, npi: str) -> str:
        digest = hashlib.sha256(f"{self._seed}:{tenant_id}:{payer_id}:{npi}:{self._runs}".encode()).hexdigest()
        return f"{int(digest, 16) % 10**10:010d}"
