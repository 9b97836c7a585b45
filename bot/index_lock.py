"""Embedded Chroma is not process-safe: one process at a time holds it, by an exclusive file lock."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class IndexLock:
    """A non-blocking exclusive lock on `<folder>/.tandem-index.lock`, held until `release()`."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".tandem-index.lock"
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
        self._fd = fd
        return True

    def release(self) -> None:
        """Let another process open the index."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
