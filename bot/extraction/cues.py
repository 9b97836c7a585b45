"""Cue families: generic phrasings that signal commitments, requests, gates, decisions and noise.

They are features of the classifier and guards of the extractor, never per-example rules.
Patterns run on lower-cased text with straight apostrophes.
"""

from __future__ import annotations

import re


def _cue(*patterns: str) -> re.Pattern[str]:
    """One pattern for a family; word-boundary alternatives share a single leading `\\b` (faster)."""
    bounded = [p[2:] for p in patterns if p.startswith(r"\b")]
    other = [p for p in patterns if not p.startswith(r"\b")]
    parts = ([r"\b(?:" + "|".join(f"(?:{p})" for p in bounded) + ")"] if bounded else []) + [f"(?:{p})" for p in other]
    return re.compile("|".join(parts))


CUES: dict[str, re.Pattern[str]] = {
    "commit": _cue(
        r"\b(?:i|we)(?:'ll| will| shall)\b", r"\b(?:i|we)(?:'m| am|'re| are) going to\b",
        r"\blet me\b", r"\bi can (?:do|send|have|get)\b", r"\b(?:i|we)(?:'ll| will) have\b",
    ),
    "request": _cue(
        r"\b(?:could|can|would|will) you\b", r"\bplease\b", r"\bcan (?:someone|somebody|one of you)\b",
        r"\bneed (?:you|your)\b", r"\bwould be great if\b", r"\blet (?:me|us) know\b", r"\bkindly\b",
    ),
    "third_will": _cue(
        r"\b(?:will|is going to|are going to|to) (?:send|deliver|run|load|share|create|provide|fix|review|sign|submit|book|schedule)\b",
        r"\b(?:is|are) scheduled\b", r"\beta\b", r"\bwill be (?:ready|done|delivered|live|complete)\b",
        r"\bsays? (?:it|they|the)\b",
        # someone else's dated work told as a plain fact ("she'll sign on Friday", "X will configure it tomorrow",
        # "testing this afternoon", "scheduled for Thursday's window", "expect them by Thursday")
        r"\b(?:she|he|they)(?:'ll| will) (?!be\b|not\b|have\b)\w+",
        r"\bwill (?!be\b|not\b|have\b|need\b)\w+ (?:[\w'-]+ ){0,8}(?:today|tomorrow|tonight|this (?:afternoon|morning|evening)|on (?:mon|tue|wed|thu|fri|sat|sun)\w*)\b",
        r"^\w+ing (?:\w+ )?(?:this (?:afternoon|morning|evening)|today|tomorrow|tonight)\b", r"\bscheduled for\b",
        r"\bexpect (?:it|them|this|that|the \w+) (?:by|on|in)\b", r"\bsays? \d", r"\bmoved to (?:mon|tue|wed|thu|fri|sat|sun)",
    ),
    "gate": _cue(
        # "block" as a verb, not a noun ("an odd block at the bottom", "a time block")
        r"\bblock(?:ed|ers?|ing|s)\b", r"\b(?:to|will|would|could|might|may|can|does|do|it|this|that) block\b", r"\bon hold\b", r"\bwaiting (?:on|for)\b", r"\bstill (?:waiting|pending|with)\b",
        r"\b(?:can't|cannot|can not|won't|unable to) (?:\w+ ){0,4}(?:until|before|without)\b",
        r"\buntil (?:\w+ ){0,6}(?:sign|approv|review|fix|agree|decid|confirm|deliver)",
        r"\bneeds? (?:\w+ ){0,3}(?:approval|sign-?off|review)\b", r"\bgoes? through\b", r"\bheld up\b",
        r"\bpending\b", r"\bnot before\b", r"\bprecondition\b", r"\bhas to (?:approve|sign)\b",
        r"\bno (?:\w+ ){0,3}until\b", r"\bnothing (?:\w+ ){0,3}until\b", r"\bstuck\b",
        r"\bbefore (?:i|we|you|they|it|anyone) (?:can|could)\b", r"\b(?:hasn't|haven't|has not|have not|isn't|aren't) (?:\w+ ){0,4}yet\b",
        r"\bneeds? (?:\w+ ){0,4}(?:approval|authoris|authoriz|agreement|sign)", r"\brejected\b", r"\bdeferred\b",
        r"\b(?:can only|can't|cannot) (?:\w+ ){0,6}(?:before|until)\b", r"\bfreeze\b", r"\bwaits? on\b",
        r"\bneed (?:\w+ ){0,3}(?:signed|approved|authorised|authorized|before)\b", r"\bhas to\b", r"\bstill have to\b",
        r"^until\b", r"\bpausing\b|\bpaused\b", r"\bwon't (?:happen|come|be possible)\b",
        r"\bstill (?:open|unsigned|hasn't|haven't|not)\b", r"\bmissed\b", r"\bneeds? (?:a|an|the|your|our) \w+(?: \w+)? (?:before|signed)\b",
        r"\bi need (?:your|the|a|an)\b", r"\bneeds? [a-z]+'s (?:approval|sign-?off|ok)\b",
    ),
    "until": _cue(r"\buntil\b", r"\bbefore (?:i|we|you|they|any|anyone|it)\b", r"\bonce (?:she|he|they|it|the)\b"),
    "limit": _cue(
        r"\bonly (?:i|we|they|he|she)\b", r"\bdoesn't have (?:\w+ ){0,2}(?:rights|access|permission)", r"\bno (?:rights|access|permission)\b",
        r"\bat \d+% of\b", r"\blimit\b", r"\bquota\b", r"\ballocation\b", r"\bcan only\b",
    ),
    "defect": _cue(
        r"\bbug\b", r"\berror\b", r"\bfails?\b", r"\bbroken\b", r"\bdoesn't (?:work|sync|show)\b",
        r"\baren't (?:appearing|syncing|showing)\b", r"\bmissing\b", r"\bwrong\b", r"\bdefect\b", r"\bissue\b",
        r"\bproblem\b", r"\bsnag\b", r"\bhit a wall\b", r"\bbad news\b", r"\bfinding\b", r"\bhave no\b|\bhas no\b",
        r"\binstead of\b", r"\bcan't (?:write|read|sync|see|load|connect)\b", r"\bdon't come through\b", r"\bgap\b",
        r"\bdoesn't support\b", r"\brejects?\b", r"\bfailed\b",
    ),
    # an ability denied, stated as a plain fact ("we can't sign off UAT like this", "they can't log in")
    "incapable": _cue(
        r"\b(?:can't|cannot|can not|unable to|won't be able to|couldn't|not able to)\b(?! wait\b)",
        r"\bwon't (?:work|sync|load|run|start)\b", r"\bnot (?:possible|allowed|permitted)\b",
    ),
    # a party holds the next move: an approver, a buyer, someone away ("it's with her now", "needs them to buy it",
    # "she signs off anything over…", "your call", "only I have the rights", "on leave until…")
    "party_pending": _cue(
        r"\bwith (?:her|him|them|legal|procurement|finance|security|it|the [a-z]+) (?:now|for (?:review|approval|sign-?off))\b",
        r"\b(?:signs?|approves?) off (?:on )?(?:anything|everything|all|any|every)\b",
        r"\bneeds? (?:her|his|their|your|[a-z]+'s) (?:ok|okay|approval|sign-?off|go-?ahead|consent)\b",
        r"\bneeds? (?:\w+ ){1,2}to (?:buy|sign|approve|confirm|decide|provide|send|purchase|grant|order|fix|re-?run)\b",
        r"\bonly (?:i|he|she|they|we) (?:do|does|can|has|have)\b", r"\b(?:don't|doesn't|do not|does not) have (?:\w+ ){0,2}(?:rights|access|permissions?|licen[cs]es?)\b",
        r"\b(?:is|are) (?:queued|in the queue|under review|in review|with [a-z]+)\b",
    ),
    # a choice handed to someone ("it's your call", "that's Harriet's decision")
    "call": _cue(r"\b(?:your|her|his|their|[a-z]+'s) (?:call|decision)\b"),
    # someone is away ("on leave until…", "out of office until…")
    "absent": _cue(r"\bon (?:holiday|leave|vacation|pto|parental leave|sick leave)\b", r"\b(?:away|out of office|ooo) until\b"),
    # something is absent or never existed ("deals never had a currency", "the export is missing…")
    "lack": _cue(
        r"\bnever (?:had|got|arrived|came)\b", r"\bis missing\b|\bare missing\b|\bmissing (?:the|all|any|from)\b",
        r"\bwithout (?:a|an|any|the)\b", r"\bnot (?:visible|available|included|supported|there)\b",
        r"\bonly (?:the )?(?:primary|old|first|default)\b", r"\b(?:all )?(?:show|shows|showing|defaulted to) (?:the )?wrong\b",
        r"\bdefaulted\b", r"\bdeprovision|\bdeactivated\b|\bsuspended\b|\blocked out\b",
    ),
    "decide": _cue(
        r"\bapproved?\b", r"\bdecided\b", r"\bdecision\b", r"\bagreed?\b", r"\bsigned off\b", r"\bsign-off\b",
        r"\bgo with\b", r"\blet's (?:go|lock|do|fix|keep|move|use)\b", r"\bconfirm(?:ed|ing)\b", r"\bit is\.?$",
        r"\bit's a go\b", r"\bwe go live\b", r"\b(?:is|are) locked\b", r"\boption [a-d]\b", r"\bgood to go\b",
        r"\bmoves? (?:to|from)\b", r"\btarget\b", r"\bwe'll take\b", r"\b(?:choose|chose|chosen|picked?)\b",
        r"\bok'?d\b", r"\bgo-?live\b",
    ),
    "settle": _cue(
        r"\bsettled?\b", r"\b(?:is|are|'s) fine\b", r"\bhappy to (?:sign|approve|go)\b", r"\bstays? (?:as is|separate|on)\b",
        r"^yes\b", r"\bnoted for everyone\b", r"\bconfirmed:", r"\bwe'll (?:go|use|keep|take)\b", r"\bgoes? (?:with|to phase)\b",
        r"\bsigned (?:today|by)\b", r"\bthat's agreed\b", r"\bapproved as\b", r"\binclude\b",
    ),
    "done": _cue(
        r"\b(?:is|are|was|were|has been|have been) (?:done|sent|delivered|created|assigned|approved|signed|fixed|live|loaded|complete|completed|resolved|merged|deployed|shared|booked|switched on)\b",
        r"\bdone\b", r"✅", r"\b(?:sent|delivered|fixed|shipped|uploaded|attached|finished)\b", r"\bcomplete[ds]?\b",
        r"\bis in production\b", r"\bworks?\b", r"\bunblocked\b", r"\barrived\b", r"\bnow (?:syncs?|works?|live)\b",
    ),
    "chase": _cue(
        r"\bstill\b", r"\bchas(?:e|ed|es|ing)\b", r"\bany (?:news|update|progress)\b", r"\breminder\b",
        r"\bfollow(?:ing)?[- ]up\b", r"\bnudg(?:e|ing)\b", r"\bhaven't heard\b", r"\bno (?:news|word|reply|response) (?:yet|from)\b",
        r"\bnot yet\b", r"\bonce again\b", r"\bas (?:a )?reminder\b",
    ),
    "completed": _cue(
        r"^(?:\w+ ){0,5}(?:approved|signed|granted|whitelisted|reloaded|loaded|activated|assigned|created|resolved|"
        r"finished|countersigned|trained|passed|switched|merged|deployed|arrived|received|booked|uploaded|enabled)\b",
        r"\b(?:is|are|was|were|has been|have been|now) (?:\w+ )?(?:fixed|resolved|live|active|approved|signed|done|in production)\b",
        r"\bsigned off\b(?! (?:on|by) (?:monday|tuesday|wednesday|thursday|friday))", r"\bas of (?:this|today|yesterday)\b",
        r"^(?:fixed|done|sent|approved|signed|resolved|delivered|completed?)\b", r"✅|:white_check_mark:|:heavy_check_mark:",
    ),
    "negation": _cue(
        r"\bnothing (?:is )?block", r"\bnot block", r"\bno action\b", r"\bno need\b", r"\bnot required\b",
        r"\bnot urgent\b", r"\bnothing to do\b", r"\bisn't blocking\b", r"\bno impact\b", r"\bnot (?:an? )?(?:issue|problem)\b",
        r"\bno blockers?\b", r"\bnothing (?:is )?(?:open|outstanding|pending)\b", r"\b(?:isn't|is not|aren't) blocking\b",
    ),
    "hypothetical": _cue(
        r"^if\b", r"\bif (?:we|you|they) (?:ever|had|were|brought|wanted)\b", r"\bhypothetical", r"\bwould it\b",
        r"\bwhat if\b", r"\bin case\b", r"\bjust say\b", r"\bif (?:\w+ ){0,5}needs?\b", r"\bcould\b(?!.*\?)",
    ),
    "fyi": _cue(
        r"\bfyi\b", r"\bheads[- ]up\b", r"\bmaintenance\b", r"\bout of (?:the )?office\b", r"\bclosed\b",
        r"\bholiday\b", r"\bwelcome\b", r"\bthanks?\b", r"\bthank you\b", r"\bgreat\b", r"\bcongrat",
    ),
    "info_question": _cue(
        r"^(?:what|which|when|where|why|how|who|is|are|does|do|did|will|can we|is there|any)\b.*\?$",
    ),
}
