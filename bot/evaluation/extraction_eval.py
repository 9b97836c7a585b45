"""Extraction evaluation: `python -m bot.evaluation.extraction_eval [--data ../shared/data]`.

Reports, on onboarding-dev: record-level precision/recall/F1 per kind for the keyword baseline,
the shipped model and leave-one-account-out models (trained without the scored account); owner,
ball-in-court, category and due-date accuracy on matched items; the end state after replaying
every record through the real ingest path (IngestService + ItemStore on a temp SQLite file),
against state.json. Then the Enron email-intent F1 on the
actionable class and the MailEx Request_Action recall at email level.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from bot.extraction.analysis import ExtractionContext
from bot.extraction.baseline import keyword_items
from bot.extraction.corpus import (
    LabelledRecord,
    by_account,
    load_enron_intent,
    load_onboarding,
    load_state,
    sentence_record,
)
from bot.extraction.extractor import OfflineExtractor
from bot.extraction.model import ClauseModel
from bot.extraction.similarity import containment
from bot.extraction.train import DEFAULT_DATA, analyse_corpus, enron_rows, fit
from bot.records import ExtractedItem, SourceRecord

KINDS = ("blocker", "next_step", "decision")
MATCH_THRESHOLD = 0.2
ENRON_FOLDS = 5
Extract = Callable[[SourceRecord, ExtractionContext], list[ExtractedItem]]


class Extractor(Protocol):
    """Anything with the extractor's `extract`."""

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]: ...


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f1": round(f1, 3), "support": tp + fn}


def _contexts(labelled: Sequence[LabelledRecord]) -> list[ExtractionContext]:
    contexts = []
    for _, group in by_account(list(labelled)):
        earlier: list[SourceRecord] = []
        for item in group:
            contexts.append(ExtractionContext(earlier=list(earlier)))
            earlier.append(item.record)
    return contexts


def record_level(labelled: Sequence[LabelledRecord], predicted: Sequence[list[ExtractedItem]]) -> dict[str, object]:
    """Per-kind P/R/F1 where a record "has kind K" when one of its lines has kind K."""
    out: dict[str, object] = {}
    for kind in (*KINDS, "resolution"):
        tp = fp = fn = 0
        for gold, items in zip(labelled, predicted, strict=True):
            has_gold = bool(gold.resolves) if kind == "resolution" else any(i["kind"] == kind for i in gold.items)
            has_pred = any(i.kind == kind for i in items)
            tp += has_gold and has_pred
            fp += has_pred and not has_gold
            fn += has_gold and not has_pred
        out[kind] = prf(tp, fp, fn)
    noise = [items for gold, items in zip(labelled, predicted, strict=True) if not gold.items and not gold.resolves]
    out["noise_records_clean"] = round(sum(not items for items in noise) / max(len(noise), 1), 3)
    return out


def _match(gold_items: list[dict[str, object]], predicted: list[ExtractedItem]) -> list[tuple[dict, ExtractedItem]]:
    """One-to-one pairs of the same kind, greedily by fuzzy summary overlap."""
    scored = []
    for g_index, gold in enumerate(gold_items):
        for p_index, pred in enumerate(predicted):
            if pred.kind == gold["kind"]:
                score = containment(str(gold["summary"]), f"{pred.summary} {pred.span}")
                if score >= MATCH_THRESHOLD:
                    scored.append((score, g_index, p_index))
    pairs, used_gold, used_pred = [], set(), set()
    for _, g_index, p_index in sorted(scored, reverse=True):
        if g_index not in used_gold and p_index not in used_pred:
            used_gold.add(g_index)
            used_pred.add(p_index)
            pairs.append((gold_items[g_index], predicted[p_index]))
    return pairs


def field_accuracy(labelled: Sequence[LabelledRecord], predicted: Sequence[list[ExtractedItem]]) -> dict[str, object]:
    """Item matching rate and field accuracy on matched (source, kind, fuzzy summary) pairs."""
    pairs = [p for gold, items in zip(labelled, predicted, strict=True) for p in _match(gold.items, items)]
    gold_total = sum(len(g.items) for g in labelled)
    pred_total = sum(len([i for i in items if i.kind in KINDS]) for items in predicted)

    def accuracy(pairs_subset: list[tuple[dict, ExtractedItem]], key: str) -> dict[str, float]:
        right = sum(str(g[key]) == str(getattr(p, key) or None) for g, p in pairs_subset)
        return {"accuracy": round(right / len(pairs_subset), 3) if pairs_subset else 0.0, "n": len(pairs_subset)}

    next_steps = [(g, p) for g, p in pairs if g["kind"] == "next_step"]
    blockers = [(g, p) for g, p in pairs if g["kind"] == "blocker"]
    return {
        "item_precision": round(len(pairs) / max(pred_total, 1), 3),
        "item_recall": round(len(pairs) / max(gold_total, 1), 3),
        "owner": accuracy(pairs, "owner"),
        "owner_next_step": accuracy(next_steps, "owner"),
        "waiting_on": accuracy([(g, p) for g, p in pairs if g["kind"] != "decision"], "waiting_on"),
        "due": accuracy(next_steps, "due"),
        "due_when_dated": accuracy([(g, p) for g, p in next_steps if g["due"]], "due"),
        "category": accuracy(blockers, "category"),
    }


class _ByAccount:
    """One extractor per account (leave-one-account-out), behind the single `extract` the store calls."""

    def __init__(self, extractors: dict[str, Extractor]) -> None:
        self.extractors = extractors

    def extract(self, record: SourceRecord, context: ExtractionContext) -> list[ExtractedItem]:
        return self.extractors[record.account or ""].extract(record, context)


def replay_store(records: Sequence[SourceRecord], extractors: dict[str, Extractor]) -> dict[str, list[dict[str, object]]]:
    """Ingest every record, in order, through the real ingest path (IngestService + ItemStore) into a
    temp-file SQLite store; return each account's items as {kind, status, sources} (raising and
    restating source ids, like state.json's evidence)."""
    from sqlmodel import Session, select

    from bot.ingest import IngestService
    from bot.items import ItemStore
    from bot.store.db import make_engine
    from bot.store.migrate import upgrade
    from bot.store.models import Account, Item, ItemEvidence, Source

    with tempfile.TemporaryDirectory(prefix="tandem-eval-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'replay.db'}")
        upgrade(engine)
        ingest = IngestService(engine, items=ItemStore(_ByAccount(extractors)))
        for record in records:
            ingest.ingest(record, account_key=record.account or "")
        out: dict[str, list[dict[str, object]]] = {}
        with Session(engine) as session:
            keys = {a.id: a.key for a in session.exec(select(Account)).all()}
            evidence: dict[int, list[str]] = {}
            rows = session.exec(select(ItemEvidence, Source).join(Source, Source.id == ItemEvidence.source_id)
                                .order_by(Source.ts, Source.id)).all()
            for row, source in rows:
                if row.role in ("raised", "restated"):
                    evidence.setdefault(row.item_id, []).append(source.external_id)
            for item in session.exec(select(Item).order_by(Item.id)).all():
                out.setdefault(keys[item.account_id], []).append(
                    {"kind": item.kind, "status": item.status, "sources": evidence.get(item.id or 0, [])})
        engine.dispose()
    return out


def _set_f1(predicted: list[list[str]], gold: list[list[str]]) -> dict[str, float]:
    """F1 of predicted vs gold items, each a list of evidence ids; a pair matches on a shared id."""
    used: set[int] = set()
    tp = 0
    for pred_ids in predicted:
        for index, gold_ids in enumerate(gold):
            if index not in used and set(pred_ids) & set(gold_ids):
                used.add(index)
                tp += 1
                break
    return prf(tp, len(predicted) - tp, len(gold) - tp)


def end_state(labelled: Sequence[LabelledRecord], state: dict, extractors: dict[str, Extractor]) -> dict[str, object]:
    """Replay every account through the store and compare open/resolved blockers, open next steps and
    current decisions with state.json."""
    replayed = replay_store([g.record for g in labelled], extractors)
    collected: dict[str, list[list[list[str]]]] = {k: [[], []] for k in ("open_blockers", "resolved_blockers",
                                                                             "open_next_steps", "current_decisions")}
    for account, _ in by_account(list(labelled)):
        items = replayed.get(account, [])
        gold = state[account]

        def predicted(kind: str, status: str, entries: list[dict[str, object]] = items) -> list[list[str]]:
            return [list(e["sources"]) for e in entries if e["kind"] == kind and e["status"] == status]  # type: ignore[call-overload]

        collected["open_blockers"][0] += predicted("blocker", "open")
        collected["open_blockers"][1] += [g["evidence"] for g in gold["open_blockers"]]
        collected["resolved_blockers"][0] += predicted("blocker", "resolved")
        collected["resolved_blockers"][1] += [g["evidence"] for g in gold["resolved_blockers"]]
        collected["open_next_steps"][0] += predicted("next_step", "open")
        collected["open_next_steps"][1] += [g["evidence"] for g in gold["open_next_steps"]]
        collected["current_decisions"][0] += predicted("decision", "open")
        collected["current_decisions"][1] += [
            [d["made_in"], *d.get("evidence", [])] for d in gold["decisions"] if not d.get("superseded_by")
        ]
    return {name: _set_f1(pred, gold) for name, (pred, gold) in collected.items()}


def _loao_extractors(labelled: Sequence[LabelledRecord], extra: list) -> dict[str, OfflineExtractor]:
    analysed = analyse_corpus(labelled)
    extractors: dict[str, OfflineExtractor] = {}
    for account, _ in by_account(list(labelled)):
        keep = [n for n, g in enumerate(labelled) if g.record.account != account]
        model = fit([analysed[n] for n in keep], [labelled[n] for n in keep], extra)
        extractors[account] = OfflineExtractor(model)
    return extractors


def _sentence_record(text: str, index: int) -> SourceRecord:
    return SourceRecord(id=f"s{index}", kind="email", ts=datetime(2026, 1, 5, 12, tzinfo=UTC),
                        author="Sender", text=text)


def _has_next_step(extract: Extract, text: str, index: int) -> bool:
    return any(i.kind == "next_step" for i in extract(sentence_record(text, index), ExtractionContext()))


def enron_intent(data_dir: Path, labelled: Sequence[LabelledRecord], shipped: Extract) -> dict[str, object]:
    """F1 on the actionable class: shipped model (saw these sentences) and cross-validated folds."""
    pairs = load_enron_intent(data_dir)
    rows = enron_rows(pairs)
    analysed = analyse_corpus(labelled)
    counts_cv = [0, 0, 0]
    for fold in range(ENRON_FOLDS):
        train_rows = [row for n, row in enumerate(rows) if n % ENRON_FOLDS != fold]
        extract = OfflineExtractor(fit(analysed, labelled, train_rows)).extract
        for n, (text, actionable) in enumerate(pairs):
            if n % ENRON_FOLDS == fold:
                _count(counts_cv, actionable, _has_next_step(extract, text, n))
    dev_only = OfflineExtractor(fit(analysed, labelled)).extract
    counts_shipped, counts_dev_only = [0, 0, 0], [0, 0, 0]
    for n, (text, actionable) in enumerate(pairs):
        _count(counts_shipped, actionable, _has_next_step(shipped, text, n))
        _count(counts_dev_only, actionable, _has_next_step(dev_only, text, n))
    return {
        "sentences": len(pairs),
        "cross_validated": prf(*counts_cv),
        "trained_on_onboarding_only": prf(*counts_dev_only),
        "shipped_in_sample": prf(*counts_shipped),
    }


def _count(counts: list[int], gold: bool, predicted: bool) -> None:
    counts[0] += gold and predicted
    counts[1] += predicted and not gold
    counts[2] += gold and not predicted


def _detokenise(tokens: list[str]) -> str:
    text = " ".join(tokens)
    for mark in (" .", " ,", " ?", " !", " :", " ;", " 's", " n't", " 'll", " 're", " 've", " 'm", " 'd"):
        text = text.replace(mark, mark.strip())
    return text


def mailex_recall(data_dir: Path, extract: Extract) -> dict[str, object]:
    """Share of emails with a Request_Action trigger where a next step is extracted (and the rate elsewhere)."""
    items = json.loads((data_dir / "mailex-enron-triggers" / "dev.json").read_text(encoding="utf-8"))
    hit = with_request = flagged_other = other = 0
    for n, item in enumerate(items):
        tokens = item["text"]
        start = tokens.index("[SEP]") + 1 if "[SEP]" in tokens else 0
        labels = item["trigger_labels"][start:]
        predicted = _has_next_step(extract, _detokenise(tokens[start:]), n)
        if any(isinstance(lab, str) and lab.endswith("Request_Action") for lab in labels):
            with_request += 1
            hit += predicted
        else:
            other += 1
            flagged_other += predicted
    return {
        "emails_with_request_action": with_request,
        "recall": round(hit / max(with_request, 1), 3),
        "emails_without": other,
        "next_step_rate_without": round(flagged_other / max(other, 1), 3),
    }


def run(data_dir: Path) -> dict[str, object]:
    """Every number of the extraction section of EVALUATION.md."""
    labelled = load_onboarding(data_dir)
    contexts = _contexts(labelled)
    extra = enron_rows(load_enron_intent(data_dir))
    shipped = OfflineExtractor(ClauseModel.load())
    loao = _loao_extractors(labelled, extra)
    baseline_pred = [keyword_items(g.record) for g in labelled]
    shipped_pred = [shipped.extract(g.record, c) for g, c in zip(labelled, contexts, strict=True)]
    loao_pred = [loao[g.record.account or ""].extract(g.record, c) for g, c in zip(labelled, contexts, strict=True)]
    state = load_state(data_dir)
    shipped_by_account = {account: shipped for account, _ in by_account(labelled)}
    return {
        "records": len(labelled),
        "onboarding": {
            "keyword_baseline": record_level(labelled, baseline_pred),
            "shipped": record_level(labelled, shipped_pred),
            "leave_one_account_out": record_level(labelled, loao_pred),
        },
        "fields": {"shipped": field_accuracy(labelled, shipped_pred), "leave_one_account_out": field_accuracy(labelled, loao_pred)},
        "end_state": {
            "shipped": end_state(labelled, state, shipped_by_account),
            "leave_one_account_out": end_state(labelled, state, loao),
        },
        "enron_intent": enron_intent(data_dir, labelled, shipped.extract),
        "mailex": mailex_recall(data_dir, shipped.extract),
    }


def _prf_row(name: str, scores: dict[str, float]) -> str:
    return f"| {name} | {scores['precision']:.2f} | {scores['recall']:.2f} | **{scores['f1']:.2f}** | {scores['support']} |"


def render_markdown(results: dict[str, object]) -> str:
    """The extraction section of EVALUATION.md."""
    onboarding = results["onboarding"]
    lines = [
        f"### Record level, onboarding-dev ({results['records']} records)",
        "",
        "A record \"has kind K\" when at least one extracted line has kind K.",
        "",
        "| model | kind | precision | recall | F1 | gold records |",
        "|---|---|---|---|---|---|",
    ]
    for model_name, label in (("keyword_baseline", "keyword baseline"), ("shipped", "shipped model (in-sample)"),
                              ("leave_one_account_out", "leave-one-account-out")):
        for kind in (*KINDS, "resolution"):
            lines.append(_prf_row(f"{label} | {kind}", onboarding[model_name][kind]))
    lines += ["", "Noise records (no items, no links) left without any line: "
              + ", ".join(f"{k} {onboarding[k]['noise_records_clean']:.2f}" for k in onboarding), ""]
    lines += ["### Fields on matched items (same record, same kind, fuzzy summary)", "",
              "| model | item precision | item recall | owner | owner (next steps) | ball in court | due (next steps) | due (dated gold) | category |",
              "|---|---|---|---|---|---|---|---|---|"]
    for model_name, scores in results["fields"].items():
        cells = [f"{scores['item_precision']:.2f}", f"{scores['item_recall']:.2f}"] + [
            f"{scores[key]['accuracy']:.2f} (n={scores[key]['n']})"
            for key in ("owner", "owner_next_step", "waiting_on", "due", "due_when_dated", "category")
        ]
        lines.append(f"| {model_name} | " + " | ".join(cells) + " |")
    lines += ["", "### End state after ingesting every record through the real ingest path (IngestService + ItemStore, temp SQLite file; vs state.json)", "",
              "| model | open blockers F1 | resolved blockers F1 | open next steps F1 | current decisions F1 |",
              "|---|---|---|---|---|"]
    for model_name, scores in results["end_state"].items():
        cells = [f"{scores[k]['f1']:.2f} (P {scores[k]['precision']:.2f} / R {scores[k]['recall']:.2f}, gold {scores[k]['support']})"
                 for k in ("open_blockers", "resolved_blockers", "open_next_steps", "current_decisions")]
        lines.append(f"| {model_name} | " + " | ".join(cells) + " |")
    enron = results["enron_intent"]
    mailex = results["mailex"]
    lines += ["", f"### Enron email intent ({enron['sentences']} sentences, F1 on `Yes` = has a next step)", "",
              "| model | precision | recall | F1 |", "|---|---|---|---|"]
    for key, label in (("cross_validated", f"{ENRON_FOLDS}-fold (onboarding-dev + other folds)"),
                       ("trained_on_onboarding_only", "onboarding-dev only (never saw Enron)"),
                       ("shipped_in_sample", "shipped (in-sample: trained on these sentences)")):
        s = enron[key]
        lines.append(f"| {label} | {s['precision']:.2f} | {s['recall']:.2f} | **{s['f1']:.2f}** |")
    lines += ["", "### MailEx Enron triggers (evaluation only, never trained on)", "",
              f"Emails with a `Request_Action` trigger where a next step is extracted: **{mailex['recall']:.2f}** "
              f"of {mailex['emails_with_request_action']}; next-step rate on the {mailex['emails_without']} "
              f"emails without one: {mailex['next_step_rate_without']:.2f}.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--json", action="store_true", help="print the raw results as JSON too")
    args = parser.parse_args(argv)
    results = run(args.data)
    if args.json:
        print(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
