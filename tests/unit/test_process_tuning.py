"""The serving process hands the GIL back to the event loop quickly, caps malloc arenas and returns freed memory."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.process_tuning import (
    SWITCH_INTERVAL_S,
    freeze_start_up_objects,
    release_freed_memory,
    tune_serving_process,
)

PYTHON_DEFAULT_SWITCH_INTERVAL_S = 0.005


def test_tuning_shortens_the_switch_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen: list[float] = []
    monkeypatch.setattr(sys, "setswitchinterval", chosen.append)
    tune_serving_process()
    assert chosen == [SWITCH_INTERVAL_S] and SWITCH_INTERVAL_S < PYTHON_DEFAULT_SWITCH_INTERVAL_S


def test_start_up_objects_are_taken_out_of_the_collectors_sight() -> None:
    held = [{"start-up": n} for n in range(1000)]  # what a started app holds
    try:
        freeze_start_up_objects()
        assert gc.get_freeze_count() >= len(held)
    finally:
        gc.unfreeze()


def _resident_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and needs glibc")
def test_freed_memory_between_live_allocations_goes_back_to_the_system() -> None:
    blocks = [bytearray(8192) for _ in range(8192)]  # 64 MiB in glibc's heap (above pymalloc, below mmap)
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    kept = blocks[::16]  # what outlives a batch, pinning the heap between the freed blocks
    del blocks
    before = _resident_kib()
    assert release_freed_memory()
    after = _resident_kib()
    assert before - after >= 16 * 1024, (before, after)  # of the ~60 MiB freed, glibc had kept nearly all
    assert len(kept) == 512
