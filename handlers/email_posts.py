"""Slack's email posts (files of type `email`) back into raw RFC 822 mail for the email intake."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parsedate_to_datetime
from typing import Any


def is_email_post(file: dict[str, Any]) -> bool:
    """Whether a Slack file object is an email posted into Slack."""
    return str(file.get("filetype") or "").lower() == "email" or file.get("mode") == "email"


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def _addresses(entries: object) -> str:
    if not isinstance(entries, list):
        return ""
    formatted = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        address = _one_line(entry.get("address"))
        if address:
            formatted.append(formataddr((_one_line(entry.get("name")), address)))
    return ", ".join(formatted)


def _date(header: object, created: object) -> str | None:
    """The `Date` header as Slack gave it when it is a date, else the file's `created` time."""
    if text := _one_line(header):
        try:
            parsedate_to_datetime(text)
            return text
        except (TypeError, ValueError):
            pass
    if isinstance(created, int | float):
        return format_datetime(datetime.fromtimestamp(created, tz=UTC))
    return None


def email_post_raw(file: dict[str, Any]) -> bytes:
    """The mail of a Slack email post (`from`, `to`, `cc`, `subject`, `plain_text`, `headers`) as RFC 822 bytes.

    The same file always gives the same bytes: the date falls back to the file's `created` time, never now.
    """
    headers = file.get("headers") if isinstance(file.get("headers"), dict) else {}
    assert isinstance(headers, dict)
    message = EmailMessage()
    for name, entries in (("From", file.get("from")), ("To", file.get("to")), ("Cc", file.get("cc"))):
        if value := _addresses(entries):
            message[name] = value
    if subject := _one_line(file.get("subject") or file.get("title")):
        message["Subject"] = subject
    if date := _date(headers.get("date"), file.get("created") or file.get("timestamp")):
        message["Date"] = date
    for name, key in (("Message-ID", "message_id"), ("In-Reply-To", "in_reply_to"), ("Reply-To", "reply_to")):
        if value := _one_line(headers.get(key)):
            message[name] = value
    body = file.get("plain_text") or file.get("preview_plain_text") or ""
    message.set_content(str(body))
    return message.as_bytes()
