"""The `/tandem` slash command: parse, ack at once, then run the subcommand and answer ephemerally."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_bolt.async_app import AsyncApp
from sqlmodel import Session

from bot.account_settings import apply_setting
from bot.errors import UserFacingError
from bot.item_queries import list_items
from bot.portfolio import account_status
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, SlackUser
from handlers import blocks
from handlers.answers import Answers
from handlers.backfill import ChannelBackfill, running_line
from handlers.context import SlackServices
from handlers.next_view import NextView
from handlers.permissions import may_act
from handlers.settings_modal import open_settings
from handlers.triage import waiting_mail_blocks

log = logging.getLogger(__name__)

USAGE: dict[str, str] = {
    "help": "`/tandem help` — this list",
    "next": "`/tandem next` — what to move on next across your accounts",
    "ask": "`/tandem ask <question>` — an answer from the account's own history, with sources",
    "link": "`/tandem link <account>` — bind this channel to an account (creates it when new)",
    "accounts": "`/tandem accounts` — the accounts you can see",
    "status": "`/tandem status [account]` — stage, go-live, open blockers and next steps, last activity",
    "blockers": "`/tandem blockers [account]` — open blockers, whom they wait on, with their sources",
    "decisions": "`/tandem decisions [account] [words]` — the decision log, newest first, searchable",
    "set": "`/tandem set <account> golive|owner|stage|name|customer-answers|channel-nudges|llm|domains|"
           "third-party-domains|email-visibility <value>`",
    "settings": "`/tandem settings` — your digest time and days, nudge thresholds, and per account its switches",
    "triage": "`/tandem triage` — emails waiting for someone to pick their account",
}
SETUP_COMMANDS = {"link", "set", "triage"}


@dataclass(frozen=True)
class Scope:
    """The accounts a list command covers, whether only external content may show, and leftover words."""

    accounts: list[Account]
    external_only: bool
    words: list[str]


T = TypeVar("T")


@dataclass(frozen=True)
class CommandCall:
    """A parsed `/tandem` invocation."""

    name: str
    args: list[str]
    user_id: str
    channel_id: str
    team_id: str | None
    trigger_id: str | None = None


Reply = Callable[..., Awaitable[Any]]


def usage_text(prefix: str = "") -> str:
    """The usage of every subcommand, optionally after a first line."""
    lines = [prefix] if prefix else []
    lines.append("*Tandem commands*")
    lines.extend(USAGE.values())
    return "\n".join(lines)


def parse_command(body: dict[str, Any]) -> CommandCall:
    """Split the command text into subcommand and arguments."""
    words = str(body.get("text") or "").split()
    return CommandCall(
        name=words[0].lower() if words else "help",
        args=words[1:],
        user_id=str(body.get("user_id", "")),
        channel_id=str(body.get("channel_id", "")),
        team_id=body.get("team_id"),
        trigger_id=body.get("trigger_id"),
    )


class TandemCommand:
    """Runs subcommands; each returns blocks for an ephemeral answer."""

    def __init__(self, services: SlackServices, next_view: NextView, answers: Answers,
                 backfill: ChannelBackfill) -> None:
        self.services = services
        self.backfill = backfill
        self.next_view = next_view
        self.answers = answers
        self.runners: dict[str, Callable[[CommandCall], Awaitable[list[blocks.Block]]]] = {
            "link": self._link,
            "accounts": self._accounts,
            "status": self._status,
            "blockers": self._blockers,
            "decisions": self._decisions,
            "set": self._set,
            "next": self._next,
            "ask": self._ask,
            "settings": self._settings,
            "triage": self._triage,
        }

    def immediate_answer(self, call: CommandCall) -> list[blocks.Block] | None:
        """Answers that need no I/O (help, unknown subcommand), given in the ack itself."""
        if call.name == "help":
            return blocks.message_blocks(usage_text())
        if call.name not in self.runners:
            return blocks.message_blocks(usage_text(f"I don't know `{blocks.escape(call.name)}`."))
        return None

    async def run(self, call: CommandCall) -> list[blocks.Block]:
        """Run one subcommand; user-facing errors become the answer."""
        try:
            user = await self.services.people.get(call.user_id)
            if call.name in SETUP_COMMANDS and user.is_external:
                raise UserFacingError("Only members of our team can run setup commands.")
            return await self.runners[call.name](call)
        except UserFacingError as exc:
            return blocks.message_blocks(str(exc))

    async def _triage(self, call: CommandCall) -> list[blocks.Block]:
        return await asyncio.to_thread(waiting_mail_blocks, self.services.engine)

    async def _link(self, call: CommandCall) -> list[blocks.Block]:
        if len(call.args) != 1:
            raise UserFacingError(f"Usage: {USAGE['link']}")
        key = repos.normalise_account_key(call.args[0])
        channel = await self.services.gateway.channel_info(call.channel_id)
        is_external = bool(channel.get("is_ext_shared"))

        def save() -> str:
            with session_scope(self.services.engine) as session:
                account = repos.get_or_create_account(session, key=key, owner_user_id=call.user_id)
                repos.link_channel(
                    session,
                    channel_id=call.channel_id,
                    account=account,
                    channel_name=channel.get("name"),
                    is_external=is_external,
                    linked_by=call.user_id,
                )
                return account.name

        name = await asyncio.to_thread(save)
        shared = "shared with the customer" if is_external else "internal"
        announcement = (f"This channel ({shared}) is now linked to *{blocks.escape(name)}* (`{key}`). "
                        f"I'll keep track of blockers, next steps and decisions here.")
        posted = await self.services.gateway.post(
            channel=call.channel_id, text=f"{announcement}\n{running_line(self.backfill.days)}")
        backfill = await self.backfill.start(call.channel_id, progress_ts=str(posted.get("ts")),
                                             progress_text=announcement)
        history = (f"Reading its messages of the last {backfill.days} days; the link message shows the progress."
                   if backfill.started else f"Its history is already being read ({backfill.count} messages so far).")
        return blocks.message_blocks(f"Linked <#{call.channel_id}> to `{key}`. {history}")

    def _scope(self, call: CommandCall, user: SlackUser, *, words_may_follow: bool = False) -> Scope:
        """Which accounts a list command covers, and whether only external content may show.

        An external user sees only the account of the shared channel they are in, external content only.
        An internal user may name any account; otherwise the channel's account, else the accounts they own.
        """
        with session_scope(self.services.engine, write=False) as session:
            link = repos.get_link(session, channel_id=call.channel_id)
            channel_account = session.get(Account, link.account_id) if link else None
            if user.is_external:
                if channel_account is None or not link or not link.is_external:
                    raise UserFacingError("I can only answer that in your shared channel.")
                return Scope([channel_account], True, call.args)
            if call.args:
                named = repos.get_account(session, key=call.args[0].lower())
                if named is not None:
                    return Scope([named], False, call.args[1:])
                if not words_may_follow:
                    raise UserFacingError(f"I don't know an account called `{blocks.escape(call.args[0])}`. "
                                          "Try `/tandem accounts`.")
            if channel_account is not None:
                return Scope([channel_account], False, call.args)
            owned = repos.accounts_visible_to(session, user_id=call.user_id, is_lead=self.services.is_lead(call.user_id))
            return Scope(list(owned), False, call.args)

    async def _ask(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        linked = await asyncio.to_thread(self._read, lambda s: repos.get_link(s, channel_id=call.channel_id))
        answer, _, hand_off = await self.answers.respond_to(user, call.channel_id, " ".join(call.args),
                                                            in_dm=linked is None)
        if hand_off is not None:
            await self.answers.tell_owner(hand_off, user, call.channel_id, " ".join(call.args))
        return answer

    async def _next(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        return await self.next_view.blocks_for(user)

    async def _settings(self, call: CommandCall) -> list[blocks.Block]:
        """Open the settings modal; nothing to answer in the channel when it opened."""
        await open_settings(self.services, user_id=call.user_id, trigger_id=call.trigger_id)
        return []

    async def _set(self, call: CommandCall) -> list[blocks.Block]:
        if len(call.args) < 3:
            raise UserFacingError(f"Usage: {USAGE['set']}")
        key, field, value = call.args[0], call.args[1], " ".join(call.args[2:])
        user = await self.services.people.get(call.user_id)
        account = await asyncio.to_thread(self._read, lambda s: repos.require_account(
            s, key=repos.normalise_account_key(key)))
        if not await may_act(self.services, user, account):
            raise UserFacingError(f"Only {account.name}'s IM, a lead or its channel members can change it.")

        def save() -> str:
            with session_scope(self.services.engine) as session:
                stored = repos.require_account(session, key=account.key)
                said = apply_setting(stored, field, value)
                session.add(stored)
                return said

        return blocks.message_blocks(blocks.escape_keeping_user_mentions(await asyncio.to_thread(save)))

    def _read(self, fn: Callable[[Session], T]) -> T:
        with session_scope(self.services.engine, write=False) as session:
            return fn(session)

    async def _accounts(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        if user.is_external:
            raise UserFacingError("Account lists are for our team only.")
        accounts = await asyncio.to_thread(self._read, lambda s: list(
            repos.accounts_visible_to(s, user_id=call.user_id, is_lead=self.services.is_lead(call.user_id))))
        statuses = await asyncio.to_thread(self._read, lambda s: [account_status(s, account=a) for a in accounts])
        return blocks.accounts_blocks(statuses)

    async def _status(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        scope = await asyncio.to_thread(self._scope, call, user)
        statuses = await asyncio.to_thread(self._read, lambda s: [
            account_status(s, account=a, external_only=scope.external_only) for a in scope.accounts])
        if not statuses:
            return blocks.message_blocks("You own no accounts yet. Try `/tandem status <account>`.")
        return blocks.capped([block for status in statuses for block in blocks.status_blocks(status)])

    async def _blockers(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        scope = await asyncio.to_thread(self._scope, call, user)
        views = await asyncio.to_thread(self._read, lambda s: list_items(
            s, accounts=scope.accounts, kind="blocker", external_only=scope.external_only))
        return blocks.items_blocks("Open blockers", views, empty="No open blockers. :tada:")

    async def _decisions(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        scope = await asyncio.to_thread(self._scope, call, user, words_may_follow=True)
        views = await asyncio.to_thread(self._read, lambda s: list_items(
            s, accounts=scope.accounts, kind="decision", statuses=("open", "superseded"), words=scope.words,
            external_only=scope.external_only, newest_first=True))
        title = "Decisions" + (f" about “{' '.join(scope.words)}”" if scope.words else "") + ", newest first"
        return blocks.items_blocks(title, views, empty="No decisions found.")


def register(app: AsyncApp, services: SlackServices, next_view: NextView, answers: Answers,
             backfill: ChannelBackfill) -> None:
    """Wire `/tandem`: the ack answers help and unknown subcommands; the rest runs in a task after the ack.

    A task of our own rather than a Bolt lazy listener: Bolt deep-copies the whole request for each lazy
    listener (two fifths of a `/tandem next` ack's time), a copy a long-running server does not need.
    """
    command = TandemCommand(services, next_view, answers, backfill)
    answering: set[asyncio.Task[None]] = set()  # held until done, so that no answer is collected mid-way

    async def run_tandem(call: CommandCall, respond: Callable[..., Awaitable[Any]]) -> None:
        await services.foreground.lull()  # the answer can wait a moment; acks of other requests cannot
        try:
            answer = await command.run(call)
        except Exception:
            log.exception("/tandem %s failed", call.name)
            answer = blocks.message_blocks("Sorry, something went wrong on my side. The team has the details.")
        if not answer:
            return
        await respond(response_type="ephemeral", replace_original=False, text="Tandem", blocks=answer)

    async def ack_tandem(ack: Callable[..., Awaitable[None]], body: dict[str, Any],
                         respond: Callable[..., Awaitable[Any]]) -> None:
        call = parse_command(body)
        immediate = command.immediate_answer(call)
        if immediate is not None:
            await ack(response_type="ephemeral", text=usage_text(), blocks=immediate)
            return
        await ack()
        task = asyncio.create_task(run_tandem(call, respond))
        answering.add(task)
        task.add_done_callback(answering.discard)

    app.command("/tandem")(ack_tandem)
