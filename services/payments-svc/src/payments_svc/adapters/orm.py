"""Tables of payments-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text, UniqueConstraint,
    Uuid, false, text,
)

from openrcm_shared.db import JSONDocument, Money, UTCDateTime
from openrcm_shared.db.tables import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

# The claims we submitted (from ClaimSubmitted), waiting for a payer's answer.
expected_claims = Table(
    "expected_claims",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("claim_id", Uuid, nullable=False),
    Column("encounter_id", Uuid, nullable=False),
    Column("encounter_revision", Integer, nullable=False),
    Column("patient_control_number", String(38), nullable=False),
    Column("frequency_code", String(1), nullable=False),
    Column("payer_id", String(80), nullable=False),
    Column("payer_name", String(200), nullable=False),
    Column("coverage_sequence", String(10), nullable=False),
    Column("patient", JSONDocument, nullable=False),
    Column("lines", JSONDocument, nullable=False),
    Column("total_charge", Money, nullable=False),
    Column("service_date_from", Date, nullable=False),
    Column("service_date_to", Date, nullable=False),
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The remittance names a claim by its patient control number: one expected claim per number.
    UniqueConstraint("tenant_id", "patient_control_number"),
)

# 835 files as received (upload or clearinghouse drop directory), kept byte for byte. The same content
# again (its SHA-256) is the same file: answered with the earlier result, never posted twice.
era_files = Table(
    "era_files",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("filename", String(255), nullable=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("source", String(20), nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # Per transaction set: index, ST02, remittance id or the earlier remittance it duplicates.
    Column("transactions", JSONDocument, nullable=False),
    Column("problems", JSONDocument, nullable=False),
    UniqueConstraint("tenant_id", "content_sha256"),
)

remittances = Table(
    "remittances",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("payer_id", String(80), nullable=False),
    Column("payer_name", String(200), nullable=False),
    Column("trace_number", String(50), nullable=False),
    Column("payment_method", String(3), nullable=False),
    Column("payment_amount", Money, nullable=False),
    Column("payment_date", Date, nullable=True),
    Column("source", String(20), nullable=False),
    Column("received_by", String(200), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("status", String(20), nullable=False, server_default=text("'posted'")),
    Column("era_file_id", Uuid, ForeignKey("era_files.id"), nullable=True, index=True),
    Column("transaction_index", Integer, nullable=True),
    Column("transaction_control_number", String(9), nullable=True),
    Column("credit_debit", String(1), nullable=False, server_default=text("'C'")),
    Column("handling_code", String(2), nullable=True),
    Column("originating_company_id", String(50), nullable=True),
    Column("payee", JSONDocument, nullable=True),
    Column("production_date", Date, nullable=True),
    Column("claims_paid_total", Money, nullable=True),
    Column("provider_adjustment_total", Money, nullable=True),
    Column("balance_problem", Text, nullable=True),
    Column("problems", JSONDocument, nullable=True),
    Column("posted_at", UTCDateTime, nullable=True),
    Column("posted_by", String(200), nullable=True),
    # Staged claims that are not clean: a pending payment auto-posts when a late match brings this to 0.
    Column("unclean_claims", Integer, nullable=False, server_default=text("0")),
    # Reconciliation: the bank deposit this payment was matched to.
    Column("deposit_reference", String(80), nullable=True),
    Column("deposit_date", Date, nullable=True),
    Column("deposit_amount", Money, nullable=True),
    Column("reconciled_at", UTCDateTime, nullable=True),
    Column("reconciled_by", String(200), nullable=True),
    # A payment is posted once: the same payer, trace number and amount again is the same payment.
    UniqueConstraint("tenant_id", "payer_id", "trace_number", "payment_amount"),
)
Index("ix_remittances_tenant_received", remittances.c.tenant_id, remittances.c.received_at)

remit_claims = Table(
    "remit_claims",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("remittance_id", Uuid, ForeignKey("remittances.id"), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("patient_control_number", String(38), nullable=False),
    Column("status_code", String(2), nullable=False),
    Column("payer_claim_control_number", String(50), nullable=True),
    Column("adjudicated_on", Date, nullable=True),
    Column("total_charge", Money, nullable=False),
    Column("total_paid", Money, nullable=False),
    Column("reported_patient_responsibility", Money, nullable=True),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("balanced", Boolean, nullable=False),
    Column("balance_problems", JSONDocument, nullable=False),
    Column("patient_responsibility", JSONDocument, nullable=False),
    Column("expected_claim_id", Uuid, ForeignKey("expected_claims.id"), nullable=True),
    Column("claim_id", Uuid, nullable=True),
    Column("encounter_id", Uuid, nullable=True),
    Column("reverses_remit_claim_id", Uuid, nullable=True),
    Column("adjustments", JSONDocument, nullable=False),
    Column("remark_codes", JSONDocument, nullable=False),
    Column("lines", JSONDocument, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The rest of what the payer said about the claim (names, dates, amounts, references, MIA/MOA).
    Column("details", JSONDocument, nullable=True),
    Column("notes", JSONDocument, nullable=True),
    Column("line_matches", JSONDocument, nullable=True),
    Column("has_unmatched_lines", Boolean, nullable=False, server_default=false()),
    Column("reversed_by_remit_claim_id", Uuid, nullable=True),
)
# The unmatched queue, and the previous posting a reversal takes back.
Index("ix_remit_claims_tenant_status", remit_claims.c.tenant_id, remit_claims.c.status, remit_claims.c.created_at)
Index("ix_remit_claims_tenant_expected_claim", remit_claims.c.tenant_id, remit_claims.c.expected_claim_id)
# Corrections and reversals found by the payer's claim number; posting a staged remittance in order.
Index("ix_remit_claims_tenant_payer_claim", remit_claims.c.tenant_id, remit_claims.c.payer_claim_control_number)
Index("ix_remit_claims_remittance_sequence", remit_claims.c.remittance_id, remit_claims.c.sequence, unique=True)
# Unmatched claims waiting for their submitted claim (matched when ClaimSubmitted arrives after the 835).
Index("ix_remit_claims_tenant_unmatched_pcn", remit_claims.c.tenant_id, remit_claims.c.patient_control_number,
      postgresql_where=remit_claims.c.status == "unmatched", sqlite_where=remit_claims.c.status == "unmatched")
Index("ix_remit_claims_tenant_unmatched_lines", remit_claims.c.tenant_id, remit_claims.c.created_at,
      postgresql_where=remit_claims.c.has_unmatched_lines, sqlite_where=remit_claims.c.has_unmatched_lines)

# PLB: provider-level adjustments of a payment (takebacks, interest, levies, ...).
provider_adjustments = Table(
    "provider_adjustments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("remittance_id", Uuid, ForeignKey("remittances.id"), nullable=False, index=True),
    Column("sequence", Integer, nullable=False),
    Column("provider_id", String(50), nullable=False),
    Column("fiscal_period_end", Date, nullable=True),
    Column("reason_code", String(5), nullable=False),
    Column("reference", String(50), nullable=True),
    Column("amount", Money, nullable=False),
    Column("is_takeback", Boolean, nullable=False),
)

# Per-tenant posting policy (absent row = defaults).
posting_settings = Table(
    "posting_settings",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("auto_post_clean_remits", Boolean, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

denials = Table(
    "denials",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("remittance_id", Uuid, ForeignKey("remittances.id"), nullable=False),
    Column("remit_claim_id", Uuid, ForeignKey("remit_claims.id"), nullable=False, index=True),
    Column("claim_id", Uuid, nullable=False),
    Column("level", String(5), nullable=False),
    Column("line_control_number", String(50), nullable=True),
    Column("procedure_code", String(20), nullable=True),
    Column("category", String(40), nullable=False),
    Column("owning_department", String(20), nullable=False),
    Column("recommended_action", String(40), nullable=False),
    Column("denied_amount", Money, nullable=False),
    Column("adjustments", JSONDocument, nullable=False),
    Column("remark_codes", JSONDocument, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_denials_tenant_department", denials.c.tenant_id, denials.c.owning_department, denials.c.created_at)
