"""A Gmail API + Google OAuth token endpoint test double (aiohttp on 127.0.0.1)."""

from .server import GmailCall, GmailDouble

__all__ = ["GmailCall", "GmailDouble"]
