"""Mail headers read leniently, and addresses as headers and forwarded header lines write them."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import Message
from email.utils import getaddresses

from bot.email.charsets import clean_text, decode_words, header_text
from bot.email.message import Address


@dataclass
class Headers:
    items: list[tuple[str, str]]
    defects: list[str]

    @classmethod
    def of(cls, message: Message) -> Headers:
        defects: list[str] = []
        items = []
        for name, value in message.raw_items():
            items.append((str(name).strip().lower(), header_text(value, defects)))
        return cls(items, defects)

    def raw(self, name: str) -> str | None:
        return next((value for key, value in self.items if key == name), None)

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.items if key == name]

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return None if value is None else clean_text(decode_words(value, self.defects)).strip()

    def addresses(self, *names: str) -> tuple[Address, ...]:
        values = [value for name in names for value in self.all(name)]
        return dedupe(_header_addresses(values, self.defects))


def _header_addresses(values: list[str], defects: list[str]) -> list[Address]:
    out: list[Address] = []
    for value in values:
        try:
            pairs = getaddresses([value])
        except Exception:
            pairs = []
        found = False
        for name, email in pairs:
            email = email.strip().strip("<>").strip()
            if email.lower().startswith("mailto:"):
                email = email[7:]
            if "@" not in email or any(c.isspace() for c in email):
                continue
            name = clean_text(decode_words(name, defects)).strip().strip("\"'").strip()
            out.append(Address(name if name.lower() != email.lower() else "", email.lower()))
            found = True
        if not found and "@" in value:  # a form getaddresses could not take: read it like a quoted header line
            out.extend(a for a in text_addresses(decode_words(value, defects)) if a.email)
    return out


def dedupe(addresses: Iterable[Address]) -> tuple[Address, ...]:
    seen: dict[str, Address] = {}
    for address in addresses:
        seen.setdefault(address.email or address.name.lower(), address)
    return tuple(seen.values())


def message_id_of(value: str | None) -> str | None:
    if value is None:
        return None
    match = re.search(r"<([^<>]+)>", value)
    token = match.group(1) if match else (value.split() or [""])[0]
    token = token.strip().strip("<>").strip()
    return token or None


# -- addresses written in text (forwarded headers)

_MAILTO_COPY = re.compile(r"\s*<mailto:[^<>]*>", re.I)  # "dana@acme.example<mailto:dana@acme.example>"
_BRACKET_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.I)  # "Dana Whitfield [mailto:dana@acme.example]"
_ANGLE = re.compile(r"<([^<>]*)>")
_BARE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")


def _name(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip(" \t,;*\"'()")).strip(" \t\"'")


def _loose(text: str) -> list[Address]:
    """Recipients written without angle brackets: bare addresses, or names only ("Dana Whitfield; Priya")."""
    text = text.strip(" \t,;")
    if not text:
        return []
    if ";" in text:
        pieces = text.split(";")
    elif "@" in text or all(len(piece.split()) >= 2 for piece in text.split(",")):
        pieces = text.split(",")
    else:
        pieces = [text]  # "Whitfield, Dana": one name
    out = []
    for piece in pieces:
        bare = _BARE.search(piece)
        if bare:
            rest = _name(piece[: bare.start()] + piece[bare.end() :])
            out.append(Address(rest, bare.group(0).lower()))
        elif _name(piece):
            out.append(Address(_name(piece), ""))
    return out


def text_addresses(value: str | None) -> list[Address]:
    """Addresses from a header line written in a body: `Name <addr>`, `Name [mailto:addr]`, `"Last, First"
    <addr>`, bare addresses, `;`- or `,`-separated lists, names without an address (email "")."""
    if not value:
        return []
    text = _BRACKET_MAILTO.sub(r"<\1>", _MAILTO_COPY.sub("", value))
    out: list[Address] = []
    position = 0
    for match in _ANGLE.finditer(text):
        before = text[position : match.start()]
        position = match.end()
        inner = match.group(1).strip()
        if inner.lower().startswith("mailto:"):
            inner = inner[7:].strip()
        if "@" not in inner:
            out.extend(_loose(before))
            continue
        if ";" in before:
            head, _, before = before.rpartition(";")
            out.extend(_loose(head))
        bares = list(_BARE.finditer(before))
        if bares:
            out.extend(_loose(before[: bares[-1].end()]))
            before = before[bares[-1].end() :]
        name = _name(before)
        out.append(Address("" if name.lower() == inner.lower() else name, inner.lower()))
    out.extend(_loose(text[position:]))
    return out


