"""Read-only Web API methods of the double: auth.test, users.info, conversations.*, files.info."""

from __future__ import annotations

import re
from typing import Any

from .params import SlackApiFailure, as_bool, paginate, required
from .shapes import channel_json, file_json, present_message, user_json
from .state import Channel, Workspace

_TS = re.compile(r"^\d+(\.\d+)?$")


def auth_test(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """auth.test for the bot token."""
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """users.info: ``user_not_found`` for an unknown id."""
    user_id = required(params, "user", error="user_not_found")
    user = ws.users.get(user_id)
    if user is None:
        raise SlackApiFailure("user_not_found")
    return {"ok": True, "user": user_json(user, include_locale=as_bool(params.get("include_locale")))}


def users_lookup_by_email(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """users.lookupByEmail: ``users_not_found`` when no member has that address."""
    email = str(required(params, "email", error="invalid_email")).lower()
    user = next((u for u in ws.users.values() if (u.email or "").lower() == email), None)
    if user is None:
        raise SlackApiFailure("users_not_found")
    return {"ok": True, "user": user_json(user, include_locale=False)}


def channel_or_fail(ws: Workspace, params: dict[str, Any], *, need_member: bool = False) -> Channel:
    """The conversation named by ``channel``; ``channel_not_found`` / ``not_in_channel`` otherwise."""
    ref = required(params, "channel", error="channel_not_found")
    channel = ws.find_channel(str(ref))
    if channel is None:
        raise SlackApiFailure("channel_not_found")
    if need_member and not ws.bot_is_member(channel):
        raise SlackApiFailure("not_in_channel")
    return channel


def conversations_info(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.info."""
    channel = channel_or_fail(ws, params)
    data = channel_json(ws, channel, include_num_members=as_bool(params.get("include_num_members")))
    if as_bool(params.get("include_locale")):
        data["locale"] = "en-US"
    return {"ok": True, "channel": data}


def _ts_bound(params: dict[str, Any], name: str, default: float) -> float:
    value = params.get(name)
    if value in (None, ""):
        return default
    if not _TS.match(str(value)):
        raise SlackApiFailure(f"invalid_ts_{name}")
    return float(value)


def _in_window(ts: str, params: dict[str, Any]) -> bool:
    oldest = _ts_bound(params, "oldest", 0.0)
    latest = _ts_bound(params, "latest", float("inf"))
    value = float(ts)
    if as_bool(params.get("inclusive")):
        return oldest <= value <= latest
    return oldest < value < latest


def _is_top_level(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return thread_ts is None or thread_ts == message["ts"] or message.get("subtype") == "thread_broadcast"


def conversations_history(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.history: newest first, top-level messages only, cursor pagination.

    ``metadata`` is returned only with ``include_all_metadata=true``.
    """
    channel = channel_or_fail(ws, params, need_member=True)
    with_metadata = as_bool(params.get("include_all_metadata"))
    selected = [m for m in channel.messages.values() if _is_top_level(m) and _in_window(m["ts"], params)]
    selected.sort(key=lambda m: float(m["ts"]), reverse=True)
    page, next_cursor = paginate(selected, params, default_limit=100, max_limit=999)
    body: dict[str, Any] = {
        "ok": True,
        "messages": [present_message(channel, m, include_metadata=with_metadata) for m in page],
        "has_more": bool(next_cursor),
        "pin_count": 0,
        "channel_actions_ts": None,
        "channel_actions_count": 0,
    }
    if next_cursor:
        body["response_metadata"] = {"next_cursor": next_cursor}
    return body


def conversations_replies(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.replies: the parent then its replies, oldest first, cursor pagination."""
    channel = channel_or_fail(ws, params, need_member=True)
    ts = str(required(params, "ts", error="thread_not_found"))
    message = channel.messages.get(ts)
    if message is None:
        raise SlackApiFailure("thread_not_found")
    root_ts = message.get("thread_ts") or ts
    thread = [
        m
        for m in channel.messages.values()
        if (m["ts"] == root_ts or m.get("thread_ts") == root_ts)
        and (m["ts"] == root_ts or _in_window(m["ts"], params))
    ]
    thread.sort(key=lambda m: float(m["ts"]))
    page, next_cursor = paginate(thread, params, default_limit=1000)
    with_metadata = as_bool(params.get("include_all_metadata"))
    body: dict[str, Any] = {
        "ok": True,
        "messages": [present_message(channel, m, include_metadata=with_metadata) for m in page],
        "has_more": bool(next_cursor),
    }
    if next_cursor:
        body["response_metadata"] = {"next_cursor": next_cursor}
    return body


def conversations_members(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.members with cursor pagination (next_cursor is "" on the last page, as Slack does)."""
    channel = channel_or_fail(ws, params)
    page, next_cursor = paginate(list(channel.members), params, default_limit=100)
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def files_info(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """files.info: ``file_not_found`` for an unknown id."""
    file_id = str(required(params, "file", error="file_not_found"))
    spec = ws.files.get(file_id)
    if spec is None:
        raise SlackApiFailure("file_not_found")
    body: dict[str, Any] = {
        "ok": True,
        "file": file_json(ws, file_id, spec),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }
    if "content" in spec:
        content = spec["content"]
        body["content"] = content.decode("utf-8", "replace") if isinstance(content, bytes) else content
        body["is_truncated"] = False
    return body
