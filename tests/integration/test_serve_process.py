"""`tandem serve --http` as a real process: starts, answers /healthz and a signed command, stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

from bot.settings import Settings
from tests.integration.serving import wait_until_healthy
from tests.slack_double import SlackDouble, SlackSender, slash_command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_serve_http_process(settings: Settings) -> None:
    async with SlackDouble() as slack:
        slack.add_user("U0IMANNA01", "anna", "Anna Example")
        port = _free_port()
        env = {**os.environ, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
               "SLACK_SIGNING_SECRET": "test-signing-secret", "DATABASE_URL": settings.effective_database_url,
               "TANDEM_DATA_DIR": str(settings.tandem_data_dir)}
        env.pop("SLACK_APP_TOKEN", None)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--http", "--host", "127.0.0.1", "--port", str(port), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await wait_until_healthy(port, timeout=30)
            async with SlackSender(f"http://127.0.0.1:{port}/slack/events", "test-signing-secret") as sender:
                reply = await sender.send_command(slash_command("help", user_id="U0IMANNA01",
                                                                response_url=slack.new_response_url()))
            assert reply.status == 200 and "/tandem next" in reply.json()["text"]
        finally:
            process.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert "Traceback" not in err.decode(), err.decode()[-2000:]


async def test_serve_socket_mode_process(settings: Settings) -> None:
    async with SlackDouble() as slack:
        slack.add_user("U0IMANNA01", "anna", "Anna Example")
        env = {**os.environ, "SLACK_API_URL": slack.api_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
               "SLACK_APP_TOKEN": slack.app_token, "DATABASE_URL": settings.effective_database_url,
               "TANDEM_DATA_DIR": str(settings.tandem_data_dir)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            await slack.wait_for_socket(timeout=60)
            envelope_id = await slack.socket_send(
                "slash_commands", slash_command("help", user_id="U0IMANNA01", response_url=slack.new_response_url()))
            ack = await slack.wait_for_ack(envelope_id, timeout=30)
            assert ack is not None and "/tandem next" in ack["text"]
        finally:
            process.send_signal(signal.SIGINT)
            _, err = await asyncio.wait_for(process.communicate(), timeout=30)
        assert "Traceback" not in err.decode(), err.decode()[-2000:]
