"""POST /email/inbound: signed raw mail in, routed to its account; every bad input answered, nothing lost."""

from __future__ import annotations

import time

import aiohttp
from pydantic import SecretStr
from sqlmodel import select

from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import DeadLetter, InboundEmail, Source
from handlers.email_webhook import sign
from tests.integration.email.conftest import MAX_BYTES, WEBHOOK_SECRET, Webhook, mail
from tests.integration.harness import Tandem, running_tandem


def email_sources(tandem: Tandem) -> list[Source]:
    return [s for s in tandem.rows(Source) if s.kind == "email"]


async def test_signed_mail_is_routed_by_domain_and_extracted(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    status, body = await webhook.post(mail(message_id="<sso-1@acme.example>"))
    assert (status, body["status"], body["account"], body["message_id"]) == (202, "routed", "acme", "sso-1@acme.example")
    [source] = email_sources(tandem)
    assert (source.external_id, source.author, source.author_email, source.side, source.visibility) == (
        "email:sso-1@acme.example", "Ana Ruiz", "ana@acme.example", "customer", "internal")
    [inbound] = tandem.rows(InboundEmail)
    assert (inbound.status, inbound.route_reason, inbound.received_via) == ("routed", "sender domain", "webhook")
    assert inbound.raw.startswith(b"From: Ana Ruiz")


async def test_a_multipart_form_with_a_raw_field_is_accepted(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    boundary = "tandem-form-boundary"
    form = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"mail.eml\"\r\n"
            "Content-Type: message/rfc822\r\n\r\n").encode() + mail(message_id="<form-1@acme.example>") + \
        f"\r\n--{boundary}--\r\n".encode()
    status, body = await webhook.post(form, content_type=f"multipart/form-data; boundary={boundary}")
    assert (status, body["status"]) == (202, "routed")
    assert [s.external_id for s in email_sources(tandem)] == ["email:form-1@acme.example"]


async def test_wrong_signature_and_stale_timestamp_are_refused_and_store_nothing(
        mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = mail()
    assert (await webhook.post(raw, signature="v0=" + "0" * 64))[0] == 401
    assert (await webhook.post(raw, signed_body=b"something else"))[0] == 401
    stale = await webhook.post(raw, timestamp=int(time.time()) - 301)
    assert stale == (401, {"ok": False, "error": "stale_or_missing_timestamp"})
    assert tandem.rows(InboundEmail) == [] and email_sources(tandem) == []


async def test_a_replayed_request_is_refused(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = mail()
    stamp = int(time.time())
    assert (await webhook.post(raw, timestamp=stamp))[0] == 202
    assert await webhook.post(raw, timestamp=stamp) == (401, {"ok": False, "error": "replayed"})
    assert len(tandem.rows(InboundEmail)) == 1


async def test_the_same_message_id_twice_is_one_source(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = mail(message_id="<dup@acme.example>")
    now = int(time.time())
    assert (await webhook.post(raw, timestamp=now))[1]["status"] == "routed"
    assert (await webhook.post(raw, timestamp=now - 5))[1]["status"] == "duplicate"
    assert len(email_sources(tandem)) == 1 and len(tandem.rows(InboundEmail)) == 1


async def test_mail_without_a_message_id_is_kept_once(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = mail(message_id=None)
    now = int(time.time())
    first = await webhook.post(raw, timestamp=now)
    again = await webhook.post(raw, timestamp=now - 5)
    assert (first[1]["status"], again[1]["status"]) == ("routed", "duplicate")
    assert first[1]["message_id"].endswith("@tandem.invalid")
    assert len(email_sources(tandem)) == 1


async def test_oversized_mail_is_refused_before_it_is_read(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    huge = mail(body="x" * (MAX_BYTES + 10))
    assert await webhook.post(huge) == (413, {"ok": False, "error": "too_large"})

    async def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: read up to the limit, then refuse
        for start in range(0, len(huge), 65536):
            yield huge[start:start + 65536]

    stamp = str(int(time.time()))
    headers = {"Content-Type": "message/rfc822", "X-Tandem-Request-Timestamp": stamp,
               "X-Tandem-Signature": sign(WEBHOOK_SECRET, stamp, huge)}
    async with webhook.session.post(webhook.url, data=chunks(), headers=headers) as reply:
        assert reply.status == 413
    assert tandem.rows(InboundEmail) == []


async def test_empty_and_unsupported_bodies_get_a_clear_answer(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    assert await webhook.post(b"") == (400, {"ok": False, "error": "empty_mail"})
    status, body = await webhook.post(b"{}", content_type="application/json")
    assert status == 415 and "message/rfc822" in body["error"]
    assert tandem.rows(InboundEmail) == [] and tandem.rows(DeadLetter) == []


async def test_a_wrong_charset_is_decoded_leniently(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = mail(body="Die Freigabe für SSO fehlt noch.", message_id="<cs@acme.example>", charset="utf-8")
    raw = raw.replace(b'charset="utf-8"', b'charset="x-unknown-charset"')
    status, body = await webhook.post(raw)
    assert (status, body["status"]) == (202, "routed")
    [source] = email_sources(tandem)
    assert "Freigabe" in source.text and "SSO fehlt noch" in source.text


async def test_unreadable_mail_is_kept_as_a_dead_letter_and_answered_202(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    junk = b"\x00\x01\x02 not a mail \xff\xfe" * 10
    status, body = await webhook.post(junk)
    assert (status, body["status"]) == (202, "dead_letter")
    [letter] = tandem.rows(DeadLetter)
    assert (letter.origin, letter.payload, letter.reason) == ("email.webhook", junk, "unreadable mail: no email headers")
    assert tandem.rows(InboundEmail) == []


async def test_mail_with_a_broken_mime_boundary_is_still_filed(mailroom: tuple[Tandem, Webhook]) -> None:
    tandem, webhook = mailroom
    raw = (b"From: Ana Ruiz <ana@acme.example>\r\nTo: ops@vendor.example\r\nSubject: Cutover\r\n"
           b"Message-ID: <broken@acme.example>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=\"declared\"\r\n\r\n"
           b"--other\r\nContent-Type: text/plain\r\n\r\nCutover is confirmed for Saturday.\r\n--other--\r\n")
    status, body = await webhook.post(raw)
    assert (status, body["status"], body["account"]) == (202, "routed", "acme")
    [source] = email_sources(tandem)
    assert "Cutover is confirmed for Saturday." in source.text


async def test_no_secret_means_no_webhook(settings: Settings) -> None:
    async with running_tandem(settings, "http") as tandem, aiohttp.ClientSession() as client:
        url = tandem.app_url.replace("/slack/events", "/email/inbound")
        async with client.post(url, data=mail(), headers={"Content-Type": "message/rfc822"}) as reply:
            assert reply.status in (404, 405)
        with session_scope(tandem.container.engine) as session:
            assert session.exec(select(InboundEmail)).all() == []


async def test_a_20_mb_mail_is_refused_at_the_default_limit(settings: Settings) -> None:
    wired = settings.model_copy(update={"email_webhook_secret": SecretStr(WEBHOOK_SECRET)})
    async with running_tandem(wired, "http") as tandem, aiohttp.ClientSession() as client:
        webhook = Webhook(tandem.app_url.replace("/slack/events", "/email/inbound"), client)
        huge = mail() + b"All the rows of the customer table.\n" * 600_000
        assert len(huge) > 20 * 1024 * 1024
        refused = await webhook.post(huge, expect100=True)  # refused before the body is sent
        assert refused == (413, {"ok": False, "error": "too_large"})
        assert tandem.rows(InboundEmail) == [] and tandem.rows(DeadLetter) == []
        accepted = await webhook.post(mail(message_id="<small@acme.example>"), expect100=True)
        assert accepted[0] == 202
