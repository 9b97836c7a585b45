"""corrections: "Not right" feedback kept as labelled examples

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind_before", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("kind_after", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("owner_before", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("owner_after", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("not_an_item", sa.Boolean(), nullable=False),
        sa.Column("source_external_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("span", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_corrections_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_corrections_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corrections_created_at"))
        batch_op.drop_index(batch_op.f("ix_corrections_item_id"))
    op.drop_table("corrections")
