"""Sample requests for the demo run, end-to-end tests and benchmarks (made-up people, valid codes)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

BILLING_NPI = "1234567893"
RENDERING_NPI = "1245319599"


def encounter(
    external_id: str,
    *,
    patient_id: str = "MRN-1001",
    last_name: str = "Rivera",
    first_name: str = "Ana",
    payer_id: str = "ACME01",
    payer_name: str = "Acme Health Plan",
    lines: list[tuple[str, str, list[int]]] | None = None,
    diagnoses: list[str] | None = None,
    days_ago: int = 3,
    self_pay: bool = False,
) -> dict[str, Any]:
    """An encounter that already carries codes. ``lines``: (procedure code, charge, diagnosis pointers)."""
    dos = (date.today() - timedelta(days=days_ago)).isoformat()
    chosen_lines = lines or [("99213", "125.00", [1, 2]), ("83036", "40.00", [1])]
    return {
        "source_system": "demo-ehr",
        "external_encounter_id": external_id,
        "patient": {
            "patient_id": patient_id,
            "name": {"last": last_name, "first": first_name},
            "date_of_birth": "1978-06-15",
            "sex": "F",
            "address": {"line1": "12 Elm St", "city": "Springfield", "state": "IL", "postal_code": "62704"},
        },
        "notes": [{"type": "progress", "author": "Dr Okafor", "text": "Follow-up visit; plan reviewed."}],
        "coverages": [] if self_pay else [
            {"sequence": "primary", "payer_id": payer_id, "payer_name": payer_name, "member_id": f"M{patient_id[-4:]}X",
             "relationship_to_subscriber": "18"}
        ],
        "billing_provider": {"npi": BILLING_NPI, "organization_name": "Springfield Family Practice", "tax_id": "371234567"},
        "rendering_provider": {"npi": RENDERING_NPI, "name": {"last": "Okafor", "first": "Chidi"}},
        "place_of_service": "11",
        "service_date_from": dos,
        "diagnoses": diagnoses or ["E11.9", "I10"],
        "service_lines": [
            {"procedure_code": code, "units": "1", "diagnosis_pointers": pointers, "charge": charge}
            for code, charge, pointers in chosen_lines
        ],
    }


def billing_reference(*, clearinghouse: str = "local-drop", payer_id: str = "ACME01",
                      payer_name: str = "Acme Health Plan") -> dict[str, Any]:
    """A practice's claims-svc reference data: one clearinghouse route, one payer, the billing profile, the fee schedule."""
    return {
        "route": {
            "route_id": "gateway", "clearinghouse": clearinghouse,
            "submitter": {"name": "Springfield Family Practice", "id": "SFP0001", "contact_name": "Billing Office",
                          "phone": "2175550100"},
            "receiver": {"name": "Gateway Clearinghouse", "id": "GATEWAY1"},
            "interchange": {"sender_id": "SFP0001", "receiver_id": "GATEWAY1", "usage": "T"},
            "application_sender_code": "SFP0001", "application_receiver_code": "GATEWAY1",
        },
        "payer": {"payer_id": payer_id, "name": payer_name, "claim_filing_indicator": "CI", "timely_filing_days": 365,
                  "prior_auth_procedures": ["70553"], "route_id": "gateway"},
        "billing_profile": {"npi": BILLING_NPI, "organization_name": "Springfield Family Practice", "tax_id": "371234567",
                            "taxonomy": "207Q00000X",
                            "address": {"line1": "100 Main St", "city": "Springfield", "state": "IL",
                                        "postal_code": "627011234"}},
        "fee_schedule_csv": ("procedure_code,modifier,charge,effective_from,effective_to\n"
                             "99213,,125.00,2025-01-01,\n99214,,180.00,2025-01-01,\n83036,,40.00,2025-01-01,\n"
                             "93000,,60.00,2025-01-01,\n"),
    }


def post_billing_reference(claims_api: Any, reference: dict[str, Any] | None = None) -> None:
    """Send the reference data to claims-svc (``claims_api``: an httpx.Client with a practice_admin token)."""
    reference = reference or billing_reference()
    for path, key in (("/v1/routes", "route"), ("/v1/payers", "payer"), ("/v1/billing-profiles", "billing_profile")):
        claims_api.post(path, json=reference[key]).raise_for_status()
    claims_api.post("/v1/fee-schedule/import", content=reference["fee_schedule_csv"],
                    headers={"content-type": "text/csv"}).raise_for_status()


def remit_claim_paid(
    claim: dict[str, Any], *, allowed_ratio: Decimal = Decimal("0.80"), deductible: Decimal = Decimal("20.00"),
    payer_claim_number: str = "PAYER-CLM-1",
) -> dict[str, Any]:
    """The payer allows a share of each line (CO-45 takes the rest); the patient owes a deductible on line 1."""
    lines = []
    total_paid = Decimal("0.00")
    for n, line in enumerate(claim["lines"]):
        charge = Decimal(line["charge"])
        allowed = (charge * allowed_ratio).quantize(Decimal("0.01"))
        adjustments = [{"group": "CO", "reason_code": "45", "amount": str(charge - allowed)}]
        patient_share = deductible if n == 0 else Decimal("0.00")
        if patient_share:
            adjustments.append({"group": "PR", "reason_code": "1", "amount": str(patient_share)})
        paid = allowed - patient_share
        total_paid += paid
        lines.append(_line(line, allowed=allowed, paid=paid, adjustments=adjustments))
    return {
        "patient_control_number": claim["patient_control_number"], "status_code": "1",
        "total_charge": str(claim["total_charge"]), "total_paid": str(total_paid),
        "payer_claim_control_number": payer_claim_number, "adjustments": [], "remark_codes": [], "lines": lines,
    }


def remit_claim_denied(claim: dict[str, Any], *, group: str, reason_code: str, remark_codes: list[str] | None = None,
                       payer_claim_number: str = "PAYER-CLM-D") -> dict[str, Any]:
    """Every line denied with the same CAS reason."""
    lines = [
        _line(line, allowed=Decimal("0.00"), paid=Decimal("0.00"),
              adjustments=[{"group": group, "reason_code": reason_code, "amount": str(line["charge"])}],
              remark_codes=remark_codes or [])
        for line in claim["lines"]
    ]
    return {
        "patient_control_number": claim["patient_control_number"], "status_code": "4",
        "total_charge": str(claim["total_charge"]), "total_paid": "0.00",
        "payer_claim_control_number": payer_claim_number, "adjustments": [], "remark_codes": remark_codes or [],
        "lines": lines,
    }


def _line(line: dict[str, Any], *, allowed: Decimal, paid: Decimal, adjustments: list[dict[str, Any]],
          remark_codes: list[str] | None = None) -> dict[str, Any]:
    return {
        "line_control_number": line["line_control_number"], "procedure_code": line["procedure_code"],
        "modifiers": line.get("modifiers", []), "units": str(line.get("units", "1")),
        "service_date": line["service_date"], "charge": str(line["charge"]), "allowed": str(allowed), "paid": str(paid),
        "adjustments": adjustments, "remark_codes": remark_codes or [],
    }


def remittance(claims: list[dict[str, Any]], *, trace_number: str, payer_id: str = "ACME01",
               payer_name: str = "Acme Health Plan") -> dict[str, Any]:
    total = sum((Decimal(c["total_paid"]) for c in claims), Decimal("0.00"))
    return {
        "payer": {"payer_id": payer_id, "name": payer_name},
        "payment": {"trace_number": trace_number, "method": "ACH" if total else "NON", "amount": str(total),
                    "payment_date": date.today().isoformat()},
        "claims": claims,
    }


def claim_submitted_event(pcn: str = "PCN1", charge: str = "10.00"):  # type: ignore[no-untyped-def]
    """A valid ClaimSubmitted contract for platform tests."""
    import uuid
    from datetime import datetime, timezone

    from openrcm_shared.contracts import ClaimSubmitted, PartyName, Patient, PayerRef, SubmittedServiceLine

    dos = date(2026, 1, 5)
    return ClaimSubmitted(
        claim_id=uuid.uuid4(), encounter_id=uuid.uuid4(), encounter_revision=1, patient_control_number=pcn,
        frequency_code="1", coverage_sequence="primary", payer=PayerRef(payer_id="P1", name="Payer"), member_id="M1",
        patient=Patient(patient_id="MRN1", name=PartyName(last="Doe"), date_of_birth=date(1980, 1, 1), sex="F"),
        billing_provider_npi=BILLING_NPI, service_date_from=dos, service_date_to=dos, total_charge=Decimal(charge),
        lines=[SubmittedServiceLine(line_number=1, line_control_number=f"{pcn}-1", procedure_code="99213",
                                    units=Decimal(1), charge=Decimal(charge), service_date=dos)],
        submitted_at=datetime.now(timezone.utc),
    )


def billing_policy(**changes: Any) -> dict[str, Any]:
    """A patient-billing policy for PUT /v1/policy (patient-billing-svc); ``changes`` override fields."""
    policy: dict[str, Any] = {
        "statement_cycle_days": [1], "minimum_statement_balance": "5.00", "payment_due_days": 21,
        "reminder_after_days": 30, "final_notice_after_days": 30, "collections_after_days": 30,
        "self_pay_discount_percent": "0", "small_balance_write_off_below": "0.00", "missed_installments_allowed": 1,
        "installment_grace_days": 10,
        "how_to_pay": {"practice_name": "Springfield Family Practice", "online_url": "https://pay.example.test",
                       "phone": "555-0100", "mail_to": ["PO Box 1", "Springfield, IL 62701"]},
    }
    policy.update(changes)
    return policy
