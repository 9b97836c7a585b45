"""One successful and one failing call of every Web API method the double implements.

Shared by the client test (every method callable) and the conformance test (every reply well shaped).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import SlackDouble

from .people import ALICE, BOB, CHANNEL, ELSEWHERE, SHARED

HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Tandem*"}}]}
MODAL = {
    "type": "modal",
    "callback_id": "log_item",
    "title": {"type": "plain_text", "text": "Log"},
    "submit": {"type": "plain_text", "text": "Save"},
    "private_metadata": "acct=acme",
    "blocks": [
        {
            "type": "input",
            "block_id": "b",
            "label": {"type": "plain_text", "text": "What"},
            "element": {"type": "plain_text_input", "action_id": "a"},
        }
    ],
}
META = {"event_type": "tandem_item", "event_payload": {"item_id": 7}}


async def one_success_per_method(slack: SlackDouble, client: AsyncWebClient) -> dict[str, dict[str, Any]]:
    """Replies (as dicts) of one successful call per implemented method, on rich data."""
    slack.add_file(
        "F0FILE0001", name="notes.txt", title="Kickoff notes", user=ALICE, channels=[CHANNEL], content="notes"
    )
    root = slack.add_message(CHANNEL, "1700000000.000100", ALICE, "root <@U0BOB00001>")
    slack.add_message(CHANNEL, "1700000001.000100", BOB, "reply", thread_ts=root["ts"])
    posted = await client.chat_postMessage(
        channel=CHANNEL, text="hello", blocks=HOME["blocks"], metadata=META
    )
    await client.chat_postMessage(channel=CHANNEL, text="in thread", thread_ts=root["ts"])
    await client.reactions_add(channel=CHANNEL, timestamp=root["ts"], name="eyes")
    replies = {
        "auth.test": await client.auth_test(),
        "users.info": await client.users_info(user=ALICE, include_locale=True),
        "users.lookupByEmail": await client.users_lookupByEmail(email="alice@example.com"),
        "conversations.info": await client.conversations_info(channel=SHARED, include_num_members=True),
        "conversations.history": await client.conversations_history(
            channel=CHANNEL, include_all_metadata=True, limit=2
        ),
        "conversations.replies": await client.conversations_replies(channel=CHANNEL, ts=root["ts"]),
        "conversations.members": await client.conversations_members(channel=CHANNEL),
        "conversations.open": await client.conversations_open(users=ALICE, return_im=True),
        "chat.postMessage": posted,
        "chat.postEphemeral": await client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="psst"),
        "chat.update": await client.chat_update(
            channel=CHANNEL, ts=posted["ts"], text="edited", blocks=HOME["blocks"]
        ),
        "chat.getPermalink": await client.chat_getPermalink(channel=CHANNEL, message_ts=root["ts"]),
        "reactions.add": await client.reactions_add(channel=CHANNEL, timestamp=posted["ts"], name="eyes"),
        "views.publish": await client.views_publish(user_id=ALICE, view=HOME),
        "views.open": await client.views_open(trigger_id="123.456.abc", view=MODAL),
        "files.info": await client.files_info(file="F0FILE0001"),
        "apps.connections.open": await client.apps_connections_open(app_token=slack.app_token),
    }
    return {method: dict(reply.data) for method, reply in replies.items()}  # type: ignore[arg-type]


def failing_calls(
    client: AsyncWebClient, app_client: AsyncWebClient
) -> dict[str, Callable[[], Awaitable[Any]]]:
    """A call per method that Slack would refuse, with the reason it refuses it."""
    return {
        "auth.test": lambda: AsyncWebClient(base_url=client.base_url, token="xoxb-nope").auth_test(),
        "users.info": lambda: client.users_info(user="U0NOBODY01"),
        "users.lookupByEmail": lambda: client.users_lookupByEmail(email="nobody@example.com"),
        "conversations.info": lambda: client.conversations_info(channel="C0NOPE0001"),
        "conversations.history": lambda: client.conversations_history(channel="C0NOPE0001"),
        "conversations.replies": lambda: client.conversations_replies(
            channel=ELSEWHERE, ts="1700000000.000100"
        ),
        "conversations.members": lambda: client.conversations_members(channel="C0NOPE0001"),
        "conversations.open": lambda: client.conversations_open(users="U0NOBODY01"),
        "chat.postMessage": lambda: client.chat_postMessage(channel="C0NOPE0001", text="x"),
        "chat.postEphemeral": lambda: client.chat_postEphemeral(channel=CHANNEL, user="U0NOBODY01", text="x"),
        "chat.update": lambda: client.chat_update(channel=CHANNEL, ts="1600000000.000001", text="x"),
        "chat.getPermalink": lambda: client.chat_getPermalink(
            channel="C0NOPE0001", message_ts="1600000000.000001"
        ),
        "reactions.add": lambda: client.reactions_add(
            channel=CHANNEL, timestamp="1600000000.000001", name="eyes"
        ),
        "views.publish": lambda: client.views_publish(user_id="U0NOBODY01", view=HOME),
        "views.open": lambda: client.views_open(trigger_id="1.2.3", view={"type": "home", "blocks": []}),
        "files.info": lambda: client.files_info(file="F0NOPE0001"),
        "apps.connections.open": lambda: app_client.apps_connections_open(app_token="xapp-nope"),
    }


async def error_reply(call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    """The error body of a call expected to fail."""
    try:
        await call()
    except SlackApiError as err:
        return dict(err.response.data)  # type: ignore[arg-type]
    raise AssertionError("the call succeeded")
