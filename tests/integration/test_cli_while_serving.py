"""`tandem ingest` on the same database while the server runs: both keep working, nothing is lost."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from bot.store.models import Source
from tests.integration.harness import Tandem
from tests.slack_double.events import message

RECORDS = [
    {"id": f"cli-{n}", "account": "globex", "kind": "email", "ts": f"2026-05-0{n}T09:00:00+02:00",
     "author": "Dana Sample", "text": f"Note {n}: we will send the data file by Friday."}
    for n in range(1, 6)
]


async def test_cli_ingest_while_the_server_runs(http_tandem: Tandem, tmp_path: Path) -> None:
    tandem = http_tandem
    feed = tmp_path / "records.jsonl"
    lines = [json.dumps(r) for r in RECORDS]
    lines.insert(2, "{not json")
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": tandem.container.settings.effective_database_url,
           "TANDEM_DATA_DIR": str(tandem.container.settings.tandem_data_dir)}
    await tandem.command("link acme")
    await tandem.responses(1)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "ingest", str(feed), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    for n in range(5):  # the server keeps taking Slack messages meanwhile
        await tandem.event(message("C0SHARED01", "U0CUSTBEN1", f"Server message {n}: we decided to go with CSV."))
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, err.decode()
    assert "ingested 5 records, skipped 1" in out.decode()
    assert "the running server holds the index" in out.decode()
    assert f"{feed}:3: skipped: not valid JSON" in err.decode()
    await tandem.settle()
    accounts = {}
    for source in tandem.rows(Source):
        accounts.setdefault(source.account_id, set()).add(source.external_id)
    assert sorted(len(ids) for ids in accounts.values()) == [5, 5]
    indexed = tandem.container.retriever.search_index.vectors.source_ids("globex")
    assert indexed == {r["id"] for r in RECORDS}  # the server's worker indexed what the CLI stored
