"""One error tree for the whole pipeline.

::

    PipelineError                  anything tweetpulse raises on purpose
    ├── RetryableError             a dependency is down for now: back off, do not commit, try again
    │   ├── BrokerUnavailable      Kafka cannot be reached or refused the write
    │   ├── StoreUnavailable       Redis cannot be reached (refused, timed out, loading, read-only)
    │   ├── ModelUnavailable       the model API timed out, was overloaded or rate-limited us
    │   ├── StorageFull            a disk we write is full (ENOSPC, EDQUOT): wait for space
    │   └── HandlerFailed          the handler raised something unexpected on one message: tried
    │                              again a few times, then that message is dead-lettered as poison
    ├── InvalidMessage             this message or record will never process: dead-letter it, commit
    ├── StoreError                 the store refused a command (a script error, a wrong type)
    ├── InputError                 a file or source the user named cannot be read at all
    └── ConfigError                the settings, a taxonomy or a template are wrong; fix and restart

A runner decides what to do from the class alone, so handlers raise the most precise one.
Anything else a handler raises is treated as the message's fault (``shared.dispatch``): the bus
tries it again and dead-letters it after a bounded number of tries, so one message never stops a
worker; ``ConfigError`` alone stops it, since no message can succeed until the settings change.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Root of every error tweetpulse raises on purpose."""


class RetryableError(PipelineError):
    """A dependency is unavailable for now; the same message may succeed later."""


class BrokerUnavailable(RetryableError):
    """The message broker cannot be reached or did not acknowledge a write."""


class StoreUnavailable(RetryableError):
    """The state store cannot be reached (or is loading, read-only, out of memory) for now."""


class ModelUnavailable(RetryableError):
    """The language-model API failed transiently (timeout, 429, 5xx, overloaded)."""


class StorageFull(RetryableError):
    """A disk the pipeline writes (the site) is full; the write succeeds once space returns."""


class HandlerFailed(RetryableError):
    """A handler raised an unexpected error on one message; the bus tries that message again.

    Raised by :func:`shared.dispatch.dispatch` in place of the handler's exception (its
    ``__cause__``) while the message has tries left. ``holding`` is set when so many messages in a
    row failed that the fault is the handler's or a dependency's, not the messages': the bus then
    holds the message (backs off, reports not ready) instead of dead-lettering the whole stream.
    """

    def __init__(self, reason: str, *, tries: int, holding: bool = False) -> None:
        super().__init__(reason)
        self.tries = tries
        self.holding = holding


class InvalidMessage(PipelineError):
    """A message or input record that can never be processed; it goes to the dead-letter topic."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


class StoreError(PipelineError):
    """The state store refused a command (a script error, a key of the wrong type): not an outage.

    Nothing retries it as one; the message that caused it is dead-lettered after its tries.
    """


class InputError(PipelineError):
    """An input the user named (a file, a source) cannot be opened or read at all."""


class ConfigError(PipelineError):
    """Settings, a taxonomy file or a template are invalid."""
