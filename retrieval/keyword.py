"""Keyword index in SQL full-text search, shared by every replica: FTS5 on SQLite, tsvector on PostgreSQL.

The index is derived data: it manages its own tables (created if missing) and can be rebuilt from
the sources at any time. Ranking is BM25 (FTS5 `bm25()`) or cover density (`ts_rank_cd`).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, text

from retrieval.text import content_words, word_forms
from retrieval.types import Chunk

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_MAX_TERMS = 32


@dataclass(frozen=True)
class KeywordHit:
    """One chunk matched by the keyword index; higher `score` is better."""

    chunk_id: str
    account: str
    source_id: str
    score: float


def _scope_token(prefix: str, value: str) -> str:
    """A single FTS token standing for an account or a visibility (hex, so no tokenizer splits it)."""
    return prefix + hashlib.sha256(value.encode()).hexdigest()[:20] + "9"


def _query_terms(query: str, skip: Sequence[str] = ()) -> list[str]:
    """Distinct content words of the query, possessives dropped, minus the `skip` words."""
    skipped = {w for s in skip for w in content_words(s)}
    terms: list[str] = []
    for word in content_words(query):
        word = re.sub(r"'s$", "", word)
        word = re.sub(r"[^a-z0-9]", "", word)
        if word and word not in terms and word not in skipped:
            terms.append(word)
    return terms[:_MAX_TERMS]


def _search_terms(terms: Sequence[str]) -> list[str]:
    """The query terms plus the other forms of irregular verbs among them ("sent" also finds "send")."""
    out: list[str] = []
    for term in terms:
        out += [f for f in word_forms(term) if f not in out]
    return out[: 2 * _MAX_TERMS]


class KeywordIndex:
    """Full-text index of chunks, searched per account and visibility.

    `table` names the index's table (and, on SQLite, `<table>_fts`); tests pass a unique one. `reader`
    is the engine searches and counts use (default `engine`): the store passes one whose connections
    begin read-only, so a search never takes SQLite's write lock.
    """

    def __init__(self, engine: Engine, *, table: str = "retrieval_keyword_chunks", reader: Engine | None = None) -> None:
        if not _IDENTIFIER.match(table):
            raise ValueError(f"bad table name: {table!r}")
        self.engine = engine
        self.reader = reader or engine
        self.table = table
        self.dialect = engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"keyword search needs SQLite or PostgreSQL, not {self.dialect}")
        self.create()

    def create(self) -> None:
        """Create the tables and indexes if they are missing."""
        t = self.table
        if self.dialect == "sqlite":
            statements = [
                f"CREATE TABLE IF NOT EXISTS {t} (rid INTEGER PRIMARY KEY, chunk_id TEXT UNIQUE NOT NULL,"
                " account TEXT NOT NULL, source_id TEXT NOT NULL, visibility TEXT NOT NULL)",
                f"CREATE INDEX IF NOT EXISTS {t}_source ON {t} (account, source_id)",
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {t}_fts USING fts5(scope, body,"
                " tokenize='porter unicode61 remove_diacritics 2')",
            ]
        else:
            statements = [
                f"CREATE TABLE IF NOT EXISTS {t} (chunk_id TEXT PRIMARY KEY, account TEXT NOT NULL,"
                " source_id TEXT NOT NULL, visibility TEXT NOT NULL, body TEXT NOT NULL,"
                " tsv tsvector GENERATED ALWAYS AS (to_tsvector('english', body)) STORED)",
                f"CREATE INDEX IF NOT EXISTS {t}_source ON {t} (account, source_id)",
                f"CREATE INDEX IF NOT EXISTS {t}_tsv ON {t} USING GIN (tsv)",
            ]
        with self.engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))

    def drop(self) -> None:
        """Drop the index's tables."""
        with self.engine.begin() as conn:
            if self.dialect == "sqlite":
                conn.execute(text(f"DROP TABLE IF EXISTS {self.table}_fts"))
            conn.execute(text(f"DROP TABLE IF EXISTS {self.table}"))

    def _delete_where(self, conn, where: str, params: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
        if self.dialect == "sqlite":
            conn.execute(
                text(f"DELETE FROM {self.table}_fts WHERE rowid IN (SELECT rid FROM {self.table} WHERE {where})"),
                params,
            )
        conn.execute(text(f"DELETE FROM {self.table} WHERE {where}"), params)

    def replace_source(self, account: str, source_id: str, chunks: Sequence[Chunk]) -> None:
        """Make the source's indexed chunks exactly `chunks` (none deletes the source)."""
        with self.engine.begin() as conn:
            self._delete_where(conn, "account = :a AND source_id = :s", {"a": account, "s": source_id})
            self._insert(conn, chunks)

    def replace_sources(self, chunks: Sequence[Chunk]) -> None:
        """Replace every source that `chunks` covers with those chunks, in one transaction."""
        sources = sorted({(c.account, c.source_id) for c in chunks})
        with self.engine.begin() as conn:
            for account, source_id in sources:
                self._delete_where(conn, "account = :a AND source_id = :s", {"a": account, "s": source_id})
            self._insert(conn, chunks)

    def _insert(self, conn, chunks: Sequence[Chunk]) -> None:  # type: ignore[no-untyped-def]
        if not chunks:
            return
        rows = [
            {"c": c.id, "a": c.account, "s": c.source_id, "v": c.visibility, "b": c.indexed_text} for c in chunks
        ]
        if self.dialect == "postgresql":
            conn.execute(
                text(
                    f"INSERT INTO {self.table} (chunk_id, account, source_id, visibility, body)"
                    " VALUES (:c, :a, :s, :v, :b) ON CONFLICT (chunk_id) DO UPDATE SET account = EXCLUDED.account,"
                    " source_id = EXCLUDED.source_id, visibility = EXCLUDED.visibility, body = EXCLUDED.body"
                ),
                rows,
            )
            return
        self._delete_where(conn, "chunk_id IN (SELECT value FROM json_each(:ids))", {"ids": _json_list([r["c"] for r in rows])})
        for row in rows:
            rid = conn.execute(
                text(
                    f"INSERT INTO {self.table} (chunk_id, account, source_id, visibility)"
                    " VALUES (:c, :a, :s, :v) RETURNING rid"
                ),
                row,
            ).scalar_one()
            scope = f"{_scope_token('a', row['a'])} {_scope_token('v', row['v'])}"
            conn.execute(
                text(f"INSERT INTO {self.table}_fts (rowid, scope, body) VALUES (:r, :sc, :b)"),
                {"r": rid, "sc": scope, "b": row["b"]},
            )

    def delete_source(self, account: str, source_id: str) -> None:
        """Remove every chunk of one source."""
        self.replace_source(account, source_id, [])

    def drop_account(self, account: str) -> None:
        """Remove every chunk of one account."""
        with self.engine.begin() as conn:
            self._delete_where(conn, "account = :a", {"a": account})

    def count(self, account: str) -> int:
        """Number of chunks indexed for an account."""
        with self.reader.connect() as conn:
            return int(
                conn.execute(text(f"SELECT count(*) FROM {self.table} WHERE account = :a"), {"a": account}).scalar_one()
            )

    def search(
        self, query: str, *, accounts: Sequence[str], visibilities: Sequence[str], limit: int = 50
    ) -> list[KeywordHit]:
        """Best-matching chunks of the given accounts and visibilities, best first.

        Any query word may match (OR); the account keys themselves are not searched for, since
        every result is of those accounts anyway. An empty query or no account returns nothing.
        """
        terms = _search_terms(_query_terms(query, accounts))
        if not terms or not accounts or not visibilities:
            return []
        if self.dialect == "sqlite":
            return self._search_sqlite(terms, list(accounts), list(visibilities), limit)
        return self._search_postgres(terms, list(accounts), list(visibilities), limit)

    def term_weights(self, query: str, *, accounts: Sequence[str], visibilities: Sequence[str]) -> dict[str, float]:
        """Inverse document frequency, among the chunks the asker may see, of each query term.

        A term found in no such chunk gets the highest weight, log(n + 1): a question built on
        words the account's history never uses is likely about something it does not hold.
        """
        terms = _query_terms(query, accounts)
        if not terms or not accounts or not visibilities:
            return {}
        accounts, visibilities = list(accounts), list(visibilities)
        if self.dialect == "sqlite":
            scope = (
                f"scope : ({' OR '.join(_scope_token('a', a) for a in accounts)})"
                f" AND scope : ({' OR '.join(_scope_token('v', v) for v in visibilities)})"
            )
            sql = text(f"SELECT count(*) FROM {self.table}_fts WHERE {self.table}_fts MATCH :m")
            with self.reader.connect() as conn:
                total = conn.execute(sql, {"m": scope}).scalar_one()
                counts = {t: conn.execute(sql, {"m": f'{scope} AND body : "{t}"'}).scalar_one() for t in terms}
        else:
            where = f"FROM {self.table} WHERE account = ANY(:a) AND visibility = ANY(:v)"
            params: dict[str, object] = {"a": accounts, "v": visibilities}
            with self.reader.connect() as conn:
                total = conn.execute(text(f"SELECT count(*) {where}"), params).scalar_one()
                counts = {
                    t: conn.execute(
                        text(f"SELECT count(*) {where} AND tsv @@ to_tsquery('english', :t)"), {**params, "t": t}
                    ).scalar_one()
                    for t in terms
                }
        return {t: math.log((int(total) + 1) / (int(c) + 1)) + 1.0 if c else math.log(int(total) + 1) + 1.0
                for t, c in counts.items()}

    def _search_sqlite(self, terms: list[str], accounts: list[str], visibilities: list[str], limit: int) -> list[KeywordHit]:
        quoted = [f'"{t}"' for t in terms]
        match = (
            f"scope : ({' OR '.join(_scope_token('a', a) for a in accounts)})"
            f" AND scope : ({' OR '.join(_scope_token('v', v) for v in visibilities)})"
            f" AND body : ({' OR '.join(quoted)})"
        )
        sql = (
            f"SELECT k.chunk_id, k.account, k.source_id, -bm25({self.table}_fts, 0.0, 1.0) AS score"
            f" FROM {self.table}_fts JOIN {self.table} k ON k.rid = {self.table}_fts.rowid"
            f" WHERE {self.table}_fts MATCH :m"
            " AND k.account IN (SELECT value FROM json_each(:accounts))"
            " AND k.visibility IN (SELECT value FROM json_each(:vis))"
            " ORDER BY score DESC LIMIT :limit"
        )
        params = {"m": match, "accounts": _json_list(accounts), "vis": _json_list(visibilities), "limit": limit}
        with self.reader.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        return [KeywordHit(r[0], r[1], r[2], float(r[3])) for r in rows]

    def _search_postgres(
        self, terms: list[str], accounts: list[str], visibilities: list[str], limit: int
    ) -> list[KeywordHit]:
        sql = (
            "SELECT chunk_id, account, source_id, ts_rank_cd(tsv, q, 1) AS score"
            f" FROM {self.table}, to_tsquery('english', :q) q"
            " WHERE tsv @@ q AND account = ANY(:accounts) AND visibility = ANY(:vis)"
            " ORDER BY score DESC LIMIT :limit"
        )
        params = {"q": " | ".join(terms), "accounts": accounts, "vis": visibilities, "limit": limit}
        with self.reader.connect() as conn:
            rows = conn.execute(text(sql), params).all()
        return [KeywordHit(r[0], r[1], r[2], float(r[3])) for r in rows]


def _json_list(values: Sequence[str]) -> str:
    return json.dumps(list(values))
