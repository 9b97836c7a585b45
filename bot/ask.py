"""Answering questions about accounts: who may see what, decided here in code, never by the question.

- internal asker in an account channel: that account, all of its content;
- external asker in the account's shared channel: external-visible content only, and only when
  customer answers are on for the account (else a hand-off);
- DM: the accounts the asker owns (all for a lead), narrowed to one when the question names it;
- external users get no DM answers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.store import repos
from bot.store.db import session_scope
from bot.store.models import Account
from retrieval.index import unavailable
from retrieval.service import Answerer, Retriever
from retrieval.types import Answer

log = logging.getLogger(__name__)

ALL_VISIBILITIES = ("external", "internal")


EXTERNAL_ONLY = ("external",)


@dataclass(frozen=True)
class AskScope:
    """Where an answer may come from: accounts, visibilities, and the name to speak of."""

    accounts: list[Account]
    visibilities: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class HandOff:
    """No answer for this asker here; say so politely (and tell the IM when `notify_owner`)."""

    message: str
    notify_owner: str | None = None


def index_catching_up(account_label: str) -> Answer:
    """The answer while the search index cannot be reached: no guess, a time to come back."""
    return Answer(text=f"I can't search {account_label}'s history right now: the search index is catching up. "
                       "Please ask again in a few minutes.", citations=[], found=False)


def answer_json(answer: Answer) -> dict[str, object]:
    """The `tandem ask --json` shape of DATA_FORMATS.md."""
    return {
        "answer": answer.text,
        "citations": [{"source_id": c.source_id, "permalink": c.permalink, "quote": c.quote}
                      for c in answer.citations] if answer.found else [],
        "found": answer.found,
    }


def _names(account: Account) -> list[str]:
    return [account.key, account.name, account.key.replace("-", " ")]


def _mentions(question: str, account: Account) -> bool:
    return any(re.search(rf"\b{re.escape(name)}\b", question, re.I) for name in _names(account) if name)


class AskService:
    """Scopes a question by the asker and answers it from the index."""

    def __init__(self, engine: Engine, retriever: Callable[[], Retriever],
                 llm_answerer: Callable[[Account], Answerer | None] | None = None) -> None:
        self.engine = engine
        self._retriever = retriever
        self.llm_answerer = llm_answerer

    @property
    def retriever(self) -> Retriever:
        """The retriever, made on first use (a Chroma server may be away when the app starts)."""
        return self._retriever()

    def channel_scope(self, *, account: Account, asker_external: bool) -> AskScope | HandOff:
        """The scope of a question asked in one of the account's channels."""
        if not asker_external:
            return AskScope([account], ALL_VISIBILITIES, account.name)
        if not account.customer_answers:
            return HandOff("Thanks for the question — the team will follow up here shortly.",
                           notify_owner=account.owner_user_id)
        return AskScope([account], EXTERNAL_ONLY, account.name)

    def dm_scope(self, *, user_id: str, is_lead: bool, asker_external: bool, question: str) -> AskScope | HandOff:
        """The scope of a question asked in a DM with the bot."""
        if asker_external:
            return HandOff("I can only answer questions in your shared channel.")
        with session_scope(self.engine, write=False) as session:
            owned = list(repos.accounts_visible_to(session, user_id=user_id, is_lead=is_lead))
        if not owned:
            return HandOff("You own no accounts yet, so I have nothing to answer from.")
        named = [a for a in owned if _mentions(question, a)]
        if len(named) == 1:
            return AskScope(named, ALL_VISIBILITIES, named[0].name)
        scope = named or owned
        label = scope[0].name if len(scope) == 1 else "your accounts"
        return AskScope(scope, ALL_VISIBILITIES, label)

    def account_scope(self, *, key: str, as_customer: bool) -> AskScope | HandOff:
        """The scope `tandem ask --account KEY --as vendor|customer` uses."""
        with session_scope(self.engine, write=False) as session:
            account = repos.require_account(session, key=repos.normalise_account_key(key))
        return self.channel_scope(account=account, asker_external=as_customer)

    def _other_names(self, accounts: Sequence[Account]) -> list[str]:
        keys = {a.key for a in accounts}
        with session_scope(self.engine, write=False) as session:
            others = [a for a in repos.list_accounts(session) if a.key not in keys]
        return [name for a in others for name in (a.name, a.key)]

    def _answerer(self, scope: AskScope) -> Answerer:
        """The LLM answerer when every account in scope allows it, else the offline one."""
        if self.llm_answerer is not None:
            chosen = [self.llm_answerer(a) for a in scope.accounts]
            if chosen and all(chosen):
                return chosen[0]  # type: ignore[return-value]
        return self.retriever.answerer

    def answer(self, question: str, scope: AskScope) -> Answer:
        """A cited answer from the scope only, or a plain "nothing found"."""
        try:
            return self.retriever.ask(question, accounts=[a.key for a in scope.accounts],
                                      visibilities=scope.visibilities, account_label=scope.label,
                                      avoid=self._other_names(scope.accounts), answerer=self._answerer(scope))
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("the search index cannot be reached; answered that it is catching up")
            return index_catching_up(scope.label)
