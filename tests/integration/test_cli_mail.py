"""`tandem ingest` with .eml and mbox files, routed or filed under `--account`, through the CLI entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from bot.store.db import make_engine, session_scope
from bot.store.models import Account, DeadLetter, InboundEmail, Source

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "email"


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The CLI's environment on a fresh database and data dir; returns the database URL."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VENDOR_EMAIL_DOMAINS", "brightloom.example")
    for name in ("CHROMA_URL", "CHROMA_PATH", "LLM_PROVIDER", "TANDEM_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    return database_url


def _state(database_url: str) -> tuple[dict[str, str], list[str], int]:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            rows = session.exec(select(Source, Account).join(Account, Account.id == Source.account_id)).all()
            waiting = [m.subject or "" for m in session.exec(select(InboundEmail)
                                                           .where(InboundEmail.status == "triage")).all()]
            dead = len(session.exec(select(DeadLetter)).all())
            return {s.external_id: a.key for s, a in rows}, waiting, dead
    finally:
        engine.dispose()


def test_mbox_mails_wait_in_triage_without_an_account_and_eml_files_under_the_given_one(
        cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mbox = Path(shutil.copy(MAIL / "onboarding.mbox", tmp_path / "onboarding.mbox"))
    assert main(["ingest", str(mbox)]) == 0
    sources, waiting, dead = _state(cli_env)
    assert (sources, len(waiting), dead) == ({}, 3, 0)
    assert capsys.readouterr().err.count("waiting in triage") == 3

    eml = Path(shutil.copy(MAIL / "html_only.eml", tmp_path / "dry-run.eml"))
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01\x02")
    assert main(["ingest", str(eml), str(junk), "--account", "Globex"]) == 0
    out = capsys.readouterr()
    assert "ingested 1 records, skipped 1" in out.out
    assert "junk.eml: kept as a dead letter: unreadable mail: no email headers" in out.err
    sources, waiting, dead = _state(cli_env)
    assert list(sources.values()) == ["globex"] and dead == 1

    assert main(["ingest", str(eml), "--account", "globex"]) == 0  # the same Message-ID again
    assert _state(cli_env)[0] == sources


def test_a_bad_account_name_is_refused_before_anything_is_read(cli_env: str, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    eml = Path(shutil.copy(MAIL / "html_only.eml", tmp_path / "a.eml"))
    assert main(["ingest", str(eml), "--account", "!!!"]) != 0
    assert "is not a usable account name" in capsys.readouterr().err
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").iterdir())
