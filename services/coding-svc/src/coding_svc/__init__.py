"""coding-svc: the coding department's system of record."""

SERVICE_NAME = "coding-svc"
