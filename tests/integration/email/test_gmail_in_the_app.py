"""The serving app polls the configured Gmail mailbox on its own schedule and files the mail it finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError
from bot.store.db import session_scope
from bot.store.models import InboundEmail, Source
from bot.store.repos import get_or_create_account
from tests.gmail_double import GmailDouble
from tests.integration.email.conftest import mail
from tests.integration.harness import running_tandem

MAILBOX = "intake@vendor.example"


async def test_the_app_polls_gmail_and_files_new_mail_once(settings: Settings, tmp_path: Path) -> None:
    async with GmailDouble(mailbox=MAILBOX) as gmail:
        wired = settings.model_copy(update={
            "gmail_api_url": gmail.api_url,
            "gmail_service_account_file": gmail.write_service_account_file(tmp_path / "service-account.json"),
            "gmail_delegated_user": MAILBOX,
            "gmail_poll_seconds": 30,
        })
        gmail.add_mail(mail(message_id="<old@acme.example>"))
        async with running_tandem(wired, "http") as tandem:
            with session_scope(tandem.container.engine) as session:
                get_or_create_account(session, key="acme").email_domains = "acme.example"
            assert tandem.runtime.gmail is not None
            jobs = {job.id: job for job in tandem.runtime.scheduler().get_jobs()}
            assert jobs["tandem-poll-gmail"].trigger.interval.total_seconds() == 30

            first = await tandem.runtime.gmail.poll_once()
            gmail.add_mail(mail(message_id="<new@acme.example>", body="Kim will send the tax worksheet by Friday."))
            second = await tandem.runtime.gmail.poll_once()
            again = await tandem.runtime.gmail.poll_once()
            await tandem.settle()
            assert (first.accepted, second.accepted, again.accepted) == (1, 1, 0)
            ids = sorted(s.external_id for s in tandem.rows(Source) if s.kind == "email")
            assert ids == ["email:new@acme.example", "email:old@acme.example"]
            assert {m.received_via for m in tandem.rows(InboundEmail)} == {"gmail"}


async def test_half_configured_gmail_stops_the_start_with_one_line(settings: Settings) -> None:
    broken = settings.model_copy(update={"gmail_delegated_user": MAILBOX})
    with pytest.raises(SettingsError, match="GMAIL_SERVICE_ACCOUNT_FILE"):
        async with running_tandem(broken, "http"):
            pass
