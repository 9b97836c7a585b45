""""Not right" on an item: a modal (wrong kind, wrong owner, not an item), applied at once on submit and kept
as a labelled example. Only internal users who may act on the item's account can correct it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.corrections import CorrectionRequest, apply_correction, problems_with
from bot.errors import UserFacingError
from bot.item_actions import item_with_account
from bot.store.db import session_scope
from bot.store.models import Account, Item
from handlers import ids, modal_blocks
from handlers.context import SlackServices
from handlers.permissions import may_act

log = logging.getLogger(__name__)

FIELD_BLOCKS = {"problem": ids.NOT_RIGHT_PROBLEM, "kind": ids.NOT_RIGHT_KIND, "owner": ids.NOT_RIGHT_OWNER}
CORRECTED = {"kind": "Kind corrected", "owner": "Owner corrected", "not_an_item": "Removed: not an item"}


def read_request(values: dict[str, Any]) -> CorrectionRequest:
    """The submitted "Not right" form."""
    return CorrectionRequest(
        problem=modal_blocks.selected_value(values, ids.NOT_RIGHT_PROBLEM) or "",
        kind=modal_blocks.selected_value(values, ids.NOT_RIGHT_KIND),
        owner=modal_blocks.text_value(values, ids.NOT_RIGHT_OWNER),
    )


class Feedback:
    """Checks who may correct an item, opens the form and applies corrections."""

    def __init__(self, services: SlackServices) -> None:
        self.services = services

    def _load(self, item_id: int) -> tuple[Item, Account]:
        with session_scope(self.services.engine) as session:
            return item_with_account(session, item_id)

    async def allowed_item(self, user_id: str, item_id: int) -> Item:
        """The item, when the user is internal and may act on its account; else a user-facing refusal."""
        user = await self.services.people.get(user_id)
        if user.is_external:
            raise UserFacingError("Only our team can correct items.")
        item, account = await asyncio.to_thread(self._load, item_id)
        if not await may_act(self.services, user, account):
            raise UserFacingError(f"Only {account.name}'s team can correct its items.")
        return item

    async def open(self, body: dict[str, Any]) -> str | None:
        """Open the form for the clicked item; returns a refusal to show instead, if any."""
        try:
            item_id, _, _ = ids.parse_item_value(body["actions"][0].get("value") or "")
            item = await self.allowed_item(body["user"]["id"], item_id)
        except ValueError:
            return "That button is out of date."
        except UserFacingError as exc:
            return str(exc)
        view = modal_blocks.not_right_view(summary=item.summary, kind=item.kind, owner=item.owner,
                                           metadata=str(item.id))
        await self.services.gateway.client.views_open(trigger_id=body["trigger_id"], view=view)
        return None

    async def correct(self, user_id: str, item_id: int, request: CorrectionRequest) -> dict[str, str]:
        """Apply a correction; returns problems by field (empty on success)."""
        try:
            item = await self.allowed_item(user_id, item_id)
        except UserFacingError as exc:
            return {"problem": str(exc)}
        problems = problems_with(request, item)
        if problems:
            return problems
        now = self.services.clock.now()

        def write() -> None:
            with session_scope(self.services.engine) as session:
                stored, _ = item_with_account(session, item_id)
                apply_correction(session, item=stored, request=request, actor=user_id, at=now)

        try:
            await asyncio.to_thread(write)
        except UserFacingError as exc:
            return {"problem": str(exc)}
        return {}


def register(app: AsyncApp, services: SlackServices) -> Feedback:
    """Wire the "Not right" button and its form's submission."""
    feedback = Feedback(services)

    async def ack_only(ack: Callable[..., Awaitable[None]]) -> None:
        await ack()

    async def open_form(body: dict[str, Any], respond: Callable[..., Awaitable[Any]] | None = None) -> None:
        try:
            refusal = await feedback.open(body)
        except Exception:
            log.exception("opening the Not right form failed")
            refusal = "Sorry, something went wrong on my side. The team has the details."
        if not refusal:
            return
        if body.get("response_url") and respond is not None:
            await respond(response_type="ephemeral", replace_original=False, text=refusal)
        else:  # clicked in a view (App Home): no response URL, so say it in a small modal
            await services.gateway.client.views_open(trigger_id=body["trigger_id"],
                                                     view=modal_blocks.notice_view("Not right", refusal))

    async def on_submit(ack: Callable[..., Awaitable[None]], body: dict[str, Any]) -> None:
        view = body["view"]
        request = read_request(view["state"]["values"])
        try:
            item_id = int(view.get("private_metadata") or "")
        except ValueError:
            await ack(response_action="errors", errors={ids.NOT_RIGHT_PROBLEM: "This form is out of date."})
            return
        problems = await feedback.correct(body["user"]["id"], item_id, request)
        if problems:
            await ack(response_action="errors",
                      errors={FIELD_BLOCKS.get(field, ids.NOT_RIGHT_PROBLEM): text for field, text in problems.items()})
            return
        await ack(response_action="update", view=modal_blocks.notice_view(
            "Thanks", f"{CORRECTED[request.problem]}. Kept as a labelled example for the evaluation."))

    app.action(ids.ITEM_NOT_RIGHT)(ack=ack_only, lazy=[open_form])
    app.view(ids.VIEW_NOT_RIGHT)(on_submit)
    return feedback
