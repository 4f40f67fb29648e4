"""Tables of patient-billing-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint, Uuid,
)

from openrcm_shared.db import JSONDocument, Money, UTCDateTime
from openrcm_shared.db.tables import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

guarantor_accounts = Table(
    "guarantor_accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("patient_id", String(64), nullable=False),
    Column("guarantor", JSONDocument, nullable=False),
    Column("guarantor_is_patient", Boolean, nullable=False),
    Column("guarantor_as_of", UTCDateTime, nullable=True),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "patient_id"),
)

visits = Table(
    "visits",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("encounter_id", Uuid, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("service_date_from", Date, nullable=True),
    Column("service_date_to", Date, nullable=True),
    Column("coverage_sequences", JSONDocument, nullable=False),
    Column("total_charge", Money, nullable=False),
    Column("status", String(24), nullable=False),
    Column("adjudicated_on", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "encounter_id"),
)

# Append-only: rows are inserted, never updated or deleted; a correction is a reversing row.
ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("visit_id", Uuid, ForeignKey("visits.id"), nullable=True),
    Column("encounter_id", Uuid, nullable=True),
    Column("entry_type", String(40), nullable=False),
    Column("amount", Money, nullable=False),
    Column("entry_date", Date, nullable=False),
    # The second guard against double posting, after the inbox: one entry per thing posted.
    Column("posting_key", String(120), nullable=False),
    Column("source_event_id", Uuid, nullable=False),
    Column("deductible", Money, nullable=True),
    Column("coinsurance", Money, nullable=True),
    Column("copay", Money, nullable=True),
    Column("other_patient_responsibility", Money, nullable=True),
    Column("payer_id", String(80), nullable=True),
    Column("claim_id", Uuid, nullable=True),
    Column("remit_claim_id", Uuid, nullable=True),
    Column("reverses_entry_id", Uuid, ForeignKey("ledger_entries.id"), nullable=True),
    Column("posted_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "posting_key"),
)
