"""Rate limits, server errors and token expiry against the Gmail double: waits honoured, nothing lost."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bot.container import Container
from bot.gmail_client import GmailAuthError, GmailClient, GmailUnavailable, load_gmail_credentials
from bot.settings import Settings
from tests.gmail_double import GmailDouble
from tests.gmail_double.keys import new_service_account_key
from tests.integration.gmail.helpers import MAILBOX, PollerFactory, RecordingSink, sample_mail, stored_cursor


def gaps(times: list[float]) -> list[float]:
    return [later - earlier for earlier, later in zip(times, times[1:], strict=False)]


async def test_a_rate_limit_is_waited_out_as_long_as_retry_after_asks(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink) -> None:
    poller = make_poller()
    await poller.poll_once()
    gmail.add_mail(sample_mail(1))
    gmail.fail_next(1, status=429, retry_after=1, endpoint="history.list")

    result = await poller.poll_once()

    calls = gmail.calls_to("history.list")
    assert [call.status for call in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 0.99
    assert result.accepted == 1


async def test_a_burst_of_server_errors_is_retried_with_growing_delays(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink) -> None:
    poller = make_poller(base_delay=0.05)
    await poller.poll_once()
    gmail.add_mail(sample_mail(1))
    gmail.fail_next(2, status=500, retry_after=None, endpoint="messages.get")
    gmail.fail_next(1, status=503, retry_after=None, endpoint="messages.get")

    result = await poller.poll_once()

    calls = gmail.calls_to("messages.get")
    assert [call.status for call in calls] == [500, 500, 503, 200]
    waited = gaps([call.at for call in calls])
    assert [round(wait, 2) >= floor for wait, floor in zip(waited, (0.05, 0.1, 0.2), strict=True)] == [True] * 3
    assert result.accepted == 1 and sink.message_ids == ["<note-1@acme-widgets.example>"]


async def test_persistent_server_errors_raise_and_the_next_poll_loses_nothing(
        gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink, container: Container) -> None:
    poller = make_poller(max_tries=3)
    await poller.poll_once()
    cursor = stored_cursor(container)
    gmail.add_mail(sample_mail(1))
    gmail.add_mail(sample_mail(2))
    gmail.fail_next(3, status=503, retry_after=None, endpoint="messages.get")

    with pytest.raises(GmailUnavailable, match=r"users.messages.get: gave up after 3 tries \(HTTP 503 UNAVAILABLE\)"):
        await poller.poll_once()

    assert stored_cursor(container) == cursor
    assert sink.accepted == []
    result = await poller.poll_once()
    assert result.accepted == 2
    assert sink.message_ids == ["<note-1@acme-widgets.example>", "<note-2@acme-widgets.example>"]


async def test_a_retry_after_beyond_the_limit_gives_up_at_once(
        gmail: GmailDouble, make_poller: PollerFactory) -> None:
    gmail.fail_next(1, status=429, retry_after=3600)

    with pytest.raises(GmailUnavailable, match="retry after 3600 s"):
        await make_poller().poll_once()

    assert len(gmail.calls_to("profile")) == 1


@pytest.mark.parametrize("path", ["service_account", "user_token"])
async def test_an_expired_access_token_is_refreshed_and_the_call_retried(
        path: str, gmail: GmailDouble, make_poller: PollerFactory, sink: RecordingSink,
        sa_settings: Settings, token_settings: Settings) -> None:
    settings = sa_settings if path == "service_account" else token_settings
    poller = make_poller(settings=settings)
    await poller.poll_once()
    gmail.expire_all_tokens()
    gmail.add_mail(sample_mail(1))

    result = await poller.poll_once()

    assert [call.status for call in gmail.calls_to("history.list")] == [401, 200]
    grants = [call.params["grant_type"] for call in gmail.calls_to("token")]
    expected = "urn:ietf:params:oauth:grant-type:jwt-bearer" if path == "service_account" else "refresh_token"
    assert grants == [expected, expected]
    assert {call.subject for call in gmail.calls if call.endpoint != "token"} == {MAILBOX, None}
    assert result.accepted == 1


async def test_a_token_about_to_expire_is_refreshed_before_it_is_used(tmp_path: Path) -> None:
    # google-auth treats a token as expired a few minutes early: a 60 s token is renewed before each call
    async with GmailDouble(mailbox=MAILBOX, token_lifetime=60) as gmail:
        settings = Settings(gmail_api_url=gmail.api_url, gmail_delegated_user=MAILBOX,
                            gmail_service_account_file=gmail.write_service_account_file(tmp_path / "sa.json"))
        async with GmailClient(load_gmail_credentials(settings), api_url=gmail.api_url) as client:
            await client.profile()
            await client.list_messages()

    assert [call.endpoint for call in gmail.calls] == ["token", "profile", "token", "messages.list"]
    assert all(call.status == 200 for call in gmail.calls)


async def test_a_service_account_without_delegation_is_refused_with_a_clear_error(
        gmail: GmailDouble, make_poller: PollerFactory) -> None:
    gmail.issuer.delegated_users.clear()

    with pytest.raises(GmailAuthError, match="refused: unauthorized_client") as raised:
        await make_poller().poll_once()

    assert "PRIVATE KEY" not in str(raised.value)


async def test_a_key_signed_by_another_private_key_is_refused(
        gmail: GmailDouble, sa_settings: Settings, make_poller: PollerFactory, tmp_path: Path) -> None:
    impostor = new_service_account_key(gmail.service_account.client_email, gmail.service_account.key_id)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(impostor.info(gmail.token_url)), encoding="utf-8")
    settings = sa_settings.model_copy(update={"gmail_service_account_file": forged})

    with pytest.raises(GmailAuthError, match="Invalid JWT Signature"):
        await make_poller(settings=settings).poll_once()

    assert [call.status for call in gmail.calls] == [400]


async def test_a_revoked_refresh_token_is_refused(
        gmail: GmailDouble, token_settings: Settings, make_poller: PollerFactory) -> None:
    gmail.issuer.user_client = replace(gmail.user_client, refresh_token="1//another-token")

    with pytest.raises(GmailAuthError, match="invalid_grant") as raised:
        await make_poller(settings=token_settings).poll_once()

    assert "test-refresh-token" not in str(raised.value) and "test-client-secret" not in str(raised.value)
