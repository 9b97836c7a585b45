"""The Socket Mode end of the double, with slack_sdk's aiohttp SocketModeClient and a toy Bolt app."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import SlackDouble, build_envelope, event_callback, events, slash_command

from .people import ALICE, CHANNEL


async def test_socket_mode_client_connects_receives_and_acks(slack: SlackDouble) -> None:
    received: list[SocketModeRequest] = []
    hellos: list[dict[str, Any]] = []
    client = SocketModeClient(
        app_token=slack.app_token,
        web_client=AsyncWebClient(base_url=slack.api_url, token=slack.bot_token),
        auto_reconnect_enabled=False,
    )

    async def on_message(_client: Any, message: dict[str, Any], _raw: str | None) -> None:
        if message.get("type") == "hello":
            hellos.append(message)

    async def on_request(sm: SocketModeClient, req: SocketModeRequest) -> None:
        received.append(req)
        payload = {"text": "pong"} if req.type == "slash_commands" else None
        await sm.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id, payload=payload))

    client.message_listeners.append(on_message)
    client.socket_mode_request_listeners.append(on_request)
    await client.connect()
    try:
        await slack.wait_for_socket()
        [opened] = await slack.wait_for("apps.connections.open")
        assert opened.token == slack.app_token and opened.response["url"].startswith("ws://127.0.0.1:")
        envelope = event_callback(events.app_mention(CHANNEL, ALICE, f"<@{slack.workspace.bot_user_id}> hi"))
        event_id = await slack.socket_send("events_api", envelope, retry_attempt=1, retry_reason="timeout")
        assert await slack.wait_for_ack(event_id) is None
        command_id = await slack.socket_send("slash_commands", slash_command("help"), envelope_id="cmd-1")
        assert command_id == "cmd-1"
        assert await slack.wait_for_ack("cmd-1") == {"text": "pong"}
        assert hellos and hellos[0]["connection_info"] == {"app_id": slack.workspace.app_id}
        event_req, command_req = received
        assert (event_req.type, event_req.retry_attempt, event_req.retry_reason) == (
            "events_api",
            1,
            "timeout",
        )
        assert event_req.payload == envelope and not event_req.accepts_response_payload
        assert command_req.accepts_response_payload and command_req.payload["command"] == "/tandem"
    finally:
        await client.close()
    with pytest.raises(AssertionError, match="not acknowledged"):
        await slack.wait_for_ack("never-sent", timeout=0.05)


async def test_a_bolt_app_in_socket_mode_handles_events_through_the_double(slack: SlackDouble) -> None:
    app = AsyncApp(client=AsyncWebClient(base_url=slack.api_url, token=slack.bot_token))

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say(text="at your service", thread_ts=event["ts"])

    @app.command("/tandem")
    async def command(ack: Any, command: dict[str, Any]) -> None:
        await ack(text=f"you said {command['text']}")

    handler = AsyncSocketModeHandler(app, slack.app_token)
    handler.client.auto_reconnect_enabled = False
    await handler.connect_async()
    try:
        mention_event = events.app_mention(CHANNEL, ALICE, "<@U0TANDEMBOT> status")
        envelope_id = await slack.socket_send("events_api", event_callback(mention_event))
        await slack.wait_for_ack(envelope_id)
        [post] = await slack.wait_for("chat.postMessage")
        assert post.params["text"] == "at your service" and post.params["thread_ts"] == mention_event["ts"]
        command_id = await slack.socket_send("slash_commands", slash_command("status"))
        assert (await slack.wait_for_ack(command_id)) == {"text": "you said status"}
    finally:
        await handler.close_async()


def test_envelopes_are_shaped_like_slacks() -> None:
    event = build_envelope("events_api", {"type": "event_callback"}, envelope_id="e1")
    assert event == {
        "envelope_id": "e1",
        "payload": {"type": "event_callback"},
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
    }
    interactive = build_envelope("interactive", {"type": "block_actions"})
    assert interactive["accepts_response_payload"] and "retry_attempt" not in interactive
    assert SocketModeRequest.from_dict(interactive) is not None
    with pytest.raises(ValueError):
        build_envelope("hello", {})


async def test_disconnect_message(slack: SlackDouble) -> None:
    client = SocketModeClient(
        app_token=slack.app_token,
        web_client=AsyncWebClient(base_url=slack.api_url, token=slack.bot_token),
        auto_reconnect_enabled=False,
    )
    await client.connect()
    try:
        await slack.wait_for_socket()
        await slack.socket_disconnect()
        # slack_sdk answers a disconnect by opening a new connection
        await slack.wait_for("apps.connections.open", count=2, timeout=3)
        for _ in range(100):
            if len(slack.socket.connections) == 1 and slack.socket.sent == []:
                break
            await asyncio.sleep(0.02)
    finally:
        await client.close()
