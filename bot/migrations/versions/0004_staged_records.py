"""staged records (a backfill ingested oldest first) and an index of sources by account and time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staged_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("external_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("ts", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("author_user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("batch", "external_id", name="uq_staged_record"),
    )
    with op.batch_alter_table("staged_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staged_records_batch"), ["batch"], unique=False)
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.create_index("ix_sources_account_ts", ["account_id", "ts"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index("ix_sources_account_ts")
    with op.batch_alter_table("staged_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staged_records_batch"))
    op.drop_table("staged_records")
