"""Embedded Chroma is single-process: a second `tandem serve` on the same index path stops at once, in one line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest

from bot.settings import Settings
from tests.chroma_server import free_port
from tests.integration.serving import wait_until_healthy
from tests.slack_double import SlackDouble


async def _serve(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def test_a_second_server_on_the_same_embedded_index_fails_fast(settings: Settings) -> None:
    if settings.effective_database_url.startswith("postgresql"):
        pytest.skip("the lock is on the index path, whatever the database")
    async with SlackDouble() as slack:
        env = {**os.environ, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
               "SLACK_SIGNING_SECRET": "test-signing-secret", "SLACK_APP_TOKEN": slack.app_token,
               "DATABASE_URL": settings.effective_database_url, "TANDEM_DATA_DIR": str(settings.tandem_data_dir)}
        env.pop("CHROMA_URL", None)
        env.pop("CHROMA_PATH", None)
        port = free_port()
        first = await _serve(env, "--http", "--host", "127.0.0.1", "--port", str(port))
        try:
            await wait_until_healthy(port)
            started = time.monotonic()
            second_http = await _serve(env, "--http", "--host", "127.0.0.1", "--port", str(free_port()))
            second_socket = await _serve(env)  # Socket Mode
            results = await asyncio.wait_for(
                asyncio.gather(second_http.communicate(), second_socket.communicate()), timeout=60)
            elapsed = time.monotonic() - started
            index_path = settings.tandem_data_dir / "chroma"
            for process, (out, err) in zip((second_http, second_socket), results, strict=True):
                lines = err.decode().strip().splitlines()
                assert process.returncode == 2, err.decode()[-2000:]
                assert len(lines) == 1, lines
                assert lines[0] == (f"tandem: another process (pid {first.pid}) holds the embedded index at "
                                    f"{index_path}; embedded Chroma is single-process: stop that process, "
                                    "or run a Chroma server and set CHROMA_URL")
                assert out == b""
            assert elapsed < 45  # no waiting on the lock, no retries
            assert slack.calls_to("apps.connections.open") == []  # the Socket Mode one never reached Slack
            await wait_until_healthy(port)  # the first server is untouched
        finally:
            first.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(first.communicate(), timeout=30)
        assert "Traceback" not in err.decode(), err.decode()[-2000:]
