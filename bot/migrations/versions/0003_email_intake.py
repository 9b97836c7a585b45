"""email intake: raw inbound mail with its routing, dead letters, resumable sync cursors, account mail settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_str = sqlmodel.sql.sqltypes.AutoString
_time = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("third_party_domains", _str(length=500), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("emails_external", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", _str(length=500), nullable=False),
        sa.Column("received_via", _str(length=16), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", _str(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("route_reason", _str(length=200), nullable=True),
        sa.Column("subject", _str(length=500), nullable=True),
        sa.Column("sender", _str(length=320), nullable=True),
        sa.Column("source_external_id", _str(length=300), nullable=True),
        sa.Column("routed_by", _str(length=32), nullable=True),
        sa.Column("triage_notified_at", _time(), nullable=True),
        sa.Column("received_at", _time(), nullable=False),
        sa.Column("routed_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_emails_message_id"), ["message_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_inbound_emails_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_emails_account_id"), ["account_id"], unique=False)
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("origin", _str(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dead_letters_origin"), ["origin"], unique=False)
    op.create_table(
        "sync_cursors",
        sa.Column("name", _str(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_origin"))
    op.drop_table("dead_letters")
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_emails_account_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_status"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_message_id"))
    op.drop_table("inbound_emails")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("emails_external")
        batch_op.drop_column("third_party_domains")
