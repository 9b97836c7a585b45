"""Embedded Chroma is not process-safe: one process at a time holds it, by an exclusive file lock.

The holder writes its pid into the lock file, so a process that finds the index taken can say who has it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_NAME = ".tandem-index.lock"


class IndexLock:
    """A non-blocking exclusive lock on `<folder>/.tandem-index.lock`, held until `release()`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False when another process (or another holder here) has it."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return True

    def holder_pid(self) -> int | None:
        """The pid the current holder wrote, when readable."""
        try:
            return int(self.path.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def held_message(self) -> str:
        """One line for a process that could not take the lock: who holds which index, and what to do."""
        pid = self.holder_pid()
        holder = f"another process (pid {pid})" if pid else "another process"
        return (f"{holder} holds the embedded index at {self.folder}; embedded Chroma is single-process: "
                "stop that process, or run a Chroma server and set CHROMA_URL")

    def release(self) -> None:
        """Let another process open the index."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
