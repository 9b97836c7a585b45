"""Pure rules behind the shortcuts, settings and corrections: prefill, validation, parsing."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.corrections import CorrectionRequest, problems_with
from bot.manual_items import ItemDraft, prefill, trimmed, validate
from bot.store.models import Item
from bot.user_settings import Preferences, parse_preferences

WEDNESDAY = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def test_prefill_per_kind() -> None:
    text = "Ben will send the SSO metadata   by Friday,\nafter IT approves the SAML app."
    step = prefill("next_step", text=text, author="Ben", side="customer", ts=WEDNESDAY, tz="Europe/Berlin")
    assert step.summary == "Ben will send the SSO metadata by Friday, after IT approves the SAML app."
    assert (step.owner, step.waiting_on, step.category) == ("Ben", "customer", None)
    assert step.due is not None and step.due.isoformat() == "2026-06-12"
    blocker = prefill("blocker", text=text, author="Ben", side=None, ts=WEDNESDAY, tz=None)
    assert blocker.due is None and blocker.category == "it_approval" and blocker.waiting_on == "vendor"
    decision = prefill("decision", text=text, author="Ben", side="customer", ts=WEDNESDAY, tz=None)
    assert decision.waiting_on is None and decision.due is None


def test_trimmed_cuts_long_text() -> None:
    assert trimmed("a " * 400, limit=10) == "a a a a a…"


@pytest.mark.parametrize(("draft", "fields"), [
    (ItemDraft("blocker", "SSO", category="it_approval", waiting_on="customer"), set()),
    (ItemDraft("blocker", "   "), {"summary"}),
    (ItemDraft("risk", "x"), {"kind"}),
    (ItemDraft("blocker", "x", category="weather"), {"category"}),
    (ItemDraft("next_step", "x", waiting_on="nobody"), {"waiting_on"}),
    (ItemDraft("next_step", "x" * 501), {"summary"}),
    (ItemDraft("next_step", "x", owner="o" * 201), {"owner"}),
])
def test_validate_draft(draft: ItemDraft, fields: set[str]) -> None:
    assert set(validate(draft)) == fields


def _form(**changes: object) -> dict[str, object]:
    form: dict[str, object] = dict(digest_time="07:45", weekdays=["4", "0", "0"], stall_days="3", snooze_days="2",
                                   escalate_days="7")
    form.update(changes)
    return form


def test_parse_good_preferences() -> None:
    preferences, errors = parse_preferences(**_form())  # type: ignore[arg-type]
    assert errors == {}
    assert preferences == Preferences(time(7, 45), (0, 4), 3, 2, 7)


@pytest.mark.parametrize(("changes", "field"), [
    ({"digest_time": None}, "digest_time"),
    ({"digest_time": "25:00"}, "digest_time"),
    ({"weekdays": ["9"]}, "digest_weekdays"),
    ({"stall_days": "0"}, "stall_days"),
    ({"stall_days": "two"}, "stall_days"),
    ({"snooze_days": "31"}, "snooze_days"),
    ({"escalate_days": None}, "escalate_days"),
    ({"stall_days": "8", "escalate_days": "7"}, "escalate_days"),
])
def test_parse_bad_preferences(changes: dict[str, object], field: str) -> None:
    preferences, errors = parse_preferences(**_form(**changes))  # type: ignore[arg-type]
    assert preferences is None and set(errors) == {field}


def test_no_weekday_means_no_digest() -> None:
    preferences, _ = parse_preferences(**_form(weekdays=[]))  # type: ignore[arg-type]
    assert preferences is not None and preferences.digest_weekdays == ()


@pytest.mark.parametrize(("request_", "fields"), [
    (CorrectionRequest("kind", kind="decision"), set()),
    (CorrectionRequest("kind"), {"kind"}),
    (CorrectionRequest("kind", kind="blocker"), {"kind"}),
    (CorrectionRequest("owner", owner="  "), {"owner"}),
    (CorrectionRequest("owner", owner="Ana at Acme IT"), set()),
    (CorrectionRequest("not_an_item"), set()),
    (CorrectionRequest(""), {"problem"}),
])
def test_correction_problems(request_: CorrectionRequest, fields: set[str]) -> None:
    item = Item(account_id=1, kind="blocker", summary="SSO")
    assert set(problems_with(request_, item)) == fields
