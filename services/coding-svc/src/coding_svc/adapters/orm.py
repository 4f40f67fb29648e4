"""Tables of coding-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
    Uuid,
)

from openrcm_shared.db import JSONDocument, Money, UTCDateTime
from openrcm_shared.db.tables import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

encounters = Table(
    "encounters",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("source_system", String(60), nullable=False),
    Column("external_encounter_id", String(80), nullable=False),
    Column("patient_id", String(64), nullable=False),
    Column("status", String(24), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("service_date_from", Date, nullable=False),
    Column("service_date_to", Date, nullable=False),
    Column("document", JSONDocument, nullable=False),
    Column("rework_reasons", JSONDocument, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("coded_at", UTCDateTime, nullable=True),
    # The document's version: 1 as first received, +1 for each amendment before coding.
    Column("version", Integer, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("received_by", String(200), nullable=True),
    # The working codes ({diagnoses, lines}): the provider's as sent, then the coder's last draft.
    Column("codes", JSONDocument, nullable=False),
    Column("codes_by", String(200), nullable=True),  # the coder whose draft they are; null: the provider's
    # The claim overlay: one coder at a time; an expired claim may be taken by anyone.
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", UTCDateTime, nullable=True),
    Column("claim_expires_at", UTCDateTime, nullable=True),
    # The findings of the last edit run on the working codes (why an encounter waits in the queue).
    Column("findings", JSONDocument, nullable=False),
    Column("primary_payer_id", String(80), nullable=True),
    Column("filing_deadline", Date, nullable=False),
    UniqueConstraint("tenant_id", "source_system", "external_encounter_id"),
)
# The work queues: one status, ordered by filing deadline then age.
Index(
    "ix_encounters_work_queue",
    encounters.c.tenant_id, encounters.c.status, encounters.c.filing_deadline, encounters.c.received_at,
)

#: Documents an amendment superseded (the current one stays in ``encounters``).
encounter_versions = Table(
    "encounter_versions",
    metadata,
    Column("encounter_id", Uuid, ForeignKey("encounters.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("document", JSONDocument, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=True),
)

#: Each tenant's coding policy (absent: the defaults of ``domain.policy.CodingPolicy``).
coding_policies = Table(
    "coding_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("auto_release_clean_provider_codes", Boolean, nullable=False),
    Column("claim_minutes", Integer, nullable=False),
    Column("default_filing_days", Integer, nullable=False),
    Column("filing_days_by_payer", JSONDocument, nullable=False),  # {payer_id: days}
    Column("audit_sample_percent", Money, nullable=False),  # an exact 2-decimal number, like money
    Column("audit_sample_percent_by_coder", JSONDocument, nullable=False),  # {coder: "percent"}
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

#: Every release of codes to billing (one per EncounterCoded): what was released, by whom, after how
#: much work. The coding audit and the productivity report read it.
coding_releases = Table(
    "coding_releases",
    metadata,
    Column("encounter_id", Uuid, ForeignKey("encounters.id", ondelete="CASCADE"), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("coder", String(200), nullable=True),  # null when auto-released at intake
    Column("claimed_at", UTCDateTime, nullable=True),  # when the coder's work on it began (their claim)
    Column("released_at", UTCDateTime, nullable=False),
    Column("codes", JSONDocument, nullable=False),  # {diagnoses, lines} as released
    Column("warnings", JSONDocument, nullable=False),  # warning findings left when released
    Column("auto_released", Boolean, nullable=False),
    Column("from_status", String(24), nullable=False),  # awaiting_coding or rework
)
Index("ix_coding_releases_tenant_coder_released", coding_releases.c.tenant_id, coding_releases.c.coder,
      coding_releases.c.released_at)

#: Questions coders ask providers about the documentation.
physician_queries = Table(
    "physician_queries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("encounter_id", Uuid, ForeignKey("encounters.id", ondelete="CASCADE"), nullable=False),
    Column("provider_npi", String(10), nullable=False),
    Column("asked_by", String(200), nullable=False),
    Column("question", Text, nullable=False),
    Column("options", JSONDocument, nullable=True),  # list of choices, or null for free text
    Column("status", String(16), nullable=False),
    Column("resume_status", String(24), nullable=False),
    Column("answer", Text, nullable=True),
    Column("chosen_option", Text, nullable=True),
    Column("asked_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", String(200), nullable=True),
    Column("withdrawn_at", UTCDateTime, nullable=True),
    Column("withdrawn_by", String(200), nullable=True),
    CheckConstraint("status IN ('open', 'answered', 'withdrawn')", name="status"),
)
Index("ix_physician_queries_tenant_status_asked", physician_queries.c.tenant_id, physician_queries.c.status,
      physician_queries.c.asked_at)
Index("ix_physician_queries_tenant_provider", physician_queries.c.tenant_id, physician_queries.c.provider_npi,
      physician_queries.c.asked_at)
Index("ix_physician_queries_encounter", physician_queries.c.encounter_id)

#: Releases drawn for a coding audit, the coder's codes as released and, once done, the auditor's.
coding_audits = Table(
    "coding_audits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("encounter_id", Uuid, ForeignKey("encounters.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("coder", String(200), nullable=False),
    Column("released_at", UTCDateTime, nullable=False),
    Column("selected_at", UTCDateTime, nullable=False),
    Column("coder_codes", JSONDocument, nullable=False),
    Column("status", String(16), nullable=False),
    Column("auditor", String(200), nullable=True),
    Column("audited_at", UTCDateTime, nullable=True),
    Column("auditor_codes", JSONDocument, nullable=True),
    UniqueConstraint("encounter_id", "revision"),
    CheckConstraint("status IN ('pending', 'completed')", name="status"),
)
Index("ix_coding_audits_tenant_status_selected", coding_audits.c.tenant_id, coding_audits.c.status,
      coding_audits.c.selected_at)
Index("ix_coding_audits_tenant_released", coding_audits.c.tenant_id, coding_audits.c.released_at)

#: Each practice's procedure catalog (their own descriptions: never CPT text from the AMA).
procedure_catalog = Table(
    "procedure_catalog",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("procedure_code", String(5), primary_key=True),
    Column("modifier", String(2), primary_key=True),  # "" when the row is for the code without modifier
    Column("description", Text, nullable=False),
    Column("default_charge", Money, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", String(200), nullable=False),
)
