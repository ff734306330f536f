"""Settings: the only place that reads the environment (and `.env`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tg_parser.errors import ConfigError

# The rates the `limits` package reads: "120/minute", "10 per second", "100/5 minutes".
_RATE = re.compile(r"[1-9]\d*\s*(/|per)\s*([1-9]\d*\s*)?(second|minute|hour|day)s?")


class Settings(BaseSettings):
    """Every setting tg-parser reads, with its default and help text.

    Each field maps to the upper-case environment variable of the same name.
    """

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="Full SQLAlchemy database URL; overrides every DB_* setting "
        "(e.g. `postgresql://user:pass@host/db` or `sqlite:///path.sqlite`).",
    )
    db_type: Literal["sqlite", "postgresql"] = Field(
        default="sqlite", description="Database kind used when DATABASE_URL is not set."
    )
    db_path: Path = Field(
        default=Path("tg_parser.sqlite"), description="SQLite database file (DB_TYPE=sqlite)."
    )
    db_host: str = Field(default="127.0.0.1", description="PostgreSQL host.")
    db_port: int = Field(default=5432, description="PostgreSQL port.")
    db_name: str = Field(default="tg_parser", description="PostgreSQL database name.")
    db_user: str = Field(default="postgres", description="PostgreSQL user.")
    db_password: str = Field(
        default="", description="PostgreSQL password (URL-escaped for you; never logged)."
    )
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL connection pool size.")
    db_max_overflow: int = Field(
        default=10, ge=0, description="Connections allowed above DB_POOL_SIZE under load."
    )
    db_pool_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for a pooled connection."
    )
    db_pool_recycle: int = Field(
        default=1800, description="Seconds after which a pooled connection is replaced."
    )
    db_pool_pre_ping: bool = Field(
        default=True, description="Check a pooled connection is alive before using it."
    )
    db_statement_timeout: float = Field(
        default=0.0,
        ge=0,
        description="PostgreSQL: seconds one SQL statement may run before the server cancels "
        "it (0: no limit). Schema upgrades and `db migrate` copies are never cut short.",
    )
    db_busy_timeout: float = Field(
        default=60.0,
        gt=0,
        description="SQLite: seconds a writer waits for another writer before giving up.",
    )
    run_heartbeat_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Seconds between the heartbeats a running stage writes on its run.",
    )
    run_stale_after_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A run whose heartbeat is older than this is closed as failed "
        "(its process is gone, on any host) and its channels can be claimed again.",
    )

    @field_validator("run_stale_after_seconds")
    @classmethod
    def _stale_after_several_heartbeats(cls, value: float, info: ValidationInfo) -> float:
        """A run that beats on time must never look stale (a missed beat is tolerated)."""
        heartbeat = info.data.get("run_heartbeat_seconds")
        if heartbeat is not None and value <= 2 * heartbeat:
            raise ValueError(f"must be more than twice RUN_HEARTBEAT_SECONDS ({heartbeat:g})")
        return value

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Lowest level of log lines written to stderr."
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="`text` for people, `json` for one JSON object per line."
    )

    # --- Telegram (Telethon, user account) ---
    telegram_api_id: int | None = Field(
        default=None, description="Telegram API id from my.telegram.org (Telethon source)."
    )
    telegram_api_hash: SecretStr | None = Field(
        default=None, description="Telegram API hash from my.telegram.org (never logged)."
    )
    telegram_phone: str | None = Field(
        default=None, description="Phone number of the account `tg-parser telegram login` uses."
    )
    telegram_session_string: SecretStr | None = Field(
        default=None,
        description="A Telethon session string (from `telegram login --print-session`); "
        "when set, no session file is used. Never logged.",
    )
    telegram_session_file: Path = Field(
        default=Path("tg_parser.session"),
        description="Telethon session file (created with mode 0600; one process at a time).",
    )
    telegram_proxy: str | None = Field(
        default=None,
        description="Proxy for Telethon, e.g. `socks5://user:pass@host:1080`.",
    )
    telegram_flood_sleep_threshold: int = Field(
        default=60,
        ge=0,
        description="FloodWait errors up to this many seconds are waited out in place.",
    )
    telegram_max_flood_wait: int = Field(
        default=3600,
        ge=0,
        description="Longest FloodWait tg-parser defers a source for; longer waits are capped "
        "at this and retried then.",
    )
    telegram_edit_lookback_posts: int = Field(
        default=100,
        ge=0,
        description="Telethon source: the most recent stored posts read again on every run, "
        "so their edits are stored as new versions (0 = no lookback).",
    )

    # --- Telegram web preview (t.me/s, no login) ---
    telegram_web_base_url: str = Field(
        default="https://t.me",
        description="Base URL of the public web preview (point it at a mirror or test server).",
    )
    web_request_delay: float = Field(
        default=1.0, ge=0, description="Seconds to wait between two web preview requests."
    )
    web_timeout: float = Field(
        default=30.0, gt=0, description="Seconds before a web preview request times out."
    )
    web_max_retries: int = Field(
        default=4,
        ge=0,
        description="Retries of a web preview request after a 429, 5xx or network error.",
    )
    web_user_agent: str = Field(
        default="tg-parser/0.1 (+https://github.com/tg-parser/tg-parser; polite archiver)",
        description="User-Agent sent to the web preview.",
    )

    # --- web preview ---
    web_retry_backoff: float = Field(
        default=1.0,
        ge=0,
        description="Seconds before the first retry of a web preview request; doubles with "
        "each retry, plus up to 50% jitter (a Retry-After header replaces it).",
    )
    web_request_deadline: float = Field(
        default=60.0,
        gt=0,
        description="Most seconds one web preview request may take in all (redirects and the "
        "whole body included), however steadily the server trickles; then it is retried.",
    )
    web_max_page_bytes: int = Field(
        default=5_000_000,
        ge=1,
        description="Largest web preview page read, in bytes (real pages are 100-300 KB); a "
        "larger one fails the source.",
    )
    web_max_retry_after: float = Field(
        default=60.0,
        ge=0,
        description="Longest Retry-After waited out in place; a longer one stops the run "
        "with a rate-limit error so the source is retried later.",
    )

    # --- processing ---
    llm_provider: Literal["auto", "offline", "openai", "anthropic", "gemini", "ollama"] = Field(
        default="auto",
        description="Provider that processes messages and writes topic cards: `openai`, "
        "`anthropic`, `gemini`, `ollama`, `offline` (no key, no network) or `auto` (the first "
        "of OpenAI, Anthropic, Gemini with a key, else offline, saying so once per command).",
    )
    llm_model: str | None = Field(
        default=None,
        description="Model name (default per provider: gpt-5-mini, claude-sonnet-5-5, "
        "gemini-2.5-flash, llama3.1).",
    )
    llm_base_url: str | None = Field(
        default=None,
        description="Provider address: any OpenAI-compatible endpoint for `openai`, the "
        "server for `ollama` (default http://127.0.0.1:11434), or a proxy for the others.",
    )
    openai_api_key: SecretStr | None = Field(default=None, description="OpenAI API key.")
    anthropic_api_key: SecretStr | None = Field(default=None, description="Anthropic API key.")
    gemini_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("gemini_api_key", "google_api_key"),
        description="Gemini API key (Google AI Studio); GOOGLE_API_KEY is read too.",
    )
    ollama_base_url: str | None = Field(
        default=None,
        description="Address of the Ollama server (unset: LLM_BASE_URL, else "
        "http://127.0.0.1:11434).",
    )
    ollama_api_key: SecretStr | None = Field(
        default=None,
        description="Key sent as `Authorization: Bearer` to an Ollama server that asks for "
        "one (ollama.com, or a server behind an authenticating proxy).",
    )
    llm_reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = Field(
        default=None,
        description="GPT-5 family: `reasoning.effort` (checked against what the model "
        "accepts; unset: the model's default).",
    )
    llm_verbosity: Literal["low", "medium", "high"] | None = Field(
        default=None, description="GPT-5 family: `text.verbosity` (unset: the model's default)."
    )
    llm_max_output_tokens: int = Field(
        default=4096,
        ge=256,
        description="Most output tokens per call (GPT-5 models get at least 16,000, since "
        "reasoning counts as output).",
    )
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds before a call times out.")
    llm_concurrency: int = Field(
        default=16, ge=1, description="Most calls in flight (`--concurrency` overrides it)."
    )
    llm_requests_per_minute: int | None = Field(
        default=None, ge=1, description="Cap on calls started per minute (unset: no cap)."
    )
    llm_tokens_per_minute: int | None = Field(
        default=None, ge=1, description="Cap on estimated tokens sent per minute (unset: no cap)."
    )
    llm_batch_size: int = Field(
        default=1,
        ge=1,
        le=50,
        description="Short messages sent together in one call (1: each message on its own).",
    )
    llm_batch_max_chars: int = Field(
        default=600, ge=1, description="Only messages up to this many characters share calls."
    )
    llm_max_input_chars: int = Field(
        default=20_000,
        ge=100,
        description="Most characters of one message sent to the model; a longer message is "
        "sent cut, with a marker, and its document's metadata says so (`input_truncated`).",
    )
    llm_prices_file: Path | None = Field(
        default=None,
        description="JSON file of prices per million tokens by model, merged over the "
        "built-in table (see docs/llm.md).",
    )
    output_language: str | None = Field(
        default=None,
        description="ISO 639-1 language of summaries, key phrases and topic cards (unset: "
        "the message's or the channel's own language).",
    )
    llm_fail_fast_calls: int = Field(
        default=20,
        ge=0,
        description="When this many calls of a run have failed before any succeeded, the "
        "run stops (0: never on this count alone).",
    )
    llm_failure_window: int = Field(
        default=100, ge=1, description="The recent calls LLM_MAX_FAILURE_SHARE is measured over."
    )
    llm_max_failure_share: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="When more than this share of the last LLM_FAILURE_WINDOW calls failed, "
        "the run stops (topic cards: the rest are written offline).",
    )
    retry_max_attempts: int = Field(
        default=4, ge=1, description="Attempts per call, the first included."
    )
    retry_backoff_base: float = Field(
        default=1.0, ge=0, description="Seconds before the first retry; doubles each retry."
    )
    retry_backoff_max: float = Field(
        default=60.0, ge=0, description="Longest wait between two attempts (Retry-After too)."
    )
    retry_jitter: float = Field(
        default=1.0, ge=0, description="Up to this many random seconds added to each wait."
    )

    # --- topics ---
    topic_max_topics: int | None = Field(
        default=None, ge=1, description="Most topics kept per channel (unset: unlimited)."
    )
    topic_singleton_min_chars: int = Field(
        default=300,
        ge=0,
        description="A singleton topic's anchor text has at least this many characters.",
    )
    topic_singleton_min_score: float = Field(
        default=0.75, ge=0, le=1, description="A singleton topic's anchor scores at least this."
    )
    topic_cluster_min_anchors: int = Field(
        default=2, ge=2, description="A cluster topic needs at least this many anchors."
    )
    topic_cluster_anchor_score: float = Field(
        default=0.6, ge=0, le=1, description="Similarity to the cluster centre an anchor needs."
    )
    topic_anchors_top_n: int = Field(
        default=3, ge=2, description="Most anchors of a cluster topic (its most central posts)."
    )
    topic_supporting_score: float = Field(
        default=0.5, ge=0, le=1, description="Similarity to a topic a supporting item needs."
    )
    topic_comment_score: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Similarity to its post (or the post's topic) a comment that another "
        "topic took needs to move to its post's topic (a comment no topic took joins its "
        "post's topic when it is this similar or names a word of the post or its topic).",
    )
    topic_target_score: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Similarity to a target's subject a document needs to join its bundle.",
    )
    topic_min_cluster_size: int = Field(
        default=4, ge=2, description="Smallest group of posts HDBSCAN calls a cluster."
    )
    topic_min_samples: int = Field(
        default=2, ge=1, description="HDBSCAN min_samples: higher leaves more posts unclustered."
    )
    topic_dimensions: int = Field(
        default=32,
        ge=2,
        description="Dimensions the vectors are reduced to (PCA) before clustering.",
    )
    topic_lexical_weight: float = Field(
        default=0.4,
        ge=0,
        description="Weight of the documents' shared words (a TF-IDF/LSA vector of their "
        "stems) joined to the embedding for topics; 0 clusters the embedding alone.",
    )
    topic_lexical_dimensions: int = Field(
        default=6,
        ge=2,
        description="Dimensions of the lexical (LSA) vector joined to the embedding.",
    )
    embed_threads: int = Field(
        default=2, ge=1, description="CPU threads of the local embedding model."
    )
    search_warm_up: bool = Field(
        default=True,
        description="`serve` loads the search model and the vectors in the background as it "
        "starts, so the first search does not wait for them; false: on the first search.",
    )

    # --- HTTP API (`tg-parser serve`) ---
    api_host: str = Field(
        default="127.0.0.1",
        description="Address `serve` binds (a non-loopback address needs an API key).",
    )
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port `serve` listens on.")
    api_cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Origins allowed to call the API from a browser, comma-separated "
        "(none by default).",
    )
    api_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body the API reads (uploads have API_MAX_UPLOAD_BYTES).",
    )
    api_max_upload_bytes: int = Field(
        default=2_147_483_648,
        ge=1024,
        description="Largest Telegram Desktop export `POST /api/v1/imports` accepts.",
    )
    api_health_timeout: float = Field(
        default=5.0,
        gt=0,
        description="Seconds `GET /health/ready` waits for the database before it answers "
        "not ready.",
    )
    metrics_require_key: bool = Field(
        default=False,
        description="`GET /metrics` needs an API key (scope read) when true; open otherwise.",
    )
    api_run_concurrency: int = Field(
        default=2, ge=1, description="Runs `serve` executes at once; more wait in its queue."
    )
    run_queue: Literal["auto", "in-process", "workers"] = Field(
        default="auto",
        description="Who executes runs started over the API (and with `--queue`): `workers` "
        "(`tg-parser worker` processes; PostgreSQL only), `in-process` (`serve` itself), or "
        "`auto`: workers on PostgreSQL, in-process on SQLite.",
    )
    worker_batch_size: int = Field(
        default=500,
        ge=1,
        description="Messages per job when a queued `process` run is split among workers "
        "(PostgreSQL).",
    )
    worker_lease_seconds: float = Field(
        default=60.0,
        ge=3,
        description="How long a worker's hold on a batch lasts without renewal (renewed every "
        "third of it); a killed worker's batch is taken over after it.",
    )
    api_export_dir: Path = Field(
        default=Path("exports"),
        description="Directory runs started over the API export into (a run's `out` is a "
        "folder inside it).",
    )
    api_upload_dir: Path | None = Field(
        default=None,
        description="Directory uploaded exports wait in until imported (default: the "
        "system's temporary directory).",
    )
    api_max_unzipped_bytes: int = Field(
        default=8_589_934_592,
        ge=1024,
        description="Largest result.json an uploaded zip may unpack to.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhook URLs on private, loopback or link-local addresses.",
    )
    webhook_attempts: int = Field(
        default=5, ge=1, description="Attempts at delivering a webhook before giving up."
    )
    webhook_backoff_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Wait before a webhook's second attempt; doubled for each next one.",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Time a webhook receiver has to answer one attempt."
    )
    api_page_size: int = Field(
        default=50, ge=1, description="Items per page when a request gives no `limit`."
    )
    api_max_page_size: int = Field(
        default=500, ge=1, description="Most items per page; a larger `limit` is capped."
    )
    api_rate_limit: str = Field(
        default="120/minute",
        description="Requests each API key (each client address while the API is open) may "
        "make, like `120/minute` or `10/second`; `0` or empty: no limit.",
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Seconds `serve` remembers a checked API key (a key created or revoked "
        "in another process counts within this time); 0: look each key up every request.",
    )
    api_response_cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Bytes of JSON answers `serve` keeps to answer a repeated read at once "
        "(dropped whenever the database changes); 0: no cache.",
    )

    # --- MCP server (`tg-parser mcp`, and /mcp in `serve`) ---
    mcp_page_size: int = Field(
        default=10, ge=1, description="Items an MCP tool returns when it is given no `limit`."
    )
    mcp_max_page_size: int = Field(
        default=50, ge=1, description="Most items an MCP tool returns; a larger `limit` is capped."
    )
    mcp_max_text_chars: int = Field(
        default=4000,
        ge=100,
        description="Longest channel text an MCP tool returns; a longer one is cut and "
        "marked `truncated`.",
    )

    # --- Scheduler (`tg-parser schedule`, and `serve` when it executes the runs) ---
    schedule_default_poll_interval: int = Field(
        default=3600,
        ge=60,
        description="Seconds between scheduled runs of a source added without `--poll-interval`.",
    )
    schedule_tick_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between scheduler ticks (`tg-parser schedule`, `serve` when it "
        "executes the runs, the workers' periodic task); each tick queues a run for every "
        "source that is due.",
    )
    schedule_max_backoff: int = Field(
        default=86_400,
        ge=60,
        description="Longest wait, in seconds, before retrying a source whose scheduled runs "
        "keep failing (the wait doubles with each failure in a row, up to this).",
    )
    schedule_in_serve: bool = Field(
        default=True,
        description="`serve` runs the scheduler tick in-process when it executes the runs "
        "itself (SQLite, or RUN_QUEUE=in-process; with workers their periodic task ticks); "
        "false: only `tg-parser schedule` (or the workers) schedule.",
    )

    @field_validator("api_rate_limit")
    @classmethod
    def _rate(cls, value: str) -> str:
        if value.strip() in ("", "0") or _RATE.fullmatch(value.strip().lower()):
            return value.strip()
        raise ValueError(f"{value!r} is not a rate: use 120/minute, 10/second, 5000/hour or 0")

    @field_validator("api_cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    def secret_values(self) -> tuple[str, ...]:
        """The values of every secret setting that is set (keys, the Telegram hash and
        session), for masking them in what is printed."""
        values = (getattr(self, name) for name in type(self).model_fields)
        secrets = (value.get_secret_value() for value in values if isinstance(value, SecretStr))
        return tuple(secret for secret in secrets if secret)


def load_settings() -> Settings:
    """Settings from the environment and `.env`; a bad value is one actionable error."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "a setting"
        raise ConfigError(f"{name}: {first['msg']} (fix it in the environment or .env)") from exc
