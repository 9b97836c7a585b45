"""The double's OAuth token endpoint: JWT-bearer grants (signature checked) and refresh-token grants."""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .keys import ServiceAccountKey, UserClient

JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
GMAIL_READONLY_SCOPE = "https://www.googleapis.com/auth/gmail.readonly"
CLOCK_SKEW_SECONDS = 60


class GrantRefused(Exception):
    """A token request the endpoint refuses: HTTP status, OAuth error code and description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass
class IssuedToken:
    """An access token: whose mailbox, by which grant, until when (``time.monotonic``)."""

    subject: str
    grant: str
    expires_at: float

    @property
    def expired(self) -> bool:
        """True once its lifetime is over (or it was expired by hand)."""
        return time.monotonic() >= self.expires_at


class TokenIssuer:
    """Issues and checks access tokens for one service account and one OAuth user client."""

    def __init__(self, *, service_account: ServiceAccountKey, delegated_users: set[str], user_client: UserClient,
                 lifetime: int) -> None:
        self.service_account = service_account
        self.delegated_users = delegated_users
        self.user_client = user_client
        self.lifetime = lifetime
        self.tokens: dict[str, IssuedToken] = {}
        self._serial = itertools.count(1)
        self._public_key = serialization.load_pem_public_key(service_account.public_pem.encode())

    def grant(self, form: Mapping[str, str]) -> dict[str, object]:
        """Answer a token request (form fields) or raise GrantRefused."""
        grant_type = form.get("grant_type", "")
        if grant_type == JWT_BEARER_GRANT:
            subject = self._verify_assertion(form.get("assertion", ""))
        elif grant_type == "refresh_token":
            subject = self._verify_refresh(form)
        else:
            raise GrantRefused(400, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        token = f"ya29.test-{next(self._serial)}-{secrets.token_urlsafe(12)}"
        self.tokens[token] = IssuedToken(subject, grant_type, time.monotonic() + self.lifetime)
        return {"access_token": token, "expires_in": self.lifetime, "token_type": "Bearer",
                "scope": GMAIL_READONLY_SCOPE}

    def check(self, authorization: str | None) -> IssuedToken | None:
        """The live token of an ``Authorization: Bearer`` header, or None (unknown, expired, missing)."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        issued = self.tokens.get(authorization.removeprefix("Bearer "))
        return issued if issued is not None and not issued.expired else None

    def expire_all(self) -> None:
        """Every token issued so far stops working now."""
        for issued in self.tokens.values():
            issued.expires_at = time.monotonic()

    def _verify_assertion(self, assertion: str) -> str:
        try:
            header_b64, payload_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(header_b64))
            payload = json.loads(_b64decode(payload_b64))
            signature = _b64decode(signature_b64)
        except ValueError:
            raise GrantRefused(400, "invalid_grant", "Invalid JWT: malformed") from None
        if header.get("alg") != "RS256" or header.get("kid") != self.service_account.key_id:
            raise GrantRefused(400, "invalid_grant", "Invalid JWT: unknown key or algorithm")
        assert isinstance(self._public_key, rsa.RSAPublicKey)
        try:
            self._public_key.verify(signature, f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(),
                                    hashes.SHA256())
        except InvalidSignature:
            raise GrantRefused(400, "invalid_grant", "Invalid JWT Signature.") from None
        now = time.time()
        if payload.get("iss") != self.service_account.client_email or payload.get("aud") != GOOGLE_TOKEN_AUDIENCE:
            raise GrantRefused(400, "invalid_grant", "Invalid JWT: wrong issuer or audience")
        issued_at, expires = payload.get("iat"), payload.get("exp")
        if (not isinstance(issued_at, int) or not isinstance(expires, int) or issued_at > now + CLOCK_SKEW_SECONDS
                or expires < now - CLOCK_SKEW_SECONDS or expires - issued_at > 3600):
            raise GrantRefused(400, "invalid_grant", "Invalid JWT: Token must be a short-lived token")
        if GMAIL_READONLY_SCOPE not in str(payload.get("scope", "")).split():
            raise GrantRefused(400, "invalid_scope", "Invalid OAuth scope")
        subject = payload.get("sub")
        if subject not in self.delegated_users:
            raise GrantRefused(401, "unauthorized_client",
                               "Client is unauthorized to retrieve access tokens using this method")
        return str(subject)

    def _verify_refresh(self, form: Mapping[str, str]) -> str:
        client = self.user_client
        if form.get("client_id") != client.client_id or form.get("client_secret") != client.client_secret:
            raise GrantRefused(401, "invalid_client", "The OAuth client was not found.")
        if form.get("refresh_token") != client.refresh_token:
            raise GrantRefused(400, "invalid_grant", "Token has been expired or revoked.")
        return client.user


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
