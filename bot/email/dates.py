"""Dates as mail clients write them (RFC 2822, ISO 8601, Gmail, Outlook, Apple Mail; several languages)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar jänner janvier janv enero ene januari gennaio gen janeiro",
    "february feb februar februari février fevrier févr fevr febrero febbraio fevereiro fev",
    "march mar märz maerz mär mars marzo maart mrt março marco",
    "april apr avril avr abril abr aprile",
    "may mai mayo mei maggio mag maio",
    "june jun juni juin junio giugno giu junho",
    "july jul juli juillet juil julio luglio lug julho",
    "august aug août aout agosto ago augustus",
    "september sep sept septembre septiembre setiembre settembre set setembro",
    "october oct oktober okt octobre octubre ottobre ott outubro out",
    "november nov novembre noviembre novembro",
    "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro",
), start=1):
    for _month in _names.split():
        _MONTHS[_month] = _number
_TZ_HOURS = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "wet": 0, "bst": 1, "west": 1, "cet": 1, "met": 1, "mez": 1, "cest": 2,
    "mest": 2, "mesz": 2, "eet": 2, "eest": 3, "msk": 3, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7,
    "mdt": -6, "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "jst": 9, "kst": 9, "sgt": 8,
    "hkt": 8, "awst": 8, "acst": 9.5, "aest": 10, "aedt": 11, "nzst": 12, "nzdt": 13,
}
_RFC2822 = re.compile(r"^\s*([a-z]{3},?\s*)?\d{1,2}\s+[a-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}", re.I)
_ISO = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([ t]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\s*(z|[+-]\d{2}:?\d{2})?\s*$", re.I)
_TIME = re.compile(r"(?<!\d)(\d{1,2})[:h](\d{2})(?:[:.](\d{2}))?(?!\d)(?:\s*([ap])\.?\s?m\.?(?![a-z]))?", re.I)
_TZ_OFFSET = re.compile(r"\b(?:gmt|utc|ut)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?(?!\d)|(?<![\w:+-])([+-])(\d{2}):?(\d{2})\b",
                        re.I)
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,4})([./-])(\d{1,2})\2(\d{2,4})(?!\d)")


def from_rfc2822(text: str) -> datetime | None:
    try:
        parts = parsedate_tz(text)
        if parts is None:
            return None
        naive = datetime(*parts[:6])  # type: ignore[misc]
        offset = parts[9]
        return naive.replace(tzinfo=UTC if offset is None else timezone(timedelta(seconds=offset)))
    except (ValueError, TypeError, OverflowError, IndexError):
        return None


def parse_date(text: str | None, *, dayfirst: bool = False, default_tz: tzinfo | None = None) -> datetime | None:
    """An aware datetime for a date as mail clients write it, or None.

    Takes RFC 2822 ("Mon, 3 Mar 2025 10:14:00 +0100"), ISO 8601, Gmail ("Mon, Mar 3, 2025 at 10:14 AM"),
    Outlook ("Monday, March 3, 2025 10:14 AM", "Montag, 3. März 2025 10:14"), Apple Mail ("3 March 2025 at
    10:14:00 GMT+1", "March 3, 2025 at 10:14:00 AM EST"), month names in English, German, French, Spanish,
    Dutch, Italian and Portuguese, and numeric dates ("03.03.2025", "3/3/2025": month first unless
    `dayfirst`). A date without a zone gets `default_tz` (UTC when None).
    """
    if not text or not text.strip():
        return None
    text = text.replace("\u202f", " ").replace("\xa0", " ").strip()[:200]
    zone = default_tz or UTC
    if _RFC2822.match(text):
        parsed = from_rfc2822(text)
        if parsed is not None:
            return parsed
    if _ISO.match(text):
        try:
            parsed = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        except ValueError:
            pass
    lower = text.lower()
    hour = minute = second = 0
    time_match = _TIME.search(lower)
    if time_match:
        hour, minute, second = int(time_match.group(1)), int(time_match.group(2)), int(time_match.group(3) or 0)
        meridiem = time_match.group(4)
        if meridiem and 1 <= hour <= 12:
            hour = hour % 12 + (12 if meridiem == "p" else 0)
        lower = lower[: time_match.start()] + " " + lower[time_match.end() :]
    offset: timedelta | None = None
    tz_match = _TZ_OFFSET.search(lower)
    if tz_match:
        sign, hours, minutes = (tz_match.group(1), tz_match.group(2), tz_match.group(3)) if tz_match.group(1) \
            else (tz_match.group(4), tz_match.group(5), tz_match.group(6))
        offset = timedelta(hours=int(hours), minutes=int(minutes or 0)) * (-1 if sign == "-" else 1)
        lower = lower[: tz_match.start()] + " " + lower[tz_match.end() :]
    words = re.findall(r"[^\W\d_]+", lower)
    if offset is None:
        abbreviation = next((word for word in words if word in _TZ_HOURS), None)
        if abbreviation is not None:
            offset = timedelta(hours=_TZ_HOURS[abbreviation])
    year = month = day = None
    numeric = _NUMERIC_DATE.search(lower)
    if numeric:
        first, separator, second_part, last = numeric.groups()
        a, b, c = int(first), int(second_part), int(last)
        if len(first) == 4:
            year, month, day = a, b, c
        else:
            year = c + (2000 if c < 70 else 1900) if len(last) == 2 else c
            day, month = (a, b) if dayfirst or separator == "." else (b, a)
            if month > 12 >= day:
                day, month = month, day
    else:
        months = [_MONTHS[word] for word in words if word in _MONTHS]
        numbers = [int(n) for n in re.findall(r"\d+", lower)]
        if months:
            month = months[-1]
            years = [n for n in numbers if n >= 1000]
            days = [n for n in numbers if 1 <= n <= 31]
            if years and days:
                year, day = years[0], days[0]
            elif not years and len(days) >= 2:
                day, year = days[0], 2000 + days[-1]
    if year is None or month is None or day is None:
        return None
    try:
        tz = timezone(offset) if offset is not None else zone
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


