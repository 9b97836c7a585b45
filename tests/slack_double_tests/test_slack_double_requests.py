"""Signing and SlackSender: agree with slack_sdk's verifier, and a real Bolt app accepts what they send.

The Bolt app here is a toy (not Tandem): it proves the builders and the sender produce requests Bolt
parses and routes, and that its replies reach the double.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import (
    SlackDouble,
    SlackSender,
    block_actions,
    event_callback,
    events,
    message_shortcut,
    sign,
    slash_command,
    url_verification,
    view_submission,
)
from tests.slack_double.interactions import form_body, interactive_body

from .people import ALICE, CHANNEL

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


def test_sign_matches_slack_sdk_verifier() -> None:
    body = b'{"type":"event_callback","event":{"type":"message","text":"h\xc3\xa9"}}'
    ts = int(time.time())
    headers = sign(body, SECRET, ts)
    verifier = SignatureVerifier(SECRET)
    assert headers["X-Slack-Signature"] == verifier.generate_signature(timestamp=str(ts), body=body)
    assert verifier.is_valid_request(body, headers)
    assert verifier.is_valid_request(body.decode(), sign(body.decode(), SECRET))  # str bodies too
    assert not verifier.is_valid_request(body + b" ", headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, SECRET, ts - 6 * 60)
    assert not verifier.is_valid_request(body, stale)


def test_known_answer() -> None:
    """Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack)."""
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    headers = sign(body, SECRET, 1531420618)
    assert (
        headers["X-Slack-Signature"] == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )


@pytest.fixture
async def bolt_app(slack: SlackDouble) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    """A toy Bolt AsyncApp in HTTP mode on a free port; yields (request URL, what its listeners saw)."""
    seen: list[dict[str, Any]] = []
    app = AsyncApp(
        signing_secret=SECRET, client=AsyncWebClient(base_url=slack.api_url, token=slack.bot_token)
    )

    @app.event("message")
    async def on_message(event: dict[str, Any], say: Any, context: Any, request: Any) -> None:
        seen.append({"kind": "message", "event": event, "retry": request.headers.get("x-slack-retry-num")})
        await say(text=f"saw: {event.get('text', '')}", thread_ts=event.get("thread_ts") or event["ts"])

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any]) -> None:
        seen.append({"kind": "reaction", "event": event})

    @app.command("/tandem")
    async def on_command(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack(text=f"ack {command['text']}")
        await respond(text="later")
        seen.append({"kind": "command", "command": command})

    @app.action("done")
    async def on_action(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen.append({"kind": "action", "body": body})

    @app.shortcut("log_message")
    async def on_shortcut(ack: Any, shortcut: dict[str, Any]) -> None:
        await ack()
        seen.append({"kind": "shortcut", "shortcut": shortcut})

    @app.view("log_item")
    async def on_view(ack: Any, view: dict[str, Any]) -> None:
        await ack(response_action="errors", errors={"b": "too short"})
        seen.append({"kind": "view", "view": view})

    runner = web.AppRunner(app.web_app(path="/slack/events"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events", seen
    finally:
        await runner.cleanup()


async def test_bolt_accepts_signed_events_and_replies_through_the_double(
    slack: SlackDouble, bolt_app: tuple[str, list[dict[str, Any]]]
) -> None:
    url, seen = bolt_app
    async with SlackSender(url, SECRET) as sender:
        challenge = await sender.send_event(url_verification("c-123"))
        assert challenge.status == 200 and challenge.json() == {"challenge": "c-123"}
        msg = events.message(CHANNEL, ALICE, "hello")
        assert (await sender.send_event(event_callback(msg))).status == 200
        [post] = await slack.wait_for("chat.postMessage")
        assert post.params["text"] == "saw: hello" and post.params["thread_ts"] == msg["ts"]
        reply = events.thread_reply(CHANNEL, ALICE, "again", thread_ts=msg["ts"])
        assert (
            await sender.send_event(event_callback(reply), retry_num=1, retry_reason="http_timeout")
        ).status == 200
        await slack.wait_for("chat.postMessage", count=2)
        assert seen[-1]["retry"] == ["1"]  # Bolt keeps header values as lists
        reaction = events.reaction_added(ALICE, "eyes", CHANNEL, msg["ts"], item_user=ALICE)
        assert (await sender.send_event(event_callback(reaction))).status == 200


async def test_bolt_rejects_bad_and_stale_signatures(
    slack: SlackDouble, bolt_app: tuple[str, list[dict[str, Any]]]
) -> None:
    url, seen = bolt_app
    envelope = event_callback(events.message(CHANNEL, ALICE, "hello"))
    async with SlackSender(url, SECRET) as sender:
        assert (await sender.send_event(envelope, bad_signature=True)).status == 401
        assert (await sender.send_event(envelope, stale=True)).status == 401
        assert (await sender.send_event(envelope, unsigned=True)).status == 401
    assert seen == [] and slack.calls_to("chat.postMessage") == []


async def test_bolt_parses_commands_and_interactions(
    slack: SlackDouble, bolt_app: tuple[str, list[dict[str, Any]]]
) -> None:
    url, seen = bolt_app
    posted = slack.add_message(
        CHANNEL, None, slack.workspace.bot_user_id, "item 1", bot_id=slack.workspace.bot_id
    )
    async with SlackSender(url, SECRET) as sender:
        command = await sender.send_command(
            slash_command(
                "status acme", user_id=ALICE, channel_id=CHANNEL, response_url=slack.new_response_url()
            )
        )
        assert command.status == 200 and command.text == "ack status acme"  # Bolt acks plain text as is
        await slack.wait_for("response_url")
        assert slack.response_posts[0].body["text"] == "later"
        action = await sender.send_interaction(
            block_actions("done", "item-1", user_id=ALICE, channel_id=CHANNEL, message=posted)
        )
        assert action.status == 200
        shortcut = await sender.send_interaction(
            message_shortcut("log_message", posted, user_id=ALICE, channel_id=CHANNEL)
        )
        assert shortcut.status == 200
        values = {"b": {"a": {"type": "plain_text_input", "value": "x"}}}
        view = await sender.send_interaction(
            view_submission("log_item", values, private_metadata="acct=acme")
        )
        assert view.status == 200 and view.json() == {
            "response_action": "errors",
            "errors": {"b": "too short"},
        }
    kinds = [s["kind"] for s in seen]
    assert kinds == ["command", "action", "shortcut", "view"]
    assert seen[0]["command"]["command"] == "/tandem" and seen[0]["command"]["user_id"] == ALICE
    assert (
        seen[1]["body"]["actions"][0]["value"] == "item-1"
        and seen[1]["body"]["message"]["ts"] == posted["ts"]
    )
    assert seen[2]["shortcut"]["message"]["text"] == "item 1"
    assert seen[3]["view"]["state"]["values"] == values and seen[3]["view"]["private_metadata"] == "acct=acme"


def test_form_bodies() -> None:
    fields = slash_command("a b&c", user_id=ALICE)
    assert b"command=%2Ftandem" in form_body(fields) and b"text=a+b%26c" in form_body(fields)
    body = interactive_body({"type": "block_actions"})
    assert body.startswith(b"payload=") and json.loads(
        __import__("urllib.parse").parse.parse_qs(body.decode())["payload"][0]
    ) == {"type": "block_actions"}
