"""Operations through the running app: uninstall and token revocation, /metrics and /healthz."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import SQLModel, func, select

from bot.store.db import make_engine, session_scope
from bot.store.models import ProcessedEvent, Source, WorkItem
from bot.store.queue import enqueue
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem
from tests.slack_double.events import message, message_deleted
from tests.slack_double.state import DEFAULT_BOT_USER_ID

UNINSTALLED = {"type": "app_uninstalled"}
BOT_REVOKED = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [DEFAULT_BOT_USER_ID]}}
USER_REVOKED = {"type": "tokens_revoked", "tokens": {"oauth": [IM], "bot": []}}


async def _linked_with_messages(tandem: Tandem) -> None:
    await tandem.command("link acme")
    await tandem.responses(1)
    for n, text in enumerate(("We are blocked until our IT approves the SSO app.",
                              "Could you send the import template by Friday?")):
        await tandem.event(message(SHARED, CUSTOMER, text, ts=f"1767225600.00010{n}"))
    await tandem.settle()
    assert len(tandem.rows(Source)) == 2
    assert tandem.container.retriever.search_index.vectors.source_ids("acme")


def _state(tandem: Tandem) -> dict[str, Any]:
    """Rows per table, and what the index holds."""
    with session_scope(tandem.container.engine) as session:
        rows = {t.name: session.exec(select(func.count()).select_from(t)).one()
                for t in SQLModel.metadata.sorted_tables}
        work = sorted((w.kind, w.status) for w in session.exec(select(WorkItem)).all())
    search = tandem.container.retriever.search_index
    return {"rows": rows, "work": work, "collections": search.vectors.accounts(),
            "keyword_chunks": search.keywords.count("acme")}


@pytest.mark.parametrize("order", [(UNINSTALLED, BOT_REVOKED), (BOT_REVOKED, UNINSTALLED)])
async def test_uninstall_and_revocation_in_either_order_delete_the_workspace(
        http_tandem: Tandem, order: tuple[dict[str, Any], dict[str, Any]]) -> None:
    tandem = http_tandem
    await _linked_with_messages(tandem)
    first, second = order
    response, envelope = await tandem.event(dict(first))
    assert response.status == 200
    await tandem.settle()
    after_first = _state(tandem)
    await tandem.redeliver(envelope)
    await tandem.event(dict(second))
    await tandem.settle()
    state = _state(tandem)

    assert after_first["rows"] == {**state["rows"], "processed_events": 3}  # the second event only added its id
    assert {table: n for table, n in state["rows"].items() if n} == {"processed_events": 4, "work_queue": 1}
    assert state["work"] == [("index.forget", "done")]
    assert (state["collections"], state["keyword_chunks"]) == ([], 0)


async def test_revoking_only_user_tokens_deletes_nothing(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _linked_with_messages(tandem)
    await tandem.event(dict(USER_REVOKED))
    await tandem.settle()
    assert len(tandem.rows(Source)) == 2 and len(tandem.rows(ProcessedEvent)) == 3


async def test_deleted_message_leaves_no_text_in_the_store_or_index(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await _linked_with_messages(tandem)
    original = message(SHARED, CUSTOMER, "x", ts="1767225600.000100")
    await tandem.event(message_deleted(SHARED, original))
    await tandem.settle()
    gone = next(s for s in tandem.rows(Source) if s.external_id.endswith("1767225600.000100"))
    assert gone.deleted and gone.text == ""
    assert tandem.container.retriever.search_index.vectors.source_ids("acme") == {f"{SHARED}:1767225600.000101"}


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as reply:
        return reply.status, await reply.text()


async def test_metrics_endpoint_reports_known_work(http_tandem: Tandem) -> None:
    tandem = http_tandem
    await tandem.settle()
    with session_scope(tandem.container.engine) as session:
        for _ in range(3):
            enqueue(session, kind="slack.post.message", payload={})
        session.add(WorkItem(kind="slack.post.message", status="failed", last_error="channel_not_found"))
    status, text = await _get(tandem.app_url.replace("/slack/events", "/metrics"))
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(text) for s in family.samples}
    assert status == 200
    assert samples[("tandem_work_queue_depth", (("kind", "slack.post.message"), ("status", "queued")))] == 3
    assert samples[("tandem_slack_posts_failed", ())] == 1
    assert samples[("tandem_store_up", ())] == 1
    for name in ("tandem_work_oldest_queued_age_seconds", "tandem_events_processed_total",
                 "tandem_extraction_lag_seconds", "tandem_index_backlog_sources", "tandem_index_lag_seconds"):
        assert any(sample_name == name for sample_name, _ in samples), name


async def test_healthz_reports_store_and_index(http_tandem: Tandem) -> None:
    status, text = await _get(http_tandem.app_url.replace("/slack/events", "/healthz"))
    assert (status, text) == (200, '{"ok": true, "store": "ok", "index": "ok"}')


async def test_healthz_is_503_naming_the_store_when_the_database_is_unreachable(http_tandem: Tandem) -> None:
    health = http_tandem.runtime.health
    assert health is not None
    health.engine = make_engine("postgresql+psycopg://tandem@127.0.0.1:9/tandem?connect_timeout=2")  # nothing listens
    status, text = await _get(http_tandem.app_url.replace("/slack/events", "/healthz"))
    health.engine.dispose()
    assert (status, text) == (503, '{"ok": false, "store": "unreachable", "index": "ok"}')
