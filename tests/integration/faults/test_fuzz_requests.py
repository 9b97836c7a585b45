"""Fuzz: signed Events API envelopes, slash command forms and interactivity payloads full of junk (missing
keys, wrong types, huge strings, unicode, nested junk) never make the app answer 5xx or store anything, and
the next valid request is still answered correctly."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.store.models import Account, ChannelLink, Item, Source
from handlers import ids
from tests.integration.harness import CUSTOMER, IM, SHARED, Tandem
from tests.slack_double.interactions import form_body, slash_command
from tests.slack_double.sender import FORM

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
                 st.text(min_size=1, max_size=8).map(lambda s: s * 2000))  # huge strings
junk = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                        max_size=4), max_leaves=10)
known_ids = st.sampled_from([SHARED, IM, CUSTOMER, "D" + IM, "C0NOTLINKD", "U0TANDEMBOT", ""])
text = st.one_of(st.text(max_size=200), st.sampled_from(["<@U0TANDEMBOT> what is blocked?", "next", "link acme",
                                                         "set acme golive 2026-03-16", "ask what?", "status acme"]))


def _maybe(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Dicts with any subset of `fields`, each value either from its strategy or junk."""
    return st.fixed_dictionaries({}, optional={k: v | junk for k, v in fields.items()})


event = _maybe(
    type=st.sampled_from(["message", "app_mention", "reaction_added", "reaction_removed", "app_home_opened",
                          "app_uninstalled", "tokens_revoked", "member_joined_channel"]),
    subtype=st.sampled_from(["message_changed", "message_deleted", "file_share", "thread_broadcast", "bot_message"]),
    channel=known_ids, user=known_ids, text=text, ts=st.sampled_from(["1767225600.000100", "x", ""]),
    thread_ts=st.sampled_from(["1767225600.000100", "0"]), channel_type=st.sampled_from(["channel", "im", "mpim"]),
    message=junk, previous_message=junk, deleted_ts=st.text(max_size=20), item=junk, reaction=st.text(max_size=20),
    files=junk, tokens=junk, tab=st.sampled_from(["home", "messages"]))
envelope = st.fixed_dictionaries(
    {"type": st.just("event_callback") | junk},
    optional={"event_id": st.text(max_size=30) | junk, "team_id": st.just("T0TANDEM01") | junk, "event": event | junk,
              "api_app_id": junk, "event_time": junk, "authorizations": junk, "is_ext_shared_channel": junk})

command = _maybe(command=st.just("/tandem"), text=text, user_id=known_ids, channel_id=known_ids,
                 team_id=st.just("T0TANDEM01"), trigger_id=st.text(max_size=20), user_name=st.text(max_size=30))

action = _maybe(action_id=st.sampled_from([ids.ITEM_DONE, ids.ITEM_SNOOZE, ids.ITEM_NOT_RIGHT, ids.NEXT_SHOW_MORE,
                                           ids.HOME_OPEN_NEXT, ids.TRIAGE_FILE, ids.TRIAGE_DISMISS]),
                value=st.sampled_from(["1", "1:list:0", "x:y:z", ""]) | st.text(max_size=30),
                block_id=st.text(max_size=20), type=st.sampled_from(["button", "static_select"]),
                selected_option=junk)
interaction = _maybe(
    type=st.sampled_from(["block_actions", "view_submission", "view_closed", "message_action", "shortcut",
                          "block_suggestion"]),
    callback_id=st.sampled_from([ids.SHORTCUT_NEXT_STEP, ids.SHORTCUT_DECISION, ids.SHORTCUT_BLOCKER,
                                 ids.VIEW_SAVE_ITEM, ids.VIEW_SETTINGS, ids.VIEW_NOT_RIGHT]),
    user=_maybe(id=known_ids, team_id=st.just("T0TANDEM01")), team=_maybe(id=st.just("T0TANDEM01")),
    actions=st.lists(action, max_size=2), channel=_maybe(id=known_ids), message=junk, container=junk,
    view=_maybe(callback_id=st.sampled_from([ids.VIEW_SAVE_ITEM, ids.VIEW_SETTINGS, ids.VIEW_NOT_RIGHT]),
                private_metadata=st.text(max_size=40), state=junk, id=st.text(max_size=10)),
    trigger_id=st.text(max_size=20))

request = st.one_of(envelope.map(lambda e: ("event", e)), command.map(lambda c: ("command", c)),
                    interaction.map(lambda p: ("interaction", p)))


def _local(fields: dict[str, Any], response_url: str) -> dict[str, Any]:
    """Keep every URL the app might call on the loopback double."""
    return {**fields, "response_url": response_url}


async def _send(tandem: Tandem, kind: str, body: dict[str, Any]) -> int:
    if kind == "event":
        return (await tandem.sender.send_event(body)).status
    url = tandem.slack.new_response_url()
    if kind == "command":
        fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in _local(body, url).items()}
        return (await tandem.sender.post(form_body(fields), FORM)).status
    return (await tandem.sender.send_interaction(_local(body, url))).status


@FUZZ
@given(sent=st.lists(request, min_size=1, max_size=3))
async def test_junk_requests_never_fail_the_app_or_store_anything(http_tandem: Tandem,
                                                                  sent: list[tuple[str, dict[str, Any]]]) -> None:
    tandem = http_tandem
    for kind, body in sent:
        status = await _send(tandem, kind, body)
        assert status < 500 and status in (200, 400, 401, 404), (kind, status)
    help_reply = await tandem.sender.send_command(slash_command("help", user_id=IM, channel_id=SHARED,
                                                                response_url=tandem.slack.new_response_url()))
    assert help_reply.status == 200 and "/tandem next" in help_reply.json()["text"]
    await tandem.settle(timeout=30)
    for model in (Source, Item, Account, ChannelLink):
        assert tandem.rows(model) == [], model.__name__
