"""Builders of slash command and interactivity payloads, and their form-encoded request bodies.

Over HTTP Slack posts a slash command as a form (``command=/tandem&text=...``) and an interaction as a
form with one field, ``payload=<JSON>``. Over Socket Mode the same dicts travel as the envelope payload.
Shapes follow the java-slack-sdk samples in ``app-backend/``.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from .events import VERIFICATION_TOKEN
from .state import DEFAULT_APP_ID, DEFAULT_TEAM_DOMAIN, DEFAULT_TEAM_ID


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (``123456.7890.abcdef...``)."""
    return f"{random.randint(10**9, 10**10)}.{random.randint(10**9, 10**10)}.{uuid.uuid4().hex}"


def slash_command(
    text: str = "",
    *,
    command: str = "/tandem",
    user_id: str = "U0ALICE001",
    user_name: str = "alice",
    channel_id: str = "C0CHANNEL1",
    channel_name: str = "general",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    response_url: str = "https://hooks.slack.com/commands/T0TANDEM01/1/abc",
    trigger_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, str]:
    """The fields of a slash command (all strings, as Slack sends them)."""
    return {
        "token": token,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def form_body(fields: dict[str, Any]) -> bytes:
    """``application/x-www-form-urlencoded`` body of ``fields``."""
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """The ``payload=<JSON>`` form body Slack posts for interactions."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def _team(team_id: str, team_domain: str) -> dict[str, Any]:
    return {"id": team_id, "domain": team_domain}


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, Any]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


def block_actions(
    action_id: str,
    value: str | None = None,
    *,
    block_id: str = "actions",
    action_type: str = "button",
    user_id: str = "U0ALICE001",
    user_name: str = "alice",
    channel_id: str | None = "C0CHANNEL1",
    channel_name: str = "general",
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    response_url: str = "https://hooks.slack.com/actions/T0TANDEM01/1/abc",
    trigger_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
    action: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click on ``action_id`` in a message (or in ``view``, e.g. App Home).

    ``action`` overrides the generated action object (for selects etc.).
    """
    act = action or {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "value": value or "",
        "type": action_type,
        "action_ts": f"{time.time():.6f}",
    }
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [act],
        "state": {"values": {}},
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
    else:
        msg = message or {"type": "message", "text": "", "ts": f"{time.time():.6f}"}
        payload["container"] = {
            "type": "message",
            "message_ts": msg.get("ts", ""),
            "channel_id": channel_id or "",
            "is_ephemeral": False,
        }
        if msg.get("thread_ts"):
            payload["container"]["thread_ts"] = msg["thread_ts"]
        payload["channel"] = {"id": channel_id or "", "name": channel_name}
        payload["message"] = msg
        payload["response_url"] = response_url
    return payload


def message_shortcut(
    callback_id: str,
    message: dict[str, Any],
    *,
    user_id: str = "U0ALICE001",
    user_name: str = "alice",
    channel_id: str = "C0CHANNEL1",
    channel_name: str = "general",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    response_url: str = "https://hooks.slack.com/app/T0TANDEM01/1/abc",
    trigger_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A message shortcut (``type: message_action``) invoked on ``message``."""
    return {
        "type": "message_action",
        "token": token,
        "action_ts": f"{time.time():.6f}",
        "team": _team(team_id, team_domain),
        "user": {"id": user_id, "name": user_name, "team_id": team_id},
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message.get("ts", ""),
        "message": message,
    }


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    view_id: str = "V0000000001",
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Tandem",
    user_id: str = "U0ALICE001",
    user_name: str = "alice",
    team_id: str = DEFAULT_TEAM_ID,
    team_domain: str = DEFAULT_TEAM_DOMAIN,
    api_app_id: str = DEFAULT_APP_ID,
    trigger_id: str | None = None,
    token: str = VERIFICATION_TOKEN,
) -> dict[str, Any]:
    """A ``view_submission`` of the modal ``callback_id``.

    ``values`` is ``view.state.values``: ``{block_id: {action_id: {"type": "plain_text_input", "value": "..."}}}``.
    """
    return {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": f"{int(time.time())}.abcdefgh",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0TANDEMBOT",
        },
        "is_enterprise_install": False,
        "enterprise": None,
    }
