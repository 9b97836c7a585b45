"""Slack request signing (v0), as Slack signs the requests it sends to an app.

Slack's "Verifying requests from Slack": basestring ``"v0:" + timestamp + ":" + body``, HMAC-SHA256 keyed
with the app's signing secret, hex digest, header ``X-Slack-Signature: v0=<hex>`` next to
``X-Slack-Request-Timestamp: <unix seconds>``. Apps reject timestamps more than 5 minutes away.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
STALE_AFTER_SECONDS = 5 * 60


def signature(body: bytes | str, secret: str, timestamp: int | str) -> str:
    """The ``v0=<hex>`` signature of ``body`` sent at ``timestamp``."""
    raw = body.encode() if isinstance(body, str) else body
    basestring = b"v0:" + str(timestamp).encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


def sign(body: bytes | str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The two signing headers for ``body`` (``timestamp`` defaults to now)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: signature(body, secret, ts)}
