"""Throwaway credentials for the double: an RSA service-account key made at test time, and a user client."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class ServiceAccountKey:
    """A service account's email, key id and PEM key pair (never written outside a test's temp dir)."""

    client_email: str
    key_id: str
    private_pem: str
    public_pem: str

    def info(self, token_uri: str) -> dict[str, str]:
        """The service-account key file's JSON, pointing its token URI at ``token_uri``."""
        return {
            "type": "service_account",
            "project_id": "brightloom-tandem-test",
            "private_key_id": self.key_id,
            "private_key": self.private_pem,
            "client_email": self.client_email,
            "client_id": "100000000000000000001",
            "token_uri": token_uri,
        }


def new_service_account_key(client_email: str, key_id: str = "test-key-1") -> ServiceAccountKey:
    """A fresh 2048-bit RSA key pair for ``client_email``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return ServiceAccountKey(client_email, key_id, private_pem, public_pem)


@dataclass(frozen=True)
class UserClient:
    """An OAuth client and one user's refresh token, as in an authorized-user token file."""

    client_id: str
    client_secret: str
    refresh_token: str
    user: str

    def info(self, token_uri: str) -> dict[str, str]:
        """The authorized-user token file's JSON (no access token: the first call refreshes)."""
        return {
            "type": "authorized_user",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": token_uri,
        }
