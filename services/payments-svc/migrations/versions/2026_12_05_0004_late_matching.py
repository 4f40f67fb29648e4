"""late matching: unclean claims kept per remittance, unmatched claims found by patient control number

A remittance claim staged unmatched (the 835 came before its ClaimSubmitted) is matched when the
expected claim is recorded: found by the new partial index; a pending remittance then auto-posts once
its count of unclean claims reaches 0. The count of existing remittances is rebuilt from their claims
(unreadable claims left no row, but such a payment has problems and never auto-posts anyway).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 08:30:00.000000
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# A claim is clean when it posts (or is a predetermination) without a warning note.
_HAS_WARNING = {
    "postgresql": "c.notes @> '[{\"severity\": \"warning\"}]'::jsonb",
    "sqlite": "EXISTS (SELECT 1 FROM json_each(c.notes) AS n WHERE json_extract(n.value, '$.severity') = 'warning')",
}


def upgrade() -> None:
    with op.batch_alter_table('remittances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unclean_claims', sa.Integer(), server_default=sa.text('0'), nullable=False))

    with op.batch_alter_table('remit_claims', schema=None) as batch_op:
        batch_op.create_index('ix_remit_claims_tenant_unmatched_pcn', ['tenant_id', 'patient_control_number'],
                              unique=False, postgresql_where=sa.text("status = 'unmatched'"),
                              sqlite_where=sa.text("status = 'unmatched'"))

    has_warning = _HAS_WARNING[op.get_bind().dialect.name]
    op.execute(
        "UPDATE remittances SET unclean_claims = ("
        " SELECT count(*) FROM remit_claims AS c WHERE c.remittance_id = remittances.id"
        f" AND (c.status NOT IN ('posted', 'predetermination') OR {has_warning}))"
    )


def downgrade() -> None:
    with op.batch_alter_table('remit_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_remit_claims_tenant_unmatched_pcn', postgresql_where=sa.text("status = 'unmatched'"),
                            sqlite_where=sa.text("status = 'unmatched'"))

    with op.batch_alter_table('remittances', schema=None) as batch_op:
        batch_op.drop_column('unclean_claims')
