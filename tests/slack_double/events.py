"""Builders of Events API payloads: the ``event_callback`` envelope, ``url_verification`` and inner events.

Shapes follow the java-slack-sdk samples (``events/*.json``) and the common event wrapper schema
(``slack_common_event_wrapper_schema.json``). Inner-event builders return the ``event`` object; wrap it
with ``event_callback``.
"""

from __future__ import annotations

import base64
import json
import random
import string
import time
import uuid
from typing import Any

from .state import DEFAULT_APP_ID, DEFAULT_BOT_USER_ID, DEFAULT_TEAM_ID

VERIFICATION_TOKEN = "verification-token"


def new_event_id() -> str:
    """A fresh Events API id such as ``Ev08MFMKH6J``."""
    return "Ev0" + "".join(random.choices(string.ascii_uppercase + string.digits, k=8))


def new_ts() -> str:
    """A message ts for now."""
    return f"{time.time():.6f}"


def event_context(event: dict[str, Any], team_id: str, app_id: str) -> str:
    """An ``event_context`` string like Slack's (``4-`` + base64 of the event's type, team, app, channel)."""
    data = {"et": event.get("type", ""), "tid": team_id, "aid": app_id}
    item = event.get("item")
    channel = event.get("channel") or (item.get("channel") if isinstance(item, dict) else None)
    if channel:
        data["cid"] = channel
    return "4-" + base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip(
        "="
    )


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = DEFAULT_TEAM_ID,
    api_app_id: str = DEFAULT_APP_ID,
    bot_user_id: str = DEFAULT_BOT_USER_ID,
    token: str = VERIFICATION_TOKEN,
    event_id: str | None = None,
    event_time: int | None = None,
    is_ext_shared_channel: bool = False,
    enterprise_id: str | None = None,
) -> dict[str, Any]:
    """The ``event_callback`` envelope Slack posts to the Request URL (or puts in an ``events_api`` socket envelope)."""
    envelope: dict[str, Any] = {
        "token": token,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": enterprise_id,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "authed_users": [bot_user_id],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": event_context(event, team_id, api_app_id),
    }
    if enterprise_id is not None:
        envelope["enterprise_id"] = enterprise_id
    return envelope


def url_verification(challenge: str | None = None, *, token: str = VERIFICATION_TOKEN) -> dict[str, Any]:
    """The ``url_verification`` handshake; the app must echo ``challenge``."""
    return {"token": token, "challenge": challenge or uuid.uuid4().hex, "type": "url_verification"}


def rich_text_blocks(text: str) -> list[dict[str, Any]]:
    """The ``rich_text`` block Slack clients attach to a user's plain message."""
    return [
        {
            "type": "rich_text",
            "block_id": uuid.uuid4().hex[:5],
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    ]


def message(
    channel: str,
    user: str,
    text: str,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    parent_user_id: str | None = None,
    team: str = DEFAULT_TEAM_ID,
    channel_type: str = "channel",
    with_blocks: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A ``message`` event from a user (a thread reply when ``thread_ts`` is set). ``channel_type``: channel/group/im/mpim."""
    stamp = ts or new_ts()
    event: dict[str, Any] = {
        "client_msg_id": str(uuid.uuid4()),
        "type": "message",
        "text": text,
        "user": user,
        "ts": stamp,
        "team": team,
        "channel": channel,
        "event_ts": stamp,
        "channel_type": channel_type,
    }
    if with_blocks:
        event["blocks"] = rich_text_blocks(text)
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
        if parent_user_id is not None:
            event["parent_user_id"] = parent_user_id
    event.update(fields)
    return event


def thread_reply(
    channel: str, user: str, text: str, *, thread_ts: str, parent_user_id: str | None = None, **kw: Any
) -> dict[str, Any]:
    """A ``message`` event replying in the thread of ``thread_ts``."""
    return message(channel, user, text, thread_ts=thread_ts, parent_user_id=parent_user_id, **kw)


def message_changed(
    channel: str,
    new: dict[str, Any],
    previous: dict[str, Any],
    *,
    channel_type: str = "channel",
    ts: str | None = None,
) -> dict[str, Any]:
    """A ``message_changed`` event: ``new``/``previous`` are message objects (e.g. from ``message()``)."""
    stamp = ts or new_ts()
    edited = dict(new)
    edited.setdefault("edited", {"user": new.get("user", ""), "ts": stamp})
    for key in ("channel", "event_ts", "channel_type"):
        edited.pop(key, None)
    before = {k: v for k, v in previous.items() if k not in ("channel", "event_ts", "channel_type")}
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": edited,
        "previous_message": before,
        "channel": channel,
        "hidden": True,
        "ts": stamp,
        "event_ts": stamp,
        "channel_type": channel_type,
    }


def message_deleted(
    channel: str, previous: dict[str, Any], *, channel_type: str = "channel", ts: str | None = None
) -> dict[str, Any]:
    """A ``message_deleted`` event for the message ``previous``."""
    stamp = ts or new_ts()
    before = {k: v for k, v in previous.items() if k not in ("channel", "event_ts", "channel_type")}
    return {
        "type": "message",
        "subtype": "message_deleted",
        "previous_message": before,
        "channel": channel,
        "hidden": True,
        "deleted_ts": previous["ts"],
        "ts": stamp,
        "event_ts": stamp,
        "channel_type": channel_type,
    }


def app_mention(
    channel: str,
    user: str,
    text: str,
    *,
    ts: str | None = None,
    thread_ts: str | None = None,
    team: str = DEFAULT_TEAM_ID,
) -> dict[str, Any]:
    """An ``app_mention`` event (``text`` normally contains ``<@BOT_USER_ID>``)."""
    stamp = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "text": text,
        "user": user,
        "ts": stamp,
        "blocks": rich_text_blocks(text),
        "team": team,
        "channel": channel,
        "event_ts": stamp,
    }
    if thread_ts is not None:
        event["thread_ts"] = thread_ts
    return event


def _reaction(
    kind: str, user: str, reaction: str, channel: str, ts: str, item_user: str | None
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": new_ts(),
    }
    if item_user is not None:
        event["item_user"] = item_user
    return event


def reaction_added(
    user: str, reaction: str, channel: str, ts: str, *, item_user: str | None = None
) -> dict[str, Any]:
    """A ``reaction_added`` event on the message ``ts`` of ``channel``."""
    return _reaction("reaction_added", user, reaction, channel, ts, item_user)


def reaction_removed(
    user: str, reaction: str, channel: str, ts: str, *, item_user: str | None = None
) -> dict[str, Any]:
    """A ``reaction_removed`` event."""
    return _reaction("reaction_removed", user, reaction, channel, ts, item_user)


def app_home_opened(
    user: str, *, channel: str | None = None, tab: str = "home", view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An ``app_home_opened`` event (``view`` is the current home view, absent on first open)."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": channel or "D" + user,
        "tab": tab,
        "event_ts": new_ts(),
    }
    if view is not None:
        event["view"] = view
    return event


def member_joined_channel(
    user: str,
    channel: str,
    *,
    channel_type: str = "C",
    team: str = DEFAULT_TEAM_ID,
    inviter: str | None = None,
) -> dict[str, Any]:
    """A ``member_joined_channel`` event (``channel_type`` C public, G private)."""
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel,
        "channel_type": channel_type,
        "team": team,
        "event_ts": new_ts(),
    }
    if inviter is not None:
        event["inviter"] = inviter
    return event
