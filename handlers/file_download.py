"""Downloading a Slack file's private URL with the bot token, and only ever from Slack's own hosts."""

from __future__ import annotations

import logging
from urllib.parse import urljoin, urlsplit

import aiohttp

log = logging.getLogger(__name__)

SLACK_FILES_HOST = "files.slack.com"
MAX_REDIRECTS = 3
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A file that could not be fetched; `retry` says whether trying again later may help."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"https": 443, "http": 80}.get(scheme)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def token_may_go_to(url: str, *, api_url: str) -> bool:
    """Whether the bot token may be sent to `url`: the Slack API's own origin (SLACK_API_URL) or https://files.slack.com."""
    origin = _origin(url)
    return bool(origin[1]) and origin in (_origin(api_url), ("https", SLACK_FILES_HOST, 443))


async def download(url: str, *, token: str, api_url: str, max_bytes: int, timeout_s: float = 30) -> bytes:
    """The bytes at a Slack file URL, read with `Authorization: Bearer <token>`.

    A URL (or a redirect) outside Slack's hosts, a file over `max_bytes`, a refusal or a sign-in page is a
    permanent `FetchError`; a timeout, a connection error, 429 or 5xx may succeed later.
    """
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session:
        for _ in range(MAX_REDIRECTS + 1):
            if not token_may_go_to(url, api_url=api_url):
                log.warning("refused to send the bot token to %s", urlsplit(url).hostname or "an unknown host")
                raise FetchError(f"file URL on a host other than Slack's ({urlsplit(url).hostname})", retry=False)
            try:
                async with session.get(url, headers={"Authorization": f"Bearer {token}"},
                                       allow_redirects=False) as response:
                    if response.status in REDIRECT_STATUSES and response.headers.get("Location"):
                        url = urljoin(url, response.headers["Location"])
                        continue
                    return await _body(response, max_bytes=max_bytes)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise FetchError(f"download failed: {type(exc).__name__}", retry=True) from None
        raise FetchError("too many redirects", retry=False)


async def _body(response: aiohttp.ClientResponse, *, max_bytes: int) -> bytes:
    if response.status != 200:
        raise FetchError(f"download answered HTTP {response.status}", retry=response.status in RETRYABLE_STATUSES)
    if response.content_type == "text/html":
        raise FetchError("Slack answered with a web page, not the file (is the files:read scope granted?)",
                         retry=False)
    if (response.content_length or 0) > max_bytes:
        raise FetchError(f"file larger than {max_bytes} bytes", retry=False)
    body = bytearray()
    async for chunk in response.content.iter_chunked(64 * 1024):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise FetchError(f"file larger than {max_bytes} bytes", retry=False)
    return bytes(body)
