"""Offline extraction of blockers, next steps and decisions, and the pure merge plan."""

from bot.extraction.analysis import ExtractionContext
from bot.extraction.dates import find_due, resolve_due
from bot.extraction.extractor import OfflineExtractor, Thresholds

__all__ = ["ExtractionContext", "OfflineExtractor", "Thresholds", "find_due", "resolve_due"]
