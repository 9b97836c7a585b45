"""One typed settings object, read once from the environment and an optional `.env`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_GMAIL_API_URL = "https://gmail.googleapis.com/"


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line naming the variable."""


class Settings(BaseSettings):
    """Every setting Tandem reads; the README's table lists the same variables."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    tandem_data_dir: Path = Path("./data")
    database_url: str | None = None
    chroma_path: Path | None = None
    chroma_url: str | None = None
    tandem_admins: Annotated[tuple[str, ...], NoDecode] = ()
    tandem_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    tandem_worker_poll_seconds: float = Field(default=0.5, gt=0)
    # how long a worker holds claimed work; after it, work of a worker that died is taken over
    tandem_work_lease_seconds: float = Field(default=600, gt=0)
    backfill_days: int = Field(default=90, ge=0)  # how far back linking a channel reads its history
    # conversations.history/replies calls a minute: Slack's Tier 3 (50) for internal apps; 1 for a
    # commercially distributed app outside the Marketplace
    backfill_calls_per_minute: float = Field(default=50, gt=0)
    retention_days: int | None = Field(default=None, gt=0)
    llm_provider: Literal["none", "openai", "anthropic", "ollama"] = "none"
    llm_model: str | None = None
    gmail_api_url: str = DEFAULT_GMAIL_API_URL
    gmail_service_account_file: Path | None = None
    gmail_delegated_user: str | None = None
    gmail_token_file: Path | None = None
    gmail_poll_seconds: float = Field(default=60, gt=0)
    gmail_full_sync_max: int = Field(default=500, gt=0)
    email_webhook_secret: SecretStr | None = None
    email_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    vendor_email_domains: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("slack_api_url", "gmail_api_url")
    @classmethod
    def _api_url_ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("gmail_service_account_file", "gmail_delegated_user", "gmail_token_file", mode="before")
    @classmethod
    def _blank_gmail_setting_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("tandem_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("vendor_email_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower().lstrip("@") for part in value.split(",") if part.strip())
        return value

    @field_validator("tandem_admins")
    @classmethod
    def _admins_are_user_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for user_id in value:
            if user_id[:1] not in ("U", "W") or not user_id.isalnum():
                raise ValueError(f"{user_id!r} is not a Slack user id (U… or W…)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must start with sqlite:// or postgresql://")
        if value and value.startswith("postgres://"):
            return "postgresql+psycopg://" + value.removeprefix("postgres://")
        if value and value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def effective_database_url(self) -> str:
        """`DATABASE_URL`, or a SQLite file under the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.tandem_data_dir / 'tandem.db').as_posix()}"

    @property
    def effective_chroma_path(self) -> Path:
        """Where embedded Chroma keeps its files."""
        return self.chroma_path or self.tandem_data_dir / "chroma"

    @property
    def gmail_enabled(self) -> bool:
        """Whether any Gmail setting is given (`build_gmail_client` then checks that it is complete)."""
        return any((self.gmail_service_account_file, self.gmail_delegated_user, self.gmail_token_file))

    def require_slack(self, *, socket_mode: bool) -> None:
        """Fail with one clear line when serving needs a Slack secret that is missing."""
        needed = ["slack_bot_token"] + (["slack_app_token"] if socket_mode else ["slack_signing_secret"])
        for name in needed:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is required to serve Slack; set it in the environment")


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning a validation failure into one line naming the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"{name} is invalid: {first['msg']}") from None
