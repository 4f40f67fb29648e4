"""Tables of patient-billing-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import (
    Boolean, Column, Date, ForeignKey, Index, Integer, MetaData, String, Table, UniqueConstraint, Uuid,
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
    # A cache of figures derived from the ledger and visits, rewritten with every change to them,
    # so that accounts can be listed and filtered by balance, status and aging in SQL.
    Column("balance", Money, nullable=False, server_default="0"),
    Column("insurance_pending", Money, nullable=False, server_default="0"),
    Column("oldest_open_on", Date, nullable=True),
    # Collection state.
    Column("dunning_step", String(20), nullable=False, server_default="none"),
    Column("dunning_since", Date, nullable=True),
    Column("disputed", Boolean, nullable=False, server_default="0"),
    Column("disputed_on", Date, nullable=True),
    Column("active_plan_id", Uuid, nullable=True),
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
    # Posting order within the account; unique, so two writers that raced on one account cannot both post.
    Column("seq", Integer, nullable=False, server_default="0"),
    Column("method", String(16), nullable=True),
    Column("reference", String(80), nullable=True),
    Column("reason", String(40), nullable=True),
    UniqueConstraint("tenant_id", "posting_key"),
    Index("uq_ledger_entries_account_id_seq", "account_id", "seq", unique=True),
)

# Each payer answer (RemitReceived) on a visit: what the statement shows insurance paid and adjusted.
payer_answers = Table(
    "payer_answers",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("remit_claim_id", Uuid, nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False),
    Column("visit_id", Uuid, ForeignKey("visits.id"), nullable=False, index=True),
    Column("payer_id", String(80), nullable=False),
    Column("payer_name", String(200), nullable=False),
    Column("coverage_sequence", String(12), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("total_charge", Money, nullable=False),
    Column("total_paid", Money, nullable=False),
    Column("patient_share", Money, nullable=False),
    Column("adjudicated_on", Date, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    UniqueConstraint("tenant_id", "remit_claim_id"),
)

# Issued statements and dunning notices: the content is frozen as issued (JSON); the PDF is rendered from it.
statements = Table(
    "statements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("statement_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("amount_due", Money, nullable=False),
    Column("pay_now", Money, nullable=False),
    Column("trigger", String(20), nullable=False),
    Column("content", JSONDocument, nullable=False),
    Column("issued_at", UTCDateTime, nullable=False),
    Column("issued_by", String(200), nullable=False),
    # Re-running a statement cycle (or the dunning job) for the same day issues nothing twice.
    UniqueConstraint("tenant_id", "account_id", "statement_date", "kind"),
    Index("ix_statements_tenant_id_statement_date", "tenant_id", "statement_date"),
)

# Every dunning step an account went through (statement, reminder, final notice, collections, cleared).
dunning_steps = Table(
    "dunning_steps",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("step", String(20), nullable=False),
    Column("on_date", Date, nullable=False),
    Column("patient_due", Money, nullable=False),
    Column("statement_id", Uuid, ForeignKey("statements.id"), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "step", "on_date"),
)

payment_plans = Table(
    "payment_plans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("total", Money, nullable=False),
    Column("installment_amount", Money, nullable=False),
    Column("frequency", String(12), nullable=False),
    Column("first_due_on", Date, nullable=False),
    Column("created_on", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("missed_installments", Integer, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
# One active plan per account.
Index(
    "uq_payment_plans_active_account", payment_plans.c.account_id, unique=True,
    postgresql_where=payment_plans.c.status == "active", sqlite_where=payment_plans.c.status == "active",
)

refund_items = Table(
    "refund_items",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("account_id", Uuid, ForeignKey("guarantor_accounts.id"), nullable=False, index=True),
    Column("amount", Money, nullable=False),
    Column("status", String(12), nullable=False),
    Column("created_on", Date, nullable=False),
    Column("resolved_on", Date, nullable=True),
    Column("refund_entry_id", Uuid, ForeignKey("ledger_entries.id"), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
# One open refund item per account.
Index(
    "uq_refund_items_open_account", refund_items.c.account_id, unique=True,
    postgresql_where=refund_items.c.status == "open", sqlite_where=refund_items.c.status == "open",
)

# A tenant's BillingPolicy as JSON; a tenant without a row has the defaults.
tenant_policies = Table(
    "tenant_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("policy", JSONDocument, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
)
