"""The account's known people: resolve mentions, first names and sides."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from bot.records import SourceRecord

_SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|([^>]+))?>")
_NAMED_MENTION = re.compile(r"@([A-Z][\w'\-]+(?: [A-Z][\w'\-]+)?)")
_TURN_SPEAKER = re.compile(r"^\s*\[?\d{1,2}:\d{2}(?::\d{2})?\]?\s*([A-Z][\w.'\- ]{1,60}?):", re.MULTILINE)
_FROM_HEADER = re.compile(r"^From:\s*\"?([A-Z][^<\n\"]+?)\"?\s*<", re.MULTILINE)
_APPOSITIVE = re.compile(
    r"\b(?:our|their|your|the|its)\s+[A-Za-z][\w/&\- ]{1,40}?,\s+([A-Z][a-z][\w'\-]+ [A-Z][a-z][\w'\-]+)\b"
    r"|\b([A-Z][a-z][\w'\-]+ [A-Z][a-z][\w'\-]+) \((?:our|their|the|your)\b"
)
_CAPITALISED = re.compile(r"\b[A-Z][a-z][\w'\-]*(?:\s+[A-Z][a-z][\w'\-]*)?")


_POSSESSIVE = re.compile(r"['’]s$")


@dataclass
class People:
    """Full names with their side (None when unknown), and a first-name index."""

    sides: dict[str, str | None] = field(default_factory=dict)
    _first: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    def add(self, name: str, side: str | None) -> None:
        """Remember a person; a known side is never overwritten by an unknown one."""
        name = name.strip()
        if len(name) > 40 or " " not in name:
            return
        if side or name not in self.sides:
            self.sides[name] = side or self.sides.get(name)
            self._first = None

    def side_of(self, name: str | None) -> str | None:
        return self.sides.get(name) if name else None

    def _by_first_name(self) -> dict[str, list[str]]:
        if self._first is None:
            index: dict[str, list[str]] = {}
            for name in self.sides:
                index.setdefault(name.split()[0], []).append(name)
            self._first = index
        return self._first

    def resolve(self, word: str) -> str | None:
        """A full name for a full name or an unambiguous first name ("Kelly" -> "Kelly Nguyen")."""
        word = _POSSESSIVE.sub("", word.strip().strip(".,:;!?"))
        if word in self.sides:
            return word
        parts = word.split()
        if not parts:
            return None
        matches = self._by_first_name().get(parts[0], ())
        if len(matches) == 1 and (len(parts) == 1 or matches[0].startswith(word)):
            return matches[0]
        return None

    def named_in(self, text: str) -> list[tuple[int, str]]:
        """(position, full name) of every known person named in text, in order."""
        found: dict[str, int] = {}
        for match in _CAPITALISED.finditer(text):
            words = match.group(0)
            name = self.resolve(words) or (self.resolve(words.split()[0]) if " " in words else None)
            if name and name not in found:
                found[name] = match.start()
        return sorted((pos, name) for name, pos in found.items())


def replace_slack_mentions(text: str, slack_users: Mapping[str, str]) -> str:
    """`<@U123>` becomes `@Display Name` when the user is known."""

    def name_of(match: re.Match[str]) -> str:
        label = slack_users.get(match.group(1)) or match.group(2)
        return f"@{label}" if label else match.group(0)

    return _SLACK_MENTION.sub(name_of, text)


@lru_cache(maxsize=8192)
def _people_named_in(kind: str, text: str) -> tuple[str, ...]:
    """Names mentioned, speaking in a transcript or sending a quoted email (cached: earlier records recur)."""
    names = _NAMED_MENTION.findall(text)
    names += [a or b for a, b in _APPOSITIVE.findall(text)]
    if kind == "transcript":
        names += _TURN_SPEAKER.findall(text)
    if kind == "email":
        names += _FROM_HEADER.findall(text)
    return tuple(names)


def build_people(
    known: Mapping[str, str], earlier: Sequence[SourceRecord], current: SourceRecord
) -> People:
    """Known people, then authors of earlier records and people they mention or quote."""
    people = People()
    authors: dict[str, str | None] = {}
    mentioned: dict[str, None] = {}
    for record in [*earlier, current]:
        if record.side or record.author not in authors:
            authors[record.author] = record.side or authors.get(record.author)
        mentioned.update(dict.fromkeys(_people_named_in(record.kind, record.text)))
    for name, side in authors.items():
        people.add(name, side)
    for name in mentioned:
        people.add(name, None)
    for name, side in known.items():
        people.add(name, side)
    return people
