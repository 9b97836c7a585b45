"""SQLModel tables. Times are stored as naive UTC; dates are local calendar dates."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.clock import utcnow


class Account(SQLModel, table=True):
    """One customer onboarding."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=200)
    owner_user_id: str | None = Field(default=None, max_length=32)
    golive: date | None = None
    stage: str = Field(default="scoping", max_length=32)
    tier: str | None = Field(default=None, max_length=32)
    email_domains: str = Field(default="", max_length=500)
    third_party_domains: str = Field(default="", max_length=500)
    emails_external: bool = False
    customer_answers: bool = False
    channel_nudges: bool = False
    llm_allowed: bool = False
    stall_days: int | None = None
    snooze_days: int | None = None
    escalate_days: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ChannelLink(SQLModel, table=True):
    """A Slack channel bound to one account."""

    __tablename__ = "channel_links"

    id: int | None = Field(default=None, primary_key=True)
    channel_id: str = Field(index=True, unique=True, max_length=32)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    channel_name: str | None = Field(default=None, max_length=200)
    is_external: bool = False
    linked_by: str | None = Field(default=None, max_length=32)
    linked_at: datetime = Field(default_factory=utcnow)


class Source(SQLModel, table=True):
    """One piece of account content: a Slack message, an email, a transcript."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("account_id", "external_id", name="uq_source_external"),
                      Index("ix_sources_account_ts", "account_id", "ts"))

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    external_id: str = Field(max_length=300)
    kind: str = Field(max_length=16)
    author: str = Field(max_length=200)
    author_user_id: str | None = Field(default=None, max_length=32)
    author_email: str | None = Field(default=None, max_length=320)
    side: str = Field(default="vendor", max_length=16)
    channel_id: str | None = Field(default=None, max_length=200)
    thread_external_id: str | None = Field(default=None, max_length=300, index=True)
    subject: str | None = Field(default=None, max_length=500)
    visibility: str = Field(default="external", max_length=16)
    tz: str | None = Field(default=None, max_length=64)
    ts: datetime
    text: str = Field(sa_column=Column(Text, nullable=False))
    permalink: str | None = Field(default=None, max_length=500)
    forwarded_by: str | None = Field(default=None, max_length=200)
    deleted: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Item(SQLModel, table=True):
    """A blocker, a next step or a decision, with its current state."""

    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", index=True)
    kind: str = Field(max_length=16)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16, index=True)
    owner: str | None = Field(default=None, max_length=200)
    owner_user_id: str | None = Field(default=None, max_length=32)
    waiting_on: str | None = Field(default=None, max_length=16)
    waiting_since: datetime | None = None
    due: date | None = None
    category: str | None = Field(default=None, max_length=32)
    visibility: str = Field(default="external", max_length=16)
    confidence: float = 0.5
    snoozed_until: date | None = None
    superseded_by_id: int | None = Field(default=None, foreign_key="items.id")
    first_seen: datetime = Field(default_factory=utcnow)
    last_activity: datetime = Field(default_factory=utcnow)


class ItemEvidence(SQLModel, table=True):
    """A source that supports (raised, restated) or closed an item, with the quoted span."""

    __tablename__ = "item_evidence"
    __table_args__ = (UniqueConstraint("item_id", "source_id", "role", name="uq_evidence"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    source_id: int = Field(foreign_key="sources.id", index=True)
    role: str = Field(default="raised", max_length=16)
    span: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


class ItemEvent(SQLModel, table=True):
    """One change of an item: who or which source changed what, when."""

    __tablename__ = "item_events"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=300)
    change: str = Field(max_length=32)
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))


class Nudge(SQLModel, table=True):
    """A nudge about a stalled item, claimed once per item and local day."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("item_id", "local_date", "kind", name="uq_nudge_day"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    user_id: str = Field(max_length=32)
    local_date: date
    kind: str = Field(default="nudge", max_length=16)
    status: str = Field(default="claimed", max_length=16)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32, index=True)
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class DigestSent(SQLModel, table=True):
    """A daily digest, claimed once per user and local date before it is sent."""

    __tablename__ = "digests_sent"
    __table_args__ = (UniqueConstraint("user_id", "local_date", name="uq_digest_day"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: str = Field(max_length=32)
    local_date: date
    claim_id: str = Field(max_length=64)
    status: str = Field(default="claimed", max_length=16)
    channel_id: str | None = Field(default=None, max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    claimed_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = None


class ProcessedEvent(SQLModel, table=True):
    """A Slack event id already taken in, so that a redelivery changes nothing."""

    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(default="", max_length=64)
    received_at: datetime = Field(default_factory=utcnow)


class SlackUser(SQLModel, table=True):
    """A cached `users.info` answer: name, time zone and side."""

    __tablename__ = "slack_users"

    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str | None = Field(default=None, max_length=32)
    name: str = Field(default="", max_length=200)
    tz: str | None = Field(default=None, max_length=64)
    email: str | None = Field(default=None, max_length=320)
    is_external: bool = False
    is_bot: bool = False
    fetched_at: datetime = Field(default_factory=utcnow)


class UserPreference(SQLModel, table=True):
    """An IM's own settings: digest time and days, nudge thresholds."""

    __tablename__ = "user_preferences"

    user_id: str = Field(primary_key=True, max_length=32)
    digest_time: time = Field(default=time(8, 30))
    digest_weekdays: str = Field(default="0,1,2,3,4", max_length=20)
    stall_days: int = 3
    snooze_days: int = 2
    escalate_days: int = 7
    updated_at: datetime = Field(default_factory=utcnow)


class WorkItem(SQLModel, table=True):
    """Durable work queued in the same transaction as the event that caused it."""

    __tablename__ = "work_queue"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    status: str = Field(default="queued", max_length=16, index=True)
    attempts: int = 0
    run_after: datetime = Field(default_factory=utcnow, index=True)
    locked_by: str | None = Field(default=None, max_length=100)
    locked_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None


class Correction(SQLModel, table=True):
    """A "Not right" correction of an item by a person: applied at once and kept as a labelled example."""

    __tablename__ = "corrections"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    user_id: str = Field(max_length=32)
    kind_before: str = Field(max_length=16)
    kind_after: str | None = Field(default=None, max_length=16)
    owner_before: str | None = Field(default=None, max_length=200)
    owner_after: str | None = Field(default=None, max_length=200)
    not_an_item: bool = False
    source_external_id: str | None = Field(default=None, max_length=300)
    span: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, index=True)


class InboundEmail(SQLModel, table=True):
    """A received email, kept raw, once per Message-ID: routed to an account, or waiting in triage."""

    __tablename__ = "inbound_emails"

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(index=True, unique=True, max_length=500)
    received_via: str = Field(max_length=16)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default="triage", max_length=16, index=True)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", index=True)
    route_reason: str | None = Field(default=None, max_length=200)
    subject: str | None = Field(default=None, max_length=500)
    sender: str | None = Field(default=None, max_length=320)
    source_external_id: str | None = Field(default=None, max_length=300)
    routed_by: str | None = Field(default=None, max_length=32)
    triage_notified_at: datetime | None = None
    received_at: datetime = Field(default_factory=utcnow)
    routed_at: datetime | None = None


class DeadLetter(SQLModel, table=True):
    """Input that was accepted but could not be processed, kept whole with the reason."""

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(max_length=32, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    received_at: datetime = Field(default_factory=utcnow)


class SyncCursor(SQLModel, table=True):
    """Where a resumable sync stands (a Gmail history id, a channel backfill's cursor), by name."""

    __tablename__ = "sync_cursors"

    name: str = Field(primary_key=True, max_length=200)
    value: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    updated_at: datetime = Field(default_factory=utcnow)


class StagedRecord(SQLModel, table=True):
    """A source record held back until nothing older can still arrive, so a batch is ingested oldest first.

    A channel backfill reads Slack's history newest first; ingesting it in that order would meet a
    resolution before the blocker it resolves.
    """

    __tablename__ = "staged_records"
    __table_args__ = (UniqueConstraint("batch", "external_id", name="uq_staged_record"),)

    id: int | None = Field(default=None, primary_key=True)
    batch: str = Field(max_length=200, index=True)
    external_id: str = Field(max_length=300)
    ts: datetime
    author_user_id: str | None = Field(default=None, max_length=32)
    payload: str = Field(sa_column=Column(Text, nullable=False))
