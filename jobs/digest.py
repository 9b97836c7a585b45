"""The daily digest job: each IM's digest at their local morning, claimed once per (IM, local date)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.claims import claim_digest, mark_digest_failed, mark_digest_sent, retryable_digests
from bot.clock import Clock
from bot.digest import Digest, build_digest, last_digest_time
from bot.localtime import local_now
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, DigestSent, UserPreference
from handlers.ids import DIGEST_EVENT_TYPE
from handlers.job_blocks import digest_blocks, digest_text
from handlers.people import People
from handlers.slack_api import SlackGateway

log = logging.getLogger(__name__)

DEFAULT_STALL_DAYS = 3
HISTORY_WINDOW = timedelta(days=2)
#: a digest needs only the IM's time zone, which rarely changes: a week-old `users.info` will do, so a
#: morning pass does not call it once per IM (Tier 4, about 100 a minute); their own commands refresh it
ZONE_KEPT_FOR = timedelta(days=7)


def digest_recipients(engine: Engine, admins: Sequence[str]) -> list[str]:
    """Every IM who owns an account, and the leads."""
    with session_scope(engine, write=False) as session:
        owners = session.exec(select(Account.owner_user_id).where(col(Account.owner_user_id).is_not(None))).all()
    return sorted(set(owners) | set(admins))


class DigestJob:
    """One pass: send every digest that is due and not yet claimed, and retry failed ones."""

    def __init__(self, *, engine: Engine, gateway: SlackGateway, people: People, clock: Clock,
                 is_lead: Callable[[str], bool], admins: Sequence[str]) -> None:
        self.engine = engine
        self.gateway = gateway
        self.people = people
        self.clock = clock
        self.is_lead = is_lead
        self.admins = tuple(admins)

    def _preference(self, user_id: str) -> UserPreference:
        with session_scope(self.engine, write=False) as session:
            return session.get(UserPreference, user_id) or UserPreference(user_id=user_id)

    def _known_dm(self, user_id: str) -> str | None:
        """The DM channel an earlier digest went to: it stays the same, so no `conversations.open` (Tier 3)."""
        with session_scope(self.engine, write=False) as session:
            return session.exec(select(DigestSent.channel_id).where(
                DigestSent.user_id == user_id, col(DigestSent.channel_id).is_not(None))
                .order_by(col(DigestSent.local_date).desc()).limit(1)).first()

    async def _dm(self, user_id: str) -> str:
        return await asyncio.to_thread(self._known_dm, user_id) or await self.gateway.open_dm(user_id)

    async def run_once(self, now: datetime | None = None) -> list[str]:
        """Send what is due at `now` (default: the clock); returns the users a digest went to."""
        moment = now or self.clock.now()
        sent: list[str] = []
        for row in await asyncio.to_thread(retryable_digests, self.engine, now=moment):
            if await self._deliver(row, moment, check_history=True):
                sent.append(row.user_id)
        for user_id in await asyncio.to_thread(digest_recipients, self.engine, self.admins):
            user = await self.people.get(user_id, max_age=ZONE_KEPT_FOR)
            preference = await asyncio.to_thread(self._preference, user_id)
            local = local_now(moment, user.tz)
            weekdays = {int(d) for d in preference.digest_weekdays.split(",") if d.strip().isdigit()}
            if local.weekday() not in weekdays or local.time() < preference.digest_time:
                continue
            claim = await asyncio.to_thread(claim_digest, self.engine, user_id=user_id, local_date=local.date(),
                                            now=moment)
            if claim is not None and await self._deliver(claim, moment, check_history=False):
                sent.append(user_id)
        return sent

    def _build(self, user_id: str, tz: str | None, claim: DigestSent, moment: datetime) -> Digest:
        with session_scope(self.engine, write=False) as session:
            accounts = repos.accounts_visible_to(session, user_id=user_id, is_lead=self.is_lead(user_id))
            since = last_digest_time(session, user_id=user_id) or moment - timedelta(days=1)
            preference = session.get(UserPreference, user_id)
            stall_days = preference.stall_days if preference else DEFAULT_STALL_DAYS
            return build_digest(session, user_id=user_id, accounts=accounts, today=claim.local_date, since=since,
                                stall_days=stall_days, tz=tz)

    async def _deliver(self, claim: DigestSent, moment: datetime, *, check_history: bool) -> bool:
        """Send a claimed digest; after a restart, first look in the DM for one carrying the claim's id."""
        try:
            channel = await self._dm(claim.user_id)
            if check_history:
                found = await self.gateway.find_by_metadata(
                    channel, event_type=DIGEST_EVENT_TYPE, key="claim_id", value=claim.claim_id,
                    oldest=(moment - HISTORY_WINDOW).timestamp())
                if found:
                    await asyncio.to_thread(mark_digest_sent, self.engine, claim_id=claim.claim_id,
                                            channel_id=channel, ts=found, now=moment)
                    return False
            user = await self.people.get(claim.user_id, max_age=ZONE_KEPT_FOR)
            digest = await asyncio.to_thread(self._build, claim.user_id, user.tz, claim, moment)
            reply = await self.gateway.post(
                channel=channel, text=digest_text(digest), blocks=digest_blocks(digest),
                metadata={"event_type": DIGEST_EVENT_TYPE, "event_payload": {"claim_id": claim.claim_id}})
            await asyncio.to_thread(mark_digest_sent, self.engine, claim_id=claim.claim_id, channel_id=channel,
                                    ts=str(reply.get("ts", "")), now=moment)
            return True
        except Exception:  # noqa: BLE001 - a failed send is kept and retried on the next pass
            log.exception("digest for %s on %s failed; will retry", claim.user_id, claim.local_date)
            await asyncio.to_thread(mark_digest_failed, self.engine, claim_id=claim.claim_id)
            return False
