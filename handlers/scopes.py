"""The Slack scopes Tandem needs, derived from what it calls and listens to (checked against the manifest)."""

from __future__ import annotations

WEB_API_METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "auth.test": (),
    "apps.connections.open": (),  # app-level token (connections:write), not a bot scope
    "users.info": ("users:read", "users:read.email"),
    "users.lookupByEmail": ("users:read.email",),
    "conversations.info": ("channels:read", "groups:read", "im:read"),
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.replies": ("channels:history", "groups:history", "im:history"),
    "conversations.members": ("channels:read", "groups:read"),
    "conversations.open": ("im:write",),
    "chat.postMessage": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.getPermalink": (),
    "reactions.add": ("reactions:write",),
    "views.publish": (),
    "views.open": (),
    "files.info": ("files:read",),
}

EVENT_SCOPES: dict[str, tuple[str, ...]] = {
    "message.channels": ("channels:history",),
    "message.groups": ("groups:history",),
    "message.im": ("im:history",),
    "app_mention": ("app_mentions:read",),
    "reaction_added": ("reactions:read",),
    "reaction_removed": ("reactions:read",),
    "app_home_opened": (),
}

FEATURE_SCOPES: dict[str, tuple[str, ...]] = {
    "slash command /tandem": ("commands",),
    "message shortcuts": ("commands",),
}


def required_bot_scopes() -> set[str]:
    """Every bot scope the app needs, and no more."""
    scopes: set[str] = set()
    for table in (WEB_API_METHOD_SCOPES, EVENT_SCOPES, FEATURE_SCOPES):
        for needed in table.values():
            scopes.update(needed)
    return scopes
