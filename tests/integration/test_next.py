"""`/tandem next` on a hand-built portfolio: order, why lines, buttons, updates in place; `tandem next --json`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.clock import FixedClock
from bot.settings import Settings
from bot.store.db import session_scope
from bot.store.models import Account, Item, ItemEvidence, Source
from handlers import ids
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem, running_tandem

TODAY = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)  # a Wednesday


def _at(day: int) -> datetime:
    return datetime(2026, 6, day, 9, 0, tzinfo=UTC)


PORTFOLIO = [
    # account, kind, summary, owner, waiting_on, due, last activity
    ("acme", "next_step", "Send the tax worksheet", "Anna Example", "vendor", date(2026, 6, 8), _at(8)),
    ("acme", "blocker", "SSO approval from Acme IT", "Priya Shah", "customer", None, _at(4)),
    ("acme", "next_step", "Book the UAT kickoff", "Anna Example", "vendor", date(2026, 6, 11), _at(9)),
    ("globex", "next_step", "Share the sandbox credentials", "Omar Field", "customer", date(2026, 6, 30), _at(9)),
    ("globex", "blocker", "Connector bug fix from engineering", "Anna Example", "vendor", None, _at(9)),
]
EXPECTED = [
    ("Send the tax worksheet", "overdue 2 days — go-live in 9 days"),
    ("SSO approval from Acme IT", "blocked on customer — go-live in 9 days"),
    ("Book the UAT kickoff", "due tomorrow — go-live in 9 days"),
    ("Connector bug fix from engineering", "blocker we can unblock"),
    ("Share the sandbox credentials", "waiting on customer"),
]


@pytest.fixture
async def portfolio(settings: Settings) -> AsyncIterator[Tandem]:
    """Two accounts of the IM with hand-built items, each with one Slack source."""
    async with running_tandem(settings, "http", FixedClock(TODAY)) as tandem:
        with session_scope(tandem.container.engine) as session:
            accounts = {
                "acme": Account(key="acme", name="Acme", owner_user_id=IM, golive=date(2026, 6, 19)),
                "globex": Account(key="globex", name="Globex", owner_user_id=IM, golive=date(2026, 9, 1)),
            }
            session.add_all(accounts.values())
            session.flush()
            for n, (key, kind, summary, owner, waiting, due, touched) in enumerate(PORTFOLIO):
                source = Source(account_id=accounts[key].id or 0, external_id=f"{SHARED}:17000000{n}.0001",
                                kind="slack", author=owner, side=waiting, ts=touched, text=summary,
                                permalink=f"https://example.slack.com/archives/{SHARED}/p{n}")
                item = Item(account_id=accounts[key].id or 0, kind=kind, summary=summary, owner=owner,
                            waiting_on=waiting, waiting_since=touched, due=due, first_seen=touched,
                            last_activity=touched)
                session.add_all([source, item])
                session.flush()
                session.add(ItemEvidence(item_id=item.id or 0, source_id=source.id or 0, span=summary))
        yield tandem


def _entries(answer: dict) -> list[tuple[str, str]]:
    found = []
    for block in answer["blocks"]:
        text = block.get("text", {}).get("text", "") if block["type"] == "section" else ""
        if text.startswith("*") and ". " in text.split("\n")[0]:
            head, meta = text.split("\n")[:2]
            found.append((head.split(". ", 1)[1].rstrip("*"), meta.split("_")[1]))
    return found


async def test_next_orders_the_portfolio_with_why_lines(portfolio: Tandem) -> None:
    await portfolio.command("next")
    [answer] = await portfolio.responses(1)
    assert answer["response_type"] == "ephemeral"
    assert _entries(answer) == EXPECTED
    actions = [b for b in answer["blocks"] if b["type"] == "actions"]
    first = actions[0]["elements"]
    assert [e["action_id"] for e in first] == [ids.ITEM_DONE, ids.ITEM_SNOOZE, ids.ITEM_OPEN_SOURCE,
                                               ids.ITEM_NOT_RIGHT]
    assert first[2]["url"].startswith("https://example.slack.com/archives/")


async def test_done_button_updates_the_list_in_place_and_customers_cannot_act(portfolio: Tandem) -> None:
    from tests.slack_double import block_actions

    await portfolio.command("next")
    [answer] = await portfolio.responses(1)
    done = next(b for b in answer["blocks"] if b["type"] == "actions")["elements"][0]
    url = portfolio.slack.new_response_url()
    await portfolio.sender.send_interaction(
        block_actions(ids.ITEM_DONE, done["value"], user_id=CUSTOMER, response_url=url, channel_id=SHARED))
    await portfolio.responses(2)
    assert all(i.status == "open" for i in portfolio.rows(Item))
    url = portfolio.slack.new_response_url()
    await portfolio.sender.send_interaction(
        block_actions(ids.ITEM_DONE, done["value"], user_id=IM, response_url=url, channel_id=SHARED))
    [*_, updated] = await portfolio.responses(3)
    assert updated["replace_original"] is True
    assert "Marked done." in updated["text"]
    assert [title for title, _ in _entries(updated)] == [title for title, _ in EXPECTED[1:]]
    assert [i.status for i in portfolio.rows(Item) if i.summary == "Send the tax worksheet"] == ["done"]


async def test_cli_next_json_gives_rank_score_and_why(portfolio: Tandem) -> None:
    settings = portfolio.container.settings
    result = subprocess.run(
        [sys.executable, "-m", "bot", "next", "--user", IM, "--json", "--now", TODAY.isoformat()],
        env={"DATABASE_URL": settings.effective_database_url, "TANDEM_DATA_DIR": str(settings.tandem_data_dir),
             "PATH": ""},
        capture_output=True, text=True, check=True,
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["summary"], r["why"]) for r in rows] == EXPECTED
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["score"] > rows[-1]["score"] and rows[0]["evidence"] == [f"{SHARED}:170000000.0001"]
