"""The double's Web API, driven by a real slack_sdk AsyncWebClient and by raw HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.slack_double import IMPLEMENTED_METHODS, SlackDouble

from .people import ALICE, BOB, CHANNEL, ELSEWHERE, EXTERNAL, SHARED
from .scenario import HOME, MODAL, one_success_per_method


async def raw_post(
    slack: SlackDouble,
    method: str,
    *,
    data: Any = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """POST to the double without slack_sdk; returns (status, body, headers)."""
    async with aiohttp.ClientSession() as session:
        async with session.post(
            slack.api_url + method, data=data, json=json_body, headers=headers or {}
        ) as resp:
            return resp.status, await resp.json(), dict(resp.headers)


async def test_a_real_client_can_call_every_implemented_method(
    slack: SlackDouble, client: AsyncWebClient
) -> None:
    replies = await one_success_per_method(slack, client)
    assert set(replies) == set(IMPLEMENTED_METHODS)
    assert all(reply["ok"] for reply in replies.values())
    assert all(c.token in (slack.bot_token, slack.app_token) for c in slack.calls)


async def test_tokens_are_checked_like_slack(slack: SlackDouble) -> None:
    no_token = AsyncWebClient(base_url=slack.api_url)
    wrong = AsyncWebClient(base_url=slack.api_url, token="xoxb-wrong")
    with pytest.raises(SlackApiError) as missing:
        await no_token.auth_test()
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as invalid:
        await wrong.auth_test()
    assert invalid.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as kind:
        await AsyncWebClient(base_url=slack.api_url, token=slack.app_token).auth_test()
    assert kind.value.response["error"] == "not_allowed_token_type"
    assert [c.token for c in slack.calls] == [None, "xoxb-wrong", slack.app_token]


async def test_unknown_method(slack: SlackDouble, client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        await client.api_call("chat.scheduleMessage", json={"channel": CHANNEL, "text": "x", "post_at": 1})
    assert err.value.response.data == {
        "ok": False,
        "error": "unknown_method",
        "req_method": "chat.scheduleMessage",
    }


async def test_form_and_json_bodies_and_bearer_or_form_token(slack: SlackDouble) -> None:
    auth = {"Authorization": f"Bearer {slack.bot_token}"}
    status, form_reply, _ = await raw_post(
        slack,
        "chat.postMessage",
        data={
            "token": slack.bot_token,
            "channel": CHANNEL,
            "text": "form",
            "blocks": json.dumps(HOME["blocks"]),
            "unfurl_links": "false",
        },
    )
    assert status == 200 and form_reply["ok"]
    _, json_reply, _ = await raw_post(
        slack,
        "chat.postMessage",
        json_body={"channel": CHANNEL, "text": "json", "unfurl_links": False},
        headers=auth,
    )
    assert json_reply["ok"]
    assert json_reply["warning"] == "missing_charset"  # as Slack says to JSON posts without a charset
    _, token_in_json, _ = await raw_post(slack, "auth.test", json_body={"token": slack.bot_token})
    assert token_in_json["error"] == "not_authed"  # Slack ignores a token inside a JSON body
    _, bad_json, _ = await raw_post(
        slack, "auth.test", data=b"{nope", headers={**auth, "Content-Type": "application/json"}
    )
    assert bad_json["error"] == "invalid_json"
    form_call, json_call = slack.calls_to("chat.postMessage")
    assert form_call.params["blocks"] == HOME["blocks"] and form_call.raw["blocks"] == json.dumps(
        HOME["blocks"]
    )
    assert not form_call.flag("unfurl_links", True) and not json_call.flag("unfurl_links", True)
    assert "token" not in form_call.params and form_call.token == slack.bot_token


async def test_post_message_threads_metadata_and_history(slack: SlackDouble, client: AsyncWebClient) -> None:
    root = slack.add_message(CHANNEL, "1700000000.000100", ALICE, "kickoff is friday")
    meta = {"event_type": "tandem_digest", "event_payload": {"account": "acme"}}
    top = await client.chat_postMessage(
        channel=CHANNEL,
        text="digest",
        metadata=meta,
        unfurl_links=False,
        unfurl_media=False,
        blocks=HOME["blocks"],
    )
    reply = await client.chat_postMessage(channel=CHANNEL, text="noted", thread_ts=root["ts"])
    assert top["message"]["metadata"] == meta and top["message"]["blocks"] == HOME["blocks"]
    assert reply["message"]["thread_ts"] == root["ts"] and reply["message"]["parent_user_id"] == ALICE

    plain = await client.conversations_history(channel=CHANNEL)
    assert [m["ts"] for m in plain["messages"]] == [top["ts"], root["ts"]]  # newest first, no replies
    assert "metadata" not in plain["messages"][0]
    with_meta = await client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert with_meta["messages"][0]["metadata"] == meta
    parent = with_meta["messages"][1]
    assert (parent["reply_count"], parent["reply_users"], parent["latest_reply"]) == (
        1,
        [slack.workspace.bot_user_id],
        reply["ts"],
    )

    thread = await client.conversations_replies(channel=CHANNEL, ts=root["ts"])
    assert [m["text"] for m in thread["messages"]] == ["kickoff is friday", "noted"]
    call = slack.calls_to("chat.postMessage")[0]
    assert (
        call.params["metadata"] == meta
        and call.params["unfurl_links"] is False
        and call.params["unfurl_media"] is False
    )
    assert [m["text"] for m in slack.posted(CHANNEL)] == ["digest", "noted"]


async def test_history_and_replies_paginate_with_cursors(slack: SlackDouble, client: AsyncWebClient) -> None:
    for i in range(5):
        slack.add_message(CHANNEL, f"17000000{i:02d}.000100", ALICE, f"m{i}")
    root = "1700000000.000100"
    for i in range(4):
        slack.add_message(CHANNEL, f"17000001{i:02d}.000100", BOB, f"r{i}", thread_ts=root)
    seen, cursor = [], None
    while True:
        page = await client.conversations_history(channel=CHANNEL, limit=2, cursor=cursor)
        seen += [m["text"] for m in page["messages"]]
        cursor = page.get("response_metadata", {}).get("next_cursor")
        assert page["has_more"] == bool(cursor)
        if not cursor:
            break
    assert seen == ["m4", "m3", "m2", "m1", "m0"]
    texts, cursor = [], None
    while True:
        page = await client.conversations_replies(channel=CHANNEL, ts=root, limit=2, cursor=cursor)
        texts += [m["text"] for m in page["messages"]]
        cursor = page.get("response_metadata", {}).get("next_cursor")
        if not cursor:
            break
    assert texts == ["m0", "r0", "r1", "r2", "r3"]
    window = await client.conversations_history(
        channel=CHANNEL, oldest="1700000001.000100", latest="1700000003.000100", inclusive=True
    )
    assert [m["text"] for m in window["messages"]] == ["m3", "m2", "m1"]
    with pytest.raises(SlackApiError) as err:
        await client.conversations_history(channel=CHANNEL, cursor="not-a-cursor")
    assert err.value.response["error"] == "invalid_cursor"


async def test_members_paginate(slack: SlackDouble, client: AsyncWebClient) -> None:
    first = await client.conversations_members(channel=CHANNEL, limit=2)
    second = await client.conversations_members(
        channel=CHANNEL, limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + second["members"] == [ALICE, BOB, slack.workspace.bot_user_id]
    assert second["response_metadata"]["next_cursor"] == ""


async def test_update_and_permalink(slack: SlackDouble, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel=CHANNEL, text="v1")
    updated = await client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2", blocks=HOME["blocks"])
    assert updated["text"] == "v2" and updated["ts"] == posted["ts"]
    assert slack.messages(CHANNEL)[-1]["text"] == "v2" and "edited" in slack.messages(CHANNEL)[-1]
    with pytest.raises(SlackApiError) as missing:
        await client.chat_update(channel=CHANNEL, ts="1600000000.000001", text="x")
    assert missing.value.response["error"] == "message_not_found"
    human = slack.add_message(CHANNEL, None, ALICE, "mine")
    with pytest.raises(SlackApiError) as theirs:
        await client.chat_update(channel=CHANNEL, ts=human["ts"], text="x")
    assert theirs.value.response["error"] == "cant_update_message"
    slack.add_message(CHANNEL, "1700000000.000100", ALICE, "root")
    link = await client.chat_getPermalink(channel=CHANNEL, message_ts="1700000000.000100")
    assert link["permalink"] == f"https://tandem-test.slack.com/archives/{CHANNEL}/p1700000000000100"


async def test_conversations_open_gives_a_dm_whose_posts_are_in_its_history(
    slack: SlackDouble, client: AsyncWebClient
) -> None:
    opened = await client.conversations_open(users=BOB)
    assert opened["channel"] == {"id": "D" + BOB}
    again = await client.conversations_open(users=[BOB], return_im=True)
    assert again["already_open"] and again["channel"]["is_im"] and again["channel"]["user"] == BOB
    await client.chat_postMessage(channel="D" + BOB, text="your digest")
    await client.chat_postMessage(channel=BOB, text="to the user id")  # Slack routes a user id to the app DM
    history = await client.conversations_history(channel="D" + BOB)
    assert [m["text"] for m in history["messages"]] == ["to the user id", "your digest"]
    with pytest.raises(SlackApiError) as err:
        await client.conversations_open(users="U0NOBODY01")
    assert err.value.response["error"] == "user_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing:UserWarning")  # no_text is asked for
async def test_users_and_channels_including_slack_connect(slack: SlackDouble, client: AsyncWebClient) -> None:
    alice = (await client.users_info(user=ALICE))["user"]
    assert (alice["team_id"], alice["tz"], alice["profile"]["email"]) == (
        slack.workspace.team_id,
        "Europe/Paris",
        "alice@example.com",
    )
    assert alice["tz_offset"] in (3600, 7200)
    carol = (await client.users_info(user=EXTERNAL))["user"]
    assert carol["team_id"] != slack.workspace.team_id
    shared = (await client.conversations_info(channel=SHARED))["channel"]
    assert (
        shared["is_ext_shared"]
        and shared["is_shared"]
        and shared["context_team_id"] == slack.workspace.team_id
    )
    local = (await client.conversations_info(channel=CHANNEL, include_num_members=True))["channel"]
    assert not local["is_ext_shared"] and local["is_channel"] and local["num_members"] == 3
    for call, error in (
        (client.users_info(user="U0NOBODY01"), "user_not_found"),
        (client.conversations_info(channel="C0NOPE0001"), "channel_not_found"),
        (client.conversations_history(channel=ELSEWHERE), "not_in_channel"),
        (client.chat_postMessage(channel=ELSEWHERE, text="x"), "not_in_channel"),
        (client.chat_postMessage(channel=CHANNEL), "no_text"),
        (client.chat_postMessage(channel=CHANNEL, text="x", blocks=[{"text": "no type"}]), "invalid_blocks"),
        (client.chat_postEphemeral(channel=CHANNEL, user=EXTERNAL, text="x"), "user_not_in_channel"),
        (client.files_info(file="F0NOPE"), "file_not_found"),
    ):
        with pytest.raises(SlackApiError) as err:
            await call
        assert err.value.response["error"] == error


async def test_reactions_views_and_ephemerals_are_recorded(
    slack: SlackDouble, client: AsyncWebClient
) -> None:
    msg = slack.add_message(CHANNEL, None, ALICE, "blocker: SSO")
    await client.reactions_add(channel=CHANNEL, timestamp=msg["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError) as err:
        await client.reactions_add(channel=CHANNEL, timestamp=msg["ts"], name="white_check_mark")
    assert err.value.response["error"] == "already_reacted"
    assert msg["reactions"] == [
        {"name": "white_check_mark", "users": [slack.workspace.bot_user_id], "count": 1}
    ]
    home = await client.views_publish(user_id=ALICE, view=HOME)
    home2 = await client.views_publish(user_id=ALICE, view=HOME)
    modal = await client.views_open(trigger_id="1.2.x", view=MODAL)
    assert home["view"]["id"] == home2["view"]["id"] != modal["view"]["id"]
    assert slack.home_views[ALICE]["blocks"] == HOME["blocks"] and [v["type"] for v in slack.views] == [
        "home",
        "home",
        "modal",
    ]
    with pytest.raises(SlackApiError) as bad:
        await client.views_open(trigger_id="1.2.x", view={"type": "modal", "blocks": []})
    assert bad.value.response["error"] == "invalid_arguments"
    await client.chat_postEphemeral(channel=CHANNEL, user=ALICE, text="only you")
    assert slack.ephemerals[0]["user"] == ALICE and "only you" not in [
        m["text"] for m in slack.messages(CHANNEL)
    ]


async def test_fail_next_rate_limits_once_with_retry_after(
    slack: SlackDouble, client: AsyncWebClient
) -> None:
    slack.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await client.chat_postMessage(channel=CHANNEL, text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel=CHANNEL, text="x"))["ok"]
    slack.fail_next("users.info", error="user_not_visible", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as again:
            await client.users_info(user=ALICE)
        assert again.value.response.status_code == 200 and again.value.response["error"] == "user_not_visible"
    assert (await client.users_info(user=ALICE))["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


async def test_wait_for_sees_calls_made_in_the_background(slack: SlackDouble, client: AsyncWebClient) -> None:
    async def worker() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel=CHANNEL, text="later")
        await client.chat_postMessage(channel=CHANNEL, text="later again")

    task = asyncio.create_task(worker())
    calls = await slack.wait_for("chat.postMessage", count=2, timeout=2)
    assert [c.params["text"] for c in calls] == ["later", "later again"]
    await task
    with pytest.raises(AssertionError, match="expected 1 call"):
        await slack.wait_for("views.publish", timeout=0.05)
    only = await slack.wait_for("chat.postMessage", where=lambda c: c.params["text"] == "later again")
    assert len(only) == 1


async def test_latency_and_response_url(slack: SlackDouble, client: AsyncWebClient) -> None:
    slack.set_latency("auth.test", 0.2)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(client.auth_test(), 0.05)
    slack.set_latency("auth.test", 0)
    url = slack.new_response_url()
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"text": "done", "response_type": "ephemeral"}) as resp:
            assert resp.status == 200
    [call] = await slack.wait_for("response_url")
    assert (
        call.params == {"text": "done", "response_type": "ephemeral"}
        and slack.response_posts[0].body["text"] == "done"
    )
