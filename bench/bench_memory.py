"""Peak memory of `tandem serve --http` (a real process): idle, with the embedding model loaded, under ingest.

`python -m bench.bench_memory [--records 2000] [--events 300]`

The server runs as `python -m bot serve --http` on a SQLite data dir against the Slack Web API double
(in this process). Its VmRSS and VmHWM (peak) are read from /proc/<pid>/status every 50 ms through
three phases:
1. idle after start-up;
2. after one @-mention was answered (the embedding model is loaded by then), idle again;
3. ingest load: `tandem ingest` of `--records` records (onboarding-dev, repeated under fresh ids and
   accounts) in a second process — which stores and extracts, and leaves the indexing (embedding) to the
   server — while `--events` message events are posted to the server over signed HTTP, until the
   server's worker has nothing left to do.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT, finish, free_port, machine, table, target
from bench.populate import sentence
from bot.store.db import make_engine, session_scope
from bot.store.migrate import upgrade
from bot.store.models import Account, ChannelLink
from bot.store.queue import WorkQueue
from tests.integration.serving import wait_until_healthy
from tests.slack_double import SlackDouble, SlackSender, event_callback
from tests.slack_double.events import app_mention, message
from tests.slack_double.state import DEFAULT_BOT_USER_ID

DATA = ROOT.parent / "shared" / "data" / "onboarding-dev" / "records.jsonl"
TOKEN = "xoxb-bench-token"
SECRET = "bench-signing-secret"
IM = "U0BENCHIM000"
CUSTOMER = "U0BENCHCUST"
CHANNEL = "C0BENCHMEM"
TARGET_MB = 700


def status_mb(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, in MB."""
    values = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount = line.split(":", 1)
                values[name] = int(amount.split()[0]) / 1024
    return values


class Sampler:
    """Reads a process's memory every `interval` seconds; keeps the highest RSS seen per phase."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid = pid
        self.interval = interval
        self.phase = "start-up"
        self.peaks: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Sample in the background."""
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                rss = status_mb(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0.0), rss)
            await asyncio.sleep(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()


def records_file(path: Path, count: int) -> int:
    """Write `count` records: onboarding-dev's, repeated under fresh ids and accounts; returns how many."""
    base = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            record = dict(base[n % len(base)])
            copy = n // len(base)
            record["id"] = f"{record['id']}-copy{copy}"
            record["account"] = f"{record['account']}-copy{copy}"
            out.write(json.dumps(record) + "\n")
    return count


def prepare_store(database_url: str) -> None:
    """One account whose shared channel is linked, so messages and mentions there are taken in."""
    engine = make_engine(database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        account = Account(key="acct-memory", name="Memory Bench Co", owner_user_id=IM)
        session.add(account)
        session.flush()
        session.add(ChannelLink(channel_id=CHANNEL, account_id=account.id or 0, channel_name="ext-memory",
                                is_external=True))
    engine.dispose()


async def wait_idle(queue: WorkQueue, timeout: float) -> float:
    """Seconds until the server's queue has nothing queued or running (at most `timeout`)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        counts = await asyncio.to_thread(queue.counts)
        if not counts.get("queued") and not counts.get("running"):
            break
        await asyncio.sleep(0.25)
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start the server, go through the phases, stop it; returns the result."""
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/tandem.db"
        prepare_store(database_url)
        records = records_file(Path(tmp) / "records.jsonl", args.records) if args.records else 0
        async with SlackDouble(bot_token=TOKEN) as slack:
            slack.add_user(IM, "im", "Bench IM", tz="Europe/Berlin")
            slack.add_user(CUSTOMER, "customer", "Customer Person", is_external=True)
            slack.add_channel(CHANNEL, "ext-memory", is_ext_shared=True, members=[IM, CUSTOMER])
            port = free_port()
            env = {**os.environ, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": TOKEN,
                   "SLACK_SIGNING_SECRET": SECRET, "DATABASE_URL": database_url, "TANDEM_DATA_DIR": tmp,
                   "TANDEM_LOG_LEVEL": "WARNING"}
            env.pop("SLACK_APP_TOKEN", None)
            server = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port), env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            sampler = Sampler(server.pid)
            sampler.start()
            queue = WorkQueue(make_engine(database_url), worker_id="bench")
            timings: dict[str, float] = {}
            try:
                started = time.perf_counter()
                await wait_until_healthy(port, timeout=120, interval=0.2)
                timings["start-up"] = time.perf_counter() - started
                sampler.phase = "idle"
                await asyncio.sleep(args.idle)
                async with SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET) as sender:
                    sampler.phase = "model loaded"
                    started = time.perf_counter()
                    await sender.send_event(event_callback(app_mention(
                        CHANNEL, IM, f"<@{DEFAULT_BOT_USER_ID}> when is go-live?"), is_ext_shared_channel=True))
                    await slack.wait_for("chat.postEphemeral", timeout=120)
                    timings["model loaded"] = time.perf_counter() - started
                    await asyncio.sleep(args.idle)
                    sampler.phase = "ingest load"
                    started = time.perf_counter()
                    ingest = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot", "ingest", str(Path(tmp) / "records.jsonl"), env=env,
                        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL) if records else None
                    rng = random.Random(5)
                    for n in range(args.events):
                        ts = f"{1_800_000_000 + n}.000100"
                        text = sentence(rng)
                        slack.add_message(CHANNEL, ts=ts, user=CUSTOMER, text=text)
                        await sender.send_event(event_callback(message(CHANNEL, CUSTOMER, text, ts=ts),
                                                               is_ext_shared_channel=True))
                    if ingest is not None:
                        await ingest.wait()
                    await asyncio.sleep(1.5)  # the worker polls every 0.5 s
                    await wait_idle(queue, args.timeout)
                    timings["ingest load"] = time.perf_counter() - started
                peak = status_mb(server.pid)
            finally:
                sampler.stop()
                server.send_signal(signal.SIGINT)
                _, err = await asyncio.wait_for(server.communicate(), timeout=60)
                queue.engine.dispose()
            if b"Traceback" in err:
                raise RuntimeError(err.decode()[-2000:])
    return report(args, records, sampler.peaks, peak, timings)


def report(args: argparse.Namespace, records: int, peaks: dict[str, float], final: dict[str, float],
           timings: dict[str, float]) -> dict[str, Any]:
    """The result: highest RSS per phase and the process's own peak (VmHWM)."""
    rows = [[phase, round(mb), round(timings.get(phase, args.idle), 1)] for phase, mb in peaks.items()]
    hwm = final["VmHWM"]
    return finish({
        "bench": "memory",
        "title": "Memory of tandem serve --http",
        "setup": (f"A real `python -m bot serve --http` process on SQLite and embedded Chroma, against the Slack "
                  f"double. Ingest load: `tandem ingest` of {records} records (a second process stores and "
                  f"extracts; the server embeds and indexes them) and {args.events} message events over signed "
                  "HTTP (the server stores, extracts and indexes them), until the server's queue was empty. "
                  "RSS sampled every 50 ms from /proc/<pid>/status."),
        "tables": [table("Resident memory of the server (MB)", ["phase", "highest VmRSS", "seconds"], rows),
                   table("Peak", ["VmHWM (MB)", "VmRSS at the end (MB)"], [[round(hwm), round(final["VmRSS"])]])],
        "targets": [target("peak RSS (VmHWM)", f"≤ {TARGET_MB} MB", f"{hwm:.0f} MB", hwm <= TARGET_MB)],
        "notes": ["Seconds: start-up until /healthz answers; model loaded until the first answer was posted; "
                  "ingest load until the server's queue was empty; idle phases last --idle seconds."],
        "machine": machine(),
        "measured": {"peaks_mb": {k: round(v, 1) for k, v in peaks.items()}, "vmhwm_mb": round(hwm, 1),
                     "timings_s": {k: round(v, 1) for k, v in timings.items()}},
    })


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse arguments, run, print and return the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000, help="records for `tandem ingest` (0: none)")
    parser.add_argument("--events", type=int, default=300, help="message events posted to the server")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds each idle phase lasts")
    parser.add_argument("--timeout", type=float, default=300.0, help="longest wait for the server's queue")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
