"""From the claim aggregate to the 837P input model, and from a batch of claims to one interchange.

The claim aggregate keeps what the claim's lifecycle needs; an 837P needs more. Until the aggregate
and the tenant's reference data hold the rest, it comes in as separate inputs:

- :class:`EncounterDetails`: what the coded encounter revision said and the claim does not keep
  (place of service, diagnoses and each line's pointers, the subscriber and the patient's
  relationship to them, group number, prior authorization, referring and rendering provider names);
- :class:`BillingProfile`: the billing entity as payers know it (name, TIN, address, taxonomy, pay-to),
  tenant reference data;
- :class:`PayerProfile`: the payer as the route knows it (payer id at the clearinghouse, claim filing
  indicator, address);
- :class:`SubmissionRoute`: the clearinghouse connection (submitter, receiver, ISA/GS ids, test or production).

Not covered yet: secondary and tertiary claims (2320/2330 come from the earlier payer's remit, which
the claim keeps only as totals), SBR05 for Medicare secondary, and replacements of claims whose
payer claim number no remit has given yet (``build_claim`` makes them, an 837P cannot carry them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from claims_svc.domain.claim import Claim
from claims_svc.domain.x12 import build_837p, transaction_sets_needed
from claims_svc.domain.x12 import model_837p as x837
from openrcm_shared import contracts
from openrcm_shared.x12 import ControlNumbers, InterchangeHeader, allocate_envelope_numbers

_RESPONSIBILITY = {"primary": "P", "secondary": "S", "tertiary": "T"}
SELF = "18"


class MissingClaimData(ValueError):
    """The claim lacks data an 837P requires. Names the claim and the fields, never their values."""

    def __init__(self, patient_control_number: str, missing: list[str]) -> None:
        super().__init__(f"claim {patient_control_number} cannot be sent without: {', '.join(missing)}")
        self.patient_control_number = patient_control_number
        self.missing = missing


@dataclass(frozen=True)
class EncounterDetails:
    """The parts of the EncounterCoded revision an 837P needs and the claim aggregate does not keep (yet)."""

    place_of_service: str
    diagnoses: tuple[str, ...]
    diagnosis_pointers: Mapping[int, tuple[int, ...]]  # by line number
    coverage: contracts.Coverage
    prior_authorization_number: str | None = None
    referring_provider: contracts.Provider | None = None
    rendering_provider: contracts.Provider | None = None

    @classmethod
    def from_encounter(cls, coded: contracts.EncounterCoded, coverage_sequence: str) -> EncounterDetails:
        coverage = next(c for c in coded.coverages if c.sequence == coverage_sequence)
        return cls(
            place_of_service=coded.place_of_service,
            diagnoses=tuple(d.code for d in sorted(coded.diagnoses, key=lambda d: d.sequence)),
            diagnosis_pointers={line.line_number: tuple(line.diagnosis_pointers) for line in coded.service_lines},
            coverage=coverage, prior_authorization_number=coded.prior_authorization_number,
            referring_provider=coded.referring_provider, rendering_provider=coded.rendering_provider,
        )


@dataclass(frozen=True)
class BillingProfile:
    """The tenant's billing entity for one billing NPI."""

    organization_name: str
    tax_id: str
    address: x837.Address
    taxonomy: str = ""
    pay_to_address: x837.Address | None = None


@dataclass(frozen=True)
class PayerProfile:
    """One payer as one submission route knows it."""

    payer_id: str
    name: str
    claim_filing_indicator: str = "CI"
    address: x837.Address | None = None


@dataclass(frozen=True)
class SubmissionRoute:
    submitter: x837.Submitter
    receiver: x837.Receiver
    interchange: InterchangeHeader
    application_sender_code: str
    application_receiver_code: str


def claim_to_837p(claim: Claim, details: EncounterDetails, billing: BillingProfile, payer: PayerProfile) -> x837.Claim:
    """The 837P input for one claim; MissingClaimData lists everything an 837P needs and the inputs lack."""
    missing: list[str] = []
    patient = claim.patient
    coverage = details.coverage
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
    )
    lines = []
    for line in claim.lines:
        pointers = details.diagnosis_pointers.get(line.line_number)
        if line.charge is None:
            missing.append(f"line {line.line_number} charge")
        if not pointers:
            missing.append(f"line {line.line_number} diagnosis pointers")
        lines.append(x837.ServiceLine(
            procedure_code=line.procedure_code, charge=line.charge, units=line.units,  # type: ignore[arg-type]
            service_date=line.service_date, diagnosis_pointers=pointers or (), modifiers=line.modifiers,
            line_control_number=line.line_control_number,
        ))
    if claim.frequency_code != "1" and not claim.original_payer_claim_number:
        missing.append("the payer's claim control number (REF*F8) of the claim being replaced or voided")
    rendering = None
    if claim.rendering_provider_npi and claim.rendering_provider_npi != claim.billing_provider_npi:
        rendering = _provider(details.rendering_provider, claim.rendering_provider_npi, "rendering", missing)
    referring = None
    if details.referring_provider is not None:
        referring = _provider(details.referring_provider, details.referring_provider.npi, "referring", missing)
    if missing:
        raise MissingClaimData(claim.patient_control_number, missing)
    return x837.Claim(
        patient_control_number=claim.patient_control_number, total_charge=claim.total_charge,
        place_of_service=details.place_of_service, diagnoses=details.diagnoses, lines=tuple(lines),
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
        prior_authorization=details.prior_authorization_number or "", referring_provider=referring,
        rendering_provider=rendering,
    )


async def write_837p_batch(claims: Sequence[x837.Claim], route: SubmissionRoute, control_numbers: ControlNumbers, *,
                           reference: str, created_at: datetime) -> str:
    """One interchange for the claims of one route, with control numbers taken from ``control_numbers``.

    Numbers are taken before the file is built, so a batch that fails to build leaves a gap; gaps
    are allowed, repeats are not.
    """
    numbers = await allocate_envelope_numbers(control_numbers, transaction_sets_needed(len(claims)))
    batch = x837.Batch(
        submitter=route.submitter, receiver=route.receiver, interchange=route.interchange,
        application_sender_code=route.application_sender_code,
        application_receiver_code=route.application_receiver_code, reference=reference, claims=claims,
    )
    return build_837p(batch, numbers, created_at=created_at)


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
