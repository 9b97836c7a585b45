"""Helpers for tests that run a real `tandem serve` process."""

from __future__ import annotations

import asyncio

import aiohttp


async def wait_until_healthy(port: int, *, timeout: float = 60.0, interval: float = 0.1) -> None:
    """Return once `GET /healthz` on 127.0.0.1:`port` answers 200; AssertionError after `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    async with aiohttp.ClientSession() as session:
        while asyncio.get_running_loop().time() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                    if health.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(interval)
    raise AssertionError(f"the server on port {port} did not come up within {timeout:.0f} s")
