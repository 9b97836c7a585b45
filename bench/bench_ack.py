"""Ack latency: the real app in HTTP mode against a bare Bolt app that only acks, same server stack.

`python -m bench.bench_ack [--requests 200] [--clients 1 10 50] [--accounts 50] [--sources 100000]`

- store: `--accounts` accounts (10 per IM) with `--sources` sources and 40 open items each, inserted by
  bulk SQL (bench/populate.py), not indexed — an ack never reads the index;
- app: `bot.app.create_app` + `http_application` (its worker on, the scheduler off) on a free loopback
  port; the floor is a bare `AsyncApp` whose listeners only ack, behind the same aiohttp route and Bolt
  adapter calls;
- load: another process (bench/ack_load.py) holds the Slack Web API double and sends signed requests
  over loopback — `/tandem next`, an @-mention, a channel message, a reaction — from 1, 10, 50
  concurrent clients; latency is from sending a request to having the whole HTTP response (the ack).
  After each cell the bench waits until the app has done the work the cell caused — the worker's queue
  is empty and every `/tandem next` was answered at its response_url — so cells do not overlap ("drain").
  Both servers run side by side; each cell is sent to the floor and then at once to the app, so that a
  drift in the host's speed during the run reaches both alike.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bench.ack_load import KINDS
from bench.common import finish, machine, percentiles, table, target
from bench.populate import populate
from bot.app import create_app, http_application
from bot.container import Container
from bot.process_tuning import freeze_start_up_objects, tune_serving_process
from bot.settings import load_settings
from bot.store.db import make_engine
from bot.store.migrate import upgrade

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
CUSTOMER = "U0BENCHCUST"
TARGET_P99_MS = 100.0
TARGET_RATIO = 2.0
TARGET_CLIENTS = 10


def floor_application(api_url: str) -> web.Application:
    """A bare Bolt app that only acks `/tandem` and the three events, on the same aiohttp route."""
    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET,
                    process_before_response=True)

    async def ack_only(ack: Any) -> None:
        await ack()

    async def nothing() -> None:
        return None

    bolt.command("/tandem")(ack_only)
    for event_type in ("app_mention", "message", "reaction_added"):
        bolt.event(event_type)(nothing)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.router.add_post("/slack/events", slack_events)
    return application


async def start_server(application: web.Application) -> tuple[web.AppRunner, str]:
    """Serve on a free loopback port; returns the runner and the Request URL."""
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"


class Loader:
    """The load process (double + clients), driven over its stdin and stdout."""

    def __init__(self, process: asyncio.subprocess.Process, api_url: str) -> None:
        self.process = process
        self.api_url = api_url

    @classmethod
    async def start(cls, workspace: dict[str, Any]) -> Loader:
        """Start `bench.ack_load` and read the double's URL."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.ack_load", json.dumps(workspace), cwd=str(Path(__file__).resolve().parents[1]),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**26)
        return cls(process, json.loads(await cls._line(process))["api_url"])

    @staticmethod
    async def _line(process: asyncio.subprocess.Process) -> str:
        assert process.stdout is not None
        line = await process.stdout.readline()
        if not line:
            raise RuntimeError("the load process ended early")
        return line.decode()

    async def run(self, url: str, kind: str, *, clients: int, requests: int, warmup: int) -> dict[str, Any]:
        """One cell: `requests` requests of `kind` from `clients` clients."""
        assert self.process.stdin is not None
        command = {"cmd": "run", "url": url, "secret": SECRET, "kind": kind, "clients": clients,
                   "requests": requests, "warmup": warmup}
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        return json.loads(await self._line(self.process))

    async def calls(self) -> dict[str, int]:
        """The Web API calls the double got so far, by method."""
        assert self.process.stdin is not None
        self.process.stdin.write(b'{"cmd": "calls"}\n')
        await self.process.stdin.drain()
        return json.loads(await self._line(self.process))

    async def stop(self) -> None:
        """Tell the load process to end and wait for it."""
        assert self.process.stdin is not None
        self.process.stdin.write(b'{"cmd": "stop"}\n')
        await self.process.stdin.drain()
        await asyncio.wait_for(self.process.wait(), timeout=30)


class Settler:
    """Waits after each cell until the app has done the work the cell caused: queued work and `next` answers."""

    def __init__(self, container: Container, kinds: tuple[str, ...], loader: Loader, timeout: float) -> None:
        self.container = container
        self.kinds = kinds
        self.loader = loader
        self.timeout = timeout
        self.answers_due = 0

    async def __call__(self, kind: str, sent: int) -> float:
        """Seconds until the queue is empty and every `/tandem next` sent so far was answered (at most the timeout)."""
        self.answers_due += sent if kind == "next" else 0
        started = time.perf_counter()
        while time.perf_counter() - started < self.timeout:
            inbox = self.container.event_inbox
            waiting = await asyncio.to_thread(inbox.count) if inbox is not None else 0
            counts = await asyncio.to_thread(self.container.queue.counts, self.kinds)
            answered = (await self.loader.calls()).get("response_url", 0)
            if not waiting and not counts.get("queued") and not counts.get("running") and answered >= self.answers_due:
                break
            await asyncio.sleep(0.1)
        return time.perf_counter() - started


async def measure_cell(loader: Loader, url: str, args: argparse.Namespace, kind: str, clients: int) -> dict[str, Any]:
    """One cell's latencies against one server."""
    cell = await loader.run(url, kind, clients=clients, requests=args.requests, warmup=args.warmup)
    return {**percentiles(cell["latencies_ms"]), "n": len(cell["latencies_ms"]), "errors": cell["errors"],
            "rate": round(len(cell["latencies_ms"]) / cell["wall_s"])}


async def measure(loader: Loader, floor_url: str, url: str, args: argparse.Namespace,
                  after_cell: Any) -> tuple[dict[tuple[str, int], dict], dict[tuple[str, int], dict]]:
    """Every (kind, clients) cell, the floor's and then the app's right after it (so that both meet the
    same state of the host), the app's work drained before the next cell."""
    floor, tandem = {}, {}
    for kind in args.kinds:
        for clients in args.clients:
            floor[(kind, clients)] = await measure_cell(loader, floor_url, args, kind, clients)
            cell = await measure_cell(loader, url, args, kind, clients)
            tandem[(kind, clients)] = {**cell, "drain_s": round(await after_cell(kind, args.requests + args.warmup), 1)}
    return floor, tandem


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Populate, measure the floor, then the real app; returns the result."""
    ims = max(1, args.accounts // 10)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/tandem.db"
        started = time.perf_counter()
        engine = make_engine(database_url)
        upgrade(engine)
        portfolio = populate(engine, ims=ims, accounts_per_im=args.accounts // ims,
                             sources_per_account=args.sources // args.accounts, items_per_account=40,
                             now=datetime.now(UTC))
        engine.dispose()
        populate_s = time.perf_counter() - started
        first_im = next(iter(portfolio.ims))
        workspace = {"token": TOKEN, "im": first_im, "ims": list(portfolio.ims), "customer": CUSTOMER,
                     "channel": portfolio.channels[portfolio.ims[first_im][0]], "channels": list(portfolio.channels.values())}
        loader = await Loader.start(workspace)
        container = Container(load_settings(
            tandem_data_dir=Path(tmp), database_url=database_url, slack_api_url=loader.api_url, slack_bot_token=TOKEN,
            slack_signing_secret=SECRET, slack_app_token=None, chroma_url=None, chroma_path=None, tandem_admins=""))
        try:
            floor_runner, floor_url = await start_server(floor_application(loader.api_url))
            tune_serving_process()  # as `tandem serve` does around building the app
            runtime = create_app(container)
            await asyncio.to_thread(container.embedder.embed, ["warm up"])  # a serving process has it loaded
            freeze_start_up_objects()
            if args.without_worker:
                runtime.worker.stop()  # its loop ends at once: the acks' own cost, without the work behind them
            runner, url = await start_server(http_application(runtime, with_scheduler=False))
            settler = Settler(container, runtime.worker.kinds, loader, 0 if args.without_worker else args.settle_timeout)
            floor, tandem = await measure(loader, floor_url, url, args, settler)
            await runner.cleanup()
            await floor_runner.cleanup()
            calls = await loader.calls()
            work = await asyncio.to_thread(container.queue.counts)
        finally:
            await loader.stop()
            container.close()
    return report(args, floor, tandem, populate_s, portfolio.sources, calls, work)


def report(args: argparse.Namespace, floor: dict, tandem: dict, populate_s: float, sources: int,
           calls: dict[str, int], work: dict[str, int]) -> dict[str, Any]:
    """The result dict: one row per kind and client count, targets at 10 clients."""
    rows, targets, measured = [], [], []
    at = TARGET_CLIENTS if TARGET_CLIENTS in args.clients else max(args.clients)  # tiny runs: their largest
    for (kind, clients), cell in tandem.items():
        base = floor[(kind, clients)]
        ratio = cell["p99"] / base["p99"] if base["p99"] else float("inf")
        rows.append([kind, clients, f"{base['p50']} / {base['p95']} / {base['p99']}",
                     f"{cell['p50']} / {cell['p95']} / {cell['p99']}", f"{ratio:.2f}", cell["rate"],
                     cell["errors"] + base["errors"], cell["drain_s"]])
        measured.append({"kind": kind, "clients": clients, "floor": base, "tandem": cell, "p99_ratio": round(ratio, 2)})
        if clients == at:
            targets.append(target(f"{kind} ack p99 at {clients} clients", f"≤ {TARGET_P99_MS:.0f} ms",
                                  f"{cell['p99']} ms", cell["p99"] <= TARGET_P99_MS))
            targets.append(target(f"{kind} ack p99 / floor p99 at {clients} clients", f"≤ {TARGET_RATIO:.0f}×",
                                  f"{ratio:.2f}×", ratio <= TARGET_RATIO))
    return finish({
        "bench": "ack",
        "title": "Ack latency (HTTP mode, signed requests over loopback)",
        "setup": (f"{args.accounts} accounts, {sources} sources, 40 open items per account, inserted by bulk SQL in "
                  f"{populate_s:.1f} s (not indexed). {args.requests} requests per cell after {args.warmup} warm-up; "
                  "the load generator and the Slack double run in a separate process. Floor: a bare Bolt AsyncApp "
                  "that only acks, same aiohttp route and Bolt adapter, served beside the app; each cell is sent "
                  "to the floor and at once after to the app. The app runs its worker (scheduler off); "
                  "'drain' is how long the app then took to finish the work that cell caused (queue empty, every "
                  "/tandem next answered)."),
        "tables": [table("Ack latency in ms (p50 / p95 / p99)",
                         ["request", "clients", "floor", "Tandem", "p99 ratio", "Tandem req/s", "errors", "drain s"],
                         rows)],
        "targets": targets,
        "notes": ["Slack's limit is 3 s; the ratio to the floor is what to compare across machines.",
                  *(["Run with --without-worker: queued work was not done."] if args.without_worker else []),
                  "The work behind the acks ran: the double got " + ", ".join(f"{n} {m}" for m, n in sorted(calls.items()))
                  + "; queued work by status at the end: " + ", ".join(f"{n} {s}" for s, n in sorted(work.items())) + "."],
        "machine": machine(),
        "measured": measured,
    })


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print and return the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000,
                        help="measured requests per cell (a p99 of 1,000 is its 10th slowest, not its 2nd)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured requests before each cell")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--sources", type=int, default=100_000)
    parser.add_argument("--without-worker", action="store_true",
                        help="diagnosis: stop the app's worker, so queued work waits and only the intake is measured")
    parser.add_argument("--settle-timeout", type=float, default=300.0,
                        help="longest wait for the worker per cell (a cell that outlasts it overlaps the next)")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
