"""An email body without its quoted history; a forwarded original is content and is kept."""

from __future__ import annotations

import re

_FORWARD_MARKER = re.compile(r"^\s*(-{3,}\s*(forwarded message|weitergeleitete nachricht)\s*-{3,}|begin forwarded message:)", re.I)
_ORIGINAL_MARKER = re.compile(r"^\s*-{3,}\s*(original message|ursprüngliche nachricht)\s*-{3,}\s*$", re.I)
_SEPARATOR = re.compile(r"^\s*_{10,}\s*$")
_WROTE = re.compile(r"^\s*(on\s.+\bwrote|am\s.+\bschrieb.*|le\s.+\ba écrit)\s*:\s*$", re.I)
_WROTE_START = re.compile(r"^\s*(on|am|le)\s", re.I)
_WROTE_END = re.compile(r"\b(wrote|schrieb|a écrit)\s*:\s*$", re.I)
_HEADER_FROM = re.compile(r"^\s*(from|von|de)\s*:", re.I)
_HEADER_NEXT = re.compile(r"^\s*(sent|date|gesendet|datum|envoyé)\s*:", re.I)
_HEADER_ANY = re.compile(r"^\s*(from|von|de|sent|date|gesendet|datum|envoyé|to|an|à|cc|subject|betreff|objet)\s*:", re.I)
_DROP_HEADER = re.compile(r"^\s*(to|an|à|cc)\s*:", re.I)
_FORWARD_SUBJECT = re.compile(r"^\s*((fw|fwd|wg|tr)\s*:\s*)", re.I)


def _is_outlook_header(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    return any(_HEADER_NEXT.match(line) for line in lines[i + 1 : i + 4])


def _quote_start(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _ORIGINAL_MARKER.match(line) or _WROTE.match(line) or _is_outlook_header(lines, i):
        return True
    if _SEPARATOR.match(line) and i + 1 < len(lines) and _HEADER_FROM.match(lines[i + 1]):
        return True
    if _WROTE_START.match(line) and i + 1 < len(lines) and _WROTE_END.search(lines[i + 1]):
        return True
    return False


def _forwarded_body(lines: list[str]) -> list[str]:
    """The forwarded part from its header on: header kept (minus To/Cc), then its own body, stripped."""
    out: list[str] = []
    i = 0
    while i < len(lines) and (not lines[i].strip() or _HEADER_ANY.match(lines[i]) or _SEPARATOR.match(lines[i])
                              or _ORIGINAL_MARKER.match(lines[i]) or _FORWARD_MARKER.match(lines[i])):
        if _HEADER_ANY.match(lines[i]) and not _DROP_HEADER.match(lines[i]):
            out.append(lines[i].strip())
        i += 1
    return out + _strip(lines[i:], forward=False)


def _strip(lines: list[str], *, forward: bool) -> list[str]:
    out: list[str] = []
    for i, line in enumerate(lines):
        if _FORWARD_MARKER.match(line) or (forward and _quote_start(lines, i)):
            return out + [""] + _forwarded_body(lines[i:])
        if _quote_start(lines, i):
            return out
        if not line.lstrip().startswith(">"):
            out.append(line)
    return out


def strip_quoted_history(body: str, subject: str | None = None) -> str:
    """The new text of an email: quoted replies cut, "> " lines dropped, forwarded originals kept.

    A forward is recognised by an explicit forward marker, or by a subject starting with FW/Fwd/WG,
    in which case the first quoted header starts the forwarded original instead of a quote.
    """
    forward = bool(subject and _FORWARD_SUBJECT.match(subject))
    lines = _strip(body.splitlines(), forward=forward)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
