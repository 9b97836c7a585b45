"""`tandem demo`: ingest the bundled fictional accounts into a fresh data dir and show the result."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.container import Container
from bot.item_queries import list_items
from bot.next_items import next_items
from bot.portfolio import account_status
from bot.render import accounts_text, items_text, next_text, status_text
from bot.settings import load_settings
from bot.store import repos
from bot.store.db import session_scope

SAMPLE_DIR = Path(__file__).resolve().parent / "sample"


def load_sample_accounts(container: Container) -> None:
    """Create the sample accounts with their names, stages, go-live dates and owners."""
    accounts = json.loads((SAMPLE_DIR / "accounts.json").read_text(encoding="utf-8"))
    with session_scope(container.engine) as session:
        for entry in accounts:
            account = repos.get_or_create_account(session, key=entry["key"], owner_user_id=entry.get("owner_user_id"))
            account.name = entry["name"]
            account.stage = entry.get("stage", account.stage)
            account.golive = date.fromisoformat(entry["golive"]) if entry.get("golive") else None
            account.email_domains = ",".join(entry.get("email_domains", []))
            account.third_party_domains = ",".join(
                domain for party in entry.get("third_parties", []) for domain in party.get("email_domains", []))
            session.add(account)


def _show_items(container: Container, out: Callable[[str], None], key: str) -> None:
    with session_scope(container.engine) as session:
        account = repos.require_account(session, key=key)
        blockers = list_items(session, accounts=[account], kind="blocker")
        decisions = list_items(session, accounts=[account], kind="decision", statuses=("open", "superseded"),
                               newest_first=True)
    out(f"\n$ tandem blockers {key}")
    out(items_text(blockers, kind="blocker"))
    out(f"\n$ tandem decisions {key}")
    out(items_text(decisions, kind="decision"))


def _show_next(container: Container, out: Callable[[str], None], user_id: str, name: str, now: datetime) -> None:
    with session_scope(container.engine) as session:
        accounts = repos.accounts_visible_to(session, user_id=user_id, is_lead=False)
        items = next_items(session, accounts=accounts, today=now.date(), stall_days=3)
    out(f"\n$ tandem next --user {user_id} --now {now:%Y-%m-%dT%H:%MZ}   # {name}'s morning")
    out(next_text(items[:5]))


def run_demo(*, data_dir: Path | None, out: Callable[[str], None]) -> int:
    """Run the demo in `data_dir` (a fresh temporary folder by default) and print what it shows."""
    from bot.cli import ingest_file

    with tempfile.TemporaryDirectory(prefix="tandem-demo-") as scratch:
        folder = data_dir or Path(scratch)
        settings = load_settings(tandem_data_dir=folder, database_url=None, chroma_path=None, chroma_url=None)
        container = Container(settings)
        container.migrate()
        load_sample_accounts(container)
        kept, skipped = ingest_file(container, SAMPLE_DIR / "records.jsonl", out=out)
        out(f"Tandem demo — {kept} sample messages, emails and transcripts ingested into {folder}\n")
        out("$ tandem accounts")
        with session_scope(container.engine) as session:
            statuses = [account_status(session, account=a) for a in repos.list_accounts(session)]
        out(accounts_text(statuses))
        for status in statuses:
            out(f"\n$ tandem status {status.key}")
            out(status_text(status))
        _show_items(container, out, statuses[0].key)
        with session_scope(container.engine) as session:
            newest = max(repos.last_activity(session, account_id=a.id or 0) or datetime.min.replace(tzinfo=UTC)
                         for a in repos.list_accounts(session))
        morning = datetime.combine(newest.date() + timedelta(days=3), time(8, 0), tzinfo=UTC)
        for entry in json.loads((SAMPLE_DIR / "accounts.json").read_text(encoding="utf-8"))[:1]:
            _show_next(container, out, entry["owner_user_id"], entry["owner_name"], morning)
        container.close()
    return 0 if kept and not skipped else 1
