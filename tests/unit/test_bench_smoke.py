"""Each benchmark runs end to end at a tiny size and reports what it measured, so the scripts don't rot."""

from __future__ import annotations

from typing import Any

import pytest

from bench import bench_ack, bench_digest, bench_memory, bench_queries, run_all
from bench.common import RESULT_ENV


@pytest.fixture(autouse=True)
def no_result_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Benches write their result file only when run_all asks."""
    monkeypatch.delenv(RESULT_ENV, raising=False)


def _reported(result: dict[str, Any], bench: str) -> None:
    assert result["bench"] == bench
    assert result["tables"] and all(t["rows"] for t in result["tables"])
    assert result["targets"] and all(isinstance(t["ok"], bool) for t in result["targets"])
    assert result["machine"]["cores"] and result["machine"]["commit"]


def test_ack_bench_measures_every_request_kind_against_the_floor() -> None:
    result = bench_ack.main(["--requests", "4", "--warmup", "1", "--clients", "1", "2", "--accounts", "2",
                             "--sources", "20", "--settle-timeout", "10"])
    _reported(result, "ack")
    cells = {(m["kind"], m["clients"]) for m in result["measured"]}
    assert cells == {(kind, clients) for kind in ("next", "mention", "message", "reaction") for clients in (1, 2)}
    assert all(m["tandem"]["n"] == 4 and m["floor"]["errors"] == 0 and m["tandem"]["errors"] == 0
               for m in result["measured"])


def test_queries_bench_times_next_blockers_and_ask(tmp_path) -> None:
    result = bench_queries.main(["--accounts", "2", "--sources", "20", "--chunks", "40", "--repeat", "3",
                                 "--index-dir", str(tmp_path)])
    _reported(result, "queries")
    assert any(name.startswith("ask") for name in result["measured"])
    assert (tmp_path / "built").read_text().split() == ["40", "2"]


def test_digest_bench_posts_every_digest() -> None:
    result = bench_digest.main(["--ims", "3", "--accounts-per-im", "1", "--sources-per-account", "5",
                                "--items-per-account", "3"])
    _reported(result, "digest")
    assert result["measured"]["sent"] == 3 and result["measured"]["max_posts_per_channel_per_s"] == 1


def test_memory_bench_samples_a_real_server() -> None:
    result = bench_memory.main(["--records", "0", "--events", "2", "--idle", "0.2", "--timeout", "30"])
    _reported(result, "memory")
    assert result["measured"]["vmhwm_mb"] > 50
    assert {"idle", "model loaded", "ingest load"} <= set(result["measured"]["peaks_mb"])


def test_run_all_renders_a_result_as_markdown() -> None:
    bench = next(b for b in run_all.BENCHES if b.name == "digest")
    result = {"title": "Digest fan-out", "setup": "tiny", "machine": run_all.machine(), "notes": ["a note"],
              "tables": [{"title": "t", "columns": ["a", "b"], "rows": [[1, "x|y"]]}],
              "targets": [{"what": "w", "target": "≤ 1", "measured": "2", "ok": False}]}
    text = run_all.section(bench, 0, "", result, run_all.machine())
    assert text.startswith("<!-- bench:digest -->") and text.endswith("<!-- /bench:digest -->")
    assert "| 1 | x\\|y |" in text and "**MISS**" in text
