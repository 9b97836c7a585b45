"""The double's replies and the payload builders conform to Slack's published shapes.

Checked against ``tests/slack_double/contract/slack_contract.json`` (OpenAPI v2 spec + java-slack-sdk
samples, see its README). The last tests show the checks can fail.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import IMPLEMENTED_METHODS, SlackDouble
from tests.slack_double.conformance import CONTRACT_FILE, check_web_response

from .scenario import error_reply, failing_calls, one_success_per_method


async def test_every_success_reply_conforms(slack: SlackDouble, client: AsyncWebClient) -> None:
    replies = await one_success_per_method(slack, client)
    problems = {method: check_web_response(method, body) for method, body in replies.items()}
    assert {m: p for m, p in problems.items() if p} == {}
    assert set(replies) == set(IMPLEMENTED_METHODS)


async def test_every_error_reply_conforms(slack: SlackDouble, client: AsyncWebClient) -> None:
    app_client = AsyncWebClient(base_url=slack.api_url)
    bodies = {method: await error_reply(call) for method, call in failing_calls(client, app_client).items()}
    assert set(bodies) == set(IMPLEMENTED_METHODS)
    problems = {method: check_web_response(method, body) for method, body in bodies.items()}
    assert {m: p for m, p in problems.items() if p} == {}
    assert {m: b["error"] for m, b in bodies.items()} == {
        "auth.test": "invalid_auth",
        "users.info": "user_not_found",
        "users.lookupByEmail": "users_not_found",
        "conversations.info": "channel_not_found",
        "conversations.history": "channel_not_found",
        "conversations.replies": "not_in_channel",
        "conversations.members": "channel_not_found",
        "conversations.open": "user_not_found",
        "chat.postMessage": "channel_not_found",
        "chat.postEphemeral": "user_not_found",
        "chat.update": "message_not_found",
        "chat.getPermalink": "channel_not_found",
        "reactions.add": "message_not_found",
        "views.publish": "user_not_found",
        "views.open": "invalid_arguments",
        "files.info": "file_not_found",
        "apps.connections.open": "invalid_auth",
    }


async def test_rate_limited_reply_conforms(slack: SlackDouble, client: AsyncWebClient) -> None:
    slack.fail_next("chat.postMessage")
    body = await error_reply(lambda: client.chat_postMessage(channel="C0ACME0001", text="x"))
    assert body == {"ok": False, "error": "ratelimited"}
    assert check_web_response("chat.postMessage", body) == []


# ---------------------------------------------------------------- the checks can fail


async def test_check_fails_on_a_dropped_required_key(slack: SlackDouble, client: AsyncWebClient) -> None:
    replies = await one_success_per_method(slack, client)
    for method, dotted in (
        ("auth.test", "user_id"),
        ("chat.postMessage", "ts"),
        ("users.info", "user.team_id"),
        ("conversations.info", "channel.is_ext_shared"),
        ("conversations.history", "has_more"),
        ("views.publish", "view.id"),
        ("apps.connections.open", "url"),
    ):
        broken = copy.deepcopy(replies[method])
        node = broken
        *parents, last = dotted.split(".")
        for part in parents:
            node = node[part]
        del node[last]
        assert check_web_response(method, broken), f"{method} without {dotted} passed the check"


async def test_check_fails_on_wrong_types_and_invented_keys(
    slack: SlackDouble, client: AsyncWebClient
) -> None:
    replies = await one_success_per_method(slack, client)
    wrong_type = copy.deepcopy(replies["users.info"])
    wrong_type["user"]["tz_offset"] = "3600"
    assert any("tz_offset" in p for p in check_web_response("users.info", wrong_type))
    bad_ts = copy.deepcopy(replies["chat.postMessage"])
    bad_ts["ts"] = "1700000000.1"
    assert check_web_response("chat.postMessage", bad_ts)
    invented = copy.deepcopy(replies["conversations.info"])
    invented["channel"]["is_external_thing"] = True
    assert any("is_external_thing" in p for p in check_web_response("conversations.info", invented))
    invented_top = copy.deepcopy(replies["apps.connections.open"])
    invented_top["socket"] = "ws://x"
    assert check_web_response("apps.connections.open", invented_top)
    no_error = {"ok": False}
    assert check_web_response("chat.update", no_error)


@pytest.mark.skipif(
    not Path(os.environ.get("SLACK_API_FIXTURES", "/work/shared/data/slack-api-fixtures")).is_dir(),
    reason="Slack API fixtures not available",
)
def test_vendored_contract_matches_the_fixtures() -> None:
    from tests.slack_double.contract.build import DEFAULT_FIXTURES, build

    fresh = build(Path(os.environ.get("SLACK_API_FIXTURES", DEFAULT_FIXTURES)))
    vendored = json.loads(CONTRACT_FILE.read_text())
    assert {k: v for k, v in fresh.items() if k != "about"} == {
        k: v for k, v in vendored.items() if k != "about"
    }
