"""Redelivery storms: each event delivered many times at once (HTTP with and without X-Slack-Retry-Num,
Socket Mode with and without retry_attempt) is stored and answered exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.faults.scenario import Traffic, assert_exact_outcome, link, traffic_events
from tests.integration.harness import SHARED, Tandem
from tests.slack_double.events import event_callback

COPIES = 8  # deliveries of each event, all at once; every other one marked as a retry


def _two_workers(tandem: Tandem) -> bool:
    """In Socket Mode the harness runs two worker loops (HTTP server's and Socket Mode's): an uncached user may
    be looked up by both at once, so reads may repeat there; writes never."""
    return tandem.mode == "socket"


async def _deliver(tandem: Tandem, envelope: dict[str, Any], retry_num: int | None) -> bool:
    """One delivery of `envelope`; True when the app acknowledged it."""
    if tandem.mode == "socket":
        retry = {"retry_attempt": retry_num, "retry_reason": "timeout"} if retry_num is not None else {}
        envelope_id = await tandem.slack.socket_send("events_api", envelope, **retry)
        await tandem.slack.wait_for_ack(envelope_id)
        return envelope_id in tandem.slack.acks
    retry = {"retry_num": retry_num, "retry_reason": "http_timeout"} if retry_num is not None else {}
    return (await tandem.sender.send_event(envelope, **retry)).status == 200


async def test_a_storm_of_redeliveries_stores_and_answers_once(tandem: Tandem) -> None:
    await link(tandem)
    messages, mention = traffic_events()
    for event in messages:
        tandem.slack.add_message(SHARED, ts=event["ts"], user=event["user"], text=event["text"])
    envelopes = [event_callback(event, is_ext_shared_channel=True) for event in (*messages, mention)]
    deliveries = [_deliver(tandem, envelope, None if copy % 2 == 0 else copy // 2)
                  for envelope in envelopes for copy in range(COPIES)]
    acked = await asyncio.gather(*deliveries)
    assert all(acked) and len(acked) == COPIES * len(envelopes)
    await tandem.settle(timeout=30)
    assert_exact_outcome(tandem, Traffic(messages, mention, tuple(envelopes)), reads_may_repeat=_two_workers(tandem))


async def test_redelivery_after_the_work_ran_changes_nothing(tandem: Tandem) -> None:
    await link(tandem)
    messages, mention = traffic_events()
    envelopes = []
    for event in (*messages, mention):
        _, envelope = await tandem.event(event)
        envelopes.append(envelope)
    await tandem.settle(timeout=30)
    for retry_num in (1, 2, 3, 0):  # Slack's three retries, and a retry_attempt of 0
        assert all(await asyncio.gather(*(_deliver(tandem, e, retry_num) for e in envelopes)))
    await tandem.settle(timeout=30)
    assert_exact_outcome(tandem, Traffic(messages, mention, tuple(envelopes)), reads_may_repeat=_two_workers(tandem))
