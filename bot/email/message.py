"""The parsed shape of one email, as the parser produces it and the intake consumes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class EmailParseError(ValueError):
    """Mail that cannot be read as an email at all; the message names the reason."""


@dataclass(frozen=True)
class Address:
    """One mailbox: a display name (may be empty) and a lower-cased address."""

    name: str
    email: str

    @property
    def domain(self) -> str:
        """The part after the @, lower-cased."""
        return self.email.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Attachment:
    """An attachment, listed but not stored."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ForwardedOriginal:
    """The original message inside a forward (the innermost one for nested forwards)."""

    sender: Address | None
    date: datetime | None
    subject: str | None
    body: str
    recipients: tuple[Address, ...] = ()


@dataclass(frozen=True)
class ParsedEmail:
    """One email, decoded.

    `body` is the whole readable text (plain preferred, HTML converted); `clean_body` is what gets indexed:
    the new text with quoted history and signatures stripped (for a forward: the forwarder's note, if any).
    """

    message_id: str | None
    subject: str | None
    sender: Address | None
    date: datetime | None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    envelope_to: tuple[Address, ...] = ()
    body: str = ""
    clean_body: str = ""
    attachments: tuple[Attachment, ...] = ()
    forwarded: ForwardedOriginal | None = None
    defects: tuple[str, ...] = field(default=())

    @property
    def all_recipients(self) -> tuple[Address, ...]:
        """To, Cc and envelope recipients (Delivered-To, X-Original-To), without repeats."""
        seen: dict[str, Address] = {}
        for address in (*self.envelope_to, *self.to, *self.cc):
            seen.setdefault(address.email, address)
        return tuple(seen.values())
