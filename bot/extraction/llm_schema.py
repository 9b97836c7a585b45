"""The structured-output schema the LLM extractor asks for: items, and nothing else.

The model may only fill these fields. Every model forbids extra keys, so an output that
tries to name a channel, a recipient, a post or a status does not validate.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ProposedKind = Literal["blocker", "next_step", "decision", "resolution"]
PROPOSED_KINDS: tuple[str, ...] = ("blocker", "next_step", "decision", "resolution")


class ProposedItem(BaseModel):
    """One line the model proposes for the record; the guard still checks it."""

    model_config = ConfigDict(extra="forbid")

    kind: ProposedKind = Field(description="blocker, next_step, decision, or resolution")
    summary: str | None = Field(default=None, max_length=300, description="short imperative or statement")
    owner: str | None = Field(
        default=None,
        max_length=120,
        description="who must act / can unblock / decided; null when not stated",
    )
    waiting_on: Literal["vendor", "customer", "third_party"] | None = None
    due: date | None = Field(default=None, description="ISO date (YYYY-MM-DD) if a due day is stated")
    category: (
        Literal["it_approval", "third_party", "stakeholder_signoff", "scope_change", "technical", "other"]
        | None
    ) = Field(default=None, description="blockers only")
    resolves: str | None = Field(
        default=None, max_length=200, description="id of the earlier record this one clears, or null"
    )
    span: str = Field(min_length=1, max_length=1000, description="exact words of the record supporting it")
    confidence: float = Field(default=0.7, ge=0.0, le=1.0)
    account: str | None = Field(
        default=None, max_length=100, description="the account key of the record; leave null or echo it"
    )


class ExtractionOutput(BaseModel):
    """Everything the model may return for one record: a list of proposed items."""

    model_config = ConfigDict(extra="forbid")

    items: list[ProposedItem] = Field(default_factory=list)
