"""`tandem ingest` with transcript files (`--account A`), beside JSON Lines, through the CLI entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.store.db import make_engine, session_scope
from bot.store.models import Account, Item, ItemEvidence, Source
from bot.transcripts import content_record_id

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's environment on a fresh database and data dir; returns the database URL."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path / "data"))
    for name in ("CHROMA_URL", "CHROMA_PATH", "LLM_PROVIDER", "TANDEM_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    return database_url


def _sources(database_url: str) -> dict[str, tuple[str, str, str, str, str]]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.exec(select(Source, Account).join(Account, Account.id == Source.account_id)).all()
            return {s.external_id: (a.key, s.kind, s.visibility, s.author, s.updated_at.isoformat()) for s, a in rows}
    finally:
        engine.dispose()


def _item_kinds(database_url: str, external_id: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            query = (select(Item.kind).join(ItemEvidence, ItemEvidence.item_id == Item.id)
                     .join(Source, Source.id == ItemEvidence.source_id).where(Source.external_id == external_id))
            return set(session.exec(query).all())
    finally:
        engine.dispose()


def test_ingest_transcripts_and_jsonl_with_account(cli_env: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    vtt = Path(shutil.copy(TRANSCRIPTS / "brightloom_acme_kickoff.vtt", tmp_path / "kickoff.vtt"))
    txt = Path(shutil.copy(TRANSCRIPTS / "acme_checkin_otter.txt", tmp_path / "checkin.txt"))
    empty = tmp_path / "empty.srt"
    empty.write_bytes(b"")
    feed = tmp_path / "records.jsonl"
    feed.write_text(json.dumps({"id": "m-1", "account": "globex", "kind": "slack", "ts": "2026-01-05T09:00:00+00:00",
                                "author": "Dana Sample", "text": "We will send the data file by Friday."}) + "\n")

    assert main(["ingest", str(vtt), str(txt), str(empty), str(feed), "--account", "Acme"]) == 0
    out, err = capsys.readouterr()
    assert "ingested 3 records, skipped 1" in out
    assert f"{empty}: skipped: the file is empty" in err

    sources = _sources(cli_env)
    vtt_id, txt_id = content_record_id(vtt.read_bytes()), content_record_id(txt.read_bytes())
    assert set(sources) == {vtt_id, txt_id, "m-1"}
    assert sources[vtt_id][:4] == ("acme", "transcript", "internal", "tandem ingest")
    assert sources[txt_id][:2] == ("acme", "transcript") and sources["m-1"][:2] == ("globex", "slack")
    assert {"blocker", "decision", "next_step"} <= _item_kinds(cli_env, vtt_id)

    assert main(["ingest", str(vtt), "--account", "acme"]) == 0  # the same file again changes nothing
    assert _sources(cli_env) == sources


def test_transcript_without_account_is_skipped(cli_env: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    srt = Path(shutil.copy(TRANSCRIPTS / "acme_data_migration.srt", tmp_path / "migration.srt"))
    assert main(["ingest", str(srt)]) == 1
    out, err = capsys.readouterr()
    assert "ingested 0 records, skipped 1" in out
    assert f"{srt}: skipped: a transcript needs --account" in err
    assert _sources(cli_env) == {}
