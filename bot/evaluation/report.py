"""`tandem eval` / `make eval`: run every evaluation and write EVALUATION.md with the commit and date."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bot.evaluation import extraction_eval, retrieval_eval

DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, cwd=Path(__file__).resolve().parent).stdout.strip()
        return out.stdout.strip() + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def header(now: datetime) -> str:
    """Where and when the numbers were measured."""
    return (
        f"Measured by `make eval` (`tandem eval`) at commit `{_commit()}` on {now:%Y-%m-%d %H:%M} UTC, "
        f"on {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}. "
        "Data: `../shared/data` (read in place). Nothing here is hand-written: rerun to refresh.\n"
    )


def replace_block(text: str, name: str, body: str) -> str:
    """`text` with the generated block `name` replaced by `body` (appended when the markers are missing)."""
    start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        return text[: text.index(start)] + block + text[text.index(end) + len(end):]
    return text.rstrip() + "\n\n" + block + "\n"


def write_report(data_dir: Path, out: Path, *, qmsum_train: bool = False) -> str:
    """Run the evaluations and refresh the generated blocks of the report (its prose is kept)."""
    extraction = extraction_eval.render_markdown(extraction_eval.run(data_dir))
    retrieval = retrieval_eval.render_markdown(retrieval_eval.run(data_dir, qmsum_train=qmsum_train))
    text = out.read_text(encoding="utf-8") if out.exists() else "# Evaluation\n"
    for name, body in (("measured", header(datetime.now(UTC))), ("extraction", extraction),
                       ("retrieval", retrieval)):
        text = replace_block(text, name, body)
    out.write_text(text, encoding="utf-8")
    return text
