"""Query latency on a populated store: `next` for an IM with 10 accounts, `blockers`, and an offline `ask`.

`python -m bench.bench_queries [--accounts 50] [--sources 100000] [--chunks 100000] [--repeat 200] [--index-dir DIR]`

- store: `--accounts` accounts (10 per IM), `--sources` sources and 40 open items per account, inserted by
  bulk SQL (bench/populate.py);
- `next` and `blockers` run the code of the slash commands: the accounts the IM sees
  (`repos.accounts_visible_to`), `next_items` / `list_items`, then the Block Kit the command answers with
  (`handlers.blocks`); `next` is also timed as the CLI renders it (`bot.render.next_text`);
- `ask` runs `AskService.answer` (what `/tandem ask` calls in an account channel) over `--chunks` chunks
  built by bench_answer.build (random unit vectors, synthetic text, same account keys); each question is
  embedded afresh with the real model. `--index-dir` keeps that index for the next run and for bench_answer.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.bench_answer import QUESTIONS, build
from bench.common import finish, machine, percentiles, table, target
from bench.populate import TIMEZONES, populate
from bot.ask import ALL_VISIBILITIES, EXTERNAL_ONLY, AskScope, AskService
from bot.item_queries import list_items
from bot.localtime import local_date
from bot.next_items import next_items, stall_days_for
from bot.render import next_text
from bot.store import repos
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from handlers import blocks
from retrieval import MiniLMEmbedder, Retriever
from retrieval.embeddings import clear_query_cache

TARGET_NEXT_P95_MS = 100.0
TARGET_ASK_P95_MS = 250.0


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> list[float]:
    """Milliseconds of each of `repeat` calls, after `warmup` unmeasured ones."""
    for _ in range(warmup):
        fn()
    latencies = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        latencies.append(1000 * (time.perf_counter() - started))
    return latencies


def slash_next(engine: Any, user_id: str, now: datetime, tz: str) -> Callable[[], Any]:
    """What `/tandem next` runs (handlers/next_view.py `NextView.blocks_for`)."""
    def run() -> Any:
        with session_scope(engine) as session:
            accounts = repos.accounts_visible_to(session, user_id=user_id, is_lead=False)
            items = next_items(session, accounts=accounts, today=local_date(now, tz),
                               stall_days=stall_days_for(session, user_id), tz=tz)
            return blocks.next_blocks(items, page=0)
    return run


def cli_next(engine: Any, user_id: str, now: datetime, tz: str) -> Callable[[], Any]:
    """What `tandem next --user U` runs."""
    def run() -> Any:
        with session_scope(engine) as session:
            accounts = repos.accounts_visible_to(session, user_id=user_id, is_lead=False)
            return next_text(next_items(session, accounts=accounts, today=local_date(now, tz),
                                        stall_days=stall_days_for(session, user_id), tz=tz))
    return run


def slash_blockers(engine: Any, user_id: str, account_key: str | None) -> Callable[[], Any]:
    """What `/tandem blockers` runs: in a DM (the IM's accounts) or in one account's channel."""
    def run() -> Any:
        with session_scope(engine) as session:
            accounts = [repos.get_account(session, key=account_key)] if account_key else \
                list(repos.accounts_visible_to(session, user_id=user_id, is_lead=False))
            views = list_items(session, accounts=accounts, kind="blocker")
            return blocks.items_blocks("Open blockers", views, empty="No open blockers. :tada:")
    return run


def ask_latencies(engine: Any, index_dir: Path, args: argparse.Namespace, keys: list[str]) -> tuple[list[float], float, bool]:
    """Offline answers over the synthetic index: latencies, seconds to build it, and whether it was reused."""
    index_dir.mkdir(parents=True, exist_ok=True)
    marker = index_dir / "built"
    reuse = marker.exists() and marker.read_text().split() == [str(args.chunks), str(args.accounts)]
    retriever = Retriever.embedded(str(index_dir / "chroma"), make_engine(f"sqlite:///{index_dir}/kw.db"),
                                   embedder=MiniLMEmbedder())
    started = time.perf_counter()
    if not reuse:
        build(retriever, args.chunks, args.accounts)
        marker.write_text(f"{args.chunks} {args.accounts}\n")
    build_s = time.perf_counter() - started
    asker = AskService(engine, lambda: retriever)
    with session_scope(engine) as session:
        accounts = {key: repos.get_account(session, key=key) for key in keys}
    rng = random.Random(1)

    def one() -> None:
        account = accounts[rng.choice(keys)]
        # as an internal asker (every visibility) or a customer with customer answers on (external only)
        visibilities = ALL_VISIBILITIES if rng.random() < 0.5 else EXTERNAL_ONLY
        clear_query_cache()  # a new question each time: embedding it is part of the answer's cost
        asker.answer(rng.choice(QUESTIONS), AskScope([account], visibilities, account.name))

    return timed(one, args.repeat), build_s, reuse


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Populate, then time each query; returns the result."""
    ims = max(1, args.accounts // 10)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/tandem.db")
        upgrade(engine)
        started = time.perf_counter()
        portfolio = populate(engine, ims=ims, accounts_per_im=args.accounts // ims,
                             sources_per_account=args.sources // args.accounts, items_per_account=40, now=now)
        populate_s = time.perf_counter() - started
        im, owned = next(iter(portfolio.ims.items()))
        tz = TIMEZONES[0]
        series = {
            f"next, /tandem next ({len(owned)} accounts, Block Kit)": timed(slash_next(engine, im, now, tz), args.repeat),
            f"next, CLI text ({len(owned)} accounts)": timed(cli_next(engine, im, now, tz), args.repeat),
            f"blockers, /tandem blockers in a DM ({len(owned)} accounts)": timed(slash_blockers(engine, im, None), args.repeat),
            "blockers, /tandem blockers in an account channel": timed(slash_blockers(engine, im, owned[0]), args.repeat),
        }
        index_dir = Path(args.index_dir) if args.index_dir else Path(tmp) / "index"
        ask_ms, build_s, reused = ask_latencies(engine, index_dir, args, portfolio.accounts)
        series[f"ask, offline answer ({args.chunks} chunks)"] = ask_ms
        engine.dispose()
    stats = {name: percentiles(values, (50, 95)) for name, values in series.items()}
    next_p95 = next(v["p95"] for k, v in stats.items() if k.startswith("next, /tandem"))
    ask_p95 = stats[f"ask, offline answer ({args.chunks} chunks)"]["p95"]
    return finish({
        "bench": "queries",
        "title": "Queries: next, blockers, ask",
        "setup": (f"{args.accounts} accounts, {portfolio.sources} sources, {portfolio.items} open items "
                  f"(bulk SQL, {populate_s:.1f} s); the IM owns {len(owned)} accounts. Ask index: {args.chunks} "
                  f"synthetic chunks ({'reused' if reused else f'built in {build_s:.0f} s'}), questions embedded "
                  f"with the real model. {args.repeat} calls each after 3 warm-up calls, one process."),
        "tables": [table("Latency in ms", ["query", "p50", "p95"],
                         [[name, s["p50"], s["p95"]] for name, s in stats.items()])],
        "targets": [target("next p95 (/tandem next, 10 accounts)", f"≤ {TARGET_NEXT_P95_MS:.0f} ms", f"{next_p95} ms",
                           next_p95 <= TARGET_NEXT_P95_MS),
                    target(f"offline ask p95 ({args.chunks} chunks)", f"≤ {TARGET_ASK_P95_MS:.0f} ms", f"{ask_p95} ms",
                           ask_p95 <= TARGET_ASK_P95_MS)],
        "notes": ["Half the questions are asked as a customer (external content only), half internally."],
        "machine": machine(),
        "measured": stats,
    })


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print and return the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--sources", type=int, default=100_000)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--index-dir", help="keep the ask index here and reuse it (bench_answer takes the same)")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
