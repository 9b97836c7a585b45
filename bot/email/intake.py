"""Taking in raw mail: kept raw once per Message-ID, then routed to an account and ingested, or triaged.

Whatever is accepted is never lost: unreadable mail goes to the dead letters with the reason, mail with no
account waits in triage (and the owning IM or the leads are asked), and everything commits in one transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from bot.clock import Clock, SystemClock
from bot.email.message import EmailParseError, ParsedEmail
from bot.email.parse import parse_email
from bot.email.record import email_record, stable_message_id
from bot.email.routing import domains_of, learnable_domain, route_email
from bot.errors import UserFacingError
from bot.ingest import IngestService
from bot.items import Extraction
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, DeadLetter, InboundEmail
from bot.store.queue import enqueue

log = logging.getLogger(__name__)

TRIAGE_NOTIFY = "email.triage"

IntakeOutcome = Literal["routed", "triage", "duplicate", "dead_letter"]


@dataclass(frozen=True)
class IntakeResult:
    """What taking in one mail did."""

    outcome: IntakeOutcome
    message_id: str | None = None
    account: str | None = None
    reason: str | None = None
    source_external_id: str | None = None


class EmailIntake:
    """The one way raw mail enters the store (webhook, Gmail, CLI, Slack email posts)."""

    def __init__(self, engine: Engine, ingest: IngestService, *, vendor_domains: frozenset[str] = frozenset(),
                 clock: Clock | None = None) -> None:
        self.engine = engine
        self.ingest = ingest
        self.vendor_domains = vendor_domains
        self.clock = clock or SystemClock()

    def accept(self, raw: bytes, *, via: str, account_key: str | None = None,
               forwarded_by: str | None = None) -> IntakeResult:
        """Keep, route and ingest one mail; `account_key` forces the account (a Slack email post)."""
        try:
            mail = parse_email(raw)
        except EmailParseError as exc:
            return self._dead_letter(raw, via=via, reason=f"unreadable mail: {exc}")
        message_id = stable_message_id(mail, raw)
        received_at = self.clock.now()
        try:
            ahead = self._extract_ahead(mail, message_id=message_id, account_key=account_key,
                                        forwarded_by=forwarded_by, received_at=received_at)
            with session_scope(self.engine) as session:
                return self._accept_in(session, raw, mail, message_id=message_id, via=via, account_key=account_key,
                                       forwarded_by=forwarded_by, received_at=received_at, ahead=ahead)
        except IntegrityError:
            return IntakeResult("duplicate", message_id)
        except OperationalError:
            raise
        except Exception as exc:  # noqa: BLE001 - accepted mail is kept whatever went wrong
            log.exception("mail %s could not be taken in", message_id)
            return self._dead_letter(raw, via=via, reason=f"{type(exc).__name__}: {exc}")

    def _extract_ahead(self, mail: ParsedEmail, *, message_id: str, account_key: str | None,
                       forwarded_by: str | None, received_at: datetime) -> Extraction | None:
        """Route the mail and extract its items in read-only transactions, before the one that files it: that
        one then holds the write lock for the merge only (an LLM extraction takes seconds). None when no
        account extracts ahead, or the mail is a duplicate or has no account yet."""
        if not self.ingest.extracts_ahead:
            return None
        with session_scope(self.engine, write=False) as session:
            if session.exec(select(InboundEmail.id).where(InboundEmail.message_id == message_id)).first():
                return None  # a duplicate: nothing to file
            if account_key:
                account = repos.get_account(session, key=repos.normalise_account_key(account_key))
            else:
                account = route_email(mail, list(repos.list_accounts(session)), vendor_domains=self.vendor_domains).account
        if account is None:
            return None
        record = email_record(mail, message_id=message_id, account=account, vendor_domains=self.vendor_domains,
                              received_at=received_at, forwarded_by=forwarded_by)
        return self.ingest.extract_ahead(record, account_key=account.key)

    def _accept_in(self, session: Session, raw: bytes, mail: ParsedEmail, *, message_id: str, via: str,
                   account_key: str | None, forwarded_by: str | None, received_at: datetime,
                   ahead: Extraction | None) -> IntakeResult:
        if session.exec(select(InboundEmail.id).where(InboundEmail.message_id == message_id)).first():
            return IntakeResult("duplicate", message_id)
        accounts = list(repos.list_accounts(session))
        if account_key:
            account, reason = repos.get_or_create_account(session, key=repos.normalise_account_key(account_key)), "account given"
        else:
            route = route_email(mail, accounts, vendor_domains=self.vendor_domains)
            account, reason = route.account, route.reason
        inbound = InboundEmail(
            message_id=message_id, received_via=via[:16], raw=raw, status="triage", route_reason=reason[:200],
            subject=(mail.subject or "")[:500] or None, sender=mail.sender.email[:320] if mail.sender else None,
            received_at=received_at,
        )
        session.add(inbound)
        session.flush()
        if account is None:
            enqueue(session, kind=TRIAGE_NOTIFY, payload={"inbound_id": inbound.id})
            return IntakeResult("triage", message_id, reason=reason)
        return self._file(session, inbound, mail, account, reason=reason, forwarded_by=forwarded_by, ahead=ahead)

    def _file(self, session: Session, inbound: InboundEmail, mail: ParsedEmail, account: Account, *,
              reason: str, forwarded_by: str | None = None, routed_by: str | None = None,
              ahead: Extraction | None = None) -> IntakeResult:
        record = email_record(mail, message_id=inbound.message_id, account=account,
                              vendor_domains=self.vendor_domains, received_at=inbound.received_at,
                              forwarded_by=forwarded_by)
        self.ingest.ingest_in(session, record, account_key=account.key, ahead=ahead)
        inbound.status, inbound.account_id, inbound.route_reason = "routed", account.id, reason[:200]
        inbound.source_external_id, inbound.routed_by, inbound.routed_at = record.id, routed_by, self.clock.now()
        session.add(inbound)
        return IntakeResult("routed", inbound.message_id, account.key, reason, record.id)

    def file_from_triage(self, inbound_id: int, *, account_key: str, user_id: str) -> IntakeResult:
        """File a triaged mail under the account a person chose, and learn the sender's domain for next time."""
        with session_scope(self.engine) as session:
            inbound = session.get(InboundEmail, inbound_id)
            if inbound is None or inbound.status != "triage":
                raise UserFacingError("That email was already filed or dismissed.")
            account = repos.require_account(session, key=account_key)
            mail = parse_email(inbound.raw)
            result = self._file(session, inbound, mail, account, reason="chosen in triage", routed_by=user_id)
            self._learn_domain(account, mail)
            session.add(account)
            return result

    def dismiss(self, inbound_id: int, *, user_id: str) -> None:
        """Drop a triaged mail from the list (it stays in the raw store)."""
        with session_scope(self.engine) as session:
            inbound = session.get(InboundEmail, inbound_id)
            if inbound is None or inbound.status != "triage":
                raise UserFacingError("That email was already filed or dismissed.")
            inbound.status, inbound.routed_by, inbound.routed_at = "dismissed", user_id, self.clock.now()
            session.add(inbound)

    def _learn_domain(self, account: Account, mail: ParsedEmail) -> None:
        sender = mail.forwarded.sender if mail.forwarded and mail.forwarded.sender else mail.sender
        domain = learnable_domain(sender, vendor_domains=self.vendor_domains)
        known = domains_of(account.email_domains) | domains_of(account.third_party_domains)
        if domain and domain not in known:
            account.email_domains = ",".join([*sorted(domains_of(account.email_domains)), domain])[:500]

    def _dead_letter(self, raw: bytes, *, via: str, reason: str) -> IntakeResult:
        with session_scope(self.engine) as session:
            session.add(DeadLetter(origin=f"email.{via}"[:32], reason=reason[:2000], payload=raw,
                                   received_at=self.clock.now()))
        log.warning("mail kept as a dead letter: %s", reason)
        return IntakeResult("dead_letter", reason=reason)
