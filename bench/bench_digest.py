"""Digest fan-out: every IM's morning digest composed and posted through the Slack Web API double.

`python -m bench.bench_digest [--ims 500] [--accounts-per-im 5] [--sources-per-account 20] [--items-per-account 12]`

The store gets `--ims` IMs, each owning `--accounts-per-im` accounts with their sources and open items
(bulk SQL, bench/populate.py); the double knows every IM (time zones in Europe and the US). One pass of
the real `DigestJob` (built by `create_app`, a fixed clock on a Tuesday afternoon UTC, when every IM's
local morning has passed) claims, composes and posts each digest. The double stamps each Web API call
as it arrives, which gives the posting rate per channel and per method.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import finish, machine, percentiles, table, target
from bench.populate import TIMEZONES, populate
from bot.app import create_app
from bot.clock import FixedClock
from bot.container import Container
from bot.settings import load_settings
from bot.store.db import make_engine
from bot.store.migrate import upgrade
from tests.slack_double import Call, SlackDouble
from tests.slack_double.calls import CallLog

MOMENT = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # a Tuesday: 16:00 in Berlin, 10:00 in Chicago
TOKEN = "xoxb-bench-token"
MAX_POSTS_PER_CHANNEL_PER_S = 1  # Slack: chat.postMessage, about one message per second per channel
#: Slack's published tiers (requests per minute per workspace) of the methods a digest pass calls
TIER_PER_MINUTE = {"users.info": 100, "conversations.open": 50}


class StampedCallLog(CallLog):
    """The double's call log, with the monotonic time each call arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[tuple[float, Call]] = []

    async def record(self, call: Call) -> None:
        """Stamp, then record as usual."""
        self.stamps.append((time.perf_counter(), call))
        await super().record(call)


def max_per_window(stamps: list[float], window: float = 1.0) -> int:
    """The most stamps inside any `window` seconds."""
    best, start = 0, 0
    for end, moment in enumerate(stamps):
        while moment - stamps[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Populate, run one digest pass, and read the rates off the double's stamps."""
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/tandem.db"
        engine = make_engine(database_url)
        upgrade(engine)
        started = time.perf_counter()
        portfolio = populate(engine, ims=args.ims, accounts_per_im=args.accounts_per_im,
                             sources_per_account=args.sources_per_account, items_per_account=args.items_per_account,
                             now=MOMENT)
        populate_s = time.perf_counter() - started
        engine.dispose()
        async with SlackDouble(bot_token=TOKEN) as slack:
            slack.log = StampedCallLog()
            for n, user_id in enumerate(portfolio.ims):
                slack.add_user(user_id, user_id.lower(), f"Bench IM {n:03d}", tz=TIMEZONES[n % len(TIMEZONES)])
            container = Container(load_settings(
                tandem_data_dir=Path(tmp), database_url=database_url, slack_api_url=slack.api_url, slack_bot_token=TOKEN,
                slack_signing_secret="bench", slack_app_token=None, chroma_url=None, chroma_path=None, tandem_admins=""),
                clock=FixedClock(MOMENT))
            try:
                runtime = create_app(container)
                started = time.perf_counter()
                sent = await runtime.digest.run_once()
                total_s = time.perf_counter() - started
            finally:
                container.close()
            stamps = slack.log.stamps
    return report(args, portfolio.sources, portfolio.items, populate_s, len(sent), total_s, stamps)


def report(args: argparse.Namespace, sources: int, items: int, populate_s: float, sent: int, total_s: float,
           stamps: list[tuple[float, Call]]) -> dict[str, Any]:
    """The result: total time, digests per second, posting rate per channel and calls per method."""
    posts: dict[str, list[float]] = defaultdict(list)
    for moment, call in stamps:
        if call.method == "chat.postMessage":
            posts[str(call.params.get("channel"))].append(moment)
    per_channel = max((max_per_window(times) for times in posts.values()), default=0)
    post_times = sorted(t for times in posts.values() for t in times)
    gaps = [1000 * (b - a) for a, b in zip(post_times, post_times[1:], strict=False)]
    span_min = max(total_s, 1e-9) / 60
    methods = Counter(call.method for _, call in stamps)
    method_rows = [[method, count, round(count / span_min), TIER_PER_MINUTE.get(method, "")]
                   for method, count in sorted(methods.items())]
    gap = percentiles(gaps, (50, 95)) if gaps else {"p50": 0.0, "p95": 0.0}
    return finish({
        "bench": "digest",
        "title": "Digest fan-out",
        "setup": (f"{args.ims} IMs × {args.accounts_per_im} accounts, {sources} sources, {items} open items (bulk SQL, "
                  f"{populate_s:.1f} s). One DigestJob.run_once at a fixed clock (every IM due), the Slack Web API "
                  "double in the same process, users' cache cold (as each morning: it keeps a day)."),
        "tables": [
            table("Digest pass", ["digests posted", "total s", "digests/s", "ms between posts p50 / p95",
                                  "max posts/s to one channel", "channels posted to"],
                  [[sent, round(total_s, 1), round(sent / total_s, 1), f"{gap['p50']} / {gap['p95']}", per_channel,
                    len(posts)]]),
            table("Web API calls during the pass", ["method", "calls", "per minute", "Slack tier limit per minute"],
                  method_rows),
        ],
        "targets": [target("digests posted", f"{args.ims}", str(sent), sent == args.ims),
                    target("posts per second to any one channel", f"≤ {MAX_POSTS_PER_CHANNEL_PER_S}", str(per_channel),
                           per_channel <= MAX_POSTS_PER_CHANNEL_PER_S)],
        "notes": ["Each digest goes to its IM's own DM, so no channel gets more than one post; the calls per minute "
                  "show what a real workspace's limits would allow (users.info Tier 4 and conversations.open Tier 3 "
                  "answer 429 above their limit; the Web API client retries after Retry-After)."],
        "machine": machine(),
        "measured": {"sent": sent, "total_s": round(total_s, 2), "max_posts_per_channel_per_s": per_channel,
                     "calls": dict(methods)},
    })


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print and return the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ims", type=int, default=500)
    parser.add_argument("--accounts-per-im", type=int, default=5)
    parser.add_argument("--sources-per-account", type=int, default=20)
    parser.add_argument("--items-per-account", type=int, default=12)
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
