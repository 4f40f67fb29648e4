"""Tables of coding-svc. Every row carries tenant_id; every query filters on it."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint, Uuid

from openrcm_shared.db import JSONDocument, UTCDateTime
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
    UniqueConstraint("tenant_id", "source_system", "external_encounter_id"),
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
