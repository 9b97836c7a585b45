"""A parsed, routed email as the source record the ingest use case takes."""

from __future__ import annotations

import hashlib
from datetime import datetime

from bot.email.message import Address, ParsedEmail
from bot.email.routing import side_of
from bot.records import SourceRecord
from bot.store.models import Account


def stable_message_id(mail: ParsedEmail | None, raw: bytes) -> str:
    """The Message-ID, or one derived from the raw bytes when the header is missing (same mail, same id)."""
    if mail is not None and mail.message_id:
        return mail.message_id.strip()[:450]
    return f"sha256-{hashlib.sha256(raw).hexdigest()[:40]}@tandem.invalid"


def display(address: Address | None) -> str | None:
    """`Name <address>`, or whichever part there is."""
    if address is None:
        return None
    if address.name and address.email:
        return f"{address.name} <{address.email}>"
    return address.name or address.email or None


def email_record(mail: ParsedEmail, *, message_id: str, account: Account, vendor_domains: frozenset[str],
                 received_at: datetime, forwarded_by: str | None = None) -> SourceRecord:
    """The source record of a mail: a forward is unwrapped to its original sender, date, subject and body."""
    original = mail.forwarded
    author = original.sender if original and original.sender else mail.sender
    if original is not None:
        forwarder = forwarded_by or display(mail.sender)
        note = mail.clean_body.strip()
        text = original.body.strip()
        if note:
            text = f"{forwarder or 'The forwarder'} forwarded this with a note: {note}\n\n{text}"
    else:
        forwarder = forwarded_by
        text = mail.clean_body.strip()
    attached = [a.filename for a in mail.attachments if a.filename and a.content_type != "message/rfc822"]
    if attached:  # listed, not stored: "did they send the signed approval?" finds the mail
        text = f"{text}\n\nAttached: {', '.join(attached[:20])}".strip()
    subject = (original.subject if original and original.subject else mail.subject) or None
    return SourceRecord(
        id=f"email:{message_id}",
        kind="email",
        ts=(original.date if original and original.date else mail.date) or received_at,
        author=(author.name or author.email or "unknown sender") if author else "unknown sender",
        author_email=(author.email or None) if author else None,
        text=text or subject or "",
        account=account.key,
        side=side_of(author, account, vendor_domains=vendor_domains),
        subject=subject[:500] if subject else None,
        visibility="external" if account.emails_external else "internal",
        forwarded_by=forwarder[:200] if forwarder else None,
    )
