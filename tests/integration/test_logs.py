"""Secrets and content never reach the logs, and users never see exception text.

The app runs a realistic flow (a link, messages, an edit, a deletion, a question, a failing Web API call,
a listener that raises) while the root logger is configured as `tandem serve` configures it, at DEBUG.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from bot.app import GENERIC_FAILURE
from bot.logs import RedactionFilter, configure_logging, redact
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem
from tests.slack_double import slash_command
from tests.slack_double.events import event_callback, message, message_changed, message_deleted

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
BODIES = [
    "We are blocked until our IT approves the SSO app",
    "Could you send the import template to ben.customer@acme.example by Friday",
    "Budget sign-off moved to Thursday",
    "Finance approved the budget for the import",
]
LEAKY = "xoxb-1234-secret-token for ben.customer@acme.example"


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    """The root logger as configured at start-up, at DEBUG, writing into a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    configure_logging("DEBUG")
    buffer = io.StringIO()
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


def _raise_leaky() -> None:
    raise RuntimeError(LEAKY)


async def _failing_listener(body: dict[str, Any]) -> None:
    _raise_leaky()


async def test_a_realistic_flow_logs_no_token_email_or_message_text(tandem: Tandem,
                                                                    captured_logs: io.StringIO) -> None:
    tandem.runtime.app.event("member_joined_channel")(_failing_listener)
    await tandem.command("link acme")
    await tandem.responses(1)
    first = message(SHARED, CUSTOMER, BODIES[0] + ".", ts="1767225600.000100")
    second = message(SHARED, CUSTOMER, BODIES[1] + "?", ts="1767225660.000200")
    tandem.slack.fail_next("users.info", "fatal_error", times=3)  # the worker fails, logs it, retries
    for event in (first, second):
        await tandem.event(event)
    await tandem.settle(timeout=20)
    await tandem.event(message_changed(SHARED, dict(first, text=BODIES[2] + "."), first))
    await tandem.event(message_deleted(SHARED, second))
    await tandem.event(message(SHARED, IM, BODIES[3] + ".", ts="1767225720.000300"))
    joined = {"type": "member_joined_channel", "user": CUSTOMER, "channel": SHARED, "channel_type": "C"}
    if tandem.mode == "socket":  # a failed listener is not acked over Socket Mode (Slack redelivers)
        await tandem.slack.socket_send("events_api", event_callback(joined))
    else:
        await tandem.event(joined)
    await tandem.settle(timeout=20)
    for _ in range(100):
        if "unhandled error in a listener" in captured_logs.getvalue():
            break
        await asyncio.sleep(0.05)
    await tandem.command("ask what is the budget status")
    await tandem.responses(2)

    logged = captured_logs.getvalue()
    assert "unhandled error in a listener" in logged and "RuntimeError" in logged  # the error itself is logged
    assert "work" in logged and "failed" in logged
    assert "xox" not in logged
    assert EMAIL.findall(logged) == []
    for body in BODIES:
        assert body not in logged
        assert body.replace(" ", "+") not in logged  # form-encoded, as in a slash command's body


async def test_users_never_see_exception_text(http_tandem: Tandem) -> None:
    tandem = http_tandem
    tandem.runtime.app.command("/boom")(_failing_listener)
    tandem.runtime.app.event("member_joined_channel")(_failing_listener)
    fields = slash_command("now", command="/boom", user_id=IM, channel_id=SHARED,
                           response_url=tandem.slack.new_response_url())
    command = await tandem.sender.send_command(fields)
    event, _ = await tandem.event({"type": "member_joined_channel", "user": CUSTOMER, "channel": SHARED})
    assert (command.status, command.json()) == (200, {"response_type": "ephemeral", "text": GENERIC_FAILURE})
    assert (event.status, event.text) == (500, "")  # Slack retries; the event id dedupes it
    assert "RuntimeError" not in GENERIC_FAILURE and LEAKY not in str(tandem.slack.calls)


@pytest.mark.parametrize("name", ["slack_bolt", "slack_sdk.web.async_base_client", "aiohttp.access",
                                  "chromadb.api", "bot.worker"])
def test_library_loggers_reach_the_redacting_handler(name: str, captured_logs: io.StringIO) -> None:
    logging.getLogger(name).debug("request body: %s", {"token": "xoxb-9-abc", "text": "Budget sign-off moved",
                                                       "user": {"email": "ben.customer@acme.example"}})
    logged = captured_logs.getvalue()
    assert name in logged and "xox" not in logged and "Budget" not in logged and "@" not in logged


@pytest.mark.parametrize("raw", [
    "{'text': 'We are blocked', 'ts': '1.2'}",
    '{"text": "We\\"re blocked", "ts": "1.2"}',
    "SourceRecord(id='x', text=\"It's blocked\", author='A')",
    "token=xoxb-1&text=We+are+blocked&user_id=U1",
    "{'type': 'mrkdwn', 'text': 'We are blocked'}",
    "payload=%7B%22text%22%3A%22We%20are%20blocked%22%2C%22ts%22%3A1%7D",
])
def test_redact_removes_message_text(raw: str) -> None:
    assert "blocked" not in redact(raw)
    assert "xox" not in redact(raw)


def test_filter_redacts_exception_text() -> None:
    try:
        _raise_leaky()
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", ("ben@acme.example",),
                                   exc_info=sys.exc_info())
    RedactionFilter().filter(record)
    assert "@" not in record.getMessage()
    assert "RuntimeError" in (record.exc_text or "") and "xox" not in (record.exc_text or "")
    assert "@" not in (record.exc_text or "")
