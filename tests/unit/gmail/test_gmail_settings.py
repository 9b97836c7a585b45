"""Gmail settings: defaults, and one clear SettingsError line for every half-configured set-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from bot.gmail_client import GMAIL_READONLY_SCOPE, build_gmail_client, load_gmail_credentials
from bot.settings import SettingsError, load_settings
from tests.gmail_double.keys import UserClient, new_service_account_key

TOKEN_URI = "http://127.0.0.1:9/token"
MAILBOX = "intake@brightloom.example"


@pytest.fixture(scope="module")
def key_info() -> dict[str, str]:
    return new_service_account_key("tandem-poller@brightloom-test.iam.example").info(TOKEN_URI)


@pytest.fixture
def key_file(tmp_path: Path, key_info: dict[str, str]) -> Path:
    return write(tmp_path / "sa.json", key_info)


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    client = UserClient("brightloom-tandem.apps.example", "test-client-secret", "1//test-refresh-token", MAILBOX)
    return write(tmp_path / "token.json", client.info(TOKEN_URI))


def write(path: Path, info: object) -> Path:
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


def test_gmail_defaults_and_blank_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAIL_SERVICE_ACCOUNT_FILE", "")
    monkeypatch.setenv("GMAIL_API_URL", "http://127.0.0.1:8080")
    settings = load_settings()
    assert settings.gmail_service_account_file is None
    assert settings.gmail_enabled is False
    assert settings.gmail_api_url == "http://127.0.0.1:8080/"
    assert (settings.gmail_poll_seconds, settings.gmail_full_sync_max) == (60, 500)
    with pytest.raises(SettingsError, match="Gmail is not configured"):
        build_gmail_client(settings)


@pytest.mark.parametrize(("name", "value"), [("GMAIL_POLL_SECONDS", "0"), ("GMAIL_FULL_SYNC_MAX", "-5"),
                                             ("GMAIL_API_URL", "gmail.googleapis.com")])
def test_a_bad_gmail_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=f"^{name} is invalid"):
        load_settings()


def test_a_service_account_reads_the_delegated_users_mailbox(key_file: Path) -> None:
    settings = load_settings(gmail_service_account_file=key_file, gmail_delegated_user=MAILBOX)
    credentials = load_gmail_credentials(settings)
    assert isinstance(credentials, service_account.Credentials)
    assert settings.gmail_enabled
    assert credentials._subject == MAILBOX
    assert credentials.scopes == [GMAIL_READONLY_SCOPE]


def test_a_user_token_file_keeps_its_own_token_uri(token_file: Path) -> None:
    credentials = load_gmail_credentials(load_settings(gmail_token_file=token_file))
    assert isinstance(credentials, user_credentials.Credentials)
    assert credentials.token_uri == TOKEN_URI
    assert credentials.scopes == [GMAIL_READONLY_SCOPE]


def test_half_configured_gmail_fails_with_one_line_naming_the_variable(
        tmp_path: Path, key_file: Path, token_file: Path, key_info: dict[str, str]) -> None:
    no_private_key = write(tmp_path / "partial.json", {**key_info, "private_key": ""})
    bad_key = write(tmp_path / "bad-key.json", {**key_info, "private_key": "-----BEGIN PRIVATE KEY-----\nnope\n"})
    no_refresh = write(tmp_path / "no-refresh.json", {**json.loads(token_file.read_text()), "refresh_token": ""})
    not_json = tmp_path / "not.json"
    not_json.write_text("{ nope", encoding="utf-8")
    cases = [
        ({"gmail_service_account_file": key_file}, "GMAIL_DELEGATED_USER is required with GMAIL_SERVICE_ACCOUNT_FILE"),
        ({"gmail_delegated_user": MAILBOX}, "GMAIL_DELEGATED_USER needs GMAIL_SERVICE_ACCOUNT_FILE"),
        ({"gmail_service_account_file": key_file, "gmail_delegated_user": MAILBOX, "gmail_token_file": token_file},
         "both set"),
        ({"gmail_service_account_file": tmp_path / "missing.json", "gmail_delegated_user": MAILBOX},
         "GMAIL_SERVICE_ACCOUNT_FILE cannot be read: .*missing.json"),
        ({"gmail_token_file": tmp_path}, "GMAIL_TOKEN_FILE cannot be read"),
        ({"gmail_token_file": not_json}, "GMAIL_TOKEN_FILE is not a JSON file"),
        ({"gmail_service_account_file": no_private_key, "gmail_delegated_user": MAILBOX},
         "GMAIL_SERVICE_ACCOUNT_FILE lacks private_key"),
        ({"gmail_service_account_file": bad_key, "gmail_delegated_user": MAILBOX},
         "GMAIL_SERVICE_ACCOUNT_FILE has an unreadable private key"),
        ({"gmail_service_account_file": token_file, "gmail_delegated_user": MAILBOX},
         "is a 'authorized_user' credential file, expected 'service_account'"),
        ({"gmail_token_file": no_refresh}, "GMAIL_TOKEN_FILE lacks refresh_token"),
    ]
    for overrides, message in cases:
        settings = load_settings(**overrides)
        assert settings.gmail_enabled
        with pytest.raises(SettingsError, match=message) as raised:
            build_gmail_client(settings)
        text = str(raised.value)
        assert "\n" not in text and "PRIVATE KEY" not in text and "test-client-secret" not in text, text
