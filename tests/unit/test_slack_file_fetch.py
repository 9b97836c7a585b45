"""Fetching Slack files: where the bot token may go, downloads from the Slack double, email posts as raw mail."""

from __future__ import annotations

from collections.abc import AsyncIterator
from email import message_from_bytes, policy

import aiohttp
import pytest
from aiohttp import web

from handlers.email_posts import email_post_raw, is_email_post
from handlers.file_download import FetchError, download, token_may_go_to
from handlers.files import is_transcript_file
from tests.slack_double import SlackDouble

API = "http://127.0.0.1:4010/api/"


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:4010/files-pri/T1-F1/a.vtt", True),
        ("https://files.slack.com/files-pri/T1-F1/download/a.vtt", True),
        ("https://files.slack.com:443/files-pri/T1-F1/a.vtt", True),
        ("http://files.slack.com/files-pri/T1-F1/a.vtt", False),  # never in clear text
        ("https://files.slack.com:8443/a.vtt", False),
        ("http://127.0.0.1:4011/files-pri/T1-F1/a.vtt", False),  # another port is another host
        ("https://127.0.0.1:4010/a.vtt", False),
        ("https://files.slack.com.evil.example/a.vtt", False),
        ("https://evil.example/?u=files.slack.com", False),
        ("https://user@files.slack.com@evil.example/a.vtt", False),
        ("file:///etc/passwd", False),
        ("not a url", False),
        ("", False),
    ],
)
def test_token_may_go_only_to_slack_hosts(url: str, allowed: bool) -> None:
    assert token_may_go_to(url, api_url=API) is allowed


@pytest.mark.parametrize(
    ("file", "transcript", "email"),
    [
        ({"name": "call.VTT", "filetype": "vtt"}, True, False),
        ({"name": "call.srt", "filetype": "srt"}, True, False),
        ({"name": "notes.txt", "filetype": "text"}, True, False),
        ({"name": "Untitled", "filetype": "text"}, True, False),
        ({"name": "capture.png", "filetype": "png"}, False, False),
        ({"name": "Re: SSO", "filetype": "email", "mode": "email"}, False, True),
    ],
)
def test_which_files_are_taken(file: dict[str, str], transcript: bool, email: bool) -> None:
    assert (is_transcript_file(file), is_email_post(file)) == (transcript, email)


@pytest.fixture
async def slack() -> AsyncIterator[SlackDouble]:
    async with SlackDouble() as double:
        yield double


async def test_download_from_the_double_needs_the_bot_token(slack: SlackDouble) -> None:
    spec = slack.add_file("F0DOWN0001", name="call.vtt", content=b"WEBVTT\n")
    url = spec["url_private_download"]
    assert url.startswith(slack.base_url)
    assert await download(url, token=slack.bot_token, api_url=slack.api_url, max_bytes=100) == b"WEBVTT\n"
    with pytest.raises(FetchError, match="HTTP 403") as refused:
        await download(url, token="xoxb-other", api_url=slack.api_url, max_bytes=100)
    assert refused.value.retry is False
    with pytest.raises(FetchError, match="HTTP 404"):
        await download(url.replace("F0DOWN0001", "F0NOPE0001"), token=slack.bot_token, api_url=slack.api_url,
                       max_bytes=100)
    assert [(c.token, c.status) for c in slack.calls_to("url_private")] == [
        (slack.bot_token, 200), ("xoxb-other", 403), (slack.bot_token, 404)]


async def test_double_answers_401_without_a_token(slack: SlackDouble) -> None:
    spec = slack.add_file("F0DOWN0002", name="call.srt", content="1\n")
    async with aiohttp.ClientSession() as session, session.get(spec["url_private"]) as reply:
        assert reply.status == 401
    [call] = slack.calls_to("url_private")
    assert (call.token, call.status) == (None, 401)


async def test_download_over_the_limit_is_refused_for_good(slack: SlackDouble) -> None:
    spec = slack.add_file("F0BIG00001", name="big.txt", content=b"Ana: hi\n" * 100)
    with pytest.raises(FetchError, match="larger than 64 bytes") as refused:
        await download(spec["url_private"], token=slack.bot_token, api_url=slack.api_url, max_bytes=64)
    assert refused.value.retry is False


@pytest.fixture
async def redirector() -> AsyncIterator[tuple[str, list[str | None]]]:
    """A loopback server: /away redirects to another host, /page answers a sign-in page, /busy a 503."""
    seen: list[str | None] = []

    async def away(request: web.Request) -> web.Response:
        raise web.HTTPFound("http://127.0.0.2:9/stolen")

    async def page(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.Response(text="<html>sign in</html>", content_type="text/html")

    async def busy(request: web.Request) -> web.Response:
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/away", away)
    app.router.add_get("/page", page)
    app.router.add_get("/busy", busy)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/", seen
    await runner.cleanup()


async def test_redirect_away_from_slack_is_not_followed(redirector: tuple[str, list[str | None]]) -> None:
    base, _ = redirector
    with pytest.raises(FetchError, match="host other than Slack's") as refused:
        await download(base + "away", token="xoxb-t", api_url=base + "api/", max_bytes=100)
    assert refused.value.retry is False


async def test_sign_in_page_is_permanent_and_5xx_is_retried(redirector: tuple[str, list[str | None]]) -> None:
    base, seen = redirector
    with pytest.raises(FetchError, match="web page") as page:
        await download(base + "page", token="xoxb-t", api_url=base + "api/", max_bytes=100)
    assert page.value.retry is False and seen == ["Bearer xoxb-t"]
    with pytest.raises(FetchError, match="HTTP 503") as busy:
        await download(base + "busy", token="xoxb-t", api_url=base + "api/", max_bytes=100)
    assert busy.value.retry is True


def test_email_post_becomes_rfc822_with_its_headers() -> None:
    file = {
        "id": "F0MAIL0001", "filetype": "email", "mode": "email", "title": "ignored when subject is set",
        "subject": "Re: SSO\r\nBcc: injected@evil.example", "created": 1767605400,
        "from": [{"address": "dana@partner.example", "name": "Dana Sämple", "original": "Dana <dana@partner.example>"}],
        "to": [{"address": "acme@vendor.example", "name": ""}, {"address": "", "name": "nobody"}],
        "cc": [{"address": "ops@partner.example", "name": "Ops"}],
        "plain_text": "Hi,\nwe are blocked on the IdP metadata.",
        "preview_plain_text": "Hi,",
        "headers": {"date": "Mon, 05 Jan 2026 09:30:00 +0000", "message_id": "<m-1@partner.example>",
                    "in_reply_to": "<m-0@vendor.example>", "reply_to": ""},
    }
    raw = email_post_raw(file)
    assert raw == email_post_raw(dict(file))  # the same post always gives the same mail
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["From"].addresses[0].display_name == "Dana Sämple"
    assert mail["From"].addresses[0].addr_spec == "dana@partner.example"
    assert str(mail["To"]) == "acme@vendor.example" and str(mail["Cc"]) == "Ops <ops@partner.example>"
    assert str(mail["Subject"]) == "Re: SSO Bcc: injected@evil.example" and mail["Bcc"] is None
    assert str(mail["Date"]) == "Mon, 05 Jan 2026 09:30:00 +0000"
    assert (mail["Message-ID"], mail["In-Reply-To"], mail["Reply-To"]) == (
        "<m-1@partner.example>", "<m-0@vendor.example>", None)
    assert mail.get_content().strip() == "Hi,\nwe are blocked on the IdP metadata."


def test_email_post_without_headers_falls_back_to_created_and_preview() -> None:
    raw = email_post_raw({"filetype": "email", "title": "Kickoff notes", "created": 1767605400,
                          "headers": {"date": "yesterday-ish"}, "preview_plain_text": "Short preview"})
    mail = message_from_bytes(raw, policy=policy.default)
    assert str(mail["Subject"]) == "Kickoff notes" and mail["Message-ID"] is None and mail["From"] is None
    assert str(mail["Date"]) == "Mon, 05 Jan 2026 09:30:00 +0000"
    assert mail.get_content().strip() == "Short preview"
