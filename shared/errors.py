"""One error tree for the whole pipeline.

::

    PipelineError                  anything tweetpulse raises on purpose
    ├── RetryableError             a dependency is down for now: back off, do not commit, try again
    │   ├── BrokerUnavailable      Kafka cannot be reached or refused the write
    │   ├── StoreUnavailable       Redis cannot be reached
    │   └── ModelUnavailable       the model API timed out, was overloaded or rate-limited us
    ├── InvalidMessage             this message or record will never process: dead-letter it, commit
    ├── InputError                 a file or source the user named cannot be read at all
    └── ConfigError                the settings, a taxonomy or a template are wrong; fix and restart

A runner decides what to do from the class alone, so handlers raise the most precise one.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error tweetpulse raises on purpose."""


class RetryableError(PipelineError):
    """A dependency is unavailable for now; the same message may succeed later."""


class BrokerUnavailable(RetryableError):
    """The message broker cannot be reached or did not acknowledge a write."""


class StoreUnavailable(RetryableError):
    """The state store cannot be reached."""


class ModelUnavailable(RetryableError):
    """The language-model API failed transiently (timeout, 429, 5xx, overloaded)."""


class InvalidMessage(PipelineError):
    """A message or input record that can never be processed; it goes to the dead-letter topic."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class InputError(PipelineError):
    """An input the user named (a file, a source) cannot be opened or read at all."""


class ConfigError(PipelineError):
    """Settings, a taxonomy file or a template are invalid."""
