"""Transcript parsing: every shape into turns, rendered one line per turn; only a file with no turn is an error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.transcripts import (
    TranscriptError,
    Turn,
    content_record_id,
    parse_clock,
    parse_transcript,
    render_turns,
    transcript_record,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "transcripts"

RENDERED = {
    "brightloom_acme_kickoff.vtt": [
        "[00:00:01] Anna Example: Welcome everyone, this is the Brightloom onboarding kickoff for Acme. "
        "Today we cover single sign-on and the data migration plan.",
        "[00:00:12] Ben Customer: We are blocked on SSO until our IT security team approves the SAML app, "
        "and that review has not started.",
        "[00:00:21] Anna Example: Understood. We decided to go with SAML rather than OIDC for the first release.",
        "[00:00:30] Ben Customer: I'll send the user export & the field mapping by Friday.",
        "[00:00:38] Anna Example: Great, I will share the migration runbook tomorrow.",
    ],
    "brightloom_acme_sso.vtt": [
        "[00:00:02] Carla Placeholder: Thanks for joining, this is the Brightloom SSO follow-up with Acme. "
        "Last time the IdP metadata was still missing.",
        "[00:00:12] Dan Testwell: Right, we are still waiting on our identity team for the metadata file.",
        "[00:00:20] Carla Placeholder: Then we agreed to test with a sandbox tenant first.",
        "[00:00:26] Dan Testwell: I will ask the identity team for the metadata by Wednesday.",
    ],
    "acme_data_migration.srt": [
        "[00:00:00] Anna Example: Let's walk through the Acme data migration.",
        "[00:00:05] Ben Customer: The legacy CRM export is blocked because the vendor has not given us API access "
        "yet. We should have it next week.",
        "[00:00:16] Anna Example: We decided to migrate accounts first and contacts second. "
        "I'll send the import template to Ben by Thursday.",
    ],
    "acme_checkin_bracketed.txt": [
        "Brightloom / Acme weekly check-in (fictional sample)",
        "[00:00:03] Anna Example: Quick check-in on the Acme go-live.",
        "[00:00:09] Ben Customer: Our security review is still pending, so SSO is blocked. "
        "Legal has not signed the data processing addendum either.",
        "[00:00:24] Anna Example: We decided to keep the go-live date and run the pilot with password login.",
        "[00:00:33] Ben Customer: I will chase legal for the signature by Monday.",
    ],
    "acme_checkin_otter.txt": [
        "[00:00:02] Anna Example: Thanks Ben. Where are we with the SSO setup?",
        "[00:00:07] Ben Customer: We are blocked on the SAML certificate, our IT team has to approve it. "
        "It is in their queue.",
        "[00:01:15] Anna Example: OK. We agreed to use the staging tenant for the data migration dry run.",
        "[00:01:24] Ben Customer: I'll send the cleaned contact export by Friday.",
    ],
    "acme_checkin_colon.txt": [
        "Anna Example: Hi Ben, short sync about the data migration.",
        "Ben Customer: The migration is blocked because our IT team has not opened the firewall for the import.",
        "Anna Example: We decided to run the first import over SFTP. I will send the SFTP credentials by Tuesday.",
    ],
}


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_fixture_renders_one_line_per_turn(name: str) -> None:
    turns = parse_transcript((FIXTURES / name).read_bytes(), name=name)
    assert render_turns(turns).splitlines() == RENDERED[name]


INLINE = [
    pytest.param(
        "x.txt", "00:00:05 Anna Example: Hello.\n00:01:10 Ben Customer: Hi.\n01:02:03 Anna Example: Bye.",
        [Turn(timedelta(seconds=5), "Anna Example", "Hello."), Turn(timedelta(minutes=1, seconds=10), "Ben Customer",
         "Hi."), Turn(timedelta(hours=1, minutes=2, seconds=3), "Anna Example", "Bye.")],
        id="txt-bare-timestamps",
    ),
    pytest.param(
        "x.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ana>One</v>\n\n00:02.000 --> 00:03.000\n<v Ana>two</v>\n\n"
        "00:03.000 --> 00:04.000\n<v Bo>three\n\n00:04.000 --> 00:05.000\nfour",
        [Turn(timedelta(seconds=1), "Ana", "One two"), Turn(timedelta(seconds=3), "Bo", "three four")],
        id="vtt-same-speaker-and-unattributed-cues-merge",
    ),
    pytest.param(
        "x.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Ana>Ready?</v>\n<v Bo>Yes.</v>",
        [Turn(timedelta(seconds=1), "Ana", "Ready?"), Turn(timedelta(seconds=1), "Bo", "Yes.")],
        id="vtt-two-voices-in-one-cue",
    ),
    pytest.param(
        "x.srt", "1\n00:00:01,000 --> 00:00:02,000\nfirst caption\nsecond line\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nanother caption",
        [Turn(timedelta(seconds=1), None, "first caption second line"),
         Turn(timedelta(seconds=3), None, "another caption")],
        id="srt-without-speakers-keeps-each-cue",
    ),
    pytest.param(
        "x.srt", "1\n00:00:01,000 --> 00:00:02,000\nAna: Hello\n\n2\nbroken --> timing\nAna: still me\n\n"
        "stray words between cues\n\n3\n00:00:09,000 --> 00:00:10,000\nBo: Hi",
        [Turn(timedelta(seconds=1), "Ana", "Hello still me stray words between cues"),
         Turn(timedelta(seconds=9), "Bo", "Hi")],
        id="srt-bad-timing-and-odd-lines-stay-in-the-turn",
    ),
    pytest.param(
        "x.txt", "Ana: We should decide today.\nDecision: we go with SAML.\nNext steps: Bo sends the metadata.",
        [Turn(None, "Ana", "We should decide today. Decision: we go with SAML. Next steps: Bo sends the metadata.")],
        id="txt-labels-are-not-speakers",
    ),
    pytest.param(
        "x.txt", "Meeting notes\nsee you at 10:30 then\nAna: ok",
        [Turn(None, None, "Meeting notes see you at 10:30 then"), Turn(None, "Ana", "ok")],
        id="txt-odd-lines-before-any-speaker",
    ),
    pytest.param(
        "x.txt", "[Anna Example] 00:01:02\nHello there.\n\nSpeaker 2 (00:01:09)\nHi.\nHow are you?",
        [Turn(timedelta(minutes=1, seconds=2), "Anna Example", "Hello there."),
         Turn(timedelta(minutes=1, seconds=9), "Speaker 2", "Hi. How are you?")],
        id="txt-bracketed-and-parenthesised-headers",
    ),
    pytest.param(
        "notes.txt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Ana>Sniffed as WebVTT</v>",
        [Turn(timedelta(seconds=1), "Ana", "Sniffed as WebVTT")],
        id="vtt-content-in-a-txt-file",
    ),
    pytest.param(
        "x.vtt", "\ufeffWEBVTT\n\nNOTE a comment\n--> not a cue\n\n00:00:01.000 --> 00:00:02.000 align:start\n"
        "<v.loud Ana Lee>Tom &amp; Jerry <b>bold</b></v>",
        [Turn(timedelta(seconds=1), "Ana Lee", "Tom & Jerry bold")],
        id="vtt-bom-settings-classes-entities",
    ),
]


@pytest.mark.parametrize(("name", "text", "turns"), INLINE)
def test_inline_transcripts(name: str, text: str, turns: list[Turn]) -> None:
    assert parse_transcript(text.encode("utf-8"), name=name) == turns


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        pytest.param("x.vtt", b"", "empty", id="empty"),
        pytest.param("x.txt", b"  \n\n\t", "empty", id="whitespace-only"),
        pytest.param("x.vtt", b"WEBVTT\n\nNOTE nothing else\n", "no speaker turn", id="vtt-header-only"),
        pytest.param("x.srt", b"1\n00:00:01,000 --> 00:00:02,000\n\n", "no speaker turn", id="srt-empty-cue"),
        pytest.param("x.txt", bytes(range(256)) * 8, "binary", id="binary-junk"),
        pytest.param("x.vtt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", "binary", id="png-named-vtt"),
    ],
)
def test_files_without_turns_raise_transcript_error(name: str, content: bytes, reason: str) -> None:
    with pytest.raises(TranscriptError, match=reason):
        parse_transcript(content, name=name)


def test_non_utf8_text_is_decoded_leniently() -> None:
    turns = parse_transcript("Zoë Example: Grüße, the café export is ready.".encode("cp1252"), name="x.txt")
    assert turns == [Turn(None, "Zoë Example", "Grüße, the café export is ready.")]


def test_utf16_with_bom() -> None:
    turns = parse_transcript("Ana: hello".encode("utf-16"), name="x.txt")
    assert turns == [Turn(None, "Ana", "hello")]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("00:01:02.500", timedelta(minutes=1, seconds=2, milliseconds=500)),
        ("1:02:03,5", timedelta(hours=1, minutes=2, seconds=3, milliseconds=500)),
        ("02:03", timedelta(minutes=2, seconds=3)),
        ("00:61:00", None),
        ("12:75", None),
        ("soon", None),
    ],
)
def test_parse_clock(value: str, expected: timedelta | None) -> None:
    assert parse_clock(value) == expected


def test_render_leaves_out_unknown_parts() -> None:
    turns = [Turn(None, None, "Title line"), Turn(timedelta(hours=2, seconds=5), None, "no speaker"),
             Turn(None, "Ana", "no time")]
    assert render_turns(turns) == "Title line\n[02:00:05] no speaker\nAna: no time"


def test_transcript_record_fields_and_stable_content_id() -> None:
    content = (FIXTURES / "brightloom_acme_kickoff.vtt").read_bytes()
    when = datetime(2026, 1, 5, 10, tzinfo=UTC)
    record = transcript_record(content, name="brightloom_acme_kickoff.vtt", record_id=content_record_id(content),
                               author="Anna Example", ts=when, title="Kickoff call", account="acme", side="vendor",
                               channel="C0SHARED01", visibility="external")
    assert record.id == content_record_id(content) == content_record_id(bytes(content))
    assert record.id.startswith("transcript:") and len(record.id) == len("transcript:") + 16
    assert content_record_id(content + b"\n") != record.id
    assert (record.kind, record.author, record.ts, record.subject) == ("transcript", "Anna Example", when,
                                                                       "Kickoff call")
    assert (record.account, record.side, record.channel, record.visibility) == ("acme", "vendor", "C0SHARED01",
                                                                                "external")
    assert record.text.splitlines() == RENDERED["brightloom_acme_kickoff.vtt"]


def test_transcript_record_subject_defaults_to_file_name_and_raises_on_empty() -> None:
    record = transcript_record(b"Ana: hi", name="calls/acme sync.txt", record_id="transcript:x", author="A",
                               ts=datetime(2026, 1, 5, tzinfo=UTC))
    assert (record.subject, record.visibility) == ("acme sync.txt", "internal")
    with pytest.raises(TranscriptError):
        transcript_record(b"", name="x.vtt", record_id="transcript:y", author="A", ts=datetime(2026, 1, 5, tzinfo=UTC))
