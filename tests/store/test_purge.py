"""Purging an account or a person: nothing of that scope stays in any table or in the index; the rest is intact."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, func, select

from bot.container import Container
from bot.ingest import IngestService
from bot.purge import ChunkForgetter, Purger
from bot.records import SourceRecord
from bot.store.db import session_scope
from bot.store.models import (
    Account,
    ChannelLink,
    Correction,
    DigestSent,
    InboundEmail,
    Item,
    ItemEvent,
    ItemEvidence,
    Nudge,
    SlackUser,
    Source,
    SyncCursor,
    UserPreference,
    WorkItem,
)
from bot.store.queue import enqueue
from bot.worker import Worker

ANNA, BEN, GINA = "U0IMANNA01", "U0CUSTBEN1", "U0GLOBEXGG"
BEN_EMAIL = "ben@customer.example"
CHANNELS = {"acme": "C0ACME0001", "globex": "C0GLOBEX01"}
# (account, id, author user id, author email, text): Ben writes in both accounts, once only by email.
SOURCES = [
    ("acme", "acme-1", BEN, None, "We are blocked until our IT approves the SSO app."),
    ("acme", "acme-2", ANNA, "anna@vendor.example", "Still blocked on the SSO approval, chasing IT today."),
    ("acme", "acme-3", None, BEN_EMAIL, "Please send the import template by Friday."),
    ("acme", "acme-4", ANNA, "anna@vendor.example", "We decided to keep EUR as the base currency."),
    ("globex", "globex-1", GINA, "gina@globex.example", "Payroll cutover waits for the tax tables."),
    ("globex", "globex-2", BEN, None, "Ben here from the partner side: the tax tables ship next week."),
]
# item → (account, kind, summary, [(source, role, span)])
ITEMS = {
    "sso": ("acme", "blocker", "blocked until our IT approves the SSO app",
            [("acme-1", "raised", "blocked until our IT approves the SSO app"),
             ("acme-2", "restated", "Still blocked on the SSO approval")]),
    "template": ("acme", "next_step", "send the import template by Friday",
                 [("acme-3", "raised", "send the import template by Friday")]),
    "eur": ("acme", "decision", "keep EUR as the base currency", [("acme-4", "raised", "keep EUR as the base currency")]),
    "tax": ("globex", "blocker", "Payroll cutover waits for the tax tables",
            [("globex-1", "raised", "Payroll cutover waits for the tax tables")]),
    "ship": ("globex", "next_step", "the tax tables ship next week",
             [("globex-2", "raised", "the tax tables ship next week")]),
}


def _seed(container: Container) -> dict[str, int]:
    """Two accounts with sources, items and everything hanging off them; returns item ids by name."""
    plain = IngestService(container.engine)  # items are made by hand below, so the test does not hang on extraction
    for account, external_id, user, email, text in SOURCES:
        plain.ingest(SourceRecord(id=external_id, kind="email" if user is None else "slack",
                                  ts=datetime(2026, 3, 2, 9, tzinfo=UTC), author=external_id, text=text,
                                  author_email=email, channel=CHANNELS[account]),
                     account_key=account, author_user_id=user)
    ids: dict[str, int] = {}
    with session_scope(container.engine) as session:
        accounts = {a.key: a for a in session.exec(select(Account)).all()}
        sources = {s.external_id: s for s in session.exec(select(Source)).all()}
        for key, account in accounts.items():
            account.owner_user_id = ANNA
            session.add(ChannelLink(channel_id=CHANNELS[key], account_id=account.id or 0, linked_by=ANNA))
        for name, (key, kind, summary, evidence) in ITEMS.items():
            item = Item(account_id=accounts[key].id or 0, kind=kind, summary=summary, owner_user_id=BEN
                        if name == "ship" else None, owner="Ben" if name == "ship" else None)
            session.add(item)
            session.flush()
            ids[name] = item.id or 0
            for source, role, span in evidence:
                session.add(ItemEvidence(item_id=item.id or 0, source_id=sources[source].id or 0, role=role, span=span))
            session.add(ItemEvent(item_id=item.id or 0, actor=evidence[0][0], change="created"))
            session.add(Nudge(item_id=item.id or 0, user_id=ANNA, local_date=date(2026, 3, 5)))
        session.add(Correction(item_id=ids["template"], user_id=ANNA, kind_before="next_step",
                               source_external_id="acme-3", span="send the import template"))
        session.add(Correction(item_id=ids["eur"], user_id=BEN, kind_before="decision", not_an_item=True))
        for user, email, name in ((ANNA, "anna@vendor.example", "Anna"), (BEN, BEN_EMAIL, "Ben"),
                                  (GINA, "gina@globex.example", "Gina")):
            session.add(SlackUser(user_id=user, name=name, email=email))
            session.add(UserPreference(user_id=user))
            session.add(DigestSent(user_id=user, local_date=date(2026, 3, 5), claim_id=f"claim-{user}"))
        for key, sender, source in (("acme", BEN_EMAIL, "acme-3"), ("globex", "gina@globex.example", None)):
            inbound = InboundEmail(message_id=f"<{key}@mail.example>", received_via="webhook", raw=b"From: x",
                                   status="routed", account_id=accounts[key].id, sender=sender,
                                   source_external_id=source)
            session.add(inbound)
            session.flush()
            enqueue(session, kind="email.triage", payload={"inbound_id": inbound.id})
        for key, user in (("acme", BEN), ("acme", ANNA), ("globex", GINA)):
            enqueue(session, kind="slack.event", payload={"event_id": f"Ev{key}{user}", "event": {
                "type": "message", "channel": CHANNELS[key], "user": user, "text": "queued words"}})
        for key in CHANNELS:
            session.add(SyncCursor(name=f"backfill:{CHANNELS[key]}", value="{}"))
        session.add(SyncCursor(name="gmail:history", value="42"))
    asyncio.run(container.drain_index_work())
    return ids


def _indexed(container: Container, account: str) -> set[str]:
    return container.retriever.search_index.vectors.source_ids(account)


def _forget(container: Container) -> None:
    """Run the queued chunk removal (as the server's worker would)."""
    single, batched = container.index_work()
    handlers = {**single, **ChunkForgetter(lambda: container.retriever).handlers()}
    asyncio.run(Worker(container.queue, handlers, batch_handlers=batched).drain())


def _count(session: Session, model: type, *where: object) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _account_rows(container: Container, key: str, channel: str, source_ids: list[int]) -> dict[str, int]:
    """Rows of one account, per table (work: payloads naming its channel or one of its sources)."""
    with session_scope(container.engine) as session:
        account = session.exec(select(Account).where(Account.key == key)).first()
        aid = account.id if account else -1
        items = select(Item.id).where(Item.account_id == aid)
        work = [json.loads(w.payload) for w in session.exec(select(WorkItem)).all()]
        return {
            "accounts": int(account is not None),
            "channel_links": _count(session, ChannelLink, ChannelLink.account_id == aid),
            "sources": _count(session, Source, Source.account_id == aid),
            "items": _count(session, Item, Item.account_id == aid),
            "item_evidence": _count(session, ItemEvidence, col(ItemEvidence.item_id).in_(items)),
            "item_events": _count(session, ItemEvent, col(ItemEvent.item_id).in_(items)),
            "nudges": _count(session, Nudge, col(Nudge.item_id).in_(items)),
            "corrections": _count(session, Correction, col(Correction.item_id).in_(items)),
            "inbound_emails": _count(session, InboundEmail, InboundEmail.account_id == aid),
            "work_queue": sum(1 for p in work if (p.get("event") or {}).get("channel") == channel
                              or p.get("source_id") in source_ids),
        }


def test_purge_account_leaves_nothing_of_it_and_keeps_the_other(container: Container) -> None:
    _seed(container)
    with session_scope(container.engine) as session:
        acme_sources = list(session.exec(select(Source.id).join(Account).where(Account.key == "acme")).all())
        globex_sources = list(session.exec(select(Source.id).join(Account).where(Account.key == "globex")).all())
    acme_before = _account_rows(container, "acme", CHANNELS["acme"], acme_sources)
    globex_before = _account_rows(container, "globex", CHANNELS["globex"], globex_sources)
    assert _indexed(container, "acme") == {"acme-1", "acme-2", "acme-3", "acme-4"}
    globex_chunks = container.retriever.search_index.keywords.count("globex")

    report = Purger(container.engine).account("acme")
    _forget(container)

    assert report is not None
    assert acme_before == {"accounts": 1, "channel_links": 1, "sources": 4, "items": 3, "item_evidence": 4,
                           "item_events": 3, "nudges": 3, "corrections": 2, "inbound_emails": 1, "work_queue": 6}
    assert _account_rows(container, "acme", CHANNELS["acme"], acme_sources) == dict.fromkeys(acme_before, 0)
    assert _account_rows(container, "globex", CHANNELS["globex"], globex_sources) == globex_before
    for table in ("sources", "items", "item_evidence", "channel_links", "accounts", "inbound_emails"):
        assert report.counts[table] == acme_before[table]
    assert _indexed(container, "acme") == set()
    assert container.retriever.search_index.keywords.count("acme") == 0
    assert _indexed(container, "globex") == {"globex-1", "globex-2"}
    assert container.retriever.search_index.keywords.count("globex") == globex_chunks
    with session_scope(container.engine) as session:  # people are not an account's: they stay
        assert sorted(c.name for c in session.exec(select(SyncCursor))) == ["backfill:C0GLOBEX01", "gmail:history"]
        assert _count(session, SlackUser) == 3 and _count(session, DigestSent) == 3
        assert _count(session, WorkItem, WorkItem.kind == "email.triage") == 1
    assert Purger(container.engine).account("acme") is None


@pytest.mark.parametrize("who", [BEN, BEN_EMAIL])
def test_purge_person_removes_what_they_wrote_and_what_is_kept_about_them(container: Container, who: str) -> None:
    ids = _seed(container)

    report = Purger(container.engine).person(who)
    _forget(container)

    with session_scope(container.engine) as session:
        authored = (Source.author_user_id == BEN) | (func.lower(Source.author_email) == BEN_EMAIL)
        assert _count(session, Source, authored) == 0
        assert {s.external_id for s in session.exec(select(Source)).all()} == {"acme-2", "acme-4", "globex-1"}
        items = {i.id: i for i in session.exec(select(Item)).all()}
        assert set(items) == {ids["sso"], ids["eur"], ids["tax"]}  # "template" and "ship" had only Ben's evidence
        assert items[ids["sso"]].summary == "Still blocked on the SSO approval"  # no longer in Ben's words
        assert items[ids["sso"]].status == "open"
        assert [e.role for e in session.exec(select(ItemEvidence).where(ItemEvidence.item_id == ids["sso"]))] == [
            "restated"]
        assert _count(session, ItemEvent, col(ItemEvent.item_id).in_([ids["template"], ids["ship"]])) == 0
        assert _count(session, Nudge) == 3 and _count(session, Correction) == 0
        for model, column in ((SlackUser, SlackUser.user_id), (UserPreference, UserPreference.user_id),
                              (DigestSent, DigestSent.user_id)):
            assert _count(session, model, column == BEN) == 0
            assert _count(session, model) == 2
        assert [e.sender for e in session.exec(select(InboundEmail)).all()] == ["gina@globex.example"]
        payloads = [w.payload for w in session.exec(select(WorkItem)).all()]
        assert not any(BEN in p for p in payloads)
        assert sum('"user": "U0IMANNA01"' in p for p in payloads) == 1
        assert {a.owner_user_id for a in session.exec(select(Account)).all()} == {ANNA}
    assert report.counts["sources"] == 3 and report.counts["items"] == 2 and report.counts["slack_users"] == 1
    assert _indexed(container, "acme") == {"acme-2", "acme-4"}
    assert _indexed(container, "globex") == {"globex-1"}
    hits = container.retriever.search("template Friday", accounts=["acme"], visibilities=["external"])
    assert all(h.chunk.source_id != "acme-3" for h in hits)


def test_purge_workspace_empties_every_table_but_event_ids(container: Container) -> None:
    _seed(container)
    report = Purger(container.engine).workspace()
    _forget(container)
    with session_scope(container.engine) as session:
        for model in (Account, ChannelLink, Source, Item, ItemEvidence, ItemEvent, Nudge, Correction, SlackUser,
                      UserPreference, DigestSent, InboundEmail):
            assert _count(session, model) == 0, model.__name__
        assert [(w.kind, w.status) for w in session.exec(select(WorkItem))] == [("index.forget", "done")]
        assert [c.name for c in session.exec(select(SyncCursor))] == ["gmail:history"]
    assert report.counts["sources"] == 6 and report.counts["accounts"] == 2
    assert container.retriever.search_index.vectors.accounts() == []
    assert container.retriever.search_index.keywords.count("acme") == 0
    again = Purger(container.engine).workspace()
    assert set(again.counts) == {"work_queue"}  # only the forget work queued by the first purge


def _cli_environment(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = container.settings
    monkeypatch.setenv("DATABASE_URL", settings.effective_database_url)
    monkeypatch.setenv("TANDEM_DATA_DIR", str(settings.tandem_data_dir))
    monkeypatch.delenv("CHROMA_URL", raising=False)


def test_cli_purge_asks_first_then_prints_counts(container: Container, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    _seed(container)
    _cli_environment(container, monkeypatch)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["purge", "--account", "acme"]) == 1
    assert "nothing deleted" in capsys.readouterr().out
    with session_scope(container.engine) as session:
        assert _count(session, Source) == 6

    assert main(["purge", "--account", "acme", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "sources: 4" in out and "items: 3" in out and "removed from the search index" in out
    assert container.retriever.search_index.vectors.accounts() == ["globex"]
    assert main(["purge", "--person", BEN_EMAIL, "--yes"]) == 0
    assert "sources: 1" in capsys.readouterr().out  # globex-2, found through the cached user's email
    assert main(["purge", "--account", "acme", "--yes"]) == 1
    assert "I don't know an account called `acme`" in capsys.readouterr().err
