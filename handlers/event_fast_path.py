"""The ack of an Events API delivery that only needs queueing, without Bolt's dispatch.

Every event Tandem listens to is recorded and queued before the ack, and the worker does the rest
(handlers/events.py). Bolt's dispatch around that one step (its middleware chain, authorisation, matching
every listener of the app, building each listener's arguments) cost more than the step itself. So the HTTP
route first offers a delivery here: a signed `event_callback` of a queued type is verified as Bolt verifies
it, the bot's own events are skipped as Bolt skips them, and the rest is queued through the same intake.
Anything else (a form, a challenge, another type, a bad signature, a body of the wrong shape, the bot's
identity not known yet) goes on to Bolt, which answers it as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from typing import Any

from slack_bolt.request.internals import extract_user_id
from slack_sdk.signature import SignatureVerifier

from handlers.intake import EventIntake
from handlers.slack_api import BotIdentity

KEPT_SELF_EVENTS = frozenset({"member_joined_channel", "member_left_channel"})  # as Bolt's IgnoringSelfEvents


def is_self_event(body: dict[str, Any], identity: BotIdentity) -> bool:
    """Whether the bot itself caused the event (Bolt acks those without running a listener)."""
    event = body["event"]
    user_id = extract_user_id(body)
    bot_id = event.get("bot_id")
    return event.get("type") not in KEPT_SELF_EVENTS and (
        (user_id is not None and user_id == identity.user_id)
        or (bot_id is not None and bot_id == identity.bot_id))


class EventFastPath:
    """Takes signed deliveries of queued event types straight to the intake."""

    def __init__(self, *, signing_secret: str, intake: EventIntake, event_types: Collection[str],
                 identity: Callable[[], BotIdentity | None], wake: Callable[[], None]) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.intake = intake
        self.event_types = frozenset(event_types)
        self.identity = identity
        self.wake = wake

    async def take(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Ack-ready: True when the delivery was queued, was a redelivery or was the bot's own; False when
        Bolt should handle it. An intake failure raises, so that the route answers 500 and Slack retries."""
        identity = self.identity()
        if identity is None or not body.startswith(b"{"):
            return False
        if not self.verifier.is_valid(body, headers.get("X-Slack-Request-Timestamp", ""),
                                      headers.get("X-Slack-Signature", "")):
            return False
        try:
            delivery = json.loads(body)
        except ValueError:
            return False
        if not self._queued_event(delivery):
            return False
        try:
            own = is_self_event(delivery, identity)
        except (TypeError, AttributeError):  # a user or bot id of the wrong shape: Bolt answers it
            return False
        if own:
            return True
        if await self.intake.accept(delivery):
            self.wake()
        return True

    def _queued_event(self, delivery: Any) -> bool:
        """A well-formed `event_callback` whose event type Tandem queues."""
        if not isinstance(delivery, dict) or delivery.get("type") != "event_callback":
            return False
        event = delivery.get("event")
        return isinstance(event, dict) and event.get("type") in self.event_types \
            and isinstance(delivery.get("event_id"), str) and bool(delivery["event_id"])
