"""Settings: defaults, normalisation, and one clear line for a bad value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_use_sqlite_under_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(tmp_path))
    settings = load_settings()
    assert settings.effective_database_url == f"sqlite:///{tmp_path.as_posix()}/tandem.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.effective_chroma_path == tmp_path / "chroma"


def test_api_url_gets_trailing_slash_and_admins_split(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("TANDEM_ADMINS", "U111, W222")
    settings = load_settings()
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.tandem_admins == ("U111", "W222")


def test_postgres_url_uses_psycopg_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/db")
    assert load_settings().effective_database_url == "postgresql+psycopg://u@h:5432/db"


@pytest.mark.parametrize(
    ("name", "value"),
    [("TANDEM_ADMINS", "not-a-user"), ("SLACK_API_URL", "ftp://x"), ("DATABASE_URL", "mysql://x"),
     ("TANDEM_WORKER_POLL_SECONDS", "-1")],
)
def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name} is invalid")
    assert "\n" not in str(caught.value)


def test_cli_reports_bad_setting_in_one_line_without_traceback(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "accounts"],
        env={"TANDEM_ADMINS": "nobody", "PATH": "", "TANDEM_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "tandem: TANDEM_ADMINS is invalid: Value error, 'nobody' is not a Slack user id (U… or W…)"


def test_serving_without_token_fails_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(SettingsError, match="^SLACK_BOT_TOKEN is required"):
        load_settings().require_slack(socket_mode=False)
