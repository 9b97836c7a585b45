"""Due dates: find a due phrase in text and resolve it against the author's local date.

Rules (onboarding-dev README, "Due-date rules"): the reference day is the record's `ts`
converted to the author's time zone, never the UTC date.

| phrase                                   | resolves to                                   |
|------------------------------------------|-----------------------------------------------|
| today, EOD, end of day, tonight, COB      | the local date                                |
| tomorrow, EOD tomorrow, tomorrow morning  | local date + 1                                |
| (by/on/this) Friday                       | next such weekday strictly after today        |
| next Tuesday                              | that weekday of the following calendar week   |
| end of (this) week, this week             | Friday of the current week                    |
| end of next week                          | Friday of the following week                  |
| end of (the) month / end of next month    | last day of this / the following month        |
| 26 March, March 30, Mon 4 May, the 24th of April | that date in the local year            |
| the 20th                                  | this month if not past, else next month       |
| in N days / weeks                         | + N days / + 7N days                          |
| in/within N business days                 | + N Monday-Friday days                        |

Vague windows ("next week", "late March", "3-5 business days") are not resolved.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_INDEX = {name: i for i, name in enumerate(WEEKDAYS)}
_WEEKDAY_INDEX.update({name[:3]: i for i, name in enumerate(WEEKDAYS)})
_MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    _MONTHS[calendar.month_name[_number].lower()] = _number
    _MONTHS[calendar.month_abbr[_number].lower()] = _number
_MONTHS["sept"] = 9
_NUMBER_WORDS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}

_WD = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?"
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_NUM = r"(?:\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_TIME_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night|eod|cob|noon|lunchtime))?"

# Ordered: the first pattern that matches at a position wins (longest forms first).
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("business_days", rf"\b(?:in|within)\s+{_NUM}\s+(?:business|working)\s+days?\b"),
        ("relative_days", rf"\bin\s+{_NUM}\s+(?:days?|weeks?)\b"),
        ("end_of_next", r"\b(?:the\s+)?end\s+of\s+next\s+(?:week|month)\b"),
        ("end_of_this", r"\b(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?:week|month)\b|\bmonth[- ]end\b|\bthis\s+week\b"),
        ("weekday_date", rf"\b{_WD},?\s+(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MON}(?![a-z])|\b{_WD},?\s+{_MON}\s+{_DAY}\b"),
        ("day_month", rf"\b(?:the\s+)?{_DAY}(?:\s+of)?\s+{_MON}(?![a-z])"),
        ("month_day", rf"\b{_MON}\s+{_DAY}\b(?!\s*(?:%|k\b|m\b))"),
        ("tomorrow", r"\b(?:(?:eod|cob|end\s+of\s+day|first\s+thing)\s+)?tomorrow\b"),
        ("today", r"\b(?:today|tonight|eod|cob|end\s+of\s+(?:the\s+)?day|this\s+(?:morning|afternoon|evening))\b"),
        ("next_weekday", rf"\bnext\s+{_WD}\b{_TIME_OF_DAY}"),
        ("weekday", rf"\b(?:this\s+)?{_WD}\b{_TIME_OF_DAY}"),
        ("ordinal_day", r"\bthe\s+\d{1,2}(?:st|nd|rd|th)\b"),
    )
)


_ANY = re.compile("|".join(f"(?P<{name}>{pattern.pattern})" for name, pattern in _PATTERNS), re.IGNORECASE)
# the same alternation on lower-cased text (the patterns are lower-case): case-sensitive matching is faster
_ANY_LOWER = re.compile(_ANY.pattern)
_ORDER = {name: order for order, (name, _) in enumerate(_PATTERNS)}


@dataclass(frozen=True)
class DueMatch:
    """A due phrase found in text and the date it resolves to."""

    phrase: str
    start: int
    due: date


def local_day(ts: datetime, tz: str | None) -> date:
    """The calendar date of `ts` in the zone `tz` (the record's own offset when unknown)."""
    if tz:
        try:
            return ts.astimezone(ZoneInfo(tz)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ts.date()


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def _weekday_of(word: str) -> int:
    return _WEEKDAY_INDEX[word.lower()[:3]]


def _month_of(word: str) -> int | None:
    key = word.lower().rstrip(".")
    return _MONTHS.get(key) or _MONTHS.get(key[:3])


YEAR_ROLLOVER = timedelta(days=120)


def _last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _add_business_days(start: date, count: int) -> date:
    current = start
    while count:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def _resolve(kind: str, phrase: str, today: date) -> date | None:
    words = re.findall(r"[a-z]+|\d+", phrase.lower())
    if kind == "business_days":
        return _add_business_days(today, _number(words[1]))
    if kind == "relative_days":
        count = _number(words[1])
        return today + timedelta(days=count * (7 if words[2].startswith("week") else 1))
    if kind == "end_of_next":
        if "week" in words:
            return today + timedelta(days=4 - today.weekday() + 7)
        year, month = _next_month(today.year, today.month)
        return _last_of_month(year, month)
    if kind == "end_of_this":
        if "week" in words:
            return today + timedelta(days=max(0, 4 - today.weekday()))
        return _last_of_month(today.year, today.month)
    if kind in ("weekday_date", "day_month", "month_day"):
        day = next(int(w) for w in words if w.isdigit())
        month = next((m for w in words if not w.isdigit() and (m := _month_of(w))), None)
        if not month:
            return None
        found = _safe_date(today.year, month, day)
        if found and found < today - YEAR_ROLLOVER:  # "1 Jan" written in November means next January
            return _safe_date(today.year + 1, month, day)
        return found
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "today":
        return today
    if kind == "next_weekday":
        monday_next = today + timedelta(days=7 - today.weekday())
        return monday_next + timedelta(days=_weekday_of(words[1]))
    if kind == "weekday":
        target = _weekday_of(words[-1] if words[0] == "this" and len(words) == 2 else
                             next(w for w in words if w != "this"))
        return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
    if kind == "ordinal_day":
        day = int(words[1])
        if day >= today.day:
            return _safe_date(today.year, today.month, day)
        year, month = _next_month(today.year, today.month)
        return _safe_date(year, month, day)
    return None


_DATE_HINT = re.compile(
    r"\d|day|tomorrow|tonight|eod|cob|week|month|morning|afternoon|evening|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun",
    re.IGNORECASE,
)


def _valid(kind: str, phrase: str) -> bool:
    if kind == "month_day" and _month_of(phrase.split()[0]) is None:
        return False
    return not (kind == "weekday" and phrase.lower().rstrip() in ("sat", "sun", "wed", "fri", "mon", "thu"))


def find_due(text: str, ts: datetime, tz: str | None) -> DueMatch | None:
    """The first resolvable due phrase in `text`, resolved against `ts` in `tz`."""
    if not _DATE_HINT.search(text):
        return None
    lowered = text.lower()
    first = _ANY_LOWER.search(lowered) if len(lowered) == len(text) else _ANY.search(text)
    if first is None:
        return None
    kind = first.lastgroup or ""
    phrase = text[first.start():first.end()]
    if _valid(kind, phrase):
        # the leftmost match, earliest pattern first: what the loop below would pick
        resolved = _resolve(kind, phrase, local_day(ts, tz))
        return DueMatch(phrase=phrase, start=first.start(), due=resolved) if resolved else None
    today = local_day(ts, tz)
    best: tuple[int, int, str, str] | None = None
    for order, (kind, pattern) in enumerate(_PATTERNS):
        for match in pattern.finditer(text):
            if not _valid(kind, match.group(0)):
                continue
            candidate = (match.start(), order, kind, match.group(0))
            if best is None or candidate[:2] < best[:2]:
                best = candidate
            break
    if best is None:
        return None
    start, _, kind, phrase = best
    resolved = _resolve(kind, phrase, today)
    return DueMatch(phrase=phrase, start=start, due=resolved) if resolved else None


def resolve_due(phrase_or_text: str, ts: datetime, tz: str | None) -> date | None:
    """Resolve a due phrase (or the first one found in a longer text); None when vague or absent."""
    match = find_due(phrase_or_text, ts, tz)
    return match.due if match else None
