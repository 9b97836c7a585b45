"""The payload builders produce what Slack sends: the event wrapper schema and the SDK samples."""

from __future__ import annotations

import pytest

from tests.slack_double import (
    block_actions,
    event_callback,
    events,
    message_shortcut,
    slash_command,
    view_submission,
)
from tests.slack_double.conformance import check_app_backend, check_event_envelope

from .people import ALICE, BOB, CHANNEL, EXTERNAL

ROOT = events.message(CHANNEL, ALICE, "Blocked on SSO", ts="1700000000.000100")
EVENTS = {
    "message": ROOT,
    "thread_reply": events.thread_reply(CHANNEL, BOB, "on it", thread_ts=ROOT["ts"], parent_user_id=ALICE),
    "message_changed": events.message_changed(CHANNEL, dict(ROOT, text="Blocked on SAML"), ROOT),
    "message_deleted": events.message_deleted(CHANNEL, ROOT),
    "app_mention": events.app_mention(CHANNEL, ALICE, "<@U0TANDEMBOT> status", thread_ts=ROOT["ts"]),
    "reaction_added": events.reaction_added(ALICE, "white_check_mark", CHANNEL, ROOT["ts"], item_user=ALICE),
    "reaction_removed": events.reaction_removed(
        ALICE, "white_check_mark", CHANNEL, ROOT["ts"], item_user=ALICE
    ),
    "app_home_opened": events.app_home_opened(ALICE, view={"id": "V0000000001", "type": "home"}),
    "member_joined_channel": events.member_joined_channel(
        EXTERNAL, CHANNEL, team="T0EXTERNAL1", inviter=ALICE
    ),
}


@pytest.mark.parametrize("name", sorted(EVENTS))
def test_event_envelopes_conform(name: str) -> None:
    envelope = event_callback(EVENTS[name], is_ext_shared_channel=True)
    assert check_event_envelope(envelope, name) == []
    assert envelope["event"]["type"] == (
        "message" if name in ("message", "thread_reply", "message_changed", "message_deleted") else name
    )


def test_envelope_details() -> None:
    envelope = event_callback(EVENTS["message"], event_id="Ev0TEST0001", event_time=1700000000)
    assert (envelope["type"], envelope["event_id"], envelope["event_time"]) == (
        "event_callback",
        "Ev0TEST0001",
        1700000000,
    )
    assert (
        envelope["authorizations"][0]["user_id"] == "U0TANDEMBOT" and envelope["authorizations"][0]["is_bot"]
    )
    assert envelope["event_context"].startswith("4-")
    assert (
        EVENTS["thread_reply"]["thread_ts"] == ROOT["ts"]
        and EVENTS["message_deleted"]["deleted_ts"] == ROOT["ts"]
    )
    assert EVENTS["message_changed"]["message"]["text"] == "Blocked on SAML"
    assert EVENTS["message_changed"]["previous_message"]["text"] == "Blocked on SSO"


@pytest.mark.parametrize("drop", ["event_id", "authed_users", "team_id", "api_app_id", "event_time"])
def test_envelope_check_can_fail(drop: str) -> None:
    envelope = event_callback(EVENTS["message"])
    del envelope[drop]
    assert check_event_envelope(envelope, "message")


def test_event_check_fails_on_wrong_type_or_missing_event_ts() -> None:
    envelope = event_callback(dict(EVENTS["reaction_added"], item="C0ACME0001:1700000000.000100"))
    assert check_event_envelope(envelope, "reaction_added")
    no_ts = event_callback({k: v for k, v in EVENTS["app_mention"].items() if k != "event_ts"})
    assert check_event_envelope(no_ts, "app_mention")


def test_app_backend_payloads_conform() -> None:
    message = {
        "type": "message",
        "text": "item",
        "ts": ROOT["ts"],
        "user": "U0TANDEMBOT",
        "bot_id": "B0TANDEMBOT",
    }
    assert check_app_backend(slash_command("help", user_id=ALICE), "slash_command") == []
    assert check_app_backend(block_actions("done", "1", message=message), "block_actions") == []
    assert (
        check_app_backend(block_actions("refresh", view={"id": "V1", "type": "home"}), "block_actions") == []
    )
    assert check_app_backend(message_shortcut("log_message", message), "message_action") == []
    assert (
        check_app_backend(
            view_submission("log_item", {"b": {"a": {"type": "plain_text_input", "value": "x"}}}),
            "view_submission",
        )
        == []
    )
    assert check_app_backend(dict(slash_command("help"), channel=CHANNEL), "slash_command")
