"""Email triage in Slack: a DM asking which account an unrouted mail belongs to, and the choice."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.clock import utcnow
from bot.email.intake import EmailIntake
from bot.errors import UserFacingError
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, InboundEmail, ProcessedEvent, SlackUser
from handlers import blocks, ids
from handlers.context import SlackServices
from handlers.permissions import may_act

log = logging.getLogger(__name__)

MAX_OPTIONS = 100


def triage_blocks(mail: InboundEmail, accounts: Sequence[Account]) -> list[blocks.Block]:
    """The question: subject, sender and why it wasn't routed; a select of accounts and a dismiss button."""
    subject = blocks.escape(mail.subject or "(no subject)")
    sender = blocks.escape(mail.sender or "an unknown sender")
    options = [{"text": {"type": "plain_text", "text": f"{a.name[:60]} ({a.key})"[:75]},
                "value": ids.triage_value(mail.id or 0, a.key)} for a in accounts[:MAX_OPTIONS]]
    elements: list[blocks.Block] = []
    if options:
        elements.append({"type": "static_select", "action_id": ids.TRIAGE_FILE, "options": options,
                         "placeholder": {"type": "plain_text", "text": "File under…"}})
    elements.append({"type": "button", "text": {"type": "plain_text", "text": "Not an account email"},
                     "action_id": ids.TRIAGE_DISMISS, "value": ids.triage_value(mail.id or 0)})
    return [
        blocks.section(f"An email needs an account: *{subject}* from {sender}.\n"
                       f"I couldn't file it ({blocks.escape(mail.route_reason or 'no match')})."),
        {"type": "actions", "block_id": f"triage_{mail.id}", "elements": elements},
    ]


def waiting_mail_blocks(engine: Engine, limit: int = 10) -> list[blocks.Block]:
    """`/tandem triage`: the oldest mails waiting for an account, each with its select."""
    with session_scope(engine) as session:
        waiting = list(session.exec(select(InboundEmail).where(InboundEmail.status == "triage")
                                    .order_by(col(InboundEmail.id))).all())
        accounts = list(repos.list_accounts(session))
        if not waiting:
            return [blocks.section("No email is waiting for an account.")]
        shown = [block for mail in waiting[:limit] for block in triage_blocks(mail, accounts)]
    more = [blocks.context(f"…and {len(waiting) - limit} more.")] if len(waiting) > limit else []
    return blocks.capped([*shown, *more])


class TriageNotifier:
    """Queued work: DM the forwarder when they are one of us, else the leads, once per mail."""

    def __init__(self, services: SlackServices, admins: Sequence[str]) -> None:
        self.services = services
        self.admins = tuple(admins)

    def _load(self, inbound_id: int) -> tuple[InboundEmail | None, list[Account]]:
        with session_scope(self.services.engine) as session:
            mail = session.get(InboundEmail, inbound_id)
            if mail is None or mail.status != "triage" or mail.triage_notified_at is not None:
                return None, []
            accounts = list(repos.list_accounts(session))
            for row in (mail, *accounts):
                session.expunge(row)
            return mail, accounts

    async def _recipients(self, sender: str | None) -> list[str]:
        """The forwarder when they are an internal member of the workspace, else the leads."""
        user_id = await self.services.gateway.user_id_by_email(sender) if sender else None
        if user_id is not None and not (await self.services.people.get(user_id)).is_external:
            return [user_id]
        return list(self.admins)

    def _mark_notified(self, inbound_id: int) -> None:
        with session_scope(self.services.engine) as session:
            mail = session.get(InboundEmail, inbound_id)
            if mail is not None:
                mail.triage_notified_at = utcnow()
                session.add(mail)

    async def __call__(self, payload: dict[str, Any]) -> None:
        """Ask once per person; a retry after a partial failure asks only those not yet asked."""
        mail, accounts = await asyncio.to_thread(self._load, int(payload["inbound_id"]))
        if mail is None:
            return
        recipients = await self._recipients(mail.sender)
        if not recipients:
            log.warning("mail %s waits in triage and there is no one to ask (set TANDEM_ADMINS)", mail.id)
        for user_id in recipients:
            asked = f"triage:{mail.id}:{user_id}"
            if await asyncio.to_thread(self._was_asked, asked):
                continue
            channel = await self.services.gateway.open_dm(user_id)
            await self.services.gateway.post(channel=channel, text="An email needs an account",
                                             blocks=triage_blocks(mail, accounts))
            await asyncio.to_thread(self._remember_asked, asked)
        await asyncio.to_thread(self._mark_notified, mail.id or 0)

    def _was_asked(self, key: str) -> bool:
        with session_scope(self.services.engine) as session:
            return session.get(ProcessedEvent, key) is not None

    def _remember_asked(self, key: str) -> None:
        with session_scope(self.services.engine) as session:
            repos.remember_event(session, event_id=key, kind="email.triage")


def register(app: AsyncApp, services: SlackServices, intake: EmailIntake) -> None:
    """Wire the triage select and dismiss button."""

    async def file(body: dict[str, Any], user: SlackUser) -> str:
        inbound_id, key = ids.parse_triage_value(body["actions"][0]["selected_option"]["value"])
        account = await asyncio.to_thread(_account, services, key)
        if account is None or not await may_act(services, user, account):
            raise UserFacingError("You can't file mail under that account.")
        await asyncio.to_thread(intake.file_from_triage, inbound_id, account_key=key, user_id=user.user_id)
        services.wake_worker()
        log.info("triaged mail %s to %s", inbound_id, key)
        return (f"Filed under *{blocks.escape(account.name)}* by <@{user.user_id}>; "
                "mail from that sender's domain will go there from now on.")

    async def dismiss(body: dict[str, Any], user: SlackUser) -> str:
        inbound_id, _ = ids.parse_triage_value(body["actions"][0]["value"])
        if user.is_external:
            raise UserFacingError("Only your own team can dismiss mail.")
        await asyncio.to_thread(intake.dismiss, inbound_id, user_id=user.user_id)
        return f"Dismissed by <@{user.user_id}>; the email is kept but not filed."

    def answering(choose: Callable[[dict[str, Any], SlackUser], Awaitable[str]],
                  stale: str) -> Callable[[dict[str, Any], Callable[..., Awaitable[Any]]], Awaitable[None]]:
        """A lazy listener: the outcome replaces the question; a refusal or a stale choice is told ephemerally."""

        async def run(body: dict[str, Any], respond: Callable[..., Awaitable[Any]]) -> None:
            user = await services.people.get(body["user"]["id"])
            try:
                said = await choose(body, user)
            except (KeyError, ValueError):
                await respond(response_type="ephemeral", replace_original=False, text=stale)
                return
            except UserFacingError as exc:
                await respond(response_type="ephemeral", replace_original=False, text=str(exc))
                return
            await respond(replace_original=True, text=said, blocks=[blocks.section(said)])

        return run

    async def ack_only(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    app.action(ids.TRIAGE_FILE)(ack=ack_only, lazy=[answering(file, "That choice is out of date.")])
    app.action(ids.TRIAGE_DISMISS)(ack=ack_only, lazy=[answering(dismiss, "That button is out of date.")])


def _account(services: SlackServices, key: str) -> Account | None:
    with session_scope(services.engine, write=False) as session:
        account = repos.get_account(session, key=key)
        if account is not None:
            session.expunge(account)
        return account
