"""One fixed piece of traffic for the fault tests, and the exact state it must end in whatever was injected.

The traffic: `/tandem link acme` in the shared channel, customer messages there, and a customer's
@-mention that gets a hand-off (a thread reply in the channel and a DM to the IM through
conversations.open). It touches every Web API method the fault tests break: users.info,
chat.getPermalink, conversations.open, chat.postMessage.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.outbox import SLACK_POST
from bot.store.models import ProcessedEvent, Source, WorkItem
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem
from tests.slack_double.events import app_mention, message

BOT = "<@U0TANDEMBOT>"
CUSTOMER_LINES = (
    "We are blocked until our IT approves the SSO app.",
    "Could you send the import template by Friday?",
    "Decision: our base currency is EUR, approved by our CFO.",
    "The sandbox login works for the whole finance team now.",
)
QUESTION = f"{BOT} when is our go-live?"
HAND_OFF = "team will follow up"
IM_DM = "D" + IM
#: the answered Web API calls of the traffic: auth.test at start-up, the link (conversations.info,
#: the announcement, its backfill and progress edit, the IM's users.info, the answer on the response_url),
#: the customer's users.info and one permalink per message, the hand-off's thread reply, DM open and DM
ANSWERED_CALLS = {"auth.test": 1, "conversations.info": 1, "chat.postMessage": 3, "conversations.history": 1,
                  "chat.update": 1, "users.info": 2, "response_url": 1, "chat.getPermalink": 4,
                  "conversations.open": 1}
WRITES = ("chat.postMessage", "chat.update", "response_url")  # conversations.open is idempotent


@dataclass(frozen=True)
class Traffic:
    """What was sent: the message events, the mention event, and their envelopes."""

    messages: list[dict[str, Any]]
    mention: dict[str, Any]
    envelopes: tuple[dict[str, Any], ...]

    @property
    def event_ids(self) -> set[str]:
        """Every event id the app must have taken in once."""
        return {e["event_id"] for e in self.envelopes}


async def link(tandem: Tandem) -> None:
    """Link the shared channel to `acme`; wait for the answer and the (empty) backfill to finish."""
    reply = await tandem.command("link acme")
    assert reply.status == 200
    await tandem.responses(1, timeout=20)
    await tandem.settle(timeout=20)


def traffic_events() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fresh message events and a mention (new ts and client ids each call)."""
    messages = [message(SHARED, CUSTOMER, line, ts=f"17672256{n:02d}.000100") for n, line in enumerate(CUSTOMER_LINES)]
    return messages, app_mention(SHARED, CUSTOMER, QUESTION, ts="1767225699.000100")


async def send_traffic(tandem: Tandem) -> Traffic:
    """Send every message and the mention once; each ack must be a 200."""
    messages, mention = traffic_events()
    envelopes = []
    for event in (*messages, mention):
        reply, envelope = await tandem.event(event)
        assert reply.status == 200
        envelopes.append(envelope)
    return Traffic(messages, mention, tuple(envelopes))


def bot_posts(tandem: Tandem, channel: str) -> list[str]:
    """Texts of the messages the bot has in `channel`'s history on the double."""
    return [m["text"] for m in tandem.slack.posted(channel)]


def answered_calls(tandem: Tandem) -> Counter[str]:
    """How many calls of each Web API method the double answered with `ok` (Socket Mode's connection aside)."""
    return Counter(c.method for c in tandem.slack.calls if c.ok and c.method != "apps.connections.open")


def assert_exact_outcome(tandem: Tandem, traffic: Traffic, *, reads_may_repeat: bool = False,
                         more_calls: dict[str, int] | None = None) -> None:
    """Every message stored once, every event taken once, no work left, each post made once.

    Answered calls must be exactly `ANSWERED_CALLS` (plus `more_calls` the test caused itself); with
    `reads_may_repeat` (work retried by the queue after the client gave up) reads may be answered more
    often, writes still exactly as often.
    """
    expected = Counter(ANSWERED_CALLS) + Counter(more_calls or {})
    sources = sorted(s.external_id for s in tandem.rows(Source))
    assert sources == sorted(f"{SHARED}:{m['ts']}" for m in traffic.messages)
    assert all(not s.deleted for s in tandem.rows(Source))
    seen = tandem.rows(ProcessedEvent)
    assert {e.event_id for e in seen if e.kind != SLACK_POST} == traffic.event_ids
    work = tandem.rows(WorkItem)
    assert len([e for e in seen if e.kind == SLACK_POST]) == len([w for w in work if w.kind == SLACK_POST])
    assert [w for w in work if w.status != "done"] == [], [(w.kind, w.status, w.last_error) for w in work]
    shared = bot_posts(tandem, SHARED)
    assert len(shared) == 2, shared  # the link announcement, and the hand-off in the mention's thread
    assert "linked to *Acme*" in shared[0] and HAND_OFF in shared[1]
    [hand_off] = [m for m in tandem.slack.posted(SHARED) if m.get("thread_ts")]
    assert hand_off["thread_ts"] == traffic.mention["ts"]
    [told] = bot_posts(tandem, IM_DM)
    assert "when is our go-live?" in told and "customer answers are off" in told
    answered = answered_calls(tandem)
    if reads_may_repeat:
        assert {m: answered[m] for m in WRITES} == {m: expected[m] for m in WRITES}, answered
        assert all(answered[m] >= n for m, n in expected.items()), answered
    else:
        assert answered == expected
