"""An item a person saved from a message (shortcut) survives an edit of that message, not its deletion."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.container import Container
from bot.manual_items import prefill, save_manual_item
from bot.records import SourceRecord
from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Item

TS = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _message(text: str) -> SourceRecord:
    return SourceRecord(id="C1:1.0", kind="slack", ts=TS, author="Rosa Vendor", side="vendor", text=text)


def _manual_status(container: Container) -> str:
    with session_scope(container.engine) as session:
        return session.exec(select(Item).where(Item.confidence == 1.0)).one().status


def test_manual_item_survives_edit_and_is_withdrawn_on_delete(container: Container) -> None:
    container.ingest.ingest(_message("Lunch menu for the workshop is attached."), account_key="globex")
    with session_scope(container.engine) as session:
        account = repos.require_account(session, key="globex")
        draft = prefill("next_step", text="Book the workshop room", author="Rosa Vendor", side="vendor",
                        ts=TS, tz=None)
        save_manual_item(session, account_id=account.id or 0, source_external_id="C1:1.0", draft=draft,
                         actor="U0ROSA", at=TS)
    container.ingest.ingest(_message("Lunch menu for the workshop is attached (vegetarian too)."),
                            account_key="globex")
    assert _manual_status(container) == "open"
    container.ingest.delete(account_key="globex", external_id="C1:1.0")
    assert _manual_status(container) == "withdrawn"
