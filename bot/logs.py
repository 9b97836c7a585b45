"""Logging set-up with one redaction filter: tokens, secrets, email addresses and message text never reach a log."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

SECRET_PATTERNS = (
    re.compile(r"xox[abposr]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(authorization:\s*bearer\s+)\S+"),
    re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
)
# Fields that carry what people wrote, wherever a library dumps a payload (Web API calls, Socket Mode
# envelopes, form bodies, dataclass and validation-error reprs).
CONTENT_KEYS = r"(?:text|fallback|pretext|title|subject|preview|summary|span|input_value)"
_QUOTED_FIELD = re.compile(rf"(\b{CONTENT_KEYS}['\"]?\s*[:=]\s*)(['\"])(?:\\.|(?!\2).)*\2")
_FORM_FIELD = re.compile(rf"((?:^|[?&\s]){CONTENT_KEYS}=)(?!['\"\[])[^&\s]*")
_URL_ENCODED_FIELD = re.compile(rf"(%22{CONTENT_KEYS}%22%3A%22).*?(?<!%5C)%22")


def _secret(match: re.Match[str]) -> str:
    return (match.group(1) if match.groups() else "") + "[redacted]"


REDACTIONS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    *((pattern, _secret) for pattern in SECRET_PATTERNS),
    (_QUOTED_FIELD, lambda m: f"{m.group(1)}{m.group(2)}[redacted]{m.group(2)}"),
    (_FORM_FIELD, lambda m: f"{m.group(1)}[redacted]"),
    (_URL_ENCODED_FIELD, lambda m: f"{m.group(1)}[redacted]%22"),
)


def redact(text: str) -> str:
    """The text with tokens, email addresses and message text fields replaced."""
    for pattern, replace in REDACTIONS:
        text = pattern.sub(replace, text)
    return text


class RedactionFilter(logging.Filter):
    """Formats each record's message once and redacts it (exception text included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr through the redaction filter."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactionFilter())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
