"""`make bench`: run the benchmarks and write BENCHMARKS.md; `python bench/run_all.py ack queries` runs some.

Each bench runs in its own process (`python -m bench.<module>`) from the repository root, its output
shown as it comes. A bench that writes a result dict (bench/common.py, through `BENCH_RESULT_JSON`)
gets tables and targets in BENCHMARKS.md; one that only prints gets its output quoted, with the targets
read off its last lines. Only the sections of the benches that ran are replaced; the others stay, and so
does any hand-written section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` markers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULT_ENV, ROOT, machine, machine_line, target  # noqa: E402

OUT = ROOT / "BENCHMARKS.md"
INDEX_DIR_ARG = "{index_dir}"


def _no_targets(_output: str) -> list[dict[str, Any]]:
    return []


def _ingest_targets(output: str) -> list[dict[str, Any]]:
    found = re.search(r"= ([\d.]+) of the floor", output)
    return [target("end-to-end ingest / embed-and-add floor", "≥ 0.7", found.group(1), float(found.group(1)) >= 0.7)] \
        if found else []


def _answer_targets(output: str) -> list[dict[str, Any]]:
    found = re.search(r"offline answer latency .*?p95 (\d+) ms", output)
    return [target("offline ask p95 (bench_answer)", "≤ 250 ms", f"{found.group(1)} ms", int(found.group(1)) <= 250)] \
        if found else []


@dataclass(frozen=True)
class Bench:
    """One benchmark: its module in bench/, arguments, and how to read targets off a printed report."""

    name: str
    module: str
    title: str
    args: tuple[str, ...] = ()
    read_targets: Callable[[str], list[dict[str, Any]]] = _no_targets


BENCHES = (
    Bench("extract", "bench_extract", "Extraction throughput"),
    Bench("ingest", "bench_ingest", "Ingest throughput", read_targets=_ingest_targets),
    Bench("ack", "bench_ack", "Ack latency"),
    # queries builds the 100k-chunk index once; answer then reuses it (same layout, same marker file)
    Bench("queries", "bench_queries", "Queries", ("--index-dir", INDEX_DIR_ARG)),
    Bench("answer", "bench_answer", "Offline answers, with the parts of their cost", ("--index-dir", INDEX_DIR_ARG),
          read_targets=_answer_targets),
    Bench("backfill", "bench_backfill", "Backfill"),
    Bench("digest", "bench_digest", "Digest fan-out"),
    Bench("memory", "bench_memory", "Memory"),
)


def available() -> list[Bench]:
    """The benches whose module is there (bench_backfill.py may not be yet)."""
    return [b for b in BENCHES if (ROOT / "bench" / f"{b.module}.py").is_file()]


def run_one(bench: Bench, index_dir: Path) -> tuple[int, str, dict[str, Any] | None]:
    """Run a bench, echoing its stdout; returns its exit code, its stdout and its result dict (if it wrote one)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_path = Path(handle.name)
    args = [str(index_dir) if a == INDEX_DIR_ARG else a for a in bench.args]
    env = {**os.environ, RESULT_ENV: str(result_path)}
    lines = []
    with subprocess.Popen([sys.executable, "-m", f"bench.{bench.module}", *args], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    text = result_path.read_text(encoding="utf-8") if result_path.exists() else ""
    result_path.unlink(missing_ok=True)
    return process.returncode, "".join(lines), json.loads(text) if text.strip() else None


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|")


def markdown_table(columns: list[str], rows: list[list[Any]]) -> list[str]:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(_cell(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)
    return lines


def targets_table(targets: list[dict[str, Any]]) -> list[str]:
    """The targets with pass or miss."""
    if not targets:
        return []
    rows = [[t["what"], t["target"], t["measured"], "pass" if t["ok"] else "**MISS**"] for t in targets]
    return ["", "Targets:", "", *markdown_table(["what", "target", "measured", "result"], rows)]


def section(bench: Bench, code: int, output: str, result: dict[str, Any] | None, before: dict[str, Any]) -> str:
    """The bench's part of BENCHMARKS.md."""
    lines = [f"<!-- bench:{bench.name} -->", f"## {result['title'] if result else bench.title}", ""]
    info = result["machine"] if result else machine()
    lines.append(f"Machine: {machine_line(info)} (load average before the run: "
                 f"{', '.join(str(x) for x in before['load_average'])}). "
                 f"Run: `python bench/run_all.py {bench.name}`.")
    if code != 0:
        lines += ["", f"**The bench failed (exit code {code}).** Its last output:", "", "```text",
                  *output.strip().splitlines()[-20:], "```"]
    elif result:
        lines += ["", result["setup"]]
        for part in result["tables"]:
            lines += ["", f"{part['title']}:", "", *markdown_table(part["columns"], part["rows"])]
        lines += targets_table(result["targets"])
        if result["notes"]:
            lines += [""] + [f"- {note}" for note in result["notes"]]
    else:
        lines += ["", "```text", *output.strip().splitlines(), "```"]
        lines += targets_table(bench.read_targets(output))
    lines += [f"<!-- /bench:{bench.name} -->"]
    return "\n".join(lines)


HEADER = """# Benchmarks

How fast Tandem acks, ingests, ranks, answers and fans out, and how much memory it holds, each measured
beside a floor where one exists. Written by `make bench`, or by `python bench/run_all.py BENCH …` for
some of: {names}.
Each section says the machine, the commit and the date of its run. Absolute numbers move with the host
and its load (a shared 2-core machine is noisy): compare runs by the ratios.
"""


def write(sections: dict[str, str]) -> None:
    """Replace the sections that ran in BENCHMARKS.md, keeping the others (hand-written ones last)."""
    existing = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
    kept = {name: text for text, name in re.findall(r"(<!-- bench:(\w+) -->.*?<!-- /bench:\2 -->)", existing, re.S)}
    kept.update(sections)
    names = [b.name for b in BENCHES]
    # benches in their order, then hand-written sections (e.g. <!-- bench:findings -->) as they were
    body = [kept[n] for n in names if n in kept] + [text for n, text in kept.items() if n not in names]
    OUT.write_text(HEADER.format(names=", ".join(b.name for b in BENCHES)) + "\n" + "\n\n".join(body) + "\n",
                   encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the named benches (default: all there are), print their reports and write BENCHMARKS.md."""
    names = argv if argv is not None else sys.argv[1:]
    benches = available()
    unknown = [n for n in names if n not in {b.name for b in benches}]
    if unknown:
        print(f"unknown bench {', '.join(unknown)}; choose from {', '.join(b.name for b in benches)}", file=sys.stderr)
        return 2
    chosen = [b for b in benches if not names or b.name in names]
    sections, failed = {}, 0
    with tempfile.TemporaryDirectory(prefix="tandem-bench-index-") as index_dir:
        for bench in chosen:
            print(f"== {bench.name} (bench/{bench.module}.py)", flush=True)
            before = machine()
            code, output, result = run_one(bench, Path(index_dir))
            failed += code != 0
            sections[bench.name] = section(bench, code, output, result, before)
    write(sections)
    print(f"wrote {OUT}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
