"""Slack-shaped JSON objects built from the double's state (users, conversations, messages, views, files).

Shapes follow Slack's responses as recorded in the java-slack-sdk "shape samples" and the Web API
OpenAPI spec (see ``tests/slack_double/contract/``): same keys, same JSON types.
"""

from __future__ import annotations

import copy
from typing import Any

from .state import Channel, User, Workspace, tz_offset_seconds

_ICON = "https://a.slack-edge.com/80588/img/plugins/app/bot_{size}.png"


def user_json(user: User, *, include_locale: bool = False) -> dict[str, Any]:
    """The ``user`` object of users.info."""
    offset = user.tz_offset if user.tz_offset is not None else tz_offset_seconds(user.tz)
    first, _, last = user.real_name.partition(" ")
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "fields": None,
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": "g0000000000a",
        "first_name": first,
        "last_name": last,
        "image_24": "https://secure.gravatar.com/avatar/0.jpg?s=24",
        "image_32": "https://secure.gravatar.com/avatar/0.jpg?s=32",
        "image_48": "https://secure.gravatar.com/avatar/0.jpg?s=48",
        "image_72": "https://secure.gravatar.com/avatar/0.jpg?s=72",
        "image_192": "https://secure.gravatar.com/avatar/0.jpg?s=192",
        "image_512": "https://secure.gravatar.com/avatar/0.jpg?s=512",
        "status_text_canonical": "",
        "team": user.team_id,
    }
    if user.email is not None:
        profile["email"] = user.email
    if user.is_bot and user.bot_id:
        profile["bot_id"] = user.bot_id
        profile["always_active"] = False
    data: dict[str, Any] = {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": offset,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1700000000,
        "is_email_confirmed": user.email is not None,
        "who_can_share_contact_card": "EVERYONE",
    }
    if include_locale:
        data["locale"] = "en-US"
    return data


def channel_json(ws: Workspace, channel: Channel, *, include_num_members: bool = False) -> dict[str, Any]:
    """The ``channel`` object of conversations.info (and conversations.open with return_im)."""
    if channel.is_im:
        data: dict[str, Any] = {
            "id": channel.id,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": ws.team_id,
            "updated": channel.created * 1000,
            "user": channel.im_user or "",
            "is_user_deleted": False,
            "priority": 0,
        }
        return data
    shared = channel.shared_team_ids or [ws.team_id]
    data = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private and not channel.is_mpim,
        "is_group": channel.is_private and not channel.is_mpim,
        "is_im": False,
        "is_mpim": channel.is_mpim,
        "is_private": channel.is_private or channel.is_mpim,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": False,
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": channel.is_ext_shared,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": ws.team_id,
        "updated": channel.created * 1000,
        "parent_conversation": None,
        "creator": channel.creator or (channel.members[0] if channel.members else ws.bot_user_id),
        "is_ext_shared": channel.is_ext_shared,
        "shared_team_ids": shared,
        "pending_connected_team_ids": [],
        "is_member": ws.bot_is_member(channel),
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
        "previous_names": [],
    }
    if channel.is_ext_shared:
        data["connected_team_ids"] = list(shared)
        data["internal_team_ids"] = [ws.team_id]
        data["conversation_host_id"] = ws.team_id
    if include_num_members:
        data["num_members"] = len(channel.members)
    return data


def bot_profile_json(ws: Workspace) -> dict[str, Any]:
    """The ``bot_profile`` object attached to messages the app posts."""
    return {
        "id": ws.bot_id,
        "deleted": False,
        "name": ws.bot_name,
        "updated": 1700000000,
        "app_id": ws.app_id,
        "icons": {size: _ICON.format(size=size[6:]) for size in ("image_36", "image_48", "image_72")},
        "team_id": ws.team_id,
    }


def present_message(channel: Channel, message: dict[str, Any], *, include_metadata: bool) -> dict[str, Any]:
    """A stored message as history/replies return it: thread summary on parents, metadata on request."""
    out = copy.deepcopy(message)
    if not include_metadata:
        out.pop("metadata", None)
    ts = out["ts"]
    if out.get("thread_ts") == ts:
        replies = [m for m in channel.messages.values() if m.get("thread_ts") == ts and m["ts"] != ts]
        if replies:
            replies.sort(key=lambda m: float(m["ts"]))
            users = list(dict.fromkeys(m.get("user", "") for m in replies if m.get("user")))
            out["reply_count"] = len(replies)
            out["reply_users_count"] = len(users)
            out["latest_reply"] = replies[-1]["ts"]
            if users:
                out["reply_users"] = users
            out["is_locked"] = False
            out["subscribed"] = False
    return out


def view_json(
    ws: Workspace, view: dict[str, Any], *, view_id: str, previous_view_id: str | None = None
) -> dict[str, Any]:
    """The ``view`` object views.open / views.publish return for the submitted ``view`` payload."""
    data: dict[str, Any] = {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view.get("type", ""),
        "blocks": copy.deepcopy(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": f"{int(float(ws.next_ts()))}.{view_id[-8:]}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": copy.deepcopy(view.get("close")),
        "submit": copy.deepcopy(view.get("submit")),
        "previous_view_id": previous_view_id,
        "root_view_id": view_id,
        "app_id": ws.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
    if "title" in view:
        data["title"] = copy.deepcopy(view["title"])
    return data


#: fields of an email posted into Slack (filetype ``email``), passed through from ``add_file``
EMAIL_FILE_FIELDS = ("subject", "from", "to", "cc", "headers", "preview_plain_text", "attachments",
                     "original_attachment_count")


def file_json(ws: Workspace, file_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The ``file`` object of files.info from the fields a test gave to ``add_file``."""
    name = spec.get("name", f"{file_id}.txt")
    data: dict[str, Any] = {
        "id": file_id,
        "created": spec.get("created", 1700000000),
        "timestamp": spec.get("created", 1700000000),
        "name": name,
        "title": spec.get("title", name),
        "mimetype": spec.get("mimetype", "text/plain"),
        "filetype": spec.get("filetype", "text"),
        "pretty_type": spec.get("pretty_type", "Plain Text"),
        "user": spec.get("user", ""),
        "user_team": spec.get("user_team", ws.team_id),
        "editable": False,
        "size": spec.get("size", len(spec.get("content", ""))),
        "mode": spec.get("mode", "hosted"),
        "is_external": False,
        "external_type": "",
        "is_public": True,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": spec.get(
            "url_private", f"https://files.slack.com/files-pri/{ws.team_id}-{file_id}/{name}"
        ),
        "url_private_download": spec.get(
            "url_private_download",
            f"https://files.slack.com/files-pri/{ws.team_id}-{file_id}/download/{name}",
        ),
        "permalink": f"https://{ws.team_domain}.slack.com/files/{spec.get('user', '')}/{file_id}/{name}",
        "permalink_public": f"https://slack-files.com/{ws.team_id}-{file_id}-0000000000",
        "channels": list(spec.get("channels", [])),
        "groups": [],
        "ims": [],
        "comments_count": 0,
        "has_rich_preview": False,
        "file_access": "visible",
    }
    for key in ("preview", "plain_text", *EMAIL_FILE_FIELDS):
        if key in spec:
            data[key] = copy.deepcopy(spec[key])
    return data
