"""X12 mappings owned by claims-svc: the 837P it sends (later the 999 and 277CA it receives)."""

from claims_svc.domain.x12.writer_837p import (
    IMPLEMENTATION, MAX_CLAIMS_PER_TRANSACTION, Claim837Error, build_837p, transaction_sets_needed,
)

__all__ = ["IMPLEMENTATION", "MAX_CLAIMS_PER_TRANSACTION", "Claim837Error", "build_837p", "transaction_sets_needed"]
