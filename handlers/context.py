"""What Slack handlers need, handed over once by the wiring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.foreground import Foreground
from bot.ingest import IngestService
from handlers.people import People
from handlers.slack_api import SlackGateway


@dataclass
class SlackServices:
    """The store, the core services and the Slack gateway, for handlers."""

    engine: Engine
    ingest: IngestService
    gateway: SlackGateway
    people: People
    is_lead: Callable[[str], bool]
    wake_worker: Callable[[], None]
    clock: Clock
    foreground: Foreground = field(default_factory=Foreground)  # requests first, then background work
