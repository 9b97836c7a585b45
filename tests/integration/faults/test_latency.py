"""A slow Web API (over Slack's 3 s ack budget) never slows an ack: the work runs later, from the queue."""

from __future__ import annotations

import time

from tests.integration.faults.scenario import Traffic, assert_exact_outcome, link, traffic_events
from tests.integration.harness import CUSTOMER, SHARED, Tandem
from tests.slack_double.events import message

SLOW = 3.5  # seconds each answer of a slowed method takes
FAST_ACK = 1.0  # every ack must come back well within Slack's 3 s
SLOWED = ("auth.test", "users.info", "conversations.info", "conversations.open", "chat.postMessage",
          "chat.getPermalink", "chat.postEphemeral", "views.open", "views.publish")


async def _timed(send):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    reply = await send
    return reply, time.monotonic() - started


async def test_first_request_is_acked_fast_while_auth_test_is_slow(http_tandem: Tandem) -> None:
    tandem = http_tandem
    tandem.slack.set_latency("auth.test", SLOW)  # Bolt's own authorization would ask it at the first request
    (reply, _), took = await _timed(tandem.event(message(SHARED, CUSTOMER, "Are we on track?")))
    assert reply.status == 200 and took < FAST_ACK, took
    command, took = await _timed(tandem.command("status"))
    assert command.status == 200 and took < FAST_ACK, took
    assert len(tandem.slack.calls_to("auth.test")) == 1  # asked once, at start-up


async def test_events_and_commands_are_acked_fast_while_the_web_api_is_slow(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await link(tandem)
    for method in SLOWED:
        tandem.slack.set_latency(method, SLOW)
    messages, mention = traffic_events()
    envelopes = []
    for event in (*messages, mention):
        (reply, envelope), took = await _timed(tandem.event(event))
        assert reply.status == 200 and took < FAST_ACK, (event["type"], took)
        envelopes.append(envelope)
    for text in ("status", "blockers", "next", "ask when is go-live?", "settings"):
        reply, took = await _timed(tandem.command(text))
        assert reply.status == 200 and took < FAST_ACK, (text, took)
    for method in SLOWED:
        tandem.slack.set_latency(method, 0)
    await tandem.settle(timeout=40)
    await tandem.responses(5, timeout=20)
    assert_exact_outcome(tandem, Traffic(messages, mention, tuple(envelopes)),
                         more_calls={"response_url": 4, "views.open": 1})  # status, blockers, next, ask; settings
