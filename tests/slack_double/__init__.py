"""Slack test double for Tandem's tests: a Web API + Socket Mode server, and signed-request helpers.

- ``SlackDouble``: aiohttp server speaking the Web API methods the app uses, recording every call.
- ``SlackSender`` / ``sign``: post requests to the app signed as Slack signs them.
- ``events`` and ``interactions``: builders of Events API envelopes, slash commands and interactivity payloads.
- ``conformance``: checks of replies and payloads against Slack's published shapes (``contract/``).
"""

from . import events, interactions
from .calls import Call
from .events import event_callback, url_verification
from .interactions import block_actions, interactive_body, message_shortcut, slash_command, view_submission
from .params import SlackApiFailure
from .sender import AppReply, SlackSender
from .server import IMPLEMENTED_METHODS, ResponseUrlPost, SlackDouble
from .signing import sign, signature
from .socket_mode import build_envelope
from .state import Channel, User, Workspace

__all__ = [
    "AppReply",
    "Call",
    "Channel",
    "IMPLEMENTED_METHODS",
    "ResponseUrlPost",
    "SlackApiFailure",
    "SlackDouble",
    "SlackSender",
    "User",
    "Workspace",
    "block_actions",
    "build_envelope",
    "event_callback",
    "events",
    "interactions",
    "interactive_body",
    "message_shortcut",
    "sign",
    "signature",
    "slash_command",
    "url_verification",
    "view_submission",
]
