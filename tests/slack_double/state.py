"""In-memory workspace state of the Slack test double: users, channels, messages, files, views.

The state is plain data. Methods of the Web API (see ``methods.py``) read and change it; tests set
it up through ``SlackDouble.add_user`` / ``add_channel`` / ``add_message`` / ``add_file``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TEAM_ID = "T0TANDEM01"
DEFAULT_TEAM_DOMAIN = "tandem-test"
DEFAULT_TEAM_NAME = "Tandem Test"
DEFAULT_BOT_USER_ID = "U0TANDEMBOT"
DEFAULT_BOT_ID = "B0TANDEMBOT"
DEFAULT_APP_ID = "A0TANDEMAPP"
DEFAULT_BOT_NAME = "tandem"
EXTERNAL_TEAM_ID = "T0EXTERNAL1"


def tz_offset_seconds(tz: str, at: float | None = None) -> int:
    """UTC offset in seconds of the IANA zone ``tz`` (0 when the zone is unknown), like Slack's tz_offset."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    moment = datetime.fromtimestamp(at if at is not None else time.time(), tz=zone)
    offset = moment.utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@dataclass
class User:
    """A Slack user (human or bot), local or from another organisation (Slack Connect)."""

    id: str
    name: str
    real_name: str
    team_id: str
    tz: str = "America/New_York"
    tz_offset: int | None = None
    email: str | None = None
    is_bot: bool = False
    display_name: str = ""
    deleted: bool = False
    bot_id: str | None = None


@dataclass
class Channel:
    """A conversation: public/private channel, DM (``is_im``) or group DM (``is_mpim``)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_ext_shared: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    im_user: str | None = None
    created: int = field(default_factory=lambda: int(time.time()))
    creator: str = ""
    topic: str = ""
    purpose: str = ""
    shared_team_ids: list[str] = field(default_factory=list)
    #: messages by ts; each value is the Slack-shaped message dict as stored
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class Workspace:
    """The workspace the app is installed in, plus everything the test put in it."""

    team_id: str = DEFAULT_TEAM_ID
    team_domain: str = DEFAULT_TEAM_DOMAIN
    team_name: str = DEFAULT_TEAM_NAME
    bot_user_id: str = DEFAULT_BOT_USER_ID
    bot_id: str = DEFAULT_BOT_ID
    app_id: str = DEFAULT_APP_ID
    bot_name: str = DEFAULT_BOT_NAME
    users: dict[str, User] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: every view published or opened, in order (Slack-shaped view dicts)
    views: list[dict[str, Any]] = field(default_factory=list)
    #: the current App Home view per user id
    home_views: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: ephemeral messages (never in history): dicts with channel, user, message_ts, text, blocks, thread_ts
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    _last_ts: float = 0.0
    _view_seq: int = 0

    def next_ts(self) -> str:
        """A fresh message ts ("1700000000.000123"), strictly increasing, near the wall clock."""
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def note_ts(self, ts: str) -> None:
        """Remember a ts set by the test so that generated ones stay after it."""
        try:
            self._last_ts = max(self._last_ts, float(ts))
        except ValueError:
            pass

    def next_view_id(self) -> str:
        """A fresh view id ("V0000000001")."""
        self._view_seq += 1
        return f"V{self._view_seq:010d}"

    def dm_channel_id(self, user_id: str) -> str:
        """The deterministic id of the bot's DM with ``user_id``: ``"D" + user_id``."""
        return "D" + user_id

    def ensure_dm(self, user_id: str) -> Channel:
        """Return the DM channel between the bot and ``user_id``, creating it on first use."""
        channel_id = self.dm_channel_id(user_id)
        channel = self.channels.get(channel_id)
        if channel is None:
            channel = Channel(
                id=channel_id,
                name=channel_id,
                is_im=True,
                is_private=True,
                im_user=user_id,
                members=[user_id, self.bot_user_id],
            )
            self.channels[channel_id] = channel
        return channel

    def find_channel(self, ref: str) -> Channel | None:
        """Resolve a channel reference as Slack does: an id, ``#name`` / ``name``, or a user id (their DM)."""
        if ref in self.channels:
            return self.channels[ref]
        if ref[:1] in ("U", "W") and ref in self.users:
            return self.ensure_dm(ref)
        name = ref[1:] if ref.startswith("#") else ref
        for channel in self.channels.values():
            if channel.name == name and not channel.is_im:
                return channel
        return None

    def bot_is_member(self, channel: Channel) -> bool:
        """True when the bot user is in ``channel``'s member list."""
        return self.bot_user_id in channel.members
