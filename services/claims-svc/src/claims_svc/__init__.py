"""claims-svc: the billing department's claim system."""

SERVICE_NAME = "claims-svc"
