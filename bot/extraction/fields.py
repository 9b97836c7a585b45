"""The fields of an extracted item: owner, ball in court, blocker category and summary."""

from __future__ import annotations

import re

from bot.extraction.analysis import AnalysedRecord, AnalysedSentence
from bot.extraction.cues import CUES
from bot.extraction.similarity import content_stems, overlap

RELAY_LOOKBACK = 8
RELAY_OVERLAP = 0.2

_ADDRESS = re.compile(r"^(?:hi |hello |dear |hey |thanks |ok |okay )?@?([A-Z][\w'\-]+(?: [A-Z][\w'\-]+)?)\s*(?:,|—|-|:|\s(?=could|can|would|please|will))")
_FIRST_PERSON = re.compile(r"\b(?:i|i'll|i'm|i've|i'd|me|my|let me)\b")
_WE = re.compile(r"\b(?:we|we'll|we're|our|us)\b")
_SUBJECT_VERB = r"\s+(?:will|is going to|runs?|sends?|does|takes?|handles?|owns?|can|to)\b"
_DECIDER_VERB = r"(?:'s)?\s+(?:has\s+|have\s+)?(?:approved|agreed|decided|signed|confirmed|chose|picked|accepted|ok'?d|okayed|said yes)"
_THIRD_PARTY_VOICE = re.compile(r"\b(?:says?|said|support|ticket|case|vendor|partner|consultants?|their (?:team|side))\b", re.I)

# the author's own side's teams: their ETA is the author's side's work ("engineering's fix ETA is…")
_OWN_TEAM = re.compile(r"\b(?:engineering|our (?:support|dev|product|engineering) team|r&d)\b")

_CATEGORY_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("scope_change", re.compile(r"\bchange request\b|\bcr-?\d|\bscope\b|\bwhich option\b|\boption [a-d]\b", re.I)),
    ("other", re.compile(r"\bpurchase order\b|\bpo\b|\bbuy\b|\badd-on\b|\bbudget\b|\binvoice\b|\blicen[cs]e", re.I)),
    ("stakeholder_signoff", re.compile(
        r"\bcfo\b|\bcoo\b|\bceo\b|\bdpo\b|\bprivacy\b|\bpia\b|\bdpia\b|works (?:council|agreement)|\bsteering\b|"
        r"\bboard of\b|\bexec(?:utive)?\b|\blegal\b|\bsign-?off\b|\bsign(?:ed)? off\b|\bdiscount", re.I)),
    ("it_approval", re.compile(
        r"\bcab\b|change (?:advisory )?board|\bsecurity\b|\bciso\b|\bsso\b|\bscim\b|\bsaml\b|\bokta\b|\bentra\b|"
        r"\bsoc ?2\b|\bchg-|\bit approval\b|\bapp registration\b|\bdirectory\b|\bfirewall\b|\bchange (?:window|policy)\b", re.I)),
    ("technical", re.compile(
        r"\bbug\b|\berror\b|\bdefect\b|\bfail|\bmissing\b|\bwrong\b|\binstead of\b|\bno \w+ number\b|\bdon't (?:sync|come)|"
        r"\bvalidation\b|\bfield-level\b|\bdedupe\b|\bdeactivated\b|\bshow\b|\bvat\b|\btax\b|\bcurrency\b|\bsync\b", re.I)),
    ("third_party", re.compile(
        r"\bexport\b|\bre-export\b|\brefresh\b|\bsupport\b|\bwhitelist|\bauthoris|\bauthoriz|\bconsult|\bpartner\b|"
        r"\bextract\b|\bpartner\b|\bmsp\b|\bvendor\b|\btransport\b", re.I)),
)


def _first_person(text: str) -> bool:
    return bool(_FIRST_PERSON.search(text.lower().replace("’", "'")))


def _addressee(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    match = _ADDRESS.match(item.sentence.text)
    if not match:
        return None
    name = analysed.people.resolve(match.group(1))
    return name if name and name != item.sentence.speaker else None


def _greeted(analysed: AnalysedRecord) -> str | None:
    """The single person an email or message opens on ("Hi Renee," / "Evelyn, ...")."""
    for item in analysed.sentences[:1]:
        names = [n for _, n in item.persons if n != item.sentence.speaker]
        if len(names) == 1 and len(item.sentence.text) < 40:
            return names[0]
    return None


def _subject_person(item: AnalysedSentence, verbs: str) -> str | None:
    for position, name in item.persons:
        if name == item.sentence.speaker:
            continue
        tail = item.sentence.text[position:]
        first = name.split()[0]
        if re.match(rf"@?(?:{re.escape(name)}|{re.escape(first)}){verbs}", tail):
            return name
    return None


_OPENER = r"^(?:(?:and|so|also|then|ok|okay|sure|great|thanks)[,!]?\s+)*"
# "I'll get Anika to sign…", "And I'll send it so Luis can fill it in": the speaker commits, whoever else is named
_SPEAKER_COMMITS = re.compile(_OPENER + r"(?:i'll|i will|i'm going to|i am going to|let me)\b")
# "We need Harborline to tell us…", "We need a dedupe rule before…": asked of another side nobody names
_WE_NEED_FROM_OTHERS = re.compile(_OPENER + r"we (?:still |will |'ll )?need\b(?! to\b)")


def next_step_owner(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """Addressee of a request, else the named doer, else the speaker for their own side's work."""
    text = item.sentence.text
    lowered = text.lower().replace("’", "'")
    speaker = item.sentence.speaker
    addressee = _addressee(item, analysed)
    if addressee:
        return addressee
    is_request = bool(CUES["request"].search(lowered))
    mentioned = [n for _, n in item.persons if n != speaker]
    if is_request and "@" in text and mentioned:
        return mentioned[0]
    if _SPEAKER_COMMITS.match(lowered):
        return speaker
    if _WE_NEED_FROM_OTHERS.match(lowered):
        return None
    named = _subject_person(item, _SUBJECT_VERB)
    if named:
        return named
    if _first_person(text) and not is_request:
        return speaker
    if is_request:
        return _greeted(analysed) or (mentioned[0] if mentioned else None)
    if _THIRD_PARTY_VOICE.search(text) and not _WE.search(lowered) and not _OWN_TEAM.search(lowered):
        return None
    return speaker


_PRONOUN = re.compile(r"\b(?:she|he|her|him|his)\b", re.I)
_YOU = re.compile(r"\b(?:you|your|you've|you're)\b", re.I)
_SOLE_CAPABILITY = re.compile(r"\bonly (?:i|me)\b(?: (?:do|can|have|am))?", re.I)
_OWN_BODY = re.compile(
    r"\b(?:our|my)\s+(?:\w+\s+){0,2}(?:cab|change (?:advisory )?board|security|ciso|committee|council|board|review|team|procurement|legal)\b"
    r"|\b(?:goes|go|went) to (?:the )?(?:cab|change board)\b|\breviewed at the\b|\buntil i(?:'ve| have)? (?:finished|reviewed|signed|approved)",
    re.I,
)
_RELAY = re.compile(r"\bconfirm(?:ed|ing)?\b|\bnoted\b|\bfor everyone\b|\bis locked\b|\bit is\b|\bas the target\b", re.I)
_THANKED = re.compile(r"^(?i:thanks|thank you|danke|cheers)[,!]?\s+@?([A-Z][\w'\-]+(?: [A-Z][\w'\-]+)?)")


# a blocker told as its consequence ("so we've missed this week's window") waits on whoever was just named
_STILL_WAITING = re.compile(r"\b(?:missed|miss|slips?|slipped|pushed|no real data|can't (?:start|go|proceed))\b", re.I)


_CLAUSE_BREAK = re.compile(r";\s+|\s+[—–]\s+")


def _gate_clause(text: str) -> tuple[int, int]:
    """The span of the clause that states the gate ("… stays blocked until she signs off"), else the whole text."""
    bounds = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(text)), len(text)]
    clauses = list(zip(bounds, bounds[1:], strict=False))
    if len(clauses) == 1:
        return 0, len(text)
    gated = [(a, b) for a, b in clauses if CUES["gate"].search(text[a:b].lower()) or CUES["until"].search(text[a:b].lower())]
    return gated[0] if len(gated) == 1 else (0, len(text))


def _earlier_in_record(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """The last person (not the speaker) named before this sentence in the same record."""
    for other in reversed(analysed.sentences[: item.sentence.index]):
        names = [n for _, n in other.persons if n != item.sentence.speaker]
        if names:
            return names[-1]
    return None


def blocker_owner(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """Who can unblock: a person named in the sentence (not the speaker); for "she"/"you", the person
    named or addressed earlier in the record; for a gate of the speaker's own body ("our CAB", "until
    I've finished it"), the speaker; else None."""
    text = item.sentence.text
    if _SOLE_CAPABILITY.search(text):  # "X lacks the rights, only I have them": the speaker can clear it
        return item.sentence.speaker
    start, end = _gate_clause(text)
    others = [n for position, n in item.persons
              if n != item.sentence.speaker and not _audience(text, position) and start <= position < end]
    if others:
        return others[-1]
    if (start, end) != (0, len(text)) and _PRONOUN.search(text[start:end]):  # "blocked until she signs off; Nadia …"
        earlier = _earlier_in_record(item, analysed)
        if earlier:
            return earlier
    if any(n != item.sentence.speaker for _, n in item.persons):
        return None
    party = _organisation_contact(text, analysed) or _body_contact(text, analysed)
    if party:
        return party
    earlier = _earlier_in_record(item, analysed)
    if earlier and (_PRONOUN.search(text) or _STILL_WAITING.search(text)):
        return earlier
    if _YOU.search(text):
        addressed = _greeted(analysed) or _mentioned_first(analysed, item.sentence.speaker)
        if addressed:
            return addressed
    customer_speaker = (analysed.people.side_of(item.sentence.speaker) or analysed.record.side) == "customer"
    if customer_speaker and (_OWN_BODY.search(text) or category_of(text) == "it_approval"):
        return item.sentence.speaker
    return None


# a person the sentence is told to, not about: "@Tom FYI: …", "status for @Leah: …"
_AUDIENCE_AFTER = re.compile(r"^@?[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)?\s*(?:[,:—-]\s*)?(?:fyi|heads[- ]up)\b|^@?[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)?:", re.I)
_AUDIENCE_BEFORE = re.compile(r"\b(?:for|to|cc|fyi)\s*$", re.I)


def _audience(text: str, position: int) -> bool:
    """Whether the person named at position is the audience of the sentence rather than a party in it."""
    return bool(_AUDIENCE_AFTER.match(text[position:]) or _AUDIENCE_BEFORE.search(text[:position]))


# an outside organisation the blocker waits on: "blocked on <Org> for…", "has to be activated by <Org>"
_WAITS_ON_ORG = re.compile(r"\b(?:on|by|from|with|for)\s+([A-Z][a-zA-Z]+)\b")


def _organisation_contact(text: str, analysed: AnalysedRecord) -> str | None:
    """For a blocker that waits on a named outside organisation, its latest third-party writer in the account
    (matched on the e-mail domain of earlier records: "blocked on Brightpath" → the Brightpath consultant)."""
    for match in _WAITS_ON_ORG.finditer(text):
        word = match.group(1).lower()
        for record in reversed([*analysed.earlier, analysed.record]):
            email = (record.author_email or "").lower()
            domain = email.split("@", 1)[1].split(".", 1)[0] if "@" in email else ""
            if len(word) > 3 and domain.startswith(word) and record.side == "third_party":
                return record.author
    return None


_BODY = re.compile(
    r"\b(?:cab|change (?:advisory )?board|works council|steering (?:group|committee)|ciso|cfo|coo|dpo|privacy officer"
    r"|security (?:review|committee|team))\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
BODY_LOOKBACK = 80


def _body_contact(text: str, analysed: AnalysedRecord) -> str | None:
    """For a blocker that waits on an approving body or role and names nobody ("their CAB deferred it", "the works
    council won't allow…"), the customer-side person an earlier record of the account names with that body
    ("Helen Marsh, our CISO"), or the customer who wrote about "our <body>"."""
    match = _BODY.search(text.lower())
    if not match:
        return None
    body = match.group(0)
    for record in list(reversed(analysed.earlier))[:BODY_LOOKBACK]:
        lowered = record.text.lower()
        if body not in lowered:
            continue
        for sentence in _SENTENCE_END.split(record.text):
            if body not in sentence.lower():
                continue
            named = [n for _, n in analysed.people.named_in(sentence) if analysed.people.side_of(n) != "vendor"]
            if named:
                return named[-1]
            if record.side == "customer" and f"our {body}" in sentence.lower():
                return record.author
    return None


def _mentioned_first(analysed: AnalysedRecord, speaker: str) -> str | None:
    for sentence in analysed.sentences:
        if "@" in sentence.sentence.text:
            names = [n for _, n in sentence.persons if n != speaker]
            if names:
                return names[0]
    return None


def decision_owner(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """The approver named with a decision verb; for a relay ("confirmed", "noted for everyone", "X is
    locked as the target") by the vendor, the person thanked or the previous speaker of a transcript;
    else whoever said it."""
    named = _subject_person(item, _DECIDER_VERB)
    if named:
        return named
    speaker = item.sentence.speaker
    side = analysed.people.side_of(speaker) or (analysed.record.side if speaker == analysed.record.author else None)
    if side == "vendor" and _RELAY.search(item.sentence.text):
        first = analysed.sentences[0].sentence.text if analysed.sentences else ""
        thanked = _THANKED.match(first)
        if thanked:
            name = analysed.people.resolve(thanked.group(1))
            if name and name != speaker:
                return name
        previous = _previous_speaker(item, analysed) or _earlier_decider(item, analysed)
        if previous:
            return previous
    if re.match(r"(?:she|he)\b", item.sentence.text, re.I):
        earlier = _earlier_in_record(item, analysed)
        if earlier:
            return earlier
    return speaker


def _earlier_decider(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """For a relay, the author of the latest recent record outside the vendor that says the same thing."""
    stems = content_stems(item.sentence.text)
    for record in reversed(list(analysed.earlier)[-RELAY_LOOKBACK:]):
        side = analysed.people.side_of(record.author) or record.side
        if side != "vendor" and record.author != item.sentence.speaker and overlap(stems, record.text) >= RELAY_OVERLAP:
            return record.author
    return None


def _previous_speaker(item: AnalysedSentence, analysed: AnalysedRecord) -> str | None:
    """In a transcript, the speaker of the turn before this sentence's turn, when not the vendor."""
    if analysed.record.kind != "transcript":
        return None
    for other in reversed(analysed.sentences[: item.sentence.index]):
        if other.sentence.turn < item.sentence.turn and other.sentence.speaker != item.sentence.speaker:
            name = analysed.people.resolve(other.sentence.speaker) or other.sentence.speaker
            return name if analysed.people.side_of(name) != "vendor" else None
    return None


def side_waiting(kind: str, owner: str | None, item: AnalysedSentence, analysed: AnalysedRecord,
                 category: str | None) -> str | None:
    """Ball in court: the owner's side, else inferred from the category and the voice."""
    if kind == "decision":
        return None
    side = analysed.people.side_of(owner)
    if side:
        return side
    speaker_side = analysed.people.side_of(item.sentence.speaker) or analysed.record.side
    if category == "third_party" or _THIRD_PARTY_VOICE.search(item.sentence.text):
        return "third_party"
    if kind == "blocker" and category == "technical" and speaker_side == "vendor" and re.search(
        r"\bour\b", item.sentence.text, re.I
    ):
        return "vendor"
    return "vendor" if speaker_side == "customer" else "customer"


def category_of(text: str) -> str:
    """The blocker category from what is awaited (first matching rule), else "other"."""
    for category, pattern in _CATEGORY_RULES:
        if pattern.search(text):
            return category
    return "other"


def summary_of(text: str) -> str:
    """The sentence as a summary: leading greeting, mention and filler removed, emoji codes dropped."""
    summary = re.sub(r":[a-z0-9_+\-]+:", "", text)
    summary = re.sub(r"^(?:(?:hi|hello|dear|thanks|ok|okay|so|and|also|great)\b[ ,!—-]*)+", "", summary, flags=re.I)
    summary = re.sub(r"^@[A-Z][\w'\-]+(?: [A-Z][\w'\-]+)?[ ,:—-]*", "", summary)
    summary = summary.strip(" —-:,")
    return (summary[:1].upper() + summary[1:])[:240] if summary else text[:240]
