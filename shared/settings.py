"""The one settings object, read from ``TWEETPULSE_*`` environment variables (nested with ``__``).

Built once in ``__main__`` (the CLI) and passed down; handlers never read the environment.
Example: ``TWEETPULSE_REPORT__TIMEZONE=UTC``, ``TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from types import UnionType
from typing import Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestSettings(_Section):
    """How files are read."""

    max_line_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        description="A longer record (a CSV row, a JSON line, one tweet of a page) is rejected.",
    )
    max_page_bytes: int = Field(
        default=32 * 1024 * 1024,
        gt=0,
        description=(
            "A JSON Lines line holding a whole X API response page (twarc2) may be this long;"
            " each of its tweets is still held to max_line_bytes."
        ),
    )
    max_text_chars: int = Field(default=25_000, gt=0)
    date_format: str | None = Field(
        default=None,
        description=(
            "How to read dates such as 09-06-2018: day-first, month-first, or a strptime"
            " pattern (%d-%m-%Y %H:%M); by default each CSV file's own values decide, and"
            " month-first when none does."
        ),
    )
    progress_every_s: float = Field(
        default=5.0, gt=0, description="Plain progress lines this often when not on a terminal."
    )

    @field_validator("date_format")
    @classmethod
    def _known_date_format(cls, value: str | None) -> str | None:
        return normalize_date_format(value)


DATE_ORDERS: dict[str, str] = {
    "day-first": "day-first",
    "dayfirst": "day-first",
    "dmy": "day-first",
    "month-first": "month-first",
    "monthfirst": "month-first",
    "mdy": "month-first",
}
"""Spellings of a date order for ``--date-format`` and ``TWEETPULSE_INGEST__DATE_FORMAT``."""


def normalize_date_format(value: str | None) -> str | None:
    """``day-first``, ``month-first``, a strptime pattern, or None; ValueError when it is none."""
    if value is None or not value.strip():
        return None
    order = DATE_ORDERS.get(value.strip().lower())
    if order is not None:
        return order
    if "%" not in value:
        raise ValueError(f"{value!r} is not day-first, month-first or a strptime pattern")
    sample = datetime(2026, 1, 31, 13, 4, 5)
    try:
        datetime.strptime(sample.strftime(value), value)
    except (ValueError, re.error) as exc:  # re.error: a field given twice (%d-%d)
        raise ValueError(f"{value!r} is not a strptime pattern that reads back ({exc})") from exc
    return value


class ClassifySettings(_Section):
    """Where the taxonomy and the segmentation dictionary come from."""

    taxonomy_path: Path | None = Field(
        default=None, description="YAML taxonomy; the bundled AI taxonomy when unset."
    )
    user_dict_path: Path | None = Field(
        default=None, description="Extra jieba user dictionary, added to the bundled one."
    )


class ReportSettings(_Section):
    """Report windows and how much of them is kept."""

    timezone: str = "Asia/Shanghai"
    writer: Literal["extractive", "anthropic", "openai"] = Field(
        default="extractive",
        description=(
            "anthropic: Claude writes the text (extractive fallback), needs an API key; openai:"
            " a model behind an OpenAI-compatible endpoint (TWEETPULSE_OPENAI__*)."
        ),
    )
    window_days: int = Field(default=1, ge=1, le=31)
    top_k: int = Field(default=10, ge=1, le=100, description="Top tweets kept per sub-topic.")
    term_cap: int = Field(default=5_000, ge=100, description="Word-cloud terms kept per window.")
    cluster_cap: int = Field(default=1_000, ge=10, description="Near-duplicate clusters kept.")
    story_cap: int = Field(
        default=5_000, ge=10, description="Tweets kept per window in the story table."
    )
    report_stories: int = Field(
        default=50, ge=1, le=500, description="Reported stories a report carries."
    )
    cloud_terms: int = Field(default=200, ge=10, description="Terms drawn in the word cloud.")
    refresh_debounce_s: float = Field(
        default=20.0, gt=0, description="Distributed: rebuild a changed window at most this often."
    )
    refresh_tick_s: float = Field(
        default=2.0, gt=0, description="Distributed: how often Celery beat looks for due windows."
    )
    close_grace_s: float = Field(default=3600.0, ge=0, description="Late tweets accepted for.")
    closed_ttl_s: int = Field(default=7 * 24 * 3600, gt=0, description="Closed windows expire.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The report time zone."""
        return ZoneInfo(self.timezone)


class RenderSettings(_Section):
    """Where and how the Jekyll post and the word cloud are written."""

    site_dir: Path = Path("site")
    layout: str = "post"
    image_dir: str = "assets/images"
    font_path: Path | None = Field(
        default=None, description="A CJK font; found on the system if unset."
    )
    cloud_width: int = Field(default=1200, ge=200, le=4000)
    cloud_height: int = Field(default=800, ge=200, le=4000)
    post_hour: str = Field(
        default="10:05:34", description="Time of day in the post's front matter."
    )
    site_url: str | None = Field(
        default=None,
        description="The site's public URL with its baseurl (https://me.github.io/blog); gives "
        "posts.rendered the post's and the cloud's URLs, and the skeleton its url/baseurl.",
    )
    permalink: str = Field(
        default="/:year/:month/:day/:title:output_ext",
        description="The site's Jekyll permalink (the skeleton's), to compute the post's URL.",
    )


class KafkaSettings(_Section):
    """The broker, for distributed mode."""

    bootstrap_servers: str = "127.0.0.1:9092"
    client_id: str = "tweetpulse"
    partitions: int = Field(default=6, ge=1)
    replication_factor: int = Field(default=1, ge=1)
    session_timeout_ms: int = Field(
        default=10_000,
        ge=6_000,
        le=300_000,
        description="A dead consumer's partitions move after this.",
    )
    reconnect_backoff_max_ms: int = Field(default=5_000, ge=100, le=60_000)
    group_prefix: str = Field(
        default="tweetpulse", description="Consumer groups: <prefix>.<service>."
    )
    topic_prefix: str = Field(
        default="", description="Put before every topic name (one broker, many deployments)."
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT", description="SSL / SASL_SSL: TLS to the brokers (ssl_cafile)."
    )
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = Field(
        default=None, description="Required with SASL_PLAINTEXT / SASL_SSL."
    )
    sasl_username: str | None = None
    sasl_password: SecretStr | None = Field(
        default=None, description="From a secret (TWEETPULSE_KAFKA__SASL_PASSWORD)."
    )
    ssl_cafile: Path | None = Field(
        default=None, description="PEM file of the CA(s) that signed the brokers' certificates."
    )
    ssl_certfile: Path | None = Field(
        default=None, description="Client certificate (PEM), for brokers that require one."
    )
    ssl_keyfile: Path | None = Field(default=None, description="The client certificate's key.")
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = Field(
        default=True, description="Check that a broker's certificate names the host dialled."
    )

    @model_validator(mode="after")
    def _security_is_complete(self) -> KafkaSettings:
        sasl = self.security_protocol.startswith("SASL_")
        password = self.sasl_password.get_secret_value() if self.sasl_password else ""
        if sasl and not (self.sasl_mechanism and self.sasl_username and password):
            raise ValueError(
                f"security_protocol {self.security_protocol} needs sasl_mechanism, sasl_username"
                " and sasl_password"
            )
        if not sasl and self.sasl_mechanism is not None:
            raise ValueError(
                f"sasl_mechanism is set but security_protocol is {self.security_protocol}"
            )
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self

    @property
    def tls(self) -> bool:
        """Whether the brokers are dialled over TLS."""
        return self.security_protocol in ("SSL", "SASL_SSL")


class RedisSettings(_Section):
    """Redis, for distributed mode: state store and Celery broker.

    ``rediss://`` URLs speak TLS (``ssl_ca_certs`` names the CA); the password comes from
    ``password`` (a secret), so the URL, which a ConfigMap may hold, can leave it out. A password
    inside the URL still works; ``password`` wins over it.
    """

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = Field(default="tweetpulse", description="Put before every key we write.")
    celery_queue: str = Field(
        default="summarize", description="The Celery queue of summarize's jobs."
    )
    username: str | None = Field(
        default=None, description="An ACL user (Redis 6+), if not default."
    )
    password: SecretStr | None = Field(
        default=None, description="From a secret (TWEETPULSE_REDIS__PASSWORD); empty: none."
    )
    ssl_ca_certs: Path | None = Field(
        default=None,
        description="rediss://: PEM file of the CA that signed the server's certificate.",
    )
    ssl_certfile: Path | None = Field(
        default=None, description="rediss://: client certificate, if the server asks for one."
    )
    ssl_keyfile: Path | None = None
    ssl_check_hostname: bool = True
    socket_timeout_s: float = Field(default=5.0, gt=0, description="Per command and per connect.")

    @field_validator("url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"{value!r} is not a redis://, rediss:// or unix:// URL")
        return value

    @model_validator(mode="after")
    def _tls_is_complete(self) -> RedisSettings:
        if (self.ssl_certfile is None) != (self.ssl_keyfile is None):
            raise ValueError("ssl_certfile and ssl_keyfile go together")
        return self

    @property
    def tls(self) -> bool:
        """Whether the URL asks for TLS."""
        return self.url.startswith("rediss://")

    @property
    def secret(self) -> str | None:
        """The password, or None when unset or empty (an empty Secret key means none)."""
        value = self.password.get_secret_value() if self.password is not None else ""
        return value or None


class WorkerSettings(_Section):
    """What every distributed worker process shares."""

    health_port: int = Field(default=8000, ge=0, le=65535, description="/healthz and /metrics.")
    health_host: str = Field(
        default="127.0.0.1",
        description=(
            "Address /healthz and /metrics bind: 0.0.0.0 in containers (the k8s ConfigMap and"
            " docker-compose set it), so probes and Prometheus reach them."
        ),
    )
    health_timeout_s: float = Field(
        default=5.0, gt=0, le=300, description="A connection that sends no request is dropped."
    )
    health_max_connections: int = Field(
        default=64, ge=1, le=10_000, description="Held at once; the oldest idle one goes first."
    )
    poll_timeout_ms: int = Field(default=500, gt=0)
    max_batch: int = Field(default=500, gt=0, description="Messages handled per poll.")
    max_tries: int = Field(
        default=3, ge=1, le=100, description="A message failing unexpectedly this often is poison."
    )
    poison_streak: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Poison in a row after which the next failing message is held, not dropped.",
    )


class ModelPrice(_Section):
    """What one model costs, in US dollars per million tokens."""

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


# Anthropic's list prices (November 2026); a dated model id matches its longest listed prefix.
DEFAULT_MODEL_PRICES: dict[str, ModelPrice] = {
    name: ModelPrice(input_per_mtok=i, output_per_mtok=o)
    for name, i, o in (
        ("claude-fable-5-2", 8.0, 40.0),
        ("claude-fable-5-1", 10.0, 50.0),
        ("claude-opus-5-5", 4.0, 20.0),
        ("claude-opus-5", 5.0, 25.0),
        ("claude-sonnet-5-5", 2.0, 10.0),
        ("claude-sonnet-5", 2.0, 10.0),
        ("claude-opus-4-8", 5.0, 25.0),
        ("claude-opus-4-7", 5.0, 25.0),
        ("claude-opus-4-6", 5.0, 25.0),
        ("claude-opus-4-5", 5.0, 25.0),
        ("claude-opus-4-1", 15.0, 75.0),
        ("claude-opus-4", 15.0, 75.0),
        ("claude-sonnet-4-6", 3.0, 15.0),
        ("claude-sonnet-4-5", 3.0, 15.0),
        ("claude-sonnet-4", 3.0, 15.0),
        ("claude-haiku-4-5", 1.0, 5.0),
    )
}
"""Default price table of the model writer (USD per million input / output tokens)."""


class ModelWriterSettings(_Section):
    """What every model writer shares: limits, budget, strategy, interval, retries, cache, prices.

    Each provider's section (``anthropic``, ``openai``) has all of these under its own prefix.
    """

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = ""
    max_tokens: int = Field(default=8_000, gt=0)
    timeout_s: float = Field(default=120.0, gt=0)
    force_tool: bool = Field(
        default=True, description="tool_choice forces write_report; false sends 'auto'."
    )
    input_token_budget: int = Field(
        default=40_000, ge=2_000, description="Estimated input tokens per report, all calls."
    )
    min_interval_s: float = Field(
        default=900.0, ge=0, description="The model runs at most this often per window."
    )
    strategy: Literal["single", "map_reduce"] = Field(
        default="single",
        description=(
            "single: one request over the representative tweets; map_reduce: one request per"
            " sub-topic group for findings, then one that writes the report from them (it reads"
            " fewer tweets for the same budget: README, model writer)."
        ),
    )
    map_groups: int = Field(
        default=6, ge=2, le=20, description="Map requests per report at most (sub-topic groups)."
    )
    map_notes: int = Field(default=4, ge=1, le=8, description="Findings per map request at most.")
    map_max_tokens: int = Field(default=1_500, gt=0, description="Output tokens of a map request.")
    story_full: int = Field(
        default=20,
        ge=0,
        description="Strongest stories read with 400 characters of text; the rest get story_chars.",
    )
    story_chars: int = Field(
        default=120, ge=40, le=400, description="Text of the other story lines (sentence-cut)."
    )
    max_retries: int = Field(default=4, ge=0, description="Retries of one request (429/5xx).")
    retry_base_s: float = Field(default=1.0, gt=0, description="First backoff; doubles per retry.")
    retry_max_s: float = Field(
        default=60.0, gt=0, description="Longest wait; a longer retry-after ends the retries."
    )
    cache_ttl_s: int = Field(
        default=7 * 24 * 3600, gt=0, description="Model answers kept by input hash."
    )
    prices: dict[str, ModelPrice] = Field(default_factory=dict)


class AnthropicSettings(ModelWriterSettings):
    """The Claude writer (``writer=anthropic``), through the official ``anthropic`` SDK.

    The default model is Claude Sonnet 5: it accepts the forced tool call the writer uses for
    structured output, which Sonnet 5.5 answers with 400 (set ``force_tool=false`` for it), and
    Sonnet 4.5 reaches its end of life on 2026-11-30. ``temperature`` is kept for older
    configurations but not sent: SDK 2.x and API version 2026-10-21 reject sampling parameters.
    """

    api_key: SecretStr | None = Field(
        default=None, description="When unset, the SDK's own lookup (ANTHROPIC_API_KEY) applies."
    )
    model: str = "claude-sonnet-5"
    temperature: float = Field(default=0.3, ge=0, le=1, description="Not sent (see above).")
    max_retries: int = Field(default=4, ge=0, description="Retries of one request (429/5xx/529).")
    prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_MODEL_PRICES))


class OpenAICompatSettings(ModelWriterSettings):
    """A model of your own behind an OpenAI-compatible Chat Completions endpoint
    (``writer=openai``): vLLM, Ollama, llama.cpp's server, or any service that speaks it.

    The model must support tool (function) calling. No price table by default: a self-hosted
    model's cost is unknown unless ``prices`` names it.
    """

    base_url: str | None = Field(
        default="http://127.0.0.1:11434/v1",
        description="Up to /v1 (Ollama's default shown; vLLM serves http://HOST:8000/v1).",
    )
    api_key: SecretStr | None = Field(
        default=None, description="Sent as a bearer token when set (vLLM --api-key)."
    )
    model: str = Field(default="", description="The served model's name; required.")


DEFAULT_X_QUERY = (
    '(AI OR LLM OR "large language model" OR 大模型 OR 人工智能 OR OpenAI OR Anthropic OR NVIDIA)'
    " -is:retweet"
)
"""The default X search query and stream rule: AI in English and Chinese, retweets left out."""


class StreamRule(_Section):
    """One filtered-stream rule: its query (X's rule syntax) and the tag that names it."""

    value: str = Field(min_length=1, max_length=1024)
    tag: str | None = Field(default=None, max_length=256)


class XApiSettings(_Section):
    """The X API v2 sources: token, query, polling, stream rules, timeouts and backoff.

    The backoff defaults follow X's reconnection guidance for streams: network errors back off
    linearly by 250 ms up to 16 s, HTTP errors exponentially from 5 s up to 320 s, and 429
    exponentially from one minute (or until ``x-rate-limit-reset`` when the API sends it).
    """

    bearer_token: SecretStr | None = Field(
        default=None, description="App-only bearer token (TWEETPULSE_X_API__BEARER_TOKEN)."
    )
    base_url: str = "https://api.x.com"
    query: str = Field(default=DEFAULT_X_QUERY, min_length=1, max_length=4096)
    poll_interval_s: float = Field(default=60.0, gt=0, description="Recent search: between polls.")
    max_results: int = Field(default=100, ge=10, le=100, description="Recent search: per page.")
    max_pages_per_poll: int = Field(
        default=10, ge=1, description="Recent search: older pages of one poll are skipped."
    )
    settle_s: float = Field(
        default=10.0,
        ge=0,
        le=3_600,
        description=(
            "Recent search: tweets posted this close to a poll are asked for again by the next"
            " one, so a tweet X indexes late is not missed (ingest drops the repeats)."
        ),
    )
    stream_rules: tuple[StreamRule, ...] = (StreamRule(value=DEFAULT_X_QUERY, tag="tweetpulse-ai"),)
    request_timeout_s: float = Field(default=30.0, gt=0)
    connect_timeout_s: float = Field(default=10.0, gt=0)
    stream_idle_timeout_s: float = Field(
        default=90.0,
        gt=0,
        description="X sends a keep-alive every ~20 s; silence this long is a stall.",
    )
    network_backoff_step_s: float = Field(default=0.25, gt=0)
    network_backoff_max_s: float = Field(default=16.0, gt=0)
    http_backoff_start_s: float = Field(default=5.0, gt=0)
    http_backoff_max_s: float = Field(default=320.0, gt=0)
    rate_limit_backoff_start_s: float = Field(default=60.0, gt=0)
    rate_limit_backoff_max_s: float = Field(default=960.0, gt=0)
    backoff_jitter: float = Field(
        default=0.1, ge=0, le=1, description="Up to this fraction is added to every backoff."
    )


class ReplaySettings(_Section):
    """Timed replay of files (``--replay-speed``, ``--rate``)."""

    buffer_records: int = Field(
        default=50_000, ge=1, description="Records held to put a file in event-time order."
    )


class WebhookTarget(_Section):
    """A chat platform's incoming webhook: its URL (which holds the bot's key), and its signing
    secret where the platform signs (Feishu/Lark, DingTalk, our generic webhook).

    Unset or empty, the target is off. Both belong in a Secret, never a ConfigMap.
    """

    url: SecretStr | None = None
    secret: SecretStr | None = None
    images: bool = Field(default=True, description="Show the word cloud where the target can.")


class TelegramTarget(_Section):
    """A Telegram bot (Bot API ``sendMessage``) and the chat it posts to; off without a token."""

    token: SecretStr | None = None
    chat_id: str | None = Field(default=None, description="@channelname or the numeric chat id.")
    base_url: str = "https://api.telegram.org"
    images: bool = Field(default=True, description="The cloud as the message's link preview.")


_QUIET = r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"


class NotifySettings(_Section):
    """Where notify pushes each post's digest, and the rules that keep it from nagging.

    One target per platform: ``TWEETPULSE_NOTIFY__SLACK__URL``, ``…__FEISHU__URL`` and
    ``…__FEISHU__SECRET``, ``…__TELEGRAM__TOKEN`` and ``…__TELEGRAM__CHAT_ID``, … (README, Notify).
    """

    feishu: WebhookTarget = WebhookTarget()
    dingtalk: WebhookTarget = WebhookTarget()
    wecom: WebhookTarget = WebhookTarget()
    telegram: TelegramTarget = TelegramTarget()
    slack: WebhookTarget = WebhookTarget()
    webhook: WebhookTarget = WebhookTarget()
    top_points: int = Field(default=3, ge=1, le=10, description="Core points in a digest.")
    daily_limit: int = Field(
        default=3, ge=1, description="Pushes per target per window per day, refreshes included."
    )
    quiet_hours: str = Field(
        default="",
        pattern=_QUIET,
        description="HH:MM-HH:MM in the report time zone (may cross midnight); pushes due then "
        "wait for its end. Empty: none.",
    )
    timeout_s: float = Field(default=10.0, gt=0, description="One HTTP request.")
    max_attempts: int = Field(default=5, ge=1, description="Tries per push (429/5xx retried).")
    retry_base_s: float = Field(default=1.0, gt=0, description="First backoff; doubles per try.")
    retry_max_s: float = Field(
        default=60.0, gt=0, description="Longest wait; a longer retry-after fails the push."
    )
    tick_s: float = Field(default=30.0, gt=0, description="How often deferred pushes are due.")
    ledger_ttl_s: int = Field(
        default=30 * 24 * 3600, gt=0, description="How long what was pushed is remembered."
    )


class Settings(BaseSettings):
    """Everything configurable, from the environment with prefix ``TWEETPULSE_``."""

    model_config = SettingsConfigDict(
        env_prefix="TWEETPULSE_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    mode: Literal["embedded", "distributed"] = "embedded"
    log_level: str = "INFO"
    log_json: bool = False
    ingest: IngestSettings = IngestSettings()
    classify: ClassifySettings = ClassifySettings()
    report: ReportSettings = ReportSettings()
    render: RenderSettings = RenderSettings()
    kafka: KafkaSettings = KafkaSettings()
    redis: RedisSettings = RedisSettings()
    worker: WorkerSettings = WorkerSettings()
    anthropic: AnthropicSettings = AnthropicSettings()
    openai: OpenAICompatSettings = OpenAICompatSettings()
    x_api: XApiSettings = XApiSettings()
    replay: ReplaySettings = ReplaySettings()
    notify: NotifySettings = NotifySettings()


def unknown_variables(environ: Iterable[str]) -> list[str]:
    """``TWEETPULSE_*`` names that match no setting (pydantic-settings ignores them silently)."""
    out = []
    for name in environ:
        if not name.startswith("TWEETPULSE_"):
            continue
        model: type[BaseModel] = Settings
        *sections, leaf = name.removeprefix("TWEETPULSE_").lower().split("__")
        for section in sections:
            field = model.model_fields.get(section)
            nested = field.annotation if field is not None else None
            if not (isinstance(nested, type) and issubclass(nested, BaseModel)):
                out.append(name)
                break
            model = nested
        else:
            if leaf not in model.model_fields:
                out.append(name)
    return sorted(out)


# ---------------------------------------------------------------------------- error reporting
#
# What a user sees when the environment is wrong: one line per problem, naming the variable as
# they typed it, what it wants, and for an unknown name the closest known one.

ENV_PREFIX = "TWEETPULSE_"
"""What every setting's variable starts with."""


def _section_of(annotation: object) -> type[BaseModel] | None:
    return (
        annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    )


def setting_fields() -> dict[str, FieldInfo]:
    """Every setting's variable name -> its field, in the order of the settings classes."""
    out: dict[str, FieldInfo] = {}
    for name, field in Settings.model_fields.items():
        section = _section_of(field.annotation)
        if section is None:
            out[ENV_PREFIX + name.upper()] = field
            continue
        for leaf, inner in section.model_fields.items():
            out[f"{ENV_PREFIX}{name.upper()}__{leaf.upper()}"] = inner
    return out


def unknown_setting_message(name: str) -> str:
    """``unknown setting X; did you mean Y?`` (or where to find the names)."""
    # Compared without the common prefix, which would make any two names look alike.
    known = [n.removeprefix(ENV_PREFIX) for n in setting_fields()]
    typed = name.upper().removeprefix(ENV_PREFIX)
    close = difflib.get_close_matches(typed, known, n=1, cutoff=0.75)
    if close:
        return f"unknown setting {name}; did you mean {ENV_PREFIX}{close[0]}?"
    return f"unknown setting {name} (`tweetpulse settings` lists every name)"


def _bounds(field: FieldInfo) -> tuple[dict[str, object], dict[str, object]]:
    low: dict[str, object] = {}
    high: dict[str, object] = {}
    for meta in field.metadata:
        for key in ("ge", "gt"):
            if getattr(meta, key, None) is not None:
                low[key] = getattr(meta, key)
        for key in ("le", "lt"):
            if getattr(meta, key, None) is not None:
                high[key] = getattr(meta, key)
        for key in ("min_length", "max_length"):
            if getattr(meta, key, None) is not None:
                (low if key == "min_length" else high)[key] = getattr(meta, key)
    return low, high


def _range(kind: str, low: dict[str, object], high: dict[str, object]) -> str:
    if "ge" in low and "le" in high:
        return f"{kind} from {low['ge']} to {high['le']}"
    parts = [kind]
    if "ge" in low:
        parts.append(f"of at least {low['ge']}")
    if "gt" in low:
        parts.append(f"above {low['gt']}")
    if "le" in high:
        parts.append(f"of at most {high['le']}")
    if "lt" in high:
        parts.append(f"below {high['lt']}")
    return " ".join(parts) if len(parts) < 3 else f"{parts[0]} {parts[1]} and {parts[2]}"


def _plain(annotation: object) -> list[object]:
    """The alternatives of an annotation, ``None`` left out."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, UnionType):
        return [a for a in args if a is not type(None)]
    return [annotation]


def wants(field: FieldInfo) -> str:
    """What a setting's value must be, in words: ``an integer from 1 to 31``, ``one of a, b``."""
    low, high = _bounds(field)
    kinds = _plain(field.annotation)
    kind = kinds[0] if len(kinds) == 1 else None
    origin = get_origin(kind)
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in get_args(kind))
    if kind is bool:
        return "true or false"
    if kind is int:
        return _range("an integer", low, high)
    if kind is float:
        return _range("a number", low, high)
    if kind is SecretStr:
        return "a secret (text)"
    if kind is Path:
        return "a path"
    if origin is tuple and get_args(kind) and _section_of(get_args(kind)[0]) is StreamRule:
        return 'JSON: a list of {"value": "…", "tag": "…"} objects'
    if origin is dict:
        return 'JSON: an object of model name -> {"input_per_mtok": …, "output_per_mtok": …}'
    if kind is str and ("min_length" in low or "max_length" in high):
        return f"text of {low.get('min_length', 0)} to {high.get('max_length', '…')} characters"
    return "text"


def _env_name(loc: tuple[int | str, ...]) -> tuple[str, FieldInfo | None, str]:
    """(variable, its field, where inside the value) for an error's location."""
    model: type[BaseModel] = Settings
    parts: list[str] = []
    field: FieldInfo | None = None
    rest = list(loc)
    while rest and isinstance(rest[0], str) and rest[0] in model.model_fields:
        key = str(rest.pop(0))
        field = model.model_fields[key]
        parts.append(key.upper())
        section = _section_of(field.annotation)
        if section is None or len(parts) == 2:
            break
        model = section
    inner, deeper = field, rest
    # Inside a JSON value (rules, prices): the deepest model field the location still names.
    for kind in _plain(field.annotation if field is not None else None):
        for arg in (kind, *get_args(kind)):
            nested = _section_of(arg)
            if nested is not None:
                for part in deeper:
                    if isinstance(part, str) and part in nested.model_fields:
                        inner = nested.model_fields[part]
    where = ".".join(str(p) for p in rest)
    return ENV_PREFIX + "__".join(parts), inner, where


def _shown(name: str, environ: Mapping[str, str], field: FieldInfo | None) -> str:
    if name not in environ:
        return name
    if field is not None and SecretStr in _plain(field.annotation):
        return f"{name}=<secret>"
    return f"{name}={environ[name]!r}"


def settings_error_lines(exc: Exception, environ: Mapping[str, str]) -> list[str]:
    """One line per problem in ``exc`` (a ValidationError or a pydantic-settings SettingsError)."""
    if isinstance(exc, ValidationError):
        lines: list[str] = []
        for error in exc.errors():
            name, field, where = _env_name(tuple(error["loc"]))
            at = f" (at {where})" if where else ""
            if error["type"] == "value_error" or field is None:
                said = str(error["msg"]).removeprefix("Value error, ")
            else:
                said = "wants " + wants(field)
            line = f"{_shown(name, environ, field)}{at}: {said}"
            if line not in lines:
                lines.append(line)
        return lines
    # pydantic-settings names only the section whose JSON value did not parse.
    found = re.search(r'field "([a-z_]+)"', str(exc))
    section = found.group(1).upper() if found else ""
    fields = setting_fields()
    lines = []
    for name in sorted(environ):
        if not name.startswith(f"{ENV_PREFIX}{section}__") or name not in fields:
            continue
        try:
            json.loads(environ[name])
        except ValueError:
            if wants(fields[name]).startswith("JSON"):
                lines.append(f"{_shown(name, environ, fields[name])}: wants {wants(fields[name])}")
    return lines or [f"{ENV_PREFIX}{section}__…: {exc}"]


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, what it wants) for every setting: ``tweetpulse settings``."""
    rows = []
    for name, field in setting_fields().items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel | tuple | dict):
            shown = "(see the docs)" if default else "none"
        elif default is None or isinstance(default, SecretStr):
            shown = "none"
        else:
            shown = str(default)
        rows.append((name, shown, wants(field)))
    return rows
