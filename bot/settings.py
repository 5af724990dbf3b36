"""The one settings object. Built by the app factory (``bot.app.build_app``) and passed in; never
created at import time."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return os.environ.get("USER", "me")


class Settings(BaseSettings):
    """Environment variables are the contract of design.md; names are given as aliases."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    home: Path = Field(default=Path("~/.coco"), validation_alias=AliasChoices("COCO_HOME"))
    database_url: str | None = Field(default=None, validation_alias=AliasChoices("COCO_DATABASE_URL"))
    mlflow_tracking_uri: str | None = Field(
        default=None, validation_alias=AliasChoices("MLFLOW_TRACKING_URI")
    )
    mlflow_ui_url: str = Field(
        default="http://127.0.0.1:5000", validation_alias=AliasChoices("COCO_MLFLOW_UI_URL")
    )
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
