"""The ack of a queued event type without Bolt's dispatch: what it takes, and what it leaves to Bolt."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier

from handlers.event_fast_path import EventFastPath, is_self_event
from handlers.slack_api import BotIdentity

SECRET = "fast-path-secret"
BOT = BotIdentity(team_id="T0VENDOR", user_id="U0TANDEMBOT", bot_id="B0TANDEMBOT", url=None)


class RecordingIntake:
    """Stands in for the store's intake: records deliveries, answers False for a repeated event id."""

    def __init__(self) -> None:
        self.taken: list[dict[str, Any]] = []

    async def accept(self, body: dict[str, Any]) -> bool:
        fresh = body["event_id"] not in {b["event_id"] for b in self.taken}
        self.taken.append(body)
        return fresh


def _delivery(event: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"type": "event_callback", "team_id": "T0VENDOR", "event_id": "Ev01", "event": event, **fields}


def _signed(body: bytes, *, age_s: float = 0, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time() - age_s))
    return {"X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)}


@pytest.fixture
def wakes() -> list[int]:
    return []


@pytest.fixture
def intake() -> RecordingIntake:
    return RecordingIntake()


def _fast_path(intake: RecordingIntake, wakes: list[int], identity: BotIdentity | None = BOT) -> EventFastPath:
    return EventFastPath(signing_secret=SECRET, intake=intake, event_types=("message", "reaction_added"),  # type: ignore[arg-type]
                         identity=lambda: identity, wake=lambda: wakes.append(1))


async def test_a_signed_queued_event_is_taken_once_and_wakes_the_worker(intake: RecordingIntake,
                                                                        wakes: list[int]) -> None:
    body = json.dumps(_delivery({"type": "message", "user": "U0CUST", "text": "hi", "ts": "1.2"})).encode()
    fast = _fast_path(intake, wakes)
    assert await fast.take(body, _signed(body)) is True
    assert await fast.take(body, _signed(body)) is True  # a redelivery: acked, not queued again
    assert [b["event"]["text"] for b in intake.taken] == ["hi", "hi"] and wakes == [1]


async def test_the_bots_own_events_are_acked_and_not_queued(intake: RecordingIntake, wakes: list[int]) -> None:
    fast = _fast_path(intake, wakes)
    for event in ({"type": "message", "user": BOT.user_id, "text": "posted by Tandem"},
                  {"type": "message", "bot_id": BOT.bot_id, "subtype": "bot_message", "text": "also Tandem"},
                  {"type": "reaction_added", "user": BOT.user_id, "reaction": "eyes"}):
        body = json.dumps(_delivery(event)).encode()
        assert await fast.take(body, _signed(body)) is True
    assert intake.taken == [] and wakes == []


@pytest.mark.parametrize("case", ["form", "bad signature", "stale", "not json", "challenge", "other type",
                                  "no event id", "event not a dict", "user of the wrong shape", "identity unknown"])
async def test_everything_else_is_left_to_bolt(case: str, intake: RecordingIntake, wakes: list[int]) -> None:
    message = {"type": "message", "user": "U0CUST", "text": "hi"}
    payloads: dict[str, bytes] = {
        "form": b"command=%2Ftandem&text=next",
        "bad signature": json.dumps(_delivery(message)).encode(),
        "stale": json.dumps(_delivery(message)).encode(),
        "not json": b"{not json",
        "challenge": json.dumps({"type": "url_verification", "challenge": "abc"}).encode(),
        "other type": json.dumps(_delivery({"type": "channel_created", "channel": {"id": "C1"}})).encode(),
        "no event id": json.dumps({**_delivery(message), "event_id": ""}).encode(),
        "event not a dict": json.dumps(_delivery(["message"])).encode(),  # type: ignore[arg-type]
        "user of the wrong shape": json.dumps(_delivery({**message, "user": 7})).encode(),
        "identity unknown": json.dumps(_delivery(message)).encode(),
    }
    body = payloads[case]
    headers = _signed(body, secret="another-secret") if case == "bad signature" else \
        _signed(body, age_s=600) if case == "stale" else _signed(body)
    fast = _fast_path(intake, wakes, identity=None if case == "identity unknown" else BOT)
    assert await fast.take(body, headers) is False
    assert intake.taken == [] and wakes == []


def test_self_events_follow_bolts_rule() -> None:
    edited_by_bot = _delivery({"type": "message", "subtype": "message_changed",
                               "message": {"user": BOT.user_id, "text": "edited"}})
    bot_joined = _delivery({"type": "member_joined_channel", "user": BOT.user_id, "channel": "C1"})
    someone_else = _delivery({"type": "message", "user": "U0CUST", "bot_id": "B0OTHER"})
    assert is_self_event(edited_by_bot, BOT) is True
    assert is_self_event(bot_joined, BOT) is False  # kept, as Bolt keeps it
    assert is_self_event(someone_else, BOT) is False
