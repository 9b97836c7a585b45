"""Block Kit for the App Home: the IM's portfolio, one entry per account, and the short home for outsiders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from bot.portfolio_overview import AccountOverview, NextStepLine
from bot.ranking import DEFAULT_WEIGHTS
from handlers import blocks, ids

Block = dict[str, Any]
MAX_HOME_ACCOUNTS = 15
HEALTH_LABELS = {
    "on_track": ":large_green_circle: On track",
    "at_risk": ":large_yellow_circle: At risk",
    "blocked": ":red_circle: Blocked",
}
HEALTH_RULE = (
    f"*Health*: blocked — a blocker untouched for {DEFAULT_WEIGHTS.blocked_days} business days, or go-live "
    f"passed with a blocker open; at risk — {DEFAULT_WEIGHTS.at_risk_min_blockers}+ open blockers within "
    f"{DEFAULT_WEIGHTS.at_risk_golive_days} days of go-live, an overdue item, or a stalled item; on track — otherwise."
)
EXTERNAL_TEXT = (
    "*Tandem* keeps track of blockers, next steps and decisions for our implementation team. "
    "Its home is for our team only. Mention me in your shared channel to ask about your project."
)


def slack_date(moment: datetime, token: str = "{date_short_pretty} {time}") -> str:
    """A date Slack shows in the reader's own time zone, with a UTC fallback."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{token}|{fallback}>"


def _golive(golive: date | None, today: date) -> str:
    if golive is None:
        return "go-live not set"
    days = (golive - today).days
    when = "today" if days == 0 else (f"in {days} days" if days > 0 else f"{-days} days ago")
    return f"go-live *{golive:%a %d %b %Y}* ({when})"


def _next_step(line: NextStepLine | None) -> str:
    if line is None:
        return "Next step: _none open_"
    parts = [escape_summary(line.summary)]
    if line.owner:
        parts.append(f"owner {blocks.escape(line.owner)}")
    if line.due:
        parts.append(f"due {line.due:%a %d %b}")
    text = " · ".join(parts)
    if line.permalink:
        text += f" · <{line.permalink}|source>"
    return f"Next step: {text}"


def escape_summary(summary: str, limit: int = 300) -> str:
    """A summary escaped and cut for one line."""
    cut = summary if len(summary) <= limit else summary[: limit - 1] + "…"
    return blocks.escape(cut)


def account_blocks(overview: AccountOverview, *, today: date) -> list[Block]:
    """One account: name and health, its top next step, then stage, go-live, blockers and last activity."""
    health = HEALTH_LABELS.get(overview.health, overview.health)
    activity = slack_date(overview.last_activity) if overview.last_activity else "none yet"
    plural = "" if overview.open_blockers == 1 else "s"
    return [
        blocks.section(f"*{blocks.escape(overview.name)}* (`{overview.key}`)   {health}\n"
                       f"{_next_step(overview.top_next_step)}"),
        blocks.context(f"Stage *{overview.stage}* · {_golive(overview.golive, today)} · "
                       f"*{overview.open_blockers}* open blocker{plural} · {overview.open_next_steps} open next steps"
                       f" · last activity {activity}"),
        {"type": "divider"},
    ]


def home_blocks(overviews: Sequence[AccountOverview], *, today: date) -> list[Block]:
    """The IM's portfolio: a button for `/tandem next`, each account, and how health is decided."""
    result: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Your portfolio"}},
        {"type": "actions", "block_id": "home_actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "What to move on next"},
            "action_id": ids.HOME_OPEN_NEXT, "value": "0", "style": "primary"}]},
    ]
    if not overviews:
        result.append(blocks.section("You own no accounts yet. Link a customer channel with `/tandem link <account>`."))
        return result
    for overview in overviews[:MAX_HOME_ACCOUNTS]:
        result.extend(account_blocks(overview, today=today))
    if len(overviews) > MAX_HOME_ACCOUNTS:
        result.append(blocks.context(f"…and {len(overviews) - MAX_HOME_ACCOUNTS} more accounts: `/tandem accounts`."))
    result.append(blocks.context(HEALTH_RULE))
    return blocks.capped(result)


def external_home_blocks() -> list[Block]:
    """The home a customer (Slack Connect) user sees: what Tandem is, nothing of any account."""
    return [blocks.section(EXTERNAL_TEXT)]


def home_view(body: Sequence[Block]) -> dict[str, Any]:
    """A Home tab view."""
    return {"type": "home", "callback_id": "tandem_home", "blocks": list(body)}
