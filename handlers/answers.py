"""Questions to the bot: `/tandem ask`, @-mentions in account channels, and DMs — scoped by `bot.ask`."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from bot.ask import AskScope, AskService, HandOff
from bot.outbox import OutboundPost
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account, SlackUser
from handlers.blocks import Block, context, escape, section
from handlers.context import SlackServices
from handlers.event_work import SlackEventWork
from handlers.outbox import SlackOutbox
from retrieval.types import Answer

log = logging.getLogger(__name__)

EMPTY_QUESTION = "Ask me something about the account, e.g. “what are we waiting on from their IT?”"
UNLINKED = "This channel isn't linked to an account yet: `/tandem link <account>` first, or ask me in a DM."


def answer_blocks(answer: Answer) -> list[Block]:
    """The answer, then its sources as numbered links."""
    result = [section(escape(answer.text))]
    if answer.found and answer.citations:
        links = []
        for number, citation in enumerate(answer.citations, start=1):
            where = f"<{citation.permalink}|source {number}>" if citation.permalink else \
                f"source {number} ({escape(citation.source_id)})"
            links.append(f"[{number}] {where}")
        result.append(context(" · ".join(links)))
    return result


class Answers:
    """Turns a question and its asker into an answer or a hand-off; posts go through the outbox."""

    def __init__(self, services: SlackServices, asker: AskService, outbox: SlackOutbox) -> None:
        self.services = services
        self.asker = asker
        self.outbox = outbox

    def _channel_account(self, channel_id: str) -> Account | None:
        with session_scope(self.services.engine) as session:
            link = repos.get_link(session, channel_id=channel_id)
            return session.get(Account, link.account_id) if link else None

    async def scope_for(self, user: SlackUser, channel_id: str, question: str, *, in_dm: bool) -> AskScope | HandOff:
        """Where the answer may come from, by who asks where."""
        if in_dm:
            return self.asker.dm_scope(user_id=user.user_id, is_lead=self.services.is_lead(user.user_id),
                                       asker_external=user.is_external, question=question)
        account = await asyncio.to_thread(self._channel_account, channel_id)
        if account is None:
            return HandOff(UNLINKED)
        return self.asker.channel_scope(account=account, asker_external=user.is_external)

    async def respond_to(self, user: SlackUser, channel_id: str, question: str, *, in_dm: bool) -> tuple[
            list[Block], str, HandOff | None]:
        """Blocks and text to post, and the hand-off when there is no answer for this asker."""
        if not question.strip():
            return [section(EMPTY_QUESTION)], EMPTY_QUESTION, None
        scope = await self.scope_for(user, channel_id, question, in_dm=in_dm)
        if isinstance(scope, HandOff):
            return [section(escape(scope.message))], scope.message, scope
        answer = await asyncio.to_thread(self.asker.answer, question, scope)
        return answer_blocks(answer), answer.text, None

    async def tell_owner(self, hand_off: HandOff, user: SlackUser, channel_id: str, question: str, *,
                         key: str | None = None) -> None:
        """DM the account's IM that a customer asked something the bot did not answer."""
        if not hand_off.notify_owner:
            return
        text = f"{user.name} asked in <#{channel_id}>: “{escape(question)}” — customer answers are off, so I " \
               f"said the team will follow up."
        await self.outbox.send(OutboundPost(key=key or f"hand-off:{uuid.uuid4().hex}", purpose="hand-off",
                                            user=hand_off.notify_owner, text=text, blocks=[section(text)]))

    async def on_mention(self, event: dict[str, Any]) -> None:
        """An @-mention in a channel: internal askers get an ephemeral answer, customers a thread reply."""
        user_id, channel = event.get("user"), event.get("channel")
        if not isinstance(user_id, str) or not isinstance(channel, str):
            return
        identity = await self.services.gateway.identity()
        question = str(event.get("text", "")).replace(f"<@{identity.user_id}>", "").strip()
        user = await self.services.people.get(user_id)
        thread = event.get("thread_ts") or event.get("ts")
        blocks, text, hand_off = await self.respond_to(user, channel, question, in_dm=False)
        if user.is_external:
            await self.outbox.send(OutboundPost(key=f"answer:{channel}:{event.get('ts')}", purpose="answer",
                                                channel=channel, text=text, blocks=blocks, thread_ts=thread))
            if hand_off is not None:
                await self.tell_owner(hand_off, user, channel, question, key=f"hand-off:{channel}:{event.get('ts')}")
        else:
            await self.services.gateway.post_ephemeral(channel=channel, user=user_id, text=text, blocks=blocks,
                                                       thread_ts=thread)

    async def on_direct_message(self, event: dict[str, Any]) -> None:
        """A DM to the bot: answered in the DM from the accounts the asker owns."""
        user_id, channel = event.get("user"), event.get("channel")
        identity = await self.services.gateway.identity()
        if (not isinstance(user_id, str) or not isinstance(channel, str) or event.get("bot_id")
                or event.get("subtype") or user_id == identity.user_id):
            return
        user = await self.services.people.get(user_id)
        blocks, text, _ = await self.respond_to(user, channel, str(event.get("text", "")), in_dm=True)
        await self.outbox.send(OutboundPost(key=f"answer:{channel}:{event.get('ts')}", purpose="answer",
                                            channel=channel, text=text, blocks=blocks))


def register(event_work: SlackEventWork, answers: Answers) -> None:
    """Run queued mentions and DMs through `Answers`."""
    event_work.on("app_mention", answers.on_mention)
    event_work.on_direct_message(answers.on_direct_message)
