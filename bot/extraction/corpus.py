"""Reading the labelled sets in ../shared/data used to train and evaluate the extractor."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.record_io import LineProblem, read_records
from bot.records import SourceRecord

ONBOARDING = "onboarding-dev"
_SENTENCE_TS = datetime(2026, 1, 5, 12, tzinfo=UTC)
ENRON_INTENT = "enron-email-intent/Ask0729-fixed.txt"


@dataclass(frozen=True)
class LabelledRecord:
    """A source record with its gold line from labels.jsonl."""

    record: SourceRecord
    items: list[dict[str, object]]
    resolves: list[str]
    restates: list[str]
    supersedes: list[str]


def load_onboarding(data_dir: Path) -> list[LabelledRecord]:
    """onboarding-dev records with their labels, in file order (accounts grouped, time-ordered)."""
    folder = data_dir / ONBOARDING
    with (folder / "records.jsonl").open(encoding="utf-8") as handle:
        records = [r for r in read_records(handle, require_account=True) if not isinstance(r, LineProblem)]
    labels = {}
    with (folder / "labels.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                label = json.loads(line)
                labels[label["id"]] = label
    return [
        LabelledRecord(
            record=r,
            items=labels[r.id]["items"],
            resolves=labels[r.id].get("resolves", []),
            restates=labels[r.id].get("restates", []),
            supersedes=labels[r.id].get("supersedes", []),
        )
        for r in records
        if r.id in labels
    ]


def load_state(data_dir: Path) -> dict[str, dict[str, list[dict[str, object]]]]:
    """The gold end state per account (state.json)."""
    data = json.loads((data_dir / ONBOARDING / "state.json").read_text(encoding="utf-8"))
    return data.get("accounts", data)


def load_enron_intent(data_dir: Path) -> list[tuple[str, bool]]:
    """(sentence, is_actionable) pairs of the Enron email-intent set."""
    pairs = []
    for line in (data_dir / ENRON_INTENT).read_text(encoding="utf-8", errors="replace").splitlines():
        label, _, sentence = line.partition("\t")
        if label in ("Yes", "No") and sentence.strip():
            pairs.append((sentence.strip(), label == "Yes"))
    return pairs


def sentence_record(text: str, index: int) -> SourceRecord:
    """A bare sentence (Enron, MailEx) as a one-line email record with no context."""
    return SourceRecord(id=f"s{index}", kind="email", ts=_SENTENCE_TS, author="Sender", text=text)


def by_account(labelled: list[LabelledRecord]) -> Iterator[tuple[str, list[LabelledRecord]]]:
    """Records grouped by account, in first-seen order."""
    groups: dict[str, list[LabelledRecord]] = {}
    for item in labelled:
        groups.setdefault(item.record.account or "", []).append(item)
    yield from groups.items()
