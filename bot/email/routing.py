"""Which account an email belongs to: address tag, subject tag, then the correspondents' domains."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.email.message import Address, ParsedEmail
from bot.store.models import Account

SUBJECT_TAG = re.compile(r"\[([A-Za-z0-9][A-Za-z0-9_-]{0,62})\]")
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com", "icloud.com",
    "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de",
})


@dataclass(frozen=True)
class Route:
    """The account chosen for a mail and why; `account` is None when it must wait in triage."""

    account: Account | None
    reason: str


def domains_of(field: str) -> set[str]:
    """The lower-cased domains of a comma-separated settings field."""
    return {part.strip().lower().lstrip("@") for part in field.split(",") if part.strip()}


def _address_tag(address: Address) -> str | None:
    local = address.email.partition("@")[0]
    return local.partition("+")[2].lower() or None if "+" in local else None


def _by_key(accounts: Sequence[Account], key: str | None) -> Account | None:
    return next((account for account in accounts if key and account.key == key.lower()), None)


def _only(matches: list[Account]) -> Account | None:
    unique = {account.key: account for account in matches}
    return next(iter(unique.values())) if len(unique) == 1 else None


def correspondents(mail: ParsedEmail, *, vendor_domains: frozenset[str]) -> list[Address]:
    """The people on the customer's side of a mail: the original sender first, then the other parties."""
    original = mail.forwarded
    ordered = [original.sender] if original and original.sender else []
    if original is None and mail.sender:
        ordered.append(mail.sender)
    ordered += list(original.recipients if original else ()) + list(mail.to) + list(mail.cc)
    return [a for a in ordered if a is not None and a.domain not in vendor_domains]


def route_email(mail: ParsedEmail, accounts: Sequence[Account], *, vendor_domains: frozenset[str]) -> Route:
    """Route by `tandem+key@` address tag, then `[key]` subject tag, then the one account whose domains match."""
    for address in mail.all_recipients:
        account = _by_key(accounts, _address_tag(address))
        if account:
            return Route(account, "address tag")
    subjects = [mail.subject or "", (mail.forwarded.subject if mail.forwarded else None) or ""]
    for tag in (m.group(1) for subject in subjects for m in SUBJECT_TAG.finditer(subject)):
        account = _by_key(accounts, tag)
        if account:
            return Route(account, "subject tag")
    for address in correspondents(mail, vendor_domains=vendor_domains):
        matches = [a for a in accounts if address.domain in domains_of(a.email_domains)]
        if matches:
            chosen = _only(matches)
            return Route(chosen, "sender domain") if chosen else Route(None, f"{address.domain} is on several accounts")
    return Route(None, "no tag and no known domain")


def side_of(address: Address | None, account: Account, *, vendor_domains: frozenset[str]) -> str:
    """vendor for our own domains, third_party for the account's registered third parties, else customer."""
    if address is None:
        return "customer"
    if address.domain in vendor_domains:
        return "vendor"
    if address.domain in domains_of(account.third_party_domains):
        return "third_party"
    return "customer"


def learnable_domain(address: Address | None, *, vendor_domains: frozenset[str]) -> str | None:
    """The domain a triage choice may teach: not ours and not a public mail provider."""
    if address is None or not address.domain or address.domain in vendor_domains:
        return None
    return None if address.domain in PUBLIC_MAIL_DOMAINS else address.domain
