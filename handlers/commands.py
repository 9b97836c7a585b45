"""The `/tandem` slash command: parse, ack at once, then run the subcommand and answer ephemerally."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import UserFacingError
from bot.portfolio import account_status
from bot.store import repos
from bot.store.db import session_scope
from handlers import blocks
from handlers.context import SlackServices

log = logging.getLogger(__name__)

USAGE: dict[str, str] = {
    "help": "`/tandem help` — this list",
    "link": "`/tandem link <account>` — bind this channel to an account (creates it when new)",
    "accounts": "`/tandem accounts` — the accounts you can see",
    "status": "`/tandem status [account]` — stage, go-live, open blockers and next steps, last activity",
}
SETUP_COMMANDS = {"link"}


@dataclass(frozen=True)
class CommandCall:
    """A parsed `/tandem` invocation."""

    name: str
    args: list[str]
    user_id: str
    channel_id: str
    team_id: str | None


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
    )


class TandemCommand:
    """Runs subcommands; each returns blocks for an ephemeral answer."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services
        self.runners: dict[str, Callable[[CommandCall], Awaitable[list[blocks.Block]]]] = {
            "link": self._link,
            "accounts": self._accounts,
            "status": self._status,
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
        await self.services.gateway.post(
            channel=call.channel_id,
            text=f"This channel ({shared}) is now linked to *{blocks.escape(name)}* (`{key}`). "
            f"I'll keep track of blockers, next steps and decisions here.",
        )
        return blocks.message_blocks(f"Linked <#{call.channel_id}> to `{key}`.")

    def _visible_statuses(self, call: CommandCall, *, external_only: bool) -> list[blocks.Block]:
        with session_scope(self.services.engine) as session:
            if call.args:
                accounts = [repos.require_account(session, key=repos.normalise_account_key(call.args[0]))]
            else:
                link = repos.get_link(session, channel_id=call.channel_id)
                if link is not None:
                    accounts = [a for a in repos.list_accounts(session) if a.id == link.account_id]
                else:
                    accounts = list(
                        repos.accounts_visible_to(
                            session, user_id=call.user_id, is_lead=self.services.is_lead(call.user_id)
                        )
                    )
            statuses = [account_status(session, account=a, external_only=external_only) for a in accounts]
        if call.name == "accounts":
            return blocks.accounts_blocks(statuses)
        if not statuses:
            return blocks.message_blocks("You own no accounts yet. Try `/tandem status <account>`.")
        return blocks.capped([block for status in statuses for block in blocks.status_blocks(status)])

    async def _accounts(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        if user.is_external:
            raise UserFacingError("Account lists are for our team only.")
        return await asyncio.to_thread(self._visible_statuses, CommandCall("accounts", [], *_rest(call)), external_only=False)

    async def _status(self, call: CommandCall) -> list[blocks.Block]:
        user = await self.services.people.get(call.user_id)
        if user.is_external:
            return await asyncio.to_thread(self._external_status, call)
        return await asyncio.to_thread(self._visible_statuses, call, external_only=False)

    def _external_status(self, call: CommandCall) -> list[blocks.Block]:
        with session_scope(self.services.engine) as session:
            link = repos.get_link(session, channel_id=call.channel_id)
            if link is None:
                raise UserFacingError("Status is available in your shared channel.")
        return self._visible_statuses(CommandCall("status", [], *_rest(call)), external_only=True)


def _rest(call: CommandCall) -> tuple[str, str, str | None]:
    return call.user_id, call.channel_id, call.team_id


def register(app: AsyncApp, services: SlackServices) -> None:
    """Wire `/tandem`: the ack answers help and unknown subcommands; the rest runs lazily."""
    command = TandemCommand(services)

    async def ack_tandem(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        call = parse_command(body)
        immediate = command.immediate_answer(call)
        if immediate is not None:
            await ack(response_type="ephemeral", text=usage_text(), blocks=immediate)
        else:
            await ack()

    async def run_tandem(body: dict[str, Any], respond: Callable[..., Awaitable[Any]]) -> None:
        call = parse_command(body)
        if command.immediate_answer(call) is not None:
            return
        try:
            answer = await command.run(call)
        except Exception:
            log.exception("/tandem %s failed", call.name)
            answer = blocks.message_blocks("Sorry, something went wrong on my side. The team has the details.")
        await respond(response_type="ephemeral", replace_original=False, text="Tandem", blocks=answer)

    app.command("/tandem")(ack=ack_tandem, lazy=[run_tandem])
