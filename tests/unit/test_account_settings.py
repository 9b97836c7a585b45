"""`set` validates and applies each account setting."""

from __future__ import annotations

from datetime import date

import pytest

from bot.account_settings import apply_setting
from bot.errors import UserFacingError
from bot.store.models import Account


@pytest.mark.parametrize(
    ("field", "value", "attribute", "expected"),
    [
        ("golive", "2026-03-16", "golive", date(2026, 3, 16)),
        ("golive", "none", "golive", None),
        ("owner", "<@U0DANA001|dana>", "owner_user_id", "U0DANA001"),
        ("owner", "W0LEAD001", "owner_user_id", "W0LEAD001"),
        ("stage", "Validation", "stage", "validation"),
        ("customer-answers", "on", "customer_answers", True),
        ("channel-nudges", "off", "channel_nudges", False),
        ("llm", "yes", "llm_allowed", True),
        ("name", "Acme Corp", "name", "Acme Corp"),
        ("domains", "Acme.example, @acme-foods.example,acme.example", "email_domains", "acme.example,acme-foods.example"),
        ("domains", "none", "email_domains", ""),
        ("third-party-domains", "integrator.example", "third_party_domains", "integrator.example"),
        ("email-visibility", "External", "emails_external", True),
        ("email-visibility", "internal", "emails_external", False),
    ],
)
def test_each_setting_is_applied(field: str, value: str, attribute: str, expected: object) -> None:
    account = Account(key="acme", name="Acme", golive=date(2026, 1, 1), channel_nudges=True)
    apply_setting(account, field, value)
    assert getattr(account, attribute) == expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("golive", "16/03/2026", "YYYY-MM-DD"), ("owner", "dana", "Slack mention"), ("stage", "done", "scoping"),
     ("customer-answers", "maybe", "`on` or `off`"), ("colour", "red", "Usage"),
     ("domains", "acme,not a domain", "not acme, not a domain"), ("domains", ",", "not nothing"),
     ("email-visibility", "public", "`internal`")],
)
def test_bad_values_are_explained(field: str, value: str, message: str) -> None:
    with pytest.raises(UserFacingError, match=message):
        apply_setting(Account(key="acme", name="Acme"), field, value)
