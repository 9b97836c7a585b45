"""Random 5xx from the Web API (seeded): the client retries 500/503, the queue retries the rest; nothing doubled."""

from __future__ import annotations

import pytest

from tests.integration.faults.scenario import assert_exact_outcome, link, send_traffic
from tests.integration.faults.server_errors import inject_server_errors
from tests.integration.harness import Tandem

BROKEN = ("users.info", "chat.getPermalink", "conversations.open", "chat.postMessage", "chat.update",
          "conversations.history")


@pytest.mark.parametrize("seed", [4, 8])  # seeds that break reads and the outbox's posts
async def test_random_server_errors_lose_and_double_nothing(http_tandem: Tandem, seed: int) -> None:
    tandem = http_tandem
    await link(tandem)
    injected = inject_server_errors(tandem.slack, methods=BROKEN, rate=0.3, seed=seed)
    traffic = await send_traffic(tandem)
    await tandem.settle(timeout=60)
    assert len({method for method, _ in injected}) >= 3, injected  # reads and writes both broke
    assert_exact_outcome(tandem, traffic, reads_may_repeat=True)
