"""What every benchmark shares: the machine it ran on, percentiles, and the result it hands to run_all.

A bench's `main(argv)` returns a result dict and, when `BENCH_RESULT_JSON` names a file (run_all sets
it), writes the dict there as JSON. The dict has `bench`, `title`, `setup` (one paragraph), `tables`
(each `{"title", "columns", "rows"}`), `targets` (each `{"what", "target", "measured", "ok"}`), `notes`,
`machine`, and the raw numbers under `measured`.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT_ENV = "BENCH_RESULT_JSON"


def _proc_field(path: str, name: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(name):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python, load average, the commit and the date."""
    mem_kb = _proc_field("/proc/meminfo", "MemTotal")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                    capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    return {
        "cpu": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem_kb.split()[0]) / 1024 / 1024, 1) if mem_kb else None,
        "python": platform.python_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "commit": commit + (" with uncommitted changes" if dirty else ""),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_line(info: dict[str, Any]) -> str:
    """The machine as one line of text."""
    return (f"{info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB, Python {info['python']}, "
            f"load average at the end {', '.join(str(x) for x in info['load_average'])}; commit {info['commit']}; {info['date']}")


def percentiles(values_ms: Sequence[float], points: Sequence[int] = (50, 95, 99)) -> dict[str, float]:
    """`{"p50": …, "p95": …}` of millisecond values, rounded to 0.1 ms."""
    array = np.asarray(values_ms, dtype=float)
    return {f"p{p}": round(float(np.percentile(array, p)), 1) for p in points}


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def target(what: str, goal: str, measured: str, ok: bool) -> dict[str, Any]:
    """One target line of a result."""
    return {"what": what, "target": goal, "measured": measured, "ok": bool(ok)}


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, Any]:
    """One table of a result."""
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows]}


def print_result(result: dict[str, Any]) -> None:
    """The result as plain text on stdout."""
    print(f"== {result['title']}")
    print(f"machine: {machine_line(result['machine'])}")
    print(result["setup"])
    for part in result["tables"]:
        print(f"\n{part['title']}")
        widths = [max(len(str(c)), *(len(str(r[i])) for r in part["rows"])) if part["rows"] else len(str(c))
                  for i, c in enumerate(part["columns"])]
        print("  ".join(str(c).ljust(w) for c, w in zip(part["columns"], widths, strict=True)))
        for row in part["rows"]:
            print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))
    for goal in result["targets"]:
        print(f"target {goal['what']}: {goal['target']} -> {goal['measured']} "
              f"{'PASS' if goal['ok'] else 'MISS'}")
    for note in result["notes"]:
        print(f"note: {note}")
    sys.stdout.flush()


def finish(result: dict[str, Any]) -> dict[str, Any]:
    """Print the result, write it where run_all asked (if it did), and return it."""
    print_result(result)
    path = os.environ.get(RESULT_ENV)
    if path:
        Path(path).write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return result
