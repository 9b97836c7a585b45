"""A populated store, fast: accounts, channel links, sources, items and evidence by bulk SQL inserts.

Going through the ingest path (extraction, merge, indexing) would take hours for 100k sources; the
benches that use this module measure reads, acks and digests, which need the rows, not how they got
there. Rows are inserted with SQLAlchemy Core `executemany` in one transaction per table, on the
migrated schema, and nothing is indexed (Chroma and the keyword tables stay empty).

Every name is fictional: accounts `acct000`…, IMs `U0BENCHIM000`…, customers "Customer N", channels
`C0BENCH000`…; texts are random onboarding-like sentences.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from bot.store.models import Account, ChannelLink, Item, ItemEvidence, Source

VOCAB = (
    "sso saml scim approval change board ticket migration extract export load contacts accounts policies "
    "currency exchange rates invoice sandbox uat sign-off go-live cutover hypercare training users seats "
    "region residency privacy assessment connector bug fix release schedule friday monday deadline blocked "
    "waiting vendor customer consultant review meeting price books discount tax quotes pipeline roles "
    "dashboard report adoption freeze"
).split()
BLOCKER_SUMMARIES = ("SSO app registration waits on the customer's IT", "Data export from the old CRM is late",
                     "Change board approval for the connector", "Privacy assessment sign-off",
                     "Currency rates file is missing", "Sandbox refresh by the partner")
STEP_SUMMARIES = ("Send the data mapping workbook", "Book the UAT kick-off", "Share the cutover plan",
                  "Confirm the training dates", "Review the price book import", "Send the SSO metadata")
DECISION_SUMMARIES = ("Go live with EUR and USD only", "Skip the legacy contacts", "Use weekly exchange rates",
                      "Defer the dashboard rebuild", "Train admins first")
WAITING = ("vendor", "customer", "third_party", None)
CATEGORIES = ("it_approval", "technical", "third_party", "stakeholder_signoff", "scope_change", None)
TIMEZONES = ("Europe/Berlin", "Europe/London", "America/New_York", "America/Chicago")


@dataclass(frozen=True)
class Portfolio:
    """What was inserted: each IM's accounts, each account's channel, and the totals."""

    ims: dict[str, list[str]]
    channels: dict[str, str]
    authors: dict[str, list[str]] = field(default_factory=dict)
    sources: int = 0
    items: int = 0

    @property
    def accounts(self) -> list[str]:
        """Every account key, in order."""
        return list(self.channels)


def sentence(rng: random.Random) -> str:
    """A random onboarding-like sentence."""
    return " ".join(rng.choice(VOCAB) for _ in range(rng.randint(8, 18))).capitalize() + "."


def im_id(number: int) -> str:
    """The Slack user id of bench IM `number`."""
    return f"U0BENCHIM{number:03d}"


def _rows(model: type[SQLModel], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` completed with the model's defaults for every column they leave out."""
    defaults = {name: info.get_default(call_default_factory=True) for name, info in model.model_fields.items()}
    return [{**defaults, **row} for row in rows]


def populate(engine: Engine, *, ims: int, accounts_per_im: int, sources_per_account: int,
             items_per_account: int, now: datetime, seed: int = 7) -> Portfolio:
    """Insert `ims` × `accounts_per_im` accounts with their sources and open items; returns what went in.

    Items are about half next steps, a third blockers, the rest decisions; each has one to three
    evidence rows pointing at the account's sources. Times spread over the 60 days before `now`.
    """
    rng = random.Random(seed)
    moment = now.astimezone(UTC)
    owners = {im_id(i): [f"acct{i * accounts_per_im + j:03d}" for j in range(accounts_per_im)] for i in range(ims)}
    keys = [key for owned in owners.values() for key in owned]
    account_rows = [
        {"id": n + 1, "key": key, "name": f"Account {n:03d}", "owner_user_id": owner,
         "golive": (now + timedelta(days=rng.randint(-5, 90))).date(), "stage": "build", "created_at": moment}
        for n, (key, owner) in enumerate((k, o) for o, owned in owners.items() for k in owned)
    ]
    channels = {key: f"C0BENCH{n:03d}" for n, key in enumerate(keys)}
    link_rows = [{"channel_id": channels[key], "account_id": n + 1, "channel_name": f"ext-{key}", "is_external": True,
                  "linked_by": account_rows[n]["owner_user_id"], "linked_at": moment} for n, key in enumerate(keys)]
    authors = {key: [f"Customer {n}-{a}" for a in range(4)] + [f"Vendor {n}-{a}" for a in range(3)]
               for n, key in enumerate(keys)}
    source_rows, first_source = [], {}
    for n, key in enumerate(keys):
        first_source[key] = len(source_rows) + 1
        for s in range(sources_per_account):
            author = rng.choice(authors[key])
            ts = moment - timedelta(minutes=rng.randint(1, 60 * 24 * 60))
            source_rows.append({
                "id": len(source_rows) + 1, "account_id": n + 1, "external_id": f"{channels[key]}:{s}.000100",
                "kind": "slack", "author": author, "side": "customer" if author.startswith("Customer") else "vendor",
                "channel_id": channels[key], "visibility": "external" if s % 5 else "internal",
                "tz": rng.choice(TIMEZONES), "ts": ts, "text": " ".join(sentence(rng) for _ in range(rng.randint(1, 3))),
                "permalink": f"https://bench.example/archives/{channels[key]}/p{s}", "created_at": ts, "updated_at": ts,
            })
    item_rows, evidence_rows = [], []
    for n, key in enumerate(keys):
        for i in range(items_per_account):
            kind = "next_step" if i % 6 < 3 else "blocker" if i % 6 < 5 else "decision"
            pool = {"next_step": STEP_SUMMARIES, "blocker": BLOCKER_SUMMARIES, "decision": DECISION_SUMMARIES}[kind]
            first_seen = moment - timedelta(days=rng.randint(1, 50), hours=rng.randint(0, 23))
            waiting = rng.choice(WAITING) if kind == "blocker" else None
            item_id = len(item_rows) + 1
            item_rows.append({
                "id": item_id, "account_id": n + 1, "kind": kind, "summary": f"{rng.choice(pool)} ({key} #{i})",
                "status": "open", "owner": rng.choice(authors[key]) if kind != "decision" or i % 2 else None,
                "waiting_on": waiting, "waiting_since": first_seen if waiting else None,
                "due": (now + timedelta(days=rng.randint(-7, 21))).date() if kind == "next_step" else None,
                "category": rng.choice(CATEGORIES) if kind == "blocker" else None,
                "visibility": "external" if i % 4 else "internal", "confidence": 0.8, "first_seen": first_seen,
                "last_activity": first_seen + timedelta(days=rng.randint(0, 10)),
            })
            picked = rng.sample(range(sources_per_account), min(sources_per_account, rng.randint(1, 3)))
            for number, offset in enumerate(picked):
                evidence_rows.append({"item_id": item_id, "source_id": first_source[key] + offset,
                                      "role": "raised" if number == 0 else "restated",
                                      "span": item_rows[-1]["summary"], "created_at": first_seen})
    with engine.begin() as connection:
        for model, rows in ((Account, account_rows), (ChannelLink, link_rows), (Source, source_rows),
                            (Item, item_rows), (ItemEvidence, evidence_rows)):
            if rows:
                connection.execute(model.__table__.insert(), _rows(model, rows))  # type: ignore[attr-defined]
    return Portfolio(ims=owners, channels=channels, authors=authors, sources=len(source_rows), items=len(item_rows))

