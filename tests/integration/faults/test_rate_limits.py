"""429 bursts: the Web API client waits out Retry-After and retries; nothing is lost and nothing is posted twice."""

from __future__ import annotations

import time
from collections import Counter

from tests.integration.faults.scenario import assert_exact_outcome, link, send_traffic
from tests.integration.harness import Tandem


async def test_without_faults_the_traffic_ends_in_the_exact_state(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await link(tandem)
    traffic = await send_traffic(tandem)
    await tandem.settle(timeout=30)
    assert_exact_outcome(tandem, traffic)
    assert [(c.method, c.params) for c in tandem.slack.calls if not c.ok] == []


async def test_429_bursts_on_post_user_lookup_and_dm_open_are_waited_out(http_tandem: Tandem) -> None:
    tandem = http_tandem
    slack = tandem.slack
    slack.fail_next("chat.postMessage", retry_after=1, times=2)  # the link announcement waits twice
    started = time.monotonic()
    await link(tandem)
    assert time.monotonic() - started >= 2.0  # Retry-After: 1, twice, was honoured
    slack.fail_next("users.info", retry_after=0, times=3)  # the client's whole budget of 3 retries
    slack.fail_next("conversations.open", retry_after=0, times=2)
    slack.fail_next("chat.postMessage", retry_after=0, times=2)
    traffic = await send_traffic(tandem)
    await tandem.settle(timeout=30)
    assert_exact_outcome(tandem, traffic)
    limited = Counter(c.method for c in slack.calls if c.status == 429)
    assert limited == {"chat.postMessage": 4, "users.info": 3, "conversations.open": 2}

