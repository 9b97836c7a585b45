"""Process settings for a serving process on a small machine: fast acks beside CPU-bound work, bounded memory."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import sys

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001  # the event loop gets the GIL back within 1 ms of a worker thread's pure-Python work
MALLOC_ARENAS = 2  # glibc otherwise keeps up to 8 arenas per core, each holding freed memory
_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def tune_serving_process() -> None:
    """Shorten the GIL switch interval and cap glibc's malloc arenas (a no-op where there is no glibc)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return
    try:
        if not ctypes.CDLL(name).mallopt(_M_ARENA_MAX, MALLOC_ARENAS):
            log.info("malloc arenas left as they are (mallopt refused)")
    except (OSError, AttributeError):
        log.info("malloc arenas left as they are (no glibc)")


def freeze_start_up_objects() -> None:
    """Take what start-up allocated (the extractor's model, the app, the clients) out of the garbage
    collector's sight, so that a full collection scans only what serving allocates since: over the ~250,000
    objects of a started app, full collections paused the event loop (and every ack) for 70-150 ms."""
    gc.collect()
    gc.freeze()
