"""Chunking: email quoted history, transcript windows, stable ids."""

from __future__ import annotations

from retrieval.chunking import SourceText, chunk_id, chunk_source
from retrieval.email_text import strip_quoted_history


def test_reply_quotes_and_wrote_lines_are_cut() -> None:
    body = "Sounds good, ship it.\n\nOn Tue, 3 Mar 2026 at 10:00, Ann <ann@x.example> wrote:\n> old text\n> more"
    assert strip_quoted_history(body, "Re: plan") == "Sounds good, ship it."


def test_wrote_line_wrapped_over_two_lines_is_cut() -> None:
    body = "Yes.\n\nOn Tue, 3 Mar 2026 at 10:00, Ann Example\n<ann@x.example> wrote:\nold"
    assert strip_quoted_history(body) == "Yes."


def test_outlook_reply_header_and_original_message_are_cut() -> None:
    outlook = "Option B.\n\nFrom: Dan <d@x.example>\nSent: Thursday, February 19, 2026 4:30 PM\nTo: R\nSubject: CR\n\nold"
    assert strip_quoted_history(outlook, "RE: CR") == "Option B."
    german = "Option B.\n\n-----Original Message-----\nVon: S\nGesendet: Donnerstag\n\nalt"
    assert strip_quoted_history(german, "RE: CR") == "Option B."


def test_gmail_forward_keeps_the_original_body_but_not_its_quotes() -> None:
    body = (
        "See below.\n\n---------- Forwarded message ---------\nFrom: Graham <g@x.example>\n"
        "Date: Sun, 8 Feb 2026\nSubject: Re: CR\nTo: H <h@x.example>\n\nOption A, move the date.\n\n"
        "On Sat, H wrote:\n> which option?"
    )
    out = strip_quoted_history(body, "Fwd: Re: CR")
    assert "Option A, move the date." in out and "From: Graham" in out
    assert "To: H" not in out and "which option" not in out


def test_outlook_forward_by_subject_keeps_the_original() -> None:
    body = "FYI.\n\n________________________________\nFrom: Ravi <r@x.example>\nSent: Tuesday\nTo: H\nSubject: CO\n\nChange order attached."
    assert "Change order attached." in strip_quoted_history(body, "FW: CO")
    assert "Change order attached." not in strip_quoted_history(body, "RE: CO")


def test_transcript_windows_overlap_and_keep_the_title() -> None:
    turns = "\n".join(f"[00:0{i}:00] Speaker {i}: point number {i}." for i in range(9))
    chunks = chunk_source(SourceText("acme", "t1", "transcript", "Weekly call\n" + turns, "A", "2026-01-01T00:00:00Z", "external"))
    assert len(chunks) == 2
    assert all(c.title == "Weekly call" for c in chunks)
    assert "Speaker 4" in chunks[0].text and "Speaker 4" in chunks[1].text


def test_long_message_is_split_and_ids_are_deterministic() -> None:
    text = " ".join(f"Sentence {i} talks about the rollout." for i in range(80))
    src = SourceText("acme", "m1", "slack", text, "A", "2026-01-01T00:00:00Z", "external")
    first, second = chunk_source(src), chunk_source(src)
    assert len(first) > 1
    assert [c.id for c in first] == [c.id for c in second]
    assert first[1].id == chunk_id("acme", "m1", 1) != chunk_id("other", "m1", 1)


def test_thread_reply_carries_context_but_quotes_only_itself() -> None:
    src = SourceText("acme", "r1", "slack", "Approved.", "A", "2026-01-01T00:00:00Z", "external",
                     thread="root", thread_context=("Can we switch on SCIM?",))
    (chunk,) = chunk_source(src)
    assert chunk.text == "Approved." and "SCIM" in chunk.indexed_text and chunk.thread == "root"


def test_email_chunks_use_subject_as_title() -> None:
    src = SourceText("acme", "e1", "email", "Body text here.\n> quoted", "A", "2026-01-01T00:00:00Z", "internal",
                     subject="Budget")
    (chunk,) = chunk_source(src)
    assert chunk.title == "Budget" and chunk.text == "Body text here."
