"""Train the clause classifier: `python -m bot.extraction.train [--data ../shared/data]`.

Training data: onboarding-dev (gold items aligned to the sentence that best supports them)
and the Enron email-intent sentences (as extra next-step examples). Nothing else.
Deterministic: the same data gives the same weights.json.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from bot.extraction.analysis import AnalysedRecord, ExtractionContext, analyse
from bot.extraction.corpus import (
    LabelledRecord,
    by_account,
    load_enron_intent,
    load_onboarding,
    sentence_record,
)
from bot.extraction.features import cue_flags
from bot.extraction.model import LABELS, WEIGHTS_PATH, ClauseModel, fit_binary
from bot.extraction.similarity import containment

ENRON_WEIGHT = 0.25
_KIND_CUES = {
    "blocker": {"gate", "defect", "until", "limit", "incapable", "party_pending", "lack"},
    "next_step": {"commit", "request", "third_will"},
    "decision": {"decide", "settle"},
}
DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def analyse_corpus(labelled: Sequence[LabelledRecord]) -> list[AnalysedRecord]:
    """Analyse every record with the earlier records of its account as context."""
    out = []
    for _, group in by_account(list(labelled)):
        earlier = []
        for item in group:
            out.append(analyse(item.record, ExtractionContext(earlier=list(earlier))))
            earlier.append(item.record)
    return out


def _alignment_score(item: dict[str, object], analysed: AnalysedRecord, index: int) -> float:
    sentence = analysed.sentences[index].sentence
    score = containment(str(item["summary"]), sentence.text)
    phrase = item.get("due_phrase")
    if isinstance(phrase, str) and phrase and phrase in sentence.text:
        score += 1.0
    if item.get("owner") and item["owner"] == sentence.speaker:
        score += 0.15
    cues = set(cue_flags(sentence.text))
    if cues & _KIND_CUES[str(item["kind"])]:
        score += 0.25
    return score


def sentence_labels(analysed: AnalysedRecord, items: Sequence[dict[str, object]]) -> list[set[str]]:
    """For each sentence, the gold kinds whose item it supports best."""
    kinds: list[set[str]] = [set() for _ in analysed.sentences]
    for item in items:
        if not analysed.sentences:
            break
        best = max(range(len(analysed.sentences)), key=lambda i: _alignment_score(item, analysed, i))
        kinds[best].add(str(item["kind"]))
    return kinds


SUPPORT_RATIO = 0.6
SUPPORT_MIN = 0.3


def secondary_support(analysed: AnalysedRecord, items: Sequence[dict[str, object]]) -> list[set[str]]:
    """For each sentence, the gold kinds it also supports (summary overlap close to the best sentence's) without
    being the aligned one: such a sentence is left out of that kind's negatives, not taught as a non-item."""
    out: list[set[str]] = [set() for _ in analysed.sentences]
    best_of = sentence_labels(analysed, items)
    for item in items:
        kind = str(item["kind"])
        overlaps = [containment(str(item["summary"]), s.sentence.text) for s in analysed.sentences]
        if not overlaps:
            break
        top = max(overlaps)
        for index, value in enumerate(overlaps):
            if kind not in best_of[index] and value >= SUPPORT_MIN and value >= SUPPORT_RATIO * top:
                out[index].add(kind)
    return out


def record_features(analysed: AnalysedRecord) -> list[int]:
    """Features of a whole record: the union of its own (not forwarded) sentences' features."""
    return sorted({f for s in analysed.sentences if not s.sentence.forwarded for f in s.features})


def enron_rows(pairs: Sequence[tuple[str, bool]]) -> list[tuple[list[int], int, str]]:
    """Enron intent sentences, each read as a one-line email, as (features, target, sentence text)
    rows for the next-step classifier."""
    rows = []
    for index, (text, actionable) in enumerate(pairs):
        analysed = analyse(sentence_record(text, index), ExtractionContext())
        rows.extend((sentence.features, int(actionable), sentence.sentence.text) for sentence in analysed.sentences)
    return rows


def fit(
    analysed: Sequence[AnalysedRecord],
    labelled: Sequence[LabelledRecord],
    extra_next_steps: Sequence[tuple[list[int], int, str]] = (),
) -> ClauseModel:
    """Train the four classifiers on aligned records (and optional extra next-step rows)."""
    rows, targets, weights, _ = training_rows(analysed, labelled, extra_next_steps)
    return ClauseModel(
        {label: fit_binary(rows[label], targets[label], sample_weights=weights[label]) for label in LABELS}
    )


Rows = tuple[dict[str, list[list[int]]], dict[str, list[int]], dict[str, list[float]], dict[str, list[str]]]


def training_rows(
    analysed: Sequence[AnalysedRecord],
    labelled: Sequence[LabelledRecord],
    extra_next_steps: Sequence[tuple[list[int], int, str]] = (),
) -> Rows:
    """Per label: feature rows, targets, sample weights and sentence texts (record features for resolution)."""
    rows: dict[str, list[list[int]]] = {label: [] for label in LABELS}
    targets: dict[str, list[int]] = {label: [] for label in LABELS}
    weights: dict[str, list[float]] = {label: [] for label in LABELS}
    texts: dict[str, list[str]] = {label: [] for label in LABELS}
    for record, gold in zip(analysed, labelled, strict=True):
        support = secondary_support(record, gold.items)
        for sentence, kinds, also in zip(record.sentences, sentence_labels(record, gold.items), support, strict=True):
            for label in LABELS[:3]:
                if label in also:
                    continue
                rows[label].append(sentence.features)
                targets[label].append(int(label in kinds))
                weights[label].append(1.0)
                texts[label].append(sentence.sentence.text)
        if record.sentences:
            rows["resolution"].append(record_features(record))
            targets["resolution"].append(int(bool(gold.resolves)))
            weights["resolution"].append(1.0)
            texts["resolution"].append(record.record.text)
    for features, target, text in extra_next_steps:
        rows["next_step"].append(features)
        targets["next_step"].append(target)
        weights["next_step"].append(ENRON_WEIGHT)
        texts["next_step"].append(text)
    return rows, targets, weights, texts


def train_shipped(data_dir: Path) -> ClauseModel:
    """The shipped model: all of onboarding-dev plus the Enron intent sentences."""
    labelled = load_onboarding(data_dir)
    return fit(analyse_corpus(labelled), labelled, enron_rows(load_enron_intent(data_dir)))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    train_shipped(args.data).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
