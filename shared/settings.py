"""The one settings object, read from ``TWEETPULSE_*`` environment variables (nested with ``__``).

Built once in ``__main__`` (the CLI) and passed down; handlers never read the environment.
Example: ``TWEETPULSE_REPORT__TIMEZONE=UTC``, ``TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS=kafka:9092``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
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
    window_days: int = Field(default=1, ge=1, le=31)
    top_k: int = Field(default=10, ge=1, le=100, description="Top tweets kept per sub-topic.")
    term_cap: int = Field(default=5_000, ge=100, description="Word-cloud terms kept per window.")
    cluster_cap: int = Field(default=1_000, ge=10, description="Near-duplicate clusters kept.")
    cloud_terms: int = Field(default=200, ge=10, description="Terms drawn in the word cloud.")
    refresh_debounce_s: float = Field(default=30.0, gt=0)
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


class RedisSettings(_Section):
    """Redis, for distributed mode: state store and Celery broker."""

    url: str = "redis://127.0.0.1:6379/0"


class AnthropicSettings(_Section):
    """The model writer."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = "claude-sonnet-4-5"
    max_tokens: int = Field(default=8_000, gt=0)
    temperature: float = Field(default=0.3, ge=0, le=1)
    timeout_s: float = Field(default=120.0, gt=0)


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
    anthropic: AnthropicSettings = AnthropicSettings()
