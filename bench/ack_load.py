"""The other side of the ack bench, in its own process: the Slack Web API double and the load generator.

`python -m bench.ack_load '<workspace JSON>'` starts the double seeded with the bench's IMs, customers and
channels, prints `{"api_url": …}` on stdout, then answers one JSON command per stdin line:
`{"cmd": "run", "url", "secret", "kind", "clients", "requests", "warmup"}` → `{"latencies_ms", "errors"}`,
`{"cmd": "calls"}` → how many Web API calls (and response_url posts, and of those the "something went
wrong" answers) the double got, by method, and
`{"cmd": "stop"}`. Running apart from the app keeps the client's and the double's work off the
app's event loop and its share of the CPU, as with Slack.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import aiohttp

from bench.populate import sentence
from tests.slack_double import SlackDouble, event_callback, slash_command
from tests.slack_double.events import app_mention, message, reaction_added
from tests.slack_double.interactions import form_body
from tests.slack_double.signing import sign
from tests.slack_double.state import DEFAULT_BOT_USER_ID

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
KINDS = ("next", "mention", "message", "reaction")


class Requests:
    """Builds the body of each kind of request, each with a fresh event id and message ts."""

    def __init__(self, slack: SlackDouble, workspace: dict[str, Any]) -> None:
        self.slack = slack
        self.im = workspace["im"]
        self.channel = workspace["channel"]
        self.customer = workspace["customer"]
        self._ts = itertools.count(int(time.time() * 1_000_000))
        self._rng = random.Random(3)

    def _ts_now(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def body(self, kind: str) -> tuple[bytes, str]:
        """The body and content type of one request of `kind`."""
        if kind == "next":
            fields = slash_command("next", user_id=self.im, channel_id=self.channel,
                                   response_url=self.slack.new_response_url())
            return form_body(fields), FORM
        if kind == "mention":
            event = app_mention(self.channel, self.im, f"<@{DEFAULT_BOT_USER_ID}> when is go-live?", ts=self._ts_now())
        elif kind == "message":
            event = message(self.channel, self.customer, sentence(self._rng), ts=self._ts_now())
            self.slack.add_message(self.channel, ts=event["ts"], user=self.customer, text=event["text"])
        else:
            event = reaction_added(self.im, "white_check_mark", self.channel, self._ts_now())
        return json.dumps(event_callback(event, is_ext_shared_channel=True)).encode(), JSON


async def _one(session: aiohttp.ClientSession, url: str, secret: str, body: bytes, content_type: str) -> float:
    """Milliseconds from sending one signed request to having its whole response; raises on a non-200."""
    headers = {"Content-Type": content_type, **sign(body, secret)}
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        elapsed = 1000 * (time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
    return elapsed


async def run_cell(url: str, secret: str, make: Callable[[], tuple[bytes, str]], *, clients: int, requests: int,
                   warmup: int) -> dict[str, Any]:
    """`clients` concurrent clients, each sending its share one after another; warm-up requests not counted.

    The warm-up is sent by all clients at once (at least one request each), so that every client's
    keep-alive connection is open before the measured requests, as Slack's are: otherwise the first
    measured request of each client also timed a TCP handshake, and with 1,000 requests a cell those were
    the slowest ten, the floor's and the app's alike."""
    latencies: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        warming = iter(range(max(warmup, clients)))

        async def warm() -> None:
            for _ in warming:
                await _one(session, url, secret, *make())

        await asyncio.gather(*(warm() for _ in range(clients)))
        remaining = iter(range(requests))

        async def client() -> None:
            nonlocal errors
            for _ in remaining:
                try:
                    latencies.append(await _one(session, url, secret, *make()))
                except (RuntimeError, aiohttp.ClientError):
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {"latencies_ms": latencies, "errors": errors, "wall_s": wall}


def seed(slack: SlackDouble, workspace: dict[str, Any]) -> None:
    """The bench's people and channels, as the app's store knows them."""
    for user_id in workspace["ims"]:
        slack.add_user(user_id, user_id.lower(), f"Bench IM {user_id[-3:]}", tz="Europe/Berlin",
                       email=f"{user_id.lower()}@vendor.example")
    slack.add_user(workspace["customer"], "customer", "Customer Person", tz="America/New_York", is_external=True)
    for channel in workspace["channels"]:
        slack.add_channel(channel, channel.lower(), is_ext_shared=True, members=[workspace["im"], workspace["customer"]])


async def serve(workspace: dict[str, Any]) -> None:
    """Run the double and answer commands from stdin until told to stop."""
    async with SlackDouble(bot_token=workspace["token"]) as slack:
        seed(slack, workspace)
        requests = Requests(slack, workspace)
        print(json.dumps({"api_url": slack.api_url}), flush=True)
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                return
            command = json.loads(line)
            if command["cmd"] == "stop":
                return
            if command["cmd"] == "calls":
                counts = Counter(call.method for call in slack.calls)
                counts["response_url failed"] = sum("went wrong" in json.dumps(post.body) for post in slack.response_posts)
                print(json.dumps(counts), flush=True)
                continue
            kind = command["kind"]
            result = await run_cell(command["url"], command["secret"], lambda kind=kind: requests.body(kind),
                                    clients=command["clients"], requests=command["requests"], warmup=command["warmup"])
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(serve(json.loads(sys.argv[1])))
