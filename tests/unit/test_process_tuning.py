"""The serving process hands the GIL back to the event loop quickly and caps malloc arenas."""

from __future__ import annotations

import gc
import sys

import pytest

from bot.process_tuning import SWITCH_INTERVAL_S, freeze_start_up_objects, tune_serving_process

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
