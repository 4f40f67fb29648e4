"""Tables of claims-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, Date, ForeignKey, Index, Integer, MetaData, PrimaryKeyConstraint, String, Table, Text,
    UniqueConstraint, Uuid, text,
)

from openrcm_shared.db import JSONDocument, Money, UTCDateTime
from openrcm_shared.db.tables import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

claims = Table(
    "claims",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("encounter_id", Uuid, nullable=False),
    Column("encounter_revision", Integer, nullable=False),
    Column("coverage_sequence", String(12), nullable=False),
    Column("patient_control_number", String(20), nullable=False),
    Column("frequency_code", String(1), nullable=False),
    Column("original_payer_claim_number", String(50), nullable=True),
    Column("payer_id", String(80), nullable=False),
    Column("payer_name", String(100), nullable=False),
    Column("member_id", String(80), nullable=False),
    Column("patient_id", String(64), nullable=False),
    Column("patient", JSONDocument, nullable=False),
    Column("billing_provider_npi", String(10), nullable=False),
    Column("rendering_provider_npi", String(10), nullable=True),
    Column("service_date_from", Date, nullable=False),
    Column("service_date_to", Date, nullable=False),
    Column("lines", JSONDocument, nullable=False),
    Column("total_charge", Money, nullable=False),
    Column("status", String(20), nullable=False),
    Column("scrub_findings", JSONDocument, nullable=False),
    Column("payer_claim_control_number", String(50), nullable=True),
    Column("total_paid", Money, nullable=True),
    Column("patient_responsibility", Money, nullable=True),
    # What the 837P needs from the coded encounter: place of service, diagnoses, coverage, providers, prior auth.
    Column("details", JSONDocument, nullable=True),
    Column("batch_id", Uuid, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One claim per coverage per encounter revision, however often EncounterCoded is delivered (a void of
    # the previous payer's claim and the new payer's original share a revision and a coverage).
    UniqueConstraint("tenant_id", "encounter_id", "encounter_revision", "coverage_sequence", "frequency_code",
                     name="uq_claims_encounter_revision_coverage_frequency"),
    # The revisions of one encounter share a control number (the payer sees one claim corrected);
    # within that, a number is never used twice.
    UniqueConstraint("tenant_id", "patient_control_number", "encounter_revision", "frequency_code",
                     name="uq_claims_pcn_revision_frequency"),
)
# The claim list: a tenant's claims newest first, optionally one patient's.
Index("ix_claims_tenant_id_created_at", claims.c.tenant_id, claims.c.created_at)
Index("ix_claims_tenant_id_patient_id", claims.c.tenant_id, claims.c.patient_id)
# The work queue and the batcher: a tenant's claims in one status.
Index("ix_claims_tenant_id_status", claims.c.tenant_id, claims.c.status)
Index("ix_claims_tenant_id_encounter_id", claims.c.tenant_id, claims.c.encounter_id)

claim_status_history = Table(
    "claim_status_history",
    metadata,
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("claim_id", Uuid, ForeignKey("claims.id"), nullable=False, index=True),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("reason", Text, nullable=False),
)

claim_denials = Table(
    "claim_denials",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("denial_id", Uuid, nullable=False),
    Column("claim_id", Uuid, ForeignKey("claims.id"), nullable=False, index=True),
    Column("level", String(8), nullable=False),
    Column("line_control_number", String(60), nullable=True),
    Column("procedure_code", String(20), nullable=True),
    Column("category", String(40), nullable=False),
    Column("reason_codes", JSONDocument, nullable=False),
    Column("remark_codes", JSONDocument, nullable=False),
    Column("recommended_action", String(40), nullable=False),
    Column("explanation", Text, nullable=False),
    Column("denied_amount", Money, nullable=False),
    Column("status", String(20), nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # A denial delivered twice is queued once.
    UniqueConstraint("tenant_id", "denial_id"),
)


# ---------------------------------------------------------------- reference data (per tenant)
payers = Table(
    "payers",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("payer_id", String(80), nullable=False),
    Column("name", String(100), nullable=False),
    Column("claim_filing_indicator", String(2), nullable=False),
    Column("timely_filing_days", Integer, nullable=False),
    Column("prior_auth_procedures", JSONDocument, nullable=False),
    Column("route_id", String(60), nullable=True),
    Column("address", JSONDocument, nullable=True),
    Column("appeal_days", Integer, nullable=False),
    Column("follow_up_days", Integer, nullable=False, server_default=text("30")),  # 30 for payers from before
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "payer_id"),
)

fee_schedule_entries = Table(
    "fee_schedule_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("procedure_code", String(20), nullable=False),
    Column("modifier", String(2), nullable=False),  # "" for none
    Column("charge", Money, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "procedure_code", "modifier", "effective_from",
                     name="uq_fee_schedule_entries_code_modifier_from"),
)

billing_profiles = Table(
    "billing_profiles",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("npi", String(10), nullable=False),
    Column("organization_name", String(100), nullable=False),
    Column("tax_id", String(9), nullable=False),
    Column("taxonomy", String(10), nullable=False),
    Column("address", JSONDocument, nullable=False),
    Column("pay_to_address", JSONDocument, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "npi"),
)

submission_routes = Table(
    "submission_routes",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("route_id", String(60), nullable=False),
    Column("clearinghouse", String(60), nullable=False),
    Column("envelope", JSONDocument, nullable=False),  # submitter, receiver, ISA and GS ids
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("tenant_id", "route_id"),
)

# ---------------------------------------------------------------- batches and acknowledgements
#: The next ISA13 / GS06 / ST02 per tenant. An allocation is one UPDATE ... RETURNING: the row lock
#: serializes concurrent allocations, and a number is only ever used by the transaction that took it.
control_numbers = Table(
    "control_numbers",
    metadata,
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("next_value", BigInteger, nullable=False),
    PrimaryKeyConstraint("tenant_id", "kind"),
)

claim_batches = Table(
    "claim_batches",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("route_id", String(60), nullable=False),
    Column("clearinghouse", String(60), nullable=False),
    Column("status", String(12), nullable=False),  # built -> sent
    Column("interchange_control_number", Integer, nullable=False),
    Column("group_control_number", Integer, nullable=False),
    Column("transaction_control_numbers", JSONDocument, nullable=False),
    Column("claim_count", Integer, nullable=False),
    Column("total_charge", Money, nullable=False),
    Column("file_name", String(120), nullable=False),
    Column("content", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", Text, nullable=True),
    Column("submission_reference", String(200), nullable=True),
    Column("acknowledgment", String(20), nullable=True),  # 999: accepted, partially_accepted, rejected
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    UniqueConstraint("tenant_id", "interchange_control_number", name="uq_claim_batches_tenant_id_isa13"),
    UniqueConstraint("tenant_id", "group_control_number", name="uq_claim_batches_tenant_id_gs06"),
)
Index("ix_claim_batches_tenant_id_status", claim_batches.c.tenant_id, claim_batches.c.status)

claim_batch_items = Table(
    "claim_batch_items",
    metadata,
    Column("batch_id", Uuid, ForeignKey("claim_batches.id"), nullable=False),
    Column("claim_id", Uuid, ForeignKey("claims.id"), nullable=False, index=True),
    Column("tenant_id", String(64), nullable=False),
    Column("patient_control_number", String(20), nullable=False),
    Column("transaction_control_number", Integer, nullable=False),
    PrimaryKeyConstraint("batch_id", "claim_id"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("claim_id", Uuid, ForeignKey("claims.id"), nullable=False, index=True),
    Column("denied_on", Date, nullable=False),
    Column("deadline", Date, nullable=False),
    Column("argument", Text, nullable=False),
    Column("letter", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
)

acknowledgments = Table(
    "acknowledgments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # 999 or 277CA
    Column("content_sha256", String(64), nullable=False),
    Column("source", String(80), nullable=False),
    Column("summary", JSONDocument, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    # The same file ingested twice (polled again, or posted again) changes nothing the second time.
    UniqueConstraint("tenant_id", "content_sha256"),
)
