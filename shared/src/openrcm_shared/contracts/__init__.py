"""Versioned event contracts. A breaking change is a new version with a new topic."""

from openrcm_shared.contracts.envelope import EventContract, EventEnvelope, event_contracts, contract_for
from openrcm_shared.contracts.events import (
    Address, Adjustment, ClaimSubmitted, CodedServiceLine, Coverage, DenialRaised, Diagnosis,
    EncounterCoded, PartyName, Patient, PatientResponsibility, PaymentInfo, PayerRef, Provider,
    RemitLine, RemitReceived, SubmittedServiceLine, Subscriber,
)
from openrcm_shared.contracts.claims import ClaimAccepted, ClaimRejected, RejectionReason
from openrcm_shared.contracts.patient_billing import PatientPaymentReceived, PaymentApplication, StatementIssued

__all__ = [
    "EventContract", "EventEnvelope", "event_contracts", "contract_for", "Address", "Adjustment",
    "ClaimSubmitted", "CodedServiceLine", "Coverage", "DenialRaised", "Diagnosis", "EncounterCoded",
    "PartyName", "Patient", "PatientResponsibility", "PaymentInfo", "PayerRef", "Provider", "RemitLine",
    "RemitReceived", "SubmittedServiceLine", "Subscriber",
    "PatientPaymentReceived", "PaymentApplication", "StatementIssued",
    "ClaimAccepted", "ClaimRejected", "RejectionReason",
]
