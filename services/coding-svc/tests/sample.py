"""A valid encounter body for coding-svc tests."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

VALID_NPI = "1234567893"
OTHER_NPI = "1245319599"


def encounter_body(external_id: str = "ENC-1001", **overrides: Any) -> dict[str, Any]:
    dos = (date.today() - timedelta(days=3)).isoformat()
    body: dict[str, Any] = {
        "source_system": "epic-test",
        "external_encounter_id": external_id,
        "patient": {
            "patient_id": "MRN-77",
            "name": {"last": "Doe", "first": "Jane"},
            "date_of_birth": "1980-04-02",
            "sex": "F",
            "address": {"line1": "1 Main St", "city": "Springfield", "state": "IL", "postal_code": "62701"},
        },
        "coverages": [
            {"sequence": "primary", "payer_id": "ACME01", "payer_name": "Acme Health", "member_id": "XJ123456",
             "relationship_to_subscriber": "18"}
        ],
        "billing_provider": {"npi": VALID_NPI, "organization_name": "Springfield Family Practice", "tax_id": "123456789"},
        "rendering_provider": {"npi": OTHER_NPI, "name": {"last": "Smith", "first": "Ann"}},
        "place_of_service": "11",
        "service_date_from": dos,
        "diagnoses": ["E11.9", "I10"],
        "service_lines": [
            {"procedure_code": "99213", "units": "1", "diagnosis_pointers": [1, 2], "charge": "125.00"},
            {"procedure_code": "83036", "units": "1", "diagnosis_pointers": [1], "charge": "40.00"},
        ],
    }
    result = copy.deepcopy(body)
    result.update(overrides)
    return result
