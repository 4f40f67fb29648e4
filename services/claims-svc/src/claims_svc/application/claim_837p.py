"""From stored claims and the tenant's reference data to the 837P input model, and to one interchange per batch.

The claim keeps what the coded encounter said (diagnoses, pointers, subscriber, providers, prior
authorization); the tenant's reference data gives the billing provider (:class:`BillingProfile`),
the payer as the route knows it (:class:`Payer`) and the envelope ids (:class:`SubmissionRoute`).
Nothing else is asked for: what is missing is named by :class:`MissingClaimData`.

A secondary or tertiary claim carries the earlier payers' adjudication (2320/2330 loops, 2430 per
line) from their remits. When Medicare is not the primary payer, SBR05 carries the coverage's
Medicare Secondary Payer type (the scrubber holds a claim that lacks it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from claims_svc.domain.claim import Claim, PriorAdjudication
from claims_svc.domain.reference import MEDICARE, BillingProfile, Payer, SubmissionRoute
from claims_svc.domain.scrubber import ScrubFinding
from claims_svc.domain.x12 import Claim837Error, build_837p, transaction_sets_needed
from claims_svc.domain.x12 import model_837p as x837
from openrcm_shared import contracts
from openrcm_shared.x12 import (
    ControlNumbers, EnvelopeNumbers, InterchangeHeader, X12DataError, allocate_envelope_numbers,
)

_RESPONSIBILITY = {"primary": "P", "secondary": "S", "tertiary": "T"}
SELF = "18"


class MissingClaimData(ValueError):
    """The claim lacks data an 837P requires. Names the claim and the fields, never their values."""

    def __init__(self, patient_control_number: str, missing: list[str]) -> None:
        super().__init__(f"claim {patient_control_number} cannot be sent without: {', '.join(missing)}")
        self.patient_control_number = patient_control_number
        self.missing = missing


def claim_to_837p(claim: Claim, billing: BillingProfile, payer: Payer) -> x837.Claim:
    """The 837P input for one claim; MissingClaimData lists everything an 837P needs and the claim lacks."""
    missing: list[str] = []
    patient = claim.patient
    coverage = claim.coverage
    if coverage is None:
        raise MissingClaimData(claim.patient_control_number, ["the coverage (subscriber and relationship)"])
    is_self = coverage.relationship_to_subscriber == SELF
    insured = coverage.subscriber
    if patient.address is None:
        missing.append("patient address")
    subscriber = x837.Subscriber(
        member_id=claim.member_id, name=_name(insured.name),
        date_of_birth=patient.date_of_birth if is_self else insured.date_of_birth,
        sex=patient.sex if is_self else insured.sex,
        address=_address(patient.address if is_self else insured.address),
        payer_responsibility=_RESPONSIBILITY[claim.coverage_sequence],  # type: ignore[arg-type]
        claim_filing_indicator=payer.claim_filing_indicator, group_number=coverage.group_number or "",
        insurance_type_code=_medicare_secondary_type(coverage, claim.coverage_sequence, payer.is_medicare),
    )
    adjudications: dict[int, list[x837.LineAdjudication]] = {}
    for prior in claim.prior_adjudications:
        for done in prior.lines:
            adjudications.setdefault(done.line_number, []).append(x837.LineAdjudication(
                payer_id=prior.payer.payer_id, paid_amount=done.paid, procedure_code=done.procedure_code,
                adjudication_date=prior.adjudicated_on, modifiers=done.modifiers, paid_units=done.units,
                adjustments=_adjustments(done.adjustments)))
    lines = []
    for line in claim.lines:
        if line.charge is None:
            missing.append(f"line {line.line_number} charge")
        if not line.diagnosis_pointers:
            missing.append(f"line {line.line_number} diagnosis pointers")
        lines.append(x837.ServiceLine(
            procedure_code=line.procedure_code, charge=line.charge, units=line.units,  # type: ignore[arg-type]
            service_date=line.service_date, diagnosis_pointers=line.diagnosis_pointers, modifiers=line.modifiers,
            line_control_number=line.line_control_number, adjudications=tuple(adjudications.get(line.line_number, ())),
        ))
    if claim.frequency_code != "1" and not claim.original_payer_claim_number:
        missing.append("the payer's claim control number (REF*F8) of the claim being replaced or voided")
    rendering = None
    if claim.rendering_provider_npi and claim.rendering_provider_npi != claim.billing_provider_npi:
        rendering = _provider(claim.rendering_provider, claim.rendering_provider_npi, "rendering", missing)
    referring = None
    if claim.referring_provider is not None:
        referring = _provider(claim.referring_provider, claim.referring_provider.npi, "referring", missing)
    if missing:
        raise MissingClaimData(claim.patient_control_number, missing)
    return x837.Claim(
        patient_control_number=claim.patient_control_number, total_charge=claim.total_charge,
        place_of_service=claim.place_of_service, diagnoses=claim.diagnoses, lines=tuple(lines),
        billing_provider=x837.BillingProvider(
            npi=claim.billing_provider_npi, tax_id=billing.tax_id, address=billing.address,
            organization_name=billing.organization_name, taxonomy=billing.taxonomy,
            pay_to_address=billing.pay_to_address,
        ),
        subscriber=subscriber, payer=x837.Payer(payer.name, payer.payer_id, payer.address),
        patient=None if is_self else x837.Patient(
            relationship=coverage.relationship_to_subscriber, name=_name(patient.name),
            date_of_birth=patient.date_of_birth, sex=patient.sex,
            address=_address(patient.address),  # type: ignore[arg-type]  # checked above
        ),
        frequency_code=claim.frequency_code, payer_claim_control_number=claim.original_payer_claim_number or "",
        prior_authorization=claim.prior_authorization_number or "", referring_provider=referring,
        rendering_provider=rendering, other_payers=tuple(_other_payer(prior) for prior in claim.prior_adjudications),
    )


def _other_payer(prior: PriorAdjudication) -> x837.OtherPayer:
    """2320/2330A/2330B: the earlier payer, its subscriber and what it paid and adjusted."""
    return x837.OtherPayer(
        payer=x837.Payer(prior.payer.name, prior.payer.payer_id), subscriber_name=_name(prior.coverage.subscriber.name),
        subscriber_member_id=prior.coverage.member_id,
        responsibility=_RESPONSIBILITY[prior.coverage_sequence],  # type: ignore[arg-type]
        relationship=prior.coverage.relationship_to_subscriber, claim_filing_indicator=prior.claim_filing_indicator,
        paid_amount=prior.paid, claim_adjustments=_adjustments(prior.claim_adjustments),
        remaining_patient_liability=prior.patient_responsibility, group_number=prior.coverage.group_number or "",
        adjudication_date=prior.adjudicated_on, payer_claim_control_number=prior.payer_claim_control_number or "",
        insurance_type_code=_medicare_secondary_type(
            prior.coverage, prior.coverage_sequence, prior.claim_filing_indicator in MEDICARE
        ),
    )


def _medicare_secondary_type(coverage: contracts.Coverage, sequence: str, is_medicare: bool) -> str:
    """SBR05: only for a Medicare coverage that is not primary."""
    if not is_medicare or sequence == "primary":
        return ""
    return coverage.insurance_type_code or ""


def _adjustments(adjustments: Sequence[tuple[str, str, Decimal]]) -> tuple[x837.Adjustment, ...]:
    return tuple(x837.Adjustment(group, reason, amount) for group, reason, amount in adjustments)


#: An envelope to write one claim in, to see whether the writer takes it (values, separators, TR3 rules).
_PROBE = {"submitter": x837.Submitter("PROBE", "PROBE", "PROBE", "0000000000"), "receiver": x837.Receiver("PROBE", "PROBE"),
          "interchange": InterchangeHeader("PROBE", "PROBE"), "application_sender_code": "PROBE",
          "application_receiver_code": "PROBE", "reference": "PROBE"}
_PROBE_NUMBERS = EnvelopeNumbers(interchange=1, group=1, transactions=(1,))
_PROBE_TIME = datetime(2000, 1, 1)


def mapping_findings(claim: Claim, billing: BillingProfile, payer: Payer) -> list[ScrubFinding]:
    """What stops the claim from being written as a valid 837P, as scrubber findings (empty: it can be written)."""
    try:
        build_837p(x837.Batch(claims=[claim_to_837p(claim, billing, payer)], **_PROBE), _PROBE_NUMBERS,
                   created_at=_PROBE_TIME)
    except MissingClaimData as missing:
        return [ScrubFinding("X12-MISSING-DATA", "error", f"An 837P needs: {', '.join(missing.missing)}.",
                             "Correct the claim or the reference data, then scrub the claim again.")]
    except (Claim837Error, X12DataError) as refused:
        problem = refused.problem if isinstance(refused, Claim837Error) else str(refused)
        return [ScrubFinding("X12-837P", "error", f"The 837P cannot carry this claim: {problem}.",
                             "Correct the claim or the reference data, then scrub the claim again.")]
    return []


async def write_837p_batch(claims: Sequence[x837.Claim], route: SubmissionRoute, control_numbers: ControlNumbers, *,
                           reference: str, created_at: datetime) -> tuple[str, tuple[int, int, tuple[int, ...]]]:
    """One interchange for the claims of one route, and its (ISA13, GS06, ST02s) taken from ``control_numbers``.

    Numbers are taken before the file is built, so a batch that fails to build leaves a gap; gaps
    are allowed, repeats are not.
    """
    numbers = await allocate_envelope_numbers(control_numbers, transaction_sets_needed(len(claims)))
    batch = x837.Batch(
        submitter=route.submitter, receiver=route.receiver, interchange=route.interchange,
        application_sender_code=route.application_sender_code,
        application_receiver_code=route.application_receiver_code, reference=reference, claims=claims,
    )
    text = build_837p(batch, numbers, created_at=created_at)
    return text, (numbers.interchange, numbers.group, numbers.transactions)


def _name(name: contracts.PartyName) -> x837.PersonName:
    return x837.PersonName(last=name.last, first=name.first or "", middle=name.middle or "", suffix=name.suffix or "")


def _address(address: contracts.Address | None) -> x837.Address | None:
    if address is None:
        return None
    return x837.Address(line1=address.line1, line2=address.line2 or "", city=address.city, state=address.state,
                        postal_code=address.postal_code)


def _provider(provider: contracts.Provider | None, npi: str, role: str, missing: list[str]) -> x837.Provider | None:
    if provider is None or provider.npi != npi or provider.name is None:
        missing.append(f"{role} provider name")
        return None
    return x837.Provider(npi=npi, name=_name(provider.name), taxonomy=provider.taxonomy or "")
