"""Web API methods of the double that change state: chat.*, reactions.add, conversations.open, views.*."""

from __future__ import annotations

import copy
from typing import Any

from .params import SlackApiFailure, as_bool, as_json, required
from .shapes import bot_profile_json, channel_json, view_json
from .state import Channel, Workspace
from .web_read import channel_or_fail

MAX_TEXT = 40_000
MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100


def check_blocks(value: Any, *, limit: int) -> list[dict[str, Any]] | None:
    """Decoded ``blocks``: a list of objects with a ``type``, at most ``limit``; else ``invalid_blocks``."""
    blocks = as_json(value, error="invalid_blocks")
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > limit:
        raise SlackApiFailure("invalid_blocks")
    for block in blocks:
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise SlackApiFailure("invalid_blocks")
    return blocks


def check_metadata(value: Any) -> dict[str, Any] | None:
    """Decoded message ``metadata``: ``{"event_type": str, "event_payload": object}``."""
    metadata = as_json(value, error="invalid_metadata_format")
    if metadata is None:
        return None
    if (
        not isinstance(metadata, dict)
        or not isinstance(metadata.get("event_type"), str)
        or not isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackApiFailure("invalid_metadata_format")
    return metadata


def _content(params: dict[str, Any]) -> dict[str, Any]:
    """text/blocks/attachments of a message; ``no_text`` when all are missing, ``msg_too_long`` past 40k."""
    text = params.get("text")
    blocks = check_blocks(params.get("blocks"), limit=MAX_MESSAGE_BLOCKS)
    attachments = as_json(params.get("attachments"), error="invalid_attachments")
    if not text and not blocks and not attachments:
        raise SlackApiFailure("no_text")
    if text and len(str(text)) > MAX_TEXT:
        raise SlackApiFailure("msg_too_long")
    content: dict[str, Any] = {"text": str(text or "")}
    if blocks:
        content["blocks"] = blocks
    if attachments:
        content["attachments"] = attachments
    return content


def _bot_message(ws: Workspace, ts: str, content: dict[str, Any]) -> dict[str, Any]:
    message = {
        "user": ws.bot_user_id,
        "type": "message",
        "ts": ts,
        "bot_id": ws.bot_id,
        "app_id": ws.app_id,
        "team": ws.team_id,
        "bot_profile": bot_profile_json(ws),
    }
    message.update(content)
    return message


def _writable(ws: Workspace, params: dict[str, Any]) -> Channel:
    channel = channel_or_fail(ws, params)
    if not channel.is_im and not ws.bot_is_member(channel):
        raise SlackApiFailure("not_in_channel")
    if channel.is_archived:
        raise SlackApiFailure("is_archived")
    return channel


def chat_post_message(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """chat.postMessage: stores the message (thread_ts, metadata, blocks) in the channel's history."""
    channel = _writable(ws, params)
    content = _content(params)
    metadata = check_metadata(params.get("metadata"))
    ts = ws.next_ts()
    message = _bot_message(ws, ts, content)
    thread_ts = params.get("thread_ts")
    if thread_ts:
        message["thread_ts"] = str(thread_ts)
        parent = channel.messages.get(str(thread_ts))
        if parent is not None:
            parent.setdefault("thread_ts", parent["ts"])
            message["parent_user_id"] = parent.get("user", "")
        if as_bool(params.get("reply_broadcast")):
            message["subtype"] = "thread_broadcast"
    if metadata is not None:
        message["metadata"] = metadata
    channel.messages[ts] = message
    return {"ok": True, "channel": channel.id, "ts": ts, "message": copy.deepcopy(message)}


def chat_post_ephemeral(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """chat.postEphemeral: recorded in ``ephemerals``, never in history; the user must be in the channel."""
    channel = _writable(ws, params)
    user_id = str(required(params, "user", error="user_not_found"))
    if user_id not in ws.users:
        raise SlackApiFailure("user_not_found")
    if user_id not in channel.members:
        raise SlackApiFailure("user_not_in_channel")
    content = _content(params)
    ts = ws.next_ts()
    ws.ephemerals.append(
        {
            "channel": channel.id,
            "user": user_id,
            "message_ts": ts,
            "thread_ts": params.get("thread_ts"),
            **content,
        }
    )
    return {"ok": True, "message_ts": ts}


def chat_update(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """chat.update: edits a stored message; ``message_not_found`` / ``cant_update_message``."""
    channel = channel_or_fail(ws, params)
    ts = str(required(params, "ts", error="message_not_found"))
    message = channel.messages.get(ts)
    if message is None:
        raise SlackApiFailure("message_not_found")
    if message.get("bot_id") != ws.bot_id:
        raise SlackApiFailure("cant_update_message")
    content = _content(params)
    metadata = check_metadata(params.get("metadata"))
    message["text"] = content["text"]
    for key in ("blocks", "attachments"):
        if key in content:
            message[key] = content[key]
        elif key in params:
            message.pop(key, None)
    if metadata is not None:
        message["metadata"] = metadata
    message["edited"] = {"user": ws.bot_user_id, "ts": ws.next_ts()}
    shown = {k: v for k, v in message.items() if k not in ("ts", "thread_ts", "parent_user_id", "subtype")}
    return {
        "ok": True,
        "channel": channel.id,
        "ts": ts,
        "text": message["text"],
        "message": copy.deepcopy(shown),
    }


def chat_get_permalink(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """chat.getPermalink: ``https://<domain>.slack.com/archives/<channel>/p<ts without dot>``."""
    channel = channel_or_fail(ws, params)
    ts = str(required(params, "message_ts", error="message_not_found"))
    message = channel.messages.get(ts)
    if message is None:
        raise SlackApiFailure("message_not_found")
    link = f"https://{ws.team_domain}.slack.com/archives/{channel.id}/p{ts.replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != ts:
        link += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"ok": True, "channel": channel.id, "permalink": link}


def reactions_add(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """reactions.add as the bot: ``already_reacted``, ``message_not_found``, ``invalid_name``."""
    channel = channel_or_fail(ws, params)
    name = str(params.get("name") or "").strip(":")
    if not name:
        raise SlackApiFailure("invalid_name")
    ts = str(required(params, "timestamp", error="message_not_found"))
    message = channel.messages.get(ts)
    if message is None:
        raise SlackApiFailure("message_not_found")
    reactions = message.setdefault("reactions", [])
    for reaction in reactions:
        if reaction["name"] == name:
            if ws.bot_user_id in reaction["users"]:
                raise SlackApiFailure("already_reacted")
            reaction["users"].append(ws.bot_user_id)
            reaction["count"] += 1
            break
    else:
        reactions.append({"name": name, "users": [ws.bot_user_id], "count": 1})
    return {"ok": True}


def conversations_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """conversations.open: ``users=U1`` gives the DM ``"D" + U1``; several users give a group DM."""
    if params.get("channel"):
        channel = channel_or_fail(ws, params)
        return {"ok": True, "no_op": True, "already_open": True, "channel": _opened(ws, channel, params)}
    users = params.get("users")
    ids = users if isinstance(users, list) else [u.strip() for u in str(users or "").split(",") if u.strip()]
    if not ids:
        raise SlackApiFailure("users_list_not_supplied")
    for user_id in ids:
        if user_id not in ws.users:
            raise SlackApiFailure("user_not_found")
    if len(ids) == 1:
        already = ws.dm_channel_id(ids[0]) in ws.channels
        channel = ws.ensure_dm(ids[0])
    else:
        channel_id = "G" + "".join(sorted(u[1:5] for u in ids))[:10].ljust(9, "0")
        already = channel_id in ws.channels
        channel = ws.channels.setdefault(
            channel_id,
            Channel(
                id=channel_id,
                name="mpdm-" + "--".join(ids) + "-1",
                is_mpim=True,
                is_private=True,
                members=[*ids, ws.bot_user_id],
            ),
        )
    body: dict[str, Any] = {"ok": True, "channel": _opened(ws, channel, params)}
    if already:
        body.update({"no_op": True, "already_open": True})
    return body


def _opened(ws: Workspace, channel: Channel, params: dict[str, Any]) -> dict[str, Any]:
    if as_bool(params.get("return_im")):
        return channel_json(ws, channel)
    return {"id": channel.id}


def _view_arg(params: dict[str, Any], kind: str) -> dict[str, Any]:
    view = as_json(required(params, "view"), error="invalid_arguments")
    if not isinstance(view, dict) or view.get("type") != kind:
        raise SlackApiFailure(
            "invalid_arguments",
            extra={"response_metadata": {"messages": [f"[ERROR] view type must be {kind}"]}},
        )
    check_blocks(view.get("blocks", []), limit=MAX_VIEW_BLOCKS)
    if kind == "modal" and not isinstance(view.get("title"), dict):
        raise SlackApiFailure(
            "invalid_arguments",
            extra={"response_metadata": {"messages": ["[ERROR] missing required field: title"]}},
        )
    return view


def views_publish(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """views.publish: records the user's App Home view."""
    user_id = str(required(params, "user_id"))
    if user_id not in ws.users:
        raise SlackApiFailure("user_not_found")
    view = _view_arg(params, "home")
    previous = ws.home_views.get(user_id)
    if params.get("hash") and previous is not None and params["hash"] != previous["hash"]:
        raise SlackApiFailure("hash_conflict")
    view_id = previous["id"] if previous else ws.next_view_id()
    shown = view_json(ws, view, view_id=view_id)
    ws.home_views[user_id] = shown
    ws.views.append(shown)
    return {"ok": True, "view": copy.deepcopy(shown)}


def views_open(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    """views.open: needs a ``trigger_id``; records the modal."""
    required(params, "trigger_id")
    view = _view_arg(params, "modal")
    shown = view_json(ws, view, view_id=ws.next_view_id())
    ws.views.append(shown)
    return {"ok": True, "view": copy.deepcopy(shown)}
