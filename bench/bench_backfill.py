"""Channel backfill through the Slack test double with Tier 3 rate limits on, against the rate-limit floor.

`python bench/bench_backfill.py [--messages 10000] [--per-minute 50] [--with-index] [--synthetic] [--data DIR]`

The double enforces Slack's Tier 3 budget on conversations.history/replies (default the real 50 calls a
minute, in a sliding 60 s window) and the app paces to the same number (BACKFILL_CALLS_PER_MINUTE). The
real app is started in HTTP mode on a fresh SQLite store, `/tandem link` is sent signed, and the clock runs
until the backfill has stored every page (its cursor is cleared). Floor: the pages one pass over the
channel needs (its top-level messages, 200 a page, and each thread's replies) × (60 / calls per minute),
what any client that keeps to the tier must wait; the app reads the history in time slices, so it makes a
few more calls than that, and they count against it. Indexing is left to the index holder (`--with-index`
runs it in the same worker, as a single embedded-Chroma process does; `bench_ingest.py` measures it).
The messages are onboarding-dev's Slack messages over and over (about half carry an item, so the merge
step does real work); `--synthetic` uses one templated status line instead, which carries none.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the Slack test double lives in tests/

from aiohttp import web  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from bot.app import create_app, http_application  # noqa: E402
from bot.container import Container  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.store.cursors import get_cursor  # noqa: E402
from bot.store.db import session_scope  # noqa: E402
from bot.store.models import Item, Source  # noqa: E402
from handlers.backfill import HISTORY, PAGE_SIZE, REPLIES, cursor_name  # noqa: E402
from tests.slack_double import SlackDouble, SlackSender, slash_command  # noqa: E402

CHANNEL, IM, CUSTOMER = "C0BENCH001", "U0BENCHIM1", "U0BENCHCU1"
SECRET = "bench-signing-secret"
DAY = 86400.0
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def onboarding_texts(data: Path) -> list[str]:
    """The texts of onboarding-dev's Slack messages, in their order."""
    with (data / "onboarding-dev" / "records.jsonl").open(encoding="utf-8") as handle:
        return [r["text"] for r in map(json.loads, filter(str.strip, handle)) if r["kind"] == "slack"]


def synthetic_text(n: int) -> str:
    """A templated status line that carries no item."""
    return f"Update {n}: the sample import for batch {n % 97} is on track for Friday."


def _seed(slack: SlackDouble, messages: int, texts: list[str] | None) -> None:
    slack.add_user(IM, "ida", "Ida Sample", email="ida@vendor.example")
    slack.add_user(CUSTOMER, "carl", "Carl Sample", is_external=True)
    slack.add_channel(CHANNEL, "ext-sample", is_ext_shared=True, members=[IM, CUSTOMER])
    start = time.time() - 80 * DAY
    for n in range(messages):
        slack.add_message(CHANNEL, ts=f"{start + n * 80 * DAY / messages:.6f}", user=(IM, CUSTOMER)[n % 2],
                          text=texts[n % len(texts)] if texts else synthetic_text(n))


def single_pass_pages(slack: SlackDouble) -> int:
    """The fewest history and replies calls that read the channel: every top-level message, then each thread."""
    messages = slack.messages(CHANNEL)
    top_level = sum(1 for m in messages if m.get("thread_ts") in (None, m["ts"]))
    replies: dict[str, int] = {}
    for message in messages:
        if message.get("thread_ts") not in (None, message["ts"]):
            replies[message["thread_ts"]] = replies.get(message["thread_ts"], 0) + 1
    return max(1, math.ceil(top_level / PAGE_SIZE)) + sum(math.ceil((1 + n) / PAGE_SIZE) for n in replies.values())


def _backfilling(container: Container) -> bool:
    with session_scope(container.engine) as session:
        return get_cursor(session, name=cursor_name(CHANNEL)) is not None


def _stored(container: Container) -> int:
    with session_scope(container.engine) as session:
        return int(session.exec(select(func.count()).select_from(Source)).one())


def _items(container: Container) -> int:
    with session_scope(container.engine) as session:
        return int(session.exec(select(func.count()).select_from(Item)).one())


async def _backfill(messages: int, per_minute: float, with_index: bool, texts: list[str] | None,
                    data_dir: Path) -> dict[str, Any]:
    async with SlackDouble() as slack:
        _seed(slack, messages, texts)
        slack.enforce_rate_limits(window=60.0, tiers={3: round(per_minute)})
        settings = load_settings(tandem_data_dir=data_dir, database_url=None, chroma_url=None, chroma_path=None,
                                 slack_bot_token=slack.bot_token, slack_signing_secret=SECRET,
                                 slack_api_url=slack.api_url, backfill_calls_per_minute=per_minute,
                                 tandem_worker_poll_seconds=0.05)
        container = Container(settings)
        container.migrate()
        container.ingest  # noqa: B018 - load the extractor before timing
        if not with_index:  # another process holds the index (as with CHROMA_URL, or a separate indexer)
            container.hold_index = lambda: False  # type: ignore[method-assign]
        runtime = create_app(container)
        runner = web.AppRunner(http_application(runtime, with_scheduler=False), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
        try:
            async with SlackSender(url, SECRET) as sender:
                started = time.perf_counter()
                await sender.send_command(slash_command("link sample", user_id=IM, channel_id=CHANNEL,
                                                        response_url=slack.new_response_url()))
                await slack.wait_for("response_url", timeout=30)  # answered once the backfill is queued
                while await asyncio.to_thread(_backfilling, container):
                    await asyncio.sleep(0.05)
                seconds = time.perf_counter() - started
        finally:
            await runner.cleanup()
        stored = _stored(container)
        items = _items(container)
        container.close()
        pages = sum(1 for m in (HISTORY, REPLIES) for c in slack.calls_to(m) if c.status != 429)
        limited = sum(len(slack.calls_to(m, lambda c: c.status == 429)) for m in (HISTORY, REPLIES))
        floor_pages = single_pass_pages(slack)
    floor = floor_pages * 60.0 / per_minute
    return {"benchmark": "backfill", "messages": messages, "stored": stored, "pages": pages,
            "floor_pages": floor_pages,
            "calls_per_minute": per_minute, "with_index": with_index, "items": items,
            "texts": "onboarding-dev Slack messages" if texts else "synthetic status lines", "floor_s": round(floor, 1),
            "seconds": round(seconds, 1), "ratio": round(seconds / floor, 3), "rate_limited": limited,
            "messages_per_s": round(stored / seconds, 1)}


def run(messages: int = 10_000, per_minute: float = 50.0, with_index: bool = False, synthetic: bool = False,
        data: Path = DEFAULT_DATA) -> dict[str, Any]:
    """Backfill `messages` channel messages at `per_minute` history calls; the result row as a dict."""
    texts = None if synthetic else onboarding_texts(data)
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_backfill(messages, per_minute, with_index, texts, Path(tmp)))


def report(result: dict[str, Any]) -> str:
    """The result as a small table."""
    rows = [
        ("messages", result["texts"]),
        ("messages stored", f"{result['stored']} of {result['messages']}"),
        ("items extracted", str(result["items"])),
        ("pages (history + replies)", f"{result['pages']} read; one pass needs {result['floor_pages']}"),
        ("tier", f"{result['calls_per_minute']:g} calls/min per method (Tier 3)"),
        ("indexing in the same worker", "yes" if result["with_index"] else "no"),
        ("rate-limit floor", f"{result['floor_s']:.1f} s"),
        ("backfill", f"{result['seconds']:.1f} s = {result['ratio']:.2f}× the floor (target ≤ 1.1×)"),
        ("429s answered", str(result["rate_limited"])),
        ("throughput", f"{result['messages_per_s']:.1f} messages/s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"| {name:<{width}} | {value} |" for name, value in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--per-minute", type=float, default=50.0)
    parser.add_argument("--with-index", action="store_true")
    parser.add_argument("--synthetic", action="store_true", help="templated status lines instead of onboarding-dev")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    result = run(args.messages, args.per_minute, args.with_index, args.synthetic, args.data)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(report(result))


if __name__ == "__main__":
    main()
