"""The one settings object, read from ``TWEETPULSE_*`` environment variables (nested with ``__``).

Built once in ``__main__`` (the CLI) and passed down; handlers never read the environment.
Example: ``TWEETPULSE_REPORT__TIMEZONE=UTC``, ``TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class IngestSettings(_Section):
    """How files are read."""

    max_line_bytes: int = Field(
        default=256 * 1024, gt=0, description="Longer records are rejected."
    )
    max_text_chars: int = Field(default=25_000, gt=0)
    progress_every: int = Field(default=10_000, gt=0, description="Progress line every N records.")


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
