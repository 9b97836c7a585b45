"""Retrieval and answer evaluation on onboarding-dev and QMSum, with the real embedding model.

onboarding-dev: every record is one source of its account (a thread reply carries its root as
context); each question is searched with the asker's accounts and visibilities and answered
offline. QMSum: each meeting series is one account and each transcript turn one source; each
specific query is searched in its series. Hybrid search is compared with keyword (BM25) alone and
vector alone.

Run: python -m bot.evaluation.retrieval_eval [--data DIR] [--qmsum-train] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bot.record_io import read_records
from bot.records import SourceRecord
from retrieval.chunking import SourceText, chunk_source
from retrieval.embeddings import Embedder, MiniLMEmbedder
from retrieval.index import VectorIndex, embedded_client
from retrieval.keyword import KeywordIndex
from retrieval.search import HybridSearch, SearchConfig
from retrieval.service import Retriever
from retrieval.text import words
from retrieval.types import Chunk

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KS = (5, 10)
_SERIES = re.compile(r"^([A-Z]{2}\d{4})[a-d]$")


def visibilities_for(asker_side: str, channel_visibility: str) -> list[str]:
    """What an asker may see: a customer in a shared channel sees external sources only."""
    if asker_side == "customer":
        return ["external"]
    return ["external", "internal"]


def methods(base: SearchConfig) -> dict[str, SearchConfig]:
    """The compared rankings: hybrid, and plain keyword (BM25) or vector ranking with no recency prior
    and no second hop."""
    plain = replace(base, recency_weight=0.0, status_recency_weight=0.0, second_hop_weight=0.0)
    return {
        "hybrid": base,
        "bm25": replace(plain, vector_weight=0.0),
        "vector": replace(plain, keyword_weight=0.0),
    }


def _open_search(workdir: Path, embedder: Embedder) -> HybridSearch:
    vectors = VectorIndex(embedded_client(str(workdir / "chroma")), embedder)
    keywords = KeywordIndex(create_engine(f"sqlite:///{workdir / 'keyword.db'}"))
    return HybridSearch(vectors, keywords)


def dev_chunks(records: Sequence[SourceRecord]) -> list[Chunk]:
    """Chunks of every record; a thread reply gets its root and the message before it as context."""
    by_id = {r.id: r for r in records}
    last_in_thread: dict[str, str] = {}
    chunks: list[Chunk] = []
    for r in records:
        context: list[str] = []
        if r.thread and r.thread != r.id and r.thread in by_id:
            context = [by_id[r.thread].text]
            if last_in_thread.get(r.thread, r.thread) != r.thread:
                context.append(by_id[last_in_thread[r.thread]].text)
            last_in_thread[r.thread] = r.id
        chunks += chunk_source(
            SourceText(
                account=r.account or "",
                source_id=r.id,
                kind=r.kind,
                text=r.text,
                author=r.author,
                ts=r.ts,
                visibility=r.visibility,
                side=r.side,
                permalink=r.permalink,
                subject=r.subject,
                thread=r.thread,
                thread_context=context,
            )
        )
    return chunks


def _recall(ranked: list[str], gold: set[str], k: int) -> float:
    return len(gold & set(ranked[:k])) / len(gold)


def _token_f1(prediction: str, reference: str) -> float:
    pred, ref = Counter(words(prediction)), Counter(words(reference))
    common = sum((pred & ref).values())
    if not common:
        return 0.0
    precision, recall = common / sum(pred.values()), common / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _mean(values: Sequence[float]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0


def evaluate_dev(retriever: Retriever, questions: Sequence[dict[str, Any]], base: SearchConfig) -> dict[str, Any]:
    """Recall per method, then answers (not-found, token F1, leakage) from hybrid search."""
    search = retriever.search_index
    out: dict[str, Any] = {"questions": len(questions)}
    answerable = [q for q in questions if q["gold_ids"]]
    for name, config in methods(base).items():
        search.config = config
        recalls: dict[int, list[float]] = {k: [] for k in KS}
        for q in answerable:
            hits = search.search(
                q["question"],
                accounts=[q["account"]],
                visibilities=visibilities_for(q["asker_side"], q["channel_visibility"]),
            )
            ranked = [h.source_id for h in hits]
            for k in KS:
                recalls[k].append(_recall(ranked, set(q["gold_ids"]), k))
        out[name] = {f"recall@{k}": _mean(recalls[k]) for k in KS}
    search.config = base
    out["answers"] = _answer_metrics(retriever, questions)
    return out


def _answer_metrics(retriever: Retriever, questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    accounts = sorted({q["account"] for q in questions})
    unanswerable_nf, answerable_nf, f1s, leaks, cited_gold, latencies = [], [], [], [], [], []
    for q in questions:
        visibilities = visibilities_for(q["asker_side"], q["channel_visibility"])
        started = time.perf_counter()
        answer = retriever.ask(
            q["question"],
            accounts=[q["account"]],
            visibilities=visibilities,
            account_label=q["account"].title(),
            avoid=[a for a in accounts if a != q["account"]],
        )
        latencies.append(time.perf_counter() - started)
        cited = {c.source_id for c in answer.citations}
        hits = retriever.search(q["question"], accounts=[q["account"]], visibilities=visibilities, limit=50)
        by_id = {h.source_id: h for h in hits}
        leaks.append(
            sum(
                1
                for s in cited
                if s in q["must_not_cite"]
                or s not in by_id
                or by_id[s].account != q["account"]
                or by_id[s].chunk.visibility not in visibilities
            )
        )
        if q["gold_ids"]:
            answerable_nf.append(float(not answer.found))
            f1s.append(_token_f1(answer.text, q["answer"]) if answer.found else 0.0)
            if answer.found:
                cited_gold.append(float(bool(cited & set(q["gold_ids"]))))
        else:
            unanswerable_nf.append(float(not answer.found))
    latencies.sort()
    return {
        "unanswerable_not_found": _mean(unanswerable_nf),
        "answerable_false_not_found": _mean(answerable_nf),
        "answerable_token_f1": _mean(f1s),
        "citation_hits_gold": _mean(cited_gold),
        "leaked_citations": int(sum(leaks)),
        "p95_answer_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1),
    }


def qmsum_series(stem: str) -> str:
    """The account of a QMSum meeting: the AMI series (ES2002 for ES2002a), else the meeting itself."""
    match = _SERIES.match(stem)
    return (match.group(1) if match else stem).lower()


def load_qmsum(folders: Sequence[Path]) -> tuple[list[Chunk], list[dict[str, Any]]]:
    """One chunk per transcript turn (account = series) and the specific queries with gold turn ids."""
    chunks: list[Chunk] = []
    queries: list[dict[str, Any]] = []
    for folder in folders:
        for path in sorted(folder.glob("*.json")):
            meeting = json.loads(path.read_text())
            account = qmsum_series(path.stem)
            for n, turn in enumerate(meeting["meeting_transcripts"]):
                chunks += chunk_source(
                    SourceText(
                        account=account,
                        source_id=f"{path.stem}-{n}",
                        kind="slack",
                        text=f"{turn['speaker']}: {turn['content']}",
                        author=turn["speaker"],
                        ts="2000-01-01T00:00:00+00:00",
                        visibility="external",
                    )
                )
            for q in meeting["specific_query_list"]:
                gold = {
                    f"{path.stem}-{i}"
                    for start, end in q["relevant_text_span"]
                    for i in range(int(start), int(end) + 1)
                }
                queries.append({"account": account, "query": q["query"], "gold": gold})
    return chunks, queries


def evaluate_qmsum(search: HybridSearch, queries: Sequence[dict[str, Any]], base: SearchConfig) -> dict[str, Any]:
    """Per method: hit@k (any gold turn in the top k), turn recall@k and MRR."""
    out: dict[str, Any] = {"queries": len(queries)}
    for name, config in methods(base).items():
        search.config = replace(config, candidates=max(config.candidates, 50))
        hit = {k: [] for k in KS}
        recall = {k: [] for k in KS}
        rr: list[float] = []
        for q in queries:
            ranked = [
                h.source_id
                for h in search.search(q["query"], accounts=[q["account"]], visibilities=["external"], limit=50)
            ]
            for k in KS:
                hit[k].append(float(bool(q["gold"] & set(ranked[:k]))))
                recall[k].append(_recall(ranked, q["gold"], k))
            rr.append(next((1 / (i + 1) for i, s in enumerate(ranked) if s in q["gold"]), 0.0))
        out[name] = {
            **{f"hit@{k}": _mean(hit[k]) for k in KS},
            **{f"turn_recall@{k}": _mean(recall[k]) for k in KS},
            "mrr": _mean(rr),
        }
    search.config = base
    return out


def _index_all(search: HybridSearch, chunks: Sequence[Chunk], batch: int = 2000) -> None:
    for start in range(0, len(chunks), batch):
        search.index(chunks[start : start + batch])


def run(
    data_dir: Path | str = DEFAULT_DATA,
    *,
    qmsum_train: bool = False,
    embedder: Embedder | None = None,
    config: SearchConfig | None = None,
) -> dict[str, Any]:
    """Evaluate on onboarding-dev and QMSum val (and train when asked); returns the metrics."""
    data = Path(data_dir)
    embedder = embedder or MiniLMEmbedder()
    base = config or SearchConfig()
    results: dict[str, Any] = {"model": embedder.model_id, "config": base.__dict__}
    with tempfile.TemporaryDirectory() as tmp:
        dev = Path(tmp) / "dev"
        dev.mkdir()
        search = _open_search(dev, embedder)
        search.config = base
        retriever = Retriever(search)
        records = [
            r for r in read_records((data / "onboarding-dev" / "records.jsonl").open()) if isinstance(r, SourceRecord)
        ]
        started = time.perf_counter()
        _index_all(search, dev_chunks(records))
        questions = [json.loads(line) for line in (data / "onboarding-dev" / "questions.jsonl").open() if line.strip()]
        results["onboarding_dev"] = {
            "records": len(records),
            "index_seconds": round(time.perf_counter() - started, 1),
            **evaluate_dev(retriever, questions, base),
        }
        retriever.close()
        results["qmsum"] = {}
        for split in ["val"] + (["train"] if qmsum_train else []):
            qm = Path(tmp) / f"qmsum-{split}"
            qm.mkdir()
            search = _open_search(qm, embedder)
            chunks, queries = load_qmsum([data / "qmsum" / split])
            started = time.perf_counter()
            _index_all(search, chunks)
            results["qmsum"][split] = {
                "turns": len(chunks),
                "accounts": len({c.account for c in chunks}),
                "index_seconds": round(time.perf_counter() - started, 1),
                **evaluate_qmsum(search, queries, base),
            }
            search.vectors.close()
    return results


def render_markdown(results: dict[str, Any]) -> str:
    """The results as the tables of EVALUATION.md."""
    dev = results["onboarding_dev"]
    lines = [
        f"Model: `{results['model']}`. Fusion: `{results['config']}`.",
        "",
        f"**onboarding-dev** ({dev['records']} records, {dev['questions']} questions; recall of `gold_ids` "
        "over answerable questions, searched with the asker's accounts and visibilities)",
        "",
        "| ranking | recall@5 | recall@10 |",
        "|---|---|---|",
    ]
    lines += [f"| {m} | {dev[m]['recall@5']} | {dev[m]['recall@10']} |" for m in ("hybrid", "bm25", "vector")]
    a = dev["answers"]
    lines += [
        "",
        "| offline answers (hybrid) | value |",
        "|---|---|",
        f"| unanswerable answered \"not found\" | {a['unanswerable_not_found']} |",
        f"| answerable answered \"not found\" (false) | {a['answerable_false_not_found']} |",
        f"| answerable token F1 vs reference | {a['answerable_token_f1']} |",
        f"| found answers citing a gold source | {a['citation_hits_gold']} |",
        f"| leaked citations (other account, must_not_cite, internal to customer) | {a['leaked_citations']} |",
        f"| p95 search + answer | {a['p95_answer_ms']} ms |",
    ]
    for split, qm in results["qmsum"].items():
        lines += [
            "",
            f"**QMSum {split}** ({qm['turns']} turns in {qm['accounts']} series, {qm['queries']} specific queries, "
            "each split in its own index; hit@k = a gold turn in the top k)",
            "",
            "| ranking | hit@5 | hit@10 | turn recall@5 | turn recall@10 | MRR |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {m} | {qm[m]['hit@5']} | {qm[m]['hit@10']} | {qm[m]['turn_recall@5']} | {qm[m]['turn_recall@10']} "
            f"| {qm[m]['mrr']} |"
            for m in ("hybrid", "bm25", "vector")
        ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    """Command line: print the Markdown tables (and write JSON when asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="folder holding onboarding-dev/ and qmsum/")
    parser.add_argument("--qmsum-train", action="store_true",
                        help="also score QMSum train, in its own index (~10 min more)")
    parser.add_argument("--json", help="write the raw results here")
    args = parser.parse_args(argv)
    results = run(args.data, qmsum_train=args.qmsum_train)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(render_markdown(results))


if __name__ == "__main__":
    main()
