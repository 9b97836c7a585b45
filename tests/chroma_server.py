"""A real Chroma server for tests: `chroma run` of the installed chromadb, on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings

HEARTBEAT_PATH = "/api/v2/heartbeat"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chroma_command() -> Path:
    """The `chroma` console script installed beside this interpreter (the chromadb package's CLI)."""
    script = Path(sys.executable).with_name("chroma")
    if not script.is_file():
        raise RuntimeError(f"no `chroma` console script at {script}; is chromadb installed in this environment?")
    return script


class ChromaServer:
    """A running `chroma run` process and a client of it."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    @cached_property
    def client(self) -> ClientAPI:
        """A client of the server (made once it answers: it checks the default tenant at creation)."""
        return chromadb.HttpClient(host="127.0.0.1", port=self.port, settings=ChromaSettings(anonymized_telemetry=False))

    def heartbeat_ok(self) -> bool:
        """Whether the server answers its heartbeat."""
        try:
            with urllib.request.urlopen(self.url + HEARTBEAT_PATH, timeout=1) as reply:
                return reply.status == 200 and "nanosecond heartbeat" in json.loads(reply.read())
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def clear(self) -> None:
        """Delete every collection, so the next test starts from an empty server."""
        for collection in self.client.list_collections():
            self.client.delete_collection(collection.name)


@contextmanager
def running_chroma_server(path: Path, port: int | None = None) -> Iterator[ChromaServer]:
    """Start `chroma run --path <path>` on `port` (default: a free loopback port), wait for its heartbeat,
    stop it after. The same path and port again is a restart of the same server."""
    port = port or free_port()
    log = (path / "chroma-server.log").open("ab")
    process = subprocess.Popen(
        [str(chroma_command()), "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    try:
        server = ChromaServer(process, port)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.heartbeat_ok():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer its heartbeat; see {path / 'chroma-server.log'}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
