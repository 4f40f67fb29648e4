"""payments-svc: remittances, payment posting, adjustments and denials."""

SERVICE_NAME = "payments-svc"
