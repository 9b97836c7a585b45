"""Process settings for a serving process on a small machine: fast acks beside CPU-bound work, bounded memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import sys

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001  # the event loop gets the GIL back within 1 ms of a worker thread's pure-Python work
MALLOC_ARENAS = 2  # glibc otherwise keeps up to 8 arenas per core, each holding freed memory
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc on Linux (it has mallopt and malloc_trim), else None."""
    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except (OSError, AttributeError):
        return None


def tune_serving_process() -> None:
    """Shorten the GIL switch interval and cap glibc's malloc arenas (a no-op where there is no glibc)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    libc = _glibc()
    if libc is None:
        log.info("malloc arenas left as they are (no glibc)")
    elif not libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS):
        log.info("malloc arenas left as they are (mallopt refused)")


def release_freed_memory() -> bool:
    """Hand the pages malloc holds free back to the system (glibc's malloc_trim); False where there is no glibc.

    glibc returns freed memory only from the top of its heaps: an embedding batch frees its tensors and texts
    between the allocations that outlive it, and those pages stay resident, so each batch started from a
    higher floor (without this, the serving process peaked 50-110 MB higher under the memory bench's ingest load)."""
    libc = _glibc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def freeze_start_up_objects() -> None:
    """Take what start-up allocated (the extractor's model, the app, the clients) out of the garbage
    collector's sight, so that a full collection scans only what serving allocates since: over the ~250,000
    objects of a started app, full collections paused the event loop (and every ack) for 70-150 ms."""
    gc.collect()
    gc.freeze()
