"""Files shared in linked channels: transcripts (and Slack email posts) fetched with the bot token after the ack."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlmodel import select

from bot.store.db import session_scope
from bot.store.models import Item, ItemEvidence, Source, WorkItem
from handlers.intake import SLACK_EVENT
from tests.integration.harness import CUSTOMER, IM, INTERNAL, SHARED, Tandem
from tests.slack_double.events import message

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"
KICKOFF = (TRANSCRIPTS / "brightloom_acme_kickoff.vtt").read_bytes()
TOKEN = "xoxb-test-token"


async def _link(tandem: Tandem, channel: str = SHARED, account: str = "acme") -> int:
    """Link the channel and let the link's own work finish; returns how many messages the bot has posted."""
    await tandem.command(f"link {account}", channel=channel)
    await tandem.responses(1)
    tandem.slack.response_posts.clear()
    await tandem.settle()
    return len(_channel_posts(tandem))


def _share(tandem: Tandem, file_id: str, *, channel: str = SHARED, user: str = CUSTOMER, text: str = "",
           name: str = "kickoff.vtt", filetype: str = "vtt", content: bytes = KICKOFF, ts: str | None = None,
           **spec: Any) -> dict[str, Any]:
    """Put a file on the double and build the `file_share` message event that shares it."""
    stored = tandem.slack.add_file(file_id, name=name, title=spec.pop("title", "Acme kickoff call"),
                                   filetype=filetype, mimetype="text/vtt" if filetype == "vtt" else "text/plain",
                                   user=user, channels=[channel], content=content, size=len(content), **spec)
    shared = {"id": file_id, "name": name, "filetype": filetype, "mimetype": stored["mimetype"], "user": user}
    return message(channel, user, text, ts=ts, subtype="file_share", files=[shared], upload=True,
                   display_as_bot=False)


def _sources(tandem: Tandem) -> dict[str, Source]:
    return {source.external_id: source for source in tandem.rows(Source)}


def _items_of(tandem: Tandem, external_id: str) -> list[Item]:
    with session_scope(tandem.container.engine) as session:
        source = session.exec(select(Source).where(Source.external_id == external_id)).one()
        query = select(Item).join(ItemEvidence, ItemEvidence.item_id == Item.id).where(
            ItemEvidence.source_id == source.id)
        items = list(session.exec(query).all())
        for item in items:
            session.expunge(item)
        return items


def _file_events(tandem: Tandem) -> list[WorkItem]:
    return [w for w in tandem.rows(WorkItem) if w.kind == SLACK_EVENT and '"file_share"' in w.payload]


def _channel_posts(tandem: Tandem) -> list[Any]:
    return tandem.slack.calls_to("chat.postMessage") + tandem.slack.calls_to("chat.postEphemeral")


@pytest.fixture
async def foreign_host() -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A loopback server standing for a host that is not Slack's; it records every request it gets."""
    seen: list[dict[str, str]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.Response(text="Ana: stolen")

    app = web.Application()
    app.router.add_get("/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/", seen
    await runner.cleanup()


async def test_shared_vtt_becomes_a_transcript_source_with_items(tandem: Tandem) -> None:
    posted = await _link(tandem)
    event = _share(tandem, "F0VTT00001", text="Transcript of today's kickoff", ts="1767600000.000100")
    reply, envelope = await tandem.event(event)
    assert reply.status == 200
    await tandem.settle()

    sources = _sources(tandem)
    assert set(sources) == {"transcript:F0VTT00001", f"{SHARED}:1767600000.000100"}
    transcript = sources["transcript:F0VTT00001"]
    assert (transcript.kind, transcript.author, transcript.side, transcript.visibility, transcript.subject) == (
        "transcript", "Ben Customer", "customer", "external", "Acme kickoff call")
    assert (transcript.channel_id, transcript.author_user_id) == (SHARED, CUSTOMER)
    assert transcript.text.splitlines()[2] == (
        "[00:00:21] Anna Example: Understood. We decided to go with SAML rather than OIDC for the first release.")
    kinds = {item.kind for item in _items_of(tandem, "transcript:F0VTT00001")}
    assert {"blocker", "decision", "next_step"} <= kinds

    [info] = tandem.slack.calls_to("files.info")
    assert (info.params["file"], info.token) == ("F0VTT00001", TOKEN)
    [fetched] = tandem.slack.calls_to("url_private")
    assert (fetched.token, fetched.status) == (TOKEN, 200)
    assert len(_channel_posts(tandem)) == posted

    items_before = len(tandem.rows(Item))
    await tandem.redeliver(envelope)
    await tandem.event(_share(tandem, "F0VTT00001", text="", ts="1767600100.000100"))  # the same file shared again
    await tandem.settle()
    assert set(_sources(tandem)) == set(sources)
    assert _sources(tandem)["transcript:F0VTT00001"].updated_at == transcript.updated_at
    assert len(tandem.rows(Item)) == items_before
    assert len(tandem.slack.calls_to("files.info")) == 2  # the redelivery was not even queued
    assert len(_channel_posts(tandem)) == posted


async def test_file_in_an_internal_linked_channel_is_internal_and_vendor_side(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _link(tandem, channel=INTERNAL)
    await tandem.event(_share(tandem, "F0SRT00001", channel=INTERNAL, user=IM, name="migration.srt",
                              filetype="srt", content=(TRANSCRIPTS / "acme_data_migration.srt").read_bytes()))
    await tandem.settle()
    [source] = tandem.rows(Source)
    assert (source.external_id, source.side, source.visibility, source.author) == (
        "transcript:F0SRT00001", "vendor", "internal", "Anna Example")


async def test_unlinked_channel_file_is_ignored(tandem: Tandem) -> None:
    await _link(tandem)
    await tandem.event(_share(tandem, "F0VTT00002", channel=INTERNAL, user=IM))
    await tandem.settle()
    assert tandem.rows(Source) == []
    assert tandem.slack.calls_to("files.info") == [] and tandem.slack.calls_to("url_private") == []


async def test_file_on_a_foreign_host_is_never_fetched_with_the_token(
    http_tandem: Tandem, foreign_host: tuple[str, list[dict[str, str]]], caplog: pytest.LogCaptureFixture,
) -> None:
    tandem = http_tandem
    url, seen = foreign_host
    posted = await _link(tandem)
    caplog.set_level(logging.DEBUG)
    await tandem.event(_share(tandem, "F0EVIL0001", url_private=f"{url}evil.vtt",
                              url_private_download=f"{url}download/evil.vtt"))
    await tandem.settle()
    assert seen == []
    assert tandem.rows(Source) == []
    [work] = _file_events(tandem)
    assert work.status == "failed" and "host other than Slack's" in (work.last_error or "")
    assert "refused to send the bot token" in caplog.text and TOKEN not in caplog.text
    assert len(_channel_posts(tandem)) == posted


async def test_unreadable_transcript_fails_for_good_and_says_nothing(http_tandem: Tandem) -> None:
    tandem = http_tandem
    posted = await _link(tandem)
    await tandem.event(_share(tandem, "F0EMPTY001", content=b"WEBVTT\n\n"))
    await tandem.settle()
    assert tandem.rows(Source) == []
    [work] = _file_events(tandem)
    assert (work.status, work.attempts) == ("failed", 1)
    assert "no speaker turn" in (work.last_error or "")
    assert len(_channel_posts(tandem)) == posted


async def test_failed_fetch_is_retried_by_the_queue(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _link(tandem)
    tandem.slack.fail_next("files.info", error="internal_error")
    await tandem.event(_share(tandem, "F0RETRY001"))
    await tandem.settle(timeout=15)
    assert set(_sources(tandem)) == {"transcript:F0RETRY001"}
    [work] = _file_events(tandem)
    assert (work.status, work.attempts) == ("done", 2)


async def test_slack_email_post_goes_to_the_email_intake_of_the_channel_account(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _link(tandem)
    email = {
        "mode": "email", "subject": "SSO metadata", "title": "SSO metadata",
        "from": [{"address": "dana@partner.example", "name": "Dana Sample", "original": ""}],
        "to": [{"address": "acme-channel@vendor.example", "name": "", "original": ""}], "cc": [],
        "plain_text": "Hi team,\nwe are blocked until the IdP metadata arrives.\nDana",
        "headers": {"date": "Mon, 05 Jan 2026 09:30:00 +0000", "message_id": "<sso-1@partner.example>"},
    }
    event = _share(tandem, "F0MAIL0001", user=IM, name="SSO metadata", filetype="email", content=b"", **email)
    await tandem.event(event)
    await tandem.event(_share(tandem, "F0MAIL0001", user=IM, name="SSO metadata", filetype="email", content=b"",
                              **email))
    await tandem.settle()
    [source] = [s for s in tandem.rows(Source) if s.kind == "email"]
    assert source.forwarded_by == "Anna Example" and "IdP metadata" in source.text
    assert tandem.slack.calls_to("url_private") == []
