"""patient-billing-svc: guarantor accounts and the patient ledger."""

SERVICE_NAME = "patient-billing-svc"
