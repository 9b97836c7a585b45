"""Message shortcuts "Track as next step", "Log as decision", "Mark as blocker": a prefilled modal, then an item
with the message as its evidence.

The shortcut is acked at once; the modal opens from a lazy listener (the trigger lasts 3 seconds), and then
the message is stored as a source if it is not yet (a message older than the channel's link). The submission
is checked and saved before its ack, so an error shows on the form and a success closes into a short notice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.errors import UserFacingError
from bot.manual_items import ItemDraft, prefill, save_manual_item, validate
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account
from handlers import blocks, ids, modal_blocks
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork, slack_source_id
from handlers.permissions import may_act

log = logging.getLogger(__name__)

FIELD_BLOCKS = {"summary": ids.ITEM_SUMMARY, "owner": ids.ITEM_OWNER, "due": ids.ITEM_DUE,
                "category": ids.ITEM_CATEGORY, "waiting_on": ids.ITEM_WAITING_ON, "kind": ids.ITEM_SUMMARY}
KIND_WORDS = {"blocker": "a blocker", "next_step": "a next step", "decision": "a decision"}


@dataclass(frozen=True)
class Target:
    """The message a shortcut was used on, as kept in the modal's private_metadata."""

    kind: str
    channel: str
    ts: str
    account_key: str

    def dumps(self) -> str:
        """Serialised for private_metadata."""
        return json.dumps({"k": self.kind, "c": self.channel, "ts": self.ts, "a": self.account_key})

    @staticmethod
    def loads(raw: str) -> Target:
        """From private_metadata; ValueError/KeyError when it is not ours."""
        data = json.loads(raw)
        return Target(data["k"], data["c"], data["ts"], data["a"])


def read_draft(kind: str, values: dict[str, Any]) -> ItemDraft:
    """The submitted form as a draft; ValueError for a malformed date."""
    return ItemDraft(
        kind=kind,
        summary=modal_blocks.text_value(values, ids.ITEM_SUMMARY) or "",
        owner=modal_blocks.text_value(values, ids.ITEM_OWNER),
        due=modal_blocks.date_value(values, ids.ITEM_DUE),
        category=modal_blocks.selected_value(values, ids.ITEM_CATEGORY),
        waiting_on=modal_blocks.selected_value(values, ids.ITEM_WAITING_ON),
    )


class Shortcuts:
    """Opens the item form for a message and saves what is submitted."""

    def __init__(self, services: SlackServices, event_work: SlackEventWork) -> None:
        self.services = services
        self.event_work = event_work

    def _account_of(self, channel_id: str) -> Account | None:
        with session_scope(self.services.engine) as session:
            link = repos.get_link(session, channel_id=channel_id)
            return session.get(Account, link.account_id) if link else None

    def _stored(self, account: Account, external_id: str) -> bool:
        with session_scope(self.services.engine) as session:
            source = repos.get_source(session, account_id=account.id or 0, external_id=external_id)
            return source is not None and not source.deleted

    async def _allowed_account(self, user_id: str, channel_id: str) -> Account:
        """The account of a linked channel the user may act on; a user-facing refusal otherwise."""
        user = await self.services.people.get(user_id)
        if user.is_external:
            raise UserFacingError("Tracking messages is for our team only.")
        account = await asyncio.to_thread(self._account_of, channel_id)
        if account is None:
            raise UserFacingError("This channel is not linked to an account. "
                                  "Link it first with `/tandem link <account>`, then try again.")
        if not await may_act(self.services, user, account):
            raise UserFacingError(f"Only {account.name}'s IM, a lead or its channel members can add its items.")
        return account

    async def open(self, body: dict[str, Any]) -> None:
        """Open the prefilled form (or a refusal), then make sure the message is stored."""
        kind = ids.SHORTCUT_KINDS[body["callback_id"]]
        channel, message, trigger = body["channel"]["id"], body.get("message") or {}, body["trigger_id"]
        client = self.services.gateway.client
        try:
            account = await self._allowed_account(body["user"]["id"], channel)
            author_id, ts = message.get("user"), message.get("ts")
            if not isinstance(author_id, str) or not isinstance(ts, str) or message.get("bot_id") \
                    or not str(message.get("text") or "").strip():
                raise UserFacingError("I can only track messages people wrote, with some text.")
        except UserFacingError as exc:
            await client.views_open(trigger_id=trigger, view=modal_blocks.notice_view("Tandem", str(exc)))
            return
        author = await self.services.people.get(author_id)
        draft = prefill(kind, text=str(message["text"]), author=author.name,
                        side="customer" if author.is_external else "vendor",
                        ts=datetime.fromtimestamp(float(ts), tz=UTC), tz=author.tz)
        target = Target(kind, channel, ts, account.key)
        where = f"{blocks.escape(author.name)}'s message in <#{channel}>"
        await client.views_open(trigger_id=trigger, view=modal_blocks.item_view(
            draft, callback_id=ids.VIEW_SAVE_ITEM, metadata=target.dumps(), where=where))
        if not await asyncio.to_thread(self._stored, account, slack_source_id(channel, ts)):
            await self.event_work.store_message(message, channel)

    async def save(self, user_id: str, target: Target, draft: ItemDraft) -> tuple[str, bool]:
        """Save the item; returns (its summary, created) or raises a user-facing error."""
        account = await self._allowed_account(user_id, target.channel)
        if account.key != target.account_key:
            raise UserFacingError("This channel is now linked to another account. Use the shortcut again.")
        now = self.services.clock.now()

        def write() -> tuple[str, bool]:
            with session_scope(self.services.engine) as session:
                item, created = save_manual_item(
                    session, account_id=account.id or 0, source_external_id=slack_source_id(target.channel, target.ts),
                    draft=draft, actor=user_id, at=now)
                return item.summary, created

        return await asyncio.to_thread(write)


def register(app: AsyncApp, services: SlackServices, event_work: SlackEventWork) -> Shortcuts:
    """Wire the three message shortcuts and the item form's submission."""
    shortcuts = Shortcuts(services, event_work)

    async def ack_only(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    async def open_form(body: dict[str, Any]) -> None:
        try:
            await shortcuts.open(body)
        except Exception:
            log.exception("opening the %s form failed", body.get("callback_id"))

    async def on_submit(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        view = body["view"]
        try:
            target = Target.loads(view.get("private_metadata") or "")
            draft = read_draft(target.kind, view["state"]["values"])
        except (ValueError, KeyError):
            await ack(response_action="errors", errors={ids.ITEM_SUMMARY: "This form is out of date. Start again."})
            return
        problems = validate(draft)
        if problems:
            errors = {FIELD_BLOCKS[field]: text for field, text in problems.items()}
            await ack(response_action="errors", errors=errors)
            return
        try:
            summary, created = await shortcuts.save(body["user"]["id"], target, draft)
        except UserFacingError as exc:
            await ack(response_action="errors", errors={ids.ITEM_SUMMARY: str(exc)})
            return
        said = "Saved" if created else "Updated"
        await ack(response_action="update", view=modal_blocks.notice_view(
            "Saved", f"{said} as {KIND_WORDS[target.kind]}: *{blocks.escape(summary)}*"))

    for callback_id in ids.SHORTCUT_KINDS:
        app.shortcut(callback_id)(ack=ack_only, lazy=[open_form])
    app.view(ids.VIEW_SAVE_ITEM)(on_submit)
    return shortcuts
