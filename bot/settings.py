"""The one settings object. Built by the app factory (``bot.app.build_app``) and passed in; never
created at import time."""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict


def _default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "me")


class _DocumentedEnv(EnvSettingsSource):
    """Reads a field only from its documented variable (its alias), never from its bare field name.

    ``populate_by_name`` lets code build ``Settings(home=...)``; pydantic-settings would then also read
    the environment by field name, so ``HOME`` became COCO's home and ``ENGINE``/``AUTHOR`` configured it.
    """

    def _extract_field_info(
        self, field: FieldInfo, field_name: str, model_config: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str, bool]]:
        config = {**(model_config if model_config is not None else self.config),
                  "populate_by_name": False, "validate_by_name": False}
        return super()._extract_field_info(field, field_name, config)


class Settings(BaseSettings):
    """Environment variables are the contract of design.md; names are given as aliases.

    Every field has an alias: a field without one could be set by an environment variable of its
    bare name (tests/bot/test_settings_env.py checks both)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file and no secrets folder: only the process environment, by documented names.
        return init_settings, _DocumentedEnv(settings_cls)

    home: Path = Field(default=Path("~/.coco"), validation_alias=AliasChoices("COCO_HOME"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_DATABASE_URL"))
    mlflow_tracking_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI")
    )
    # Where run links point. Unset: a tracking server's own address, or `mlflow ui`'s default
    # (http://127.0.0.1:5000) for a local store (adapters.open_tracker decides).
    mlflow_ui_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_MLFLOW_UI_URL"))
    engine: Literal["auto", "local", "anthropic", "openai-compatible"] = Field(
        default="auto", validation_alias=AliasChoices("COCO_ENGINE")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY")
    )
    # The SDK reads ANTHROPIC_BASE_URL itself; kept here so one settings object shows the whole setup.
    anthropic_base_url: str | None = Field(default=None, validation_alias=AliasChoices("ANTHROPIC_BASE_URL"))
    anthropic_model: str = Field(default="claude-sonnet-4-5", validation_alias=AliasChoices("COCO_ANTHROPIC_MODEL"))
    anthropic_max_tokens: int = Field(default=4096, validation_alias=AliasChoices("COCO_ANTHROPIC_MAX_TOKENS"))
    # Seconds for one request; retries of overload/rate limits stop after COCO_LLM_DEADLINE seconds in all.
    anthropic_timeout: float = Field(default=60.0, validation_alias=AliasChoices("COCO_ANTHROPIC_TIMEOUT"))
    llm_deadline: float = Field(default=90.0, validation_alias=AliasChoices("COCO_LLM_DEADLINE"))
    # A self-hosted model server speaking the OpenAI chat-completions API (Ollama, vLLM, llama.cpp).
    llm_base_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_LLM_BASE_URL"))
    llm_model: str = Field(default="llama3.1", validation_alias=AliasChoices("COCO_LLM_MODEL"))
    llm_api_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("COCO_LLM_API_KEY"))
    # Estimated USD per workspace per calendar month; once reached the local engine takes over.
    monthly_budget_usd: float | None = Field(default=None, validation_alias=AliasChoices("COCO_MONTHLY_BUDGET_USD"))
    # Secrets and e-mail addresses are removed from everything sent to a model unless this is off.
    redact: bool = Field(default=True, validation_alias=AliasChoices("COCO_REDACT"))
    workspace: str = Field(default="cli:local", validation_alias=AliasChoices("COCO_WORKSPACE"))
    author: str = Field(default_factory=_default_author, validation_alias=AliasChoices("COCO_AUTHOR"))
    # How far back a brain dump's runs may lie when the author has no earlier entry.
    lookback_days: int = Field(default=14, validation_alias=AliasChoices("COCO_LOOKBACK_DAYS"))

    # -- Slack (issue #4) -------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET")
    )
    # An app-level token (xapp-...) switches `coco serve slack` to Socket Mode.
    slack_app_token: SecretStr | None = Field(default=None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    # The Web API base URL: GovSlack, a proxy, or a test's fake server. None means slack.com.
    slack_api_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_SLACK_API_URL"))
    # Seconds between two posts to one channel (Slack allows about one message a second per channel).
    slack_channel_interval: float = Field(
        default=1.0, validation_alias=AliasChoices("COCO_SLACK_CHANNEL_INTERVAL")
    )
    # Inbound messages worked on at once, after their ack: bounds database and tracker load in a burst.
    slack_concurrency: int = Field(default=8, validation_alias=AliasChoices("COCO_SLACK_CONCURRENCY"))
    # Seconds between two passes of the job worker (pending entries) and of the digest scheduler.
    worker_interval: float = Field(default=30.0, validation_alias=AliasChoices("COCO_WORKER_INTERVAL"))
    # -- Slack installs in several workspaces (OAuth v2, issue 14; bot/slack_oauth.py, docs/slack.md) ---
    # With both set, `coco serve slack` serves /slack/install and /slack/oauth_redirect and looks up each
    # workspace's token in the database; SLACK_BOT_TOKEN must then be unset.
    slack_client_id: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_CLIENT_ID"))
    slack_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET")
    )
    # Fernet key(s) encrypting the stored tokens; several, comma-separated, to rotate (the first encrypts).
    slack_token_key: SecretStr | None = Field(default=None, validation_alias=AliasChoices("COCO_SLACK_TOKEN_KEY"))
    # Bot scopes asked at install (comma-separated). Unset: manifest.yaml's (bot/slack_oauth.py DEFAULT_SCOPES).
    slack_scopes: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_SCOPES"))
    # The Redirect URL registered in the app's settings, when Slack must be told which one (several set).
    slack_redirect_uri: str | None = Field(default=None, validation_alias=AliasChoices("SLACK_REDIRECT_URI"))

    # -- Microsoft Teams (issue #13; bot/teams/auth.py reads these, docs/teams.md explains them) ----------
    # The bot's Entra app (client) id: every incoming token must carry it as audience; the package's bot id.
    teams_app_id: str | None = Field(default=None, validation_alias=AliasChoices("COCO_TEAMS_APP_ID"))
    # The app's client secret, for the bot's outgoing token.
    teams_app_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("COCO_TEAMS_APP_PASSWORD")
    )
    # The app's Entra tenant (single-tenant bot). Unset: `botframework.com`, without which SDK 1.9 cannot send.
    teams_tenant_id: str | None = Field(default=None, validation_alias=AliasChoices("COCO_TEAMS_TENANT_ID"))
    # Where incoming-token signing keys are fetched (sovereign clouds, tests). Unset: the SDK's own
    # (login.botframework.com for Bot Connector tokens).
    teams_jwks_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_TEAMS_JWKS_URL"))
    # A full https authority including the tenant (https://login.microsoftonline.us/TENANT) for the
    # outgoing token; MSAL's instance discovery is off when it is set.
    teams_authority_url: str | None = Field(
        default=None, validation_alias=AliasChoices("COCO_TEAMS_AUTHORITY_URL")
    )
    # Extra host names for the app package's validDomains (comma-separated), beyond the tracker's own.
    teams_valid_domains: str | None = Field(
        default=None, validation_alias=AliasChoices("COCO_TEAMS_VALID_DOMAINS")
    )

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'coco.db'}"

    def resolved_tracking_uri(self) -> str:
        return self.mlflow_tracking_uri or f"sqlite:///{self.home_dir / 'mlflow.db'}"

    def engine_name(self) -> Literal["local", "anthropic", "openai-compatible"]:
        if self.engine == "auto":
            return "anthropic" if self.anthropic_api_key else "local"
        return self.engine
