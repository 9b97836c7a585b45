"""The double's mailbox: messages, a history log with non-contiguous ids, and a kept window."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StoredMessage:
    """One message as Gmail keeps it."""

    id: str
    thread_id: str
    raw: bytes
    history_id: int
    label_ids: tuple[str, ...]

    def resource(self) -> dict[str, object]:
        """The format=raw representation."""
        return {
            "id": self.id,
            "threadId": self.thread_id,
            "labelIds": list(self.label_ids),
            "historyId": str(self.history_id),
            "sizeEstimate": len(self.raw),
            "raw": base64.urlsafe_b64encode(self.raw).decode().rstrip("="),
        }


@dataclass(frozen=True)
class HistoryRecord:
    """One history record: a message added or deleted."""

    id: int
    kind: str  # "messageAdded" | "messageDeleted"
    message_id: str
    thread_id: str
    label_ids: tuple[str, ...]

    def resource(self) -> dict[str, object]:
        """The history.list representation."""
        message = {"id": self.message_id, "threadId": self.thread_id}
        key = "messagesAdded" if self.kind == "messageAdded" else "messagesDeleted"
        return {"id": str(self.id), "messages": [message],
                key: [{"message": {**message, "labelIds": list(self.label_ids)}}]}


@dataclass
class Mailbox:
    """Messages (oldest first), history records and the oldest history id still kept."""

    email_address: str
    history_id: int = 1000
    history_step: int = 7
    floor: int = 0
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    history: list[HistoryRecord] = field(default_factory=list)
    _next_message: int = 0x18C0_0000_0000

    def add(self, raw: bytes, label_ids: tuple[str, ...] = ("INBOX",)) -> str:
        """Store a message; a new history record (and history id) for it. Returns its id."""
        self._next_message += 0x1F3
        message_id = format(self._next_message, "x")
        self.history_id += self.history_step
        self.messages[message_id] = StoredMessage(message_id, message_id, raw, self.history_id, label_ids)
        self.history.append(HistoryRecord(self.history_id, "messageAdded", message_id, message_id, label_ids))
        return message_id

    def delete(self, message_id: str) -> None:
        """Delete a message (its messageAdded record stays in the history)."""
        message = self.messages.pop(message_id)
        self.history_id += self.history_step
        self.history.append(HistoryRecord(self.history_id, "messageDeleted", message_id, message.thread_id, ()))

    def drop_history_before(self, history_id: int) -> None:
        """Forget history older than ``history_id``: starting before it answers 404."""
        self.floor = history_id
        self.history = [record for record in self.history if record.id >= history_id]

    def newest_first(self) -> list[StoredMessage]:
        """Messages as messages.list orders them."""
        return sorted(self.messages.values(), key=lambda message: message.history_id, reverse=True)

    def records_after(self, start: int, kinds: set[str] | None) -> list[HistoryRecord] | None:
        """Records after ``start`` (of ``kinds``), or None when ``start`` is older than the kept window."""
        if start < self.floor:
            return None
        return [record for record in self.history
                if record.id > start and (kinds is None or record.kind in kinds)]
