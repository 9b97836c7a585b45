"""Data access: keyword-only functions over a session. They never commit; use cases do."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.clock import utcnow
from bot.errors import UserFacingError
from bot.store.driver_sql import bound_time, marks
from bot.store.models import (
    Account,
    ChannelLink,
    Item,
    ItemEvidence,
    ProcessedEvent,
    SlackUser,
    Source,
)

ACCOUNT_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def normalise_account_key(raw: str) -> str:
    """A lower-case slug for an account name, or a user-facing error when it cannot be one."""
    key = re.sub(r"[^a-z0-9_-]+", "-", raw.strip().lower()).strip("-")
    if not ACCOUNT_KEY.match(key):
        raise UserFacingError(f"`{raw}` is not a usable account name: use letters, digits and dashes.")
    return key


def get_account(session: Session, *, key: str) -> Account | None:
    """The account with this key, if any."""
    return session.exec(select(Account).where(Account.key == key)).first()


def require_account(session: Session, *, key: str) -> Account:
    """The account with this key, or a user-facing error naming it."""
    account = get_account(session, key=key)
    if account is None:
        raise UserFacingError(f"I don't know an account called `{key}`. Try `/tandem accounts`.")
    return account


def get_or_create_account(session: Session, *, key: str, owner_user_id: str | None = None) -> Account:
    """The account with this key, created (named after the key) when new."""
    account = get_account(session, key=key)
    if account is None:
        try:
            with session.begin_nested():
                account = Account(key=key, name=key.replace("-", " ").title(), owner_user_id=owner_user_id)
                session.add(account)
                session.flush()
            return account
        except IntegrityError:  # created meanwhile by a concurrent request
            account = get_account(session, key=key)
            assert account is not None
    if account.owner_user_id is None and owner_user_id:
        account.owner_user_id = owner_user_id
    return account


def list_accounts(session: Session) -> Sequence[Account]:
    """Every account, by key."""
    return session.exec(select(Account).order_by(Account.key)).all()


def accounts_visible_to(session: Session, *, user_id: str, is_lead: bool) -> Sequence[Account]:
    """The accounts an IM owns, or every account for a lead."""
    query = select(Account).order_by(Account.key)
    if not is_lead:
        query = query.where(Account.owner_user_id == user_id)
    return session.exec(query).all()


def get_link(session: Session, *, channel_id: str) -> ChannelLink | None:
    """The link of a channel, if it is bound to an account."""
    return session.exec(select(ChannelLink).where(ChannelLink.channel_id == channel_id)).first()


def links_of(session: Session, *, account_id: int) -> Sequence[ChannelLink]:
    """The channels bound to an account."""
    return session.exec(select(ChannelLink).where(ChannelLink.account_id == account_id)).all()


def link_channel(
    session: Session,
    *,
    channel_id: str,
    account: Account,
    channel_name: str | None,
    is_external: bool,
    linked_by: str | None,
) -> ChannelLink:
    """Bind a channel to an account (re-binding moves it)."""
    link = get_link(session, channel_id=channel_id)
    if link is None:
        link = ChannelLink(channel_id=channel_id, account_id=account.id or 0)
        session.add(link)
    link.account_id = account.id or 0
    link.channel_name = channel_name
    link.is_external = is_external
    link.linked_by = linked_by
    link.linked_at = utcnow()
    session.flush()
    return link


def get_sources(session: Session, *, account_id: int, external_ids: Sequence[str],
                chunk: int = 500) -> dict[str, Source]:
    """The sources of an account among `external_ids`, by external id (one query per `chunk` ids)."""
    found: dict[str, Source] = {}
    for start in range(0, len(external_ids), chunk):
        wanted = external_ids[start:start + chunk]
        found.update((source.external_id, source) for source in session.exec(
            select(Source).where(Source.account_id == account_id, col(Source.external_id).in_(wanted))))
    return found


def get_source(session: Session, *, account_id: int, external_id: str) -> Source | None:
    """A source by its external id within an account."""
    return session.exec(
        select(Source).where(Source.account_id == account_id, Source.external_id == external_id)
    ).first()


def find_source(session: Session, *, external_id: str) -> Source | None:
    """A source by its external id in any account (Slack ids are globally unique)."""
    return session.exec(select(Source).where(Source.external_id == external_id)).first()


def count_sources(session: Session, *, account_id: int) -> int:
    """How many live sources an account has."""
    return session.exec(
        select(func.count()).select_from(Source).where(Source.account_id == account_id, ~col(Source.deleted))
    ).one()


def last_activity(session: Session, *, account_id: int) -> datetime | None:
    """The time of the account's newest live source."""
    return session.exec(
        select(func.max(Source.ts)).where(Source.account_id == account_id, ~col(Source.deleted))
    ).one()


def items_of(
    session: Session, *, account_id: int, kind: str | None = None, statuses: Sequence[str] | None = None
) -> Sequence[Item]:
    """An account's items, filtered by kind and status, oldest first."""
    query = select(Item).where(Item.account_id == account_id)
    if kind:
        query = query.where(Item.kind == kind)
    if statuses:
        query = query.where(col(Item.status).in_(statuses))
    return session.exec(query.order_by(Item.first_seen, Item.id)).all()


def evidence_of(session: Session, *, item_id: int) -> Sequence[tuple[ItemEvidence, Source]]:
    """An item's evidence rows with their sources, oldest first."""
    return session.exec(
        select(ItemEvidence, Source)
        .join(Source, col(Source.id) == ItemEvidence.source_id)
        .where(ItemEvidence.item_id == item_id)
        .order_by(ItemEvidence.id)
    ).all()


def remember_event(session: Session, *, event_id: str, kind: str) -> bool:
    """Record a Slack event id; False when it was seen before (a redelivery)."""
    if session.get(ProcessedEvent, event_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(event_id=event_id, kind=kind))
            session.flush()
    except IntegrityError:
        return False
    return True


def remember_events(connection: Connection, events: Sequence[tuple[str, str]]) -> list[bool]:
    """`remember_event` for the intake's hot path, as driver SQL on the caller's connection
    (bot/store/driver_sql.py): each (event id, kind) inserted unless present; False for one seen before
    (also earlier in `events`)."""
    table = ProcessedEvent.__table__
    dialect = connection.dialect
    statement = (f"INSERT INTO {table.name} (event_id, kind, received_at) VALUES ({marks(dialect, 3)}) "
                 "ON CONFLICT (event_id) DO NOTHING RETURNING event_id")  # a row back only when inserted
    now = bound_time(dialect, table.c.received_at, utcnow())
    return [connection.exec_driver_sql(statement, (event_id, kind, now)).first() is not None
            for event_id, kind in events]


def get_cached_user(session: Session, *, user_id: str) -> SlackUser | None:
    """A cached `users.info` answer."""
    return session.get(SlackUser, user_id)


def cache_user(session: Session, *, user: SlackUser) -> None:
    """Store or refresh a cached user; a concurrent insert of the same user is not an error."""
    try:
        with session.begin_nested():
            session.merge(user)
            session.flush()
    except IntegrityError:
        session.merge(user)
