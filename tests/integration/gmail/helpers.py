"""Gmail test helpers: sample mail, a recording sink standing in for the email intake, the stored cursor."""

from __future__ import annotations

import email
import threading
from collections.abc import Callable

from bot.container import Container
from bot.store.cursors import get_cursor
from bot.store.db import session_scope
from jobs.gmail import GmailPoller

MAILBOX = "intake@brightloom.example"


def sample_mail(n: int) -> bytes:
    """A small, clearly fictional email numbered ``n``."""
    return (
        f"From: Dana Example <dana@acme-widgets.example>\r\n"
        f"To: {MAILBOX}\r\n"
        f"Subject: [acme] Kickoff notes {n}\r\n"
        f"Date: Mon, 02 Mar 2026 09:{n % 60:02d}:00 +0000\r\n"
        f"Message-ID: <note-{n}@acme-widgets.example>\r\n"
        f"\r\n"
        f"Notes number {n} from the kickoff call.\r\n"
    ).encode()


class RecordingSink:
    """The email intake's interface (`accept(raw, via=...)`), recording what it is given.

    `on_accept` runs after recording (e.g. to change the double mid-poll); `fail_on` raises for that
    Message-ID, like an intake whose database is down.
    """

    def __init__(self) -> None:
        self.accepted: list[tuple[bytes, str]] = []
        self.on_accept: Callable[[int], None] | None = None
        self.fail_on: str | None = None
        self.threads: set[str] = set()

    def accept(self, raw: bytes, *, via: str) -> object:
        self.threads.add(threading.current_thread().name)
        message_id = email.message_from_bytes(raw)["Message-ID"]
        if message_id == self.fail_on:
            raise RuntimeError("intake database unavailable")
        self.accepted.append((raw, via))
        if self.on_accept is not None:
            self.on_accept(len(self.accepted))
        return len(self.accepted)

    @property
    def message_ids(self) -> list[str]:
        """Message-IDs handed over, in order."""
        return [email.message_from_bytes(raw)["Message-ID"] for raw, _via in self.accepted]


PollerFactory = Callable[..., GmailPoller]


def stored_cursor(container: Container, mailbox: str = MAILBOX) -> str | None:
    """The Gmail cursor in the database."""
    with session_scope(container.engine) as session:
        return get_cursor(session, name=f"gmail:{mailbox}")
