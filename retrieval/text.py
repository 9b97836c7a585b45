"""Plain-text helpers shared by chunking, keyword search and answers: sentences and content words."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”')\]]*\s+(?=[A-Z0-9\"“'(@\[:*_•-])")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’]*")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves s t don't isn't what's who's it's
    i'm we're let's did didn't does doesn't ll re ve d m o y get got also us still""".split()
)


def split_sentences(text: str) -> list[str]:
    """Split text into sentences; line breaks always end a sentence. Blank pieces are dropped."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            out.extend(piece.strip() for piece in _SENTENCE_END.split(line) if piece.strip())
    return out


def words(text: str) -> list[str]:
    """Lower-cased words (letters, digits and inner apostrophes)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def content_words(text: str) -> list[str]:
    """Lower-cased words without stopwords, in order, duplicates kept."""
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 1 or w.isdigit()]


# Irregular English verb forms (base, past, past participle). Porter stemming joins regular forms
# ("approved" / "approve") but not these; keyword queries add the other forms of a word found here.
# Light verbs (go, come, make, take, say, see, know, think, find, tell, mean, feel) are left out:
# their other forms are everywhere in chat and transcripts and only add noise to a query.
_IRREGULAR = """arise arose arisen|bear bore borne|become became|begin began begun|bind bound|break broke broken
bring brought|build built|buy bought|catch caught|choose chose chosen|deal dealt|draw drew drawn
drive drove driven|eat ate eaten|fall fell fallen|feed fed|fight fought|fly flew flown
forbid forbade forbidden|forget forgot forgotten|freeze froze frozen|give gave given
grow grew grown|hang hung|hear heard|hide hid hidden|hold held|keep kept|lay laid|lead led
lend lent|lose lost|meet met|oversee oversaw overseen|pay paid|rebuild rebuilt|redo redid redone
rerun reran|resend resent|rewrite rewrote rewritten|ride rode ridden|rise rose risen|run ran
seek sought|sell sold|send sent|shake shook shaken|shoot shot|show showed shown|sink sank sunk
sit sat|sleep slept|speak spoke spoken|spend spent|stand stood|steal stole stolen|stick stuck
strike struck|swing swung|teach taught|tear tore torn|throw threw thrown
undergo underwent undergone|understand understood|undo undid undone|upset|wake woke woken
wear wore worn|win won|withdraw withdrew withdrawn|withhold withheld|write wrote written"""

VERB_FORMS: dict[str, tuple[str, ...]] = {
    form: tuple(forms) for group in re.split(r"[|\n]", _IRREGULAR) for forms in [group.split()] for form in forms
}


def word_forms(word: str) -> tuple[str, ...]:
    """The word and its other irregular verb forms ("gave" -> gave, give, given); just the word otherwise."""
    forms = VERB_FORMS.get(word)
    return (word, *(f for f in forms if f != word)) if forms else (word,)
