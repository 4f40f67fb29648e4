"""Tables of claims-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Column, Date, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, Uuid,
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
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One claim per coverage per encounter revision, however often EncounterCoded is delivered.
    UniqueConstraint("tenant_id", "encounter_id", "encounter_revision", "coverage_sequence"),
    # The revisions of one encounter share a control number (the payer sees one claim corrected);
    # within that, a number is never used twice.
    UniqueConstraint("tenant_id", "patient_control_number", "encounter_revision"),
)
# The claim list: a tenant's claims newest first, optionally one patient's.
Index("ix_claims_tenant_id_created_at", claims.c.tenant_id, claims.c.created_at)
Index("ix_claims_tenant_id_patient_id", claims.c.tenant_id, claims.c.patient_id)

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
