"""The model-written report: Claude writes the Chinese text, the program checks every claim.

Modules, each owning one step:

- ``tokens``: the conservative local token estimate the input budget is counted in;
- ``prompt``: the bounded model input (statistics and representative tweets as quoted data),
  trimmed to the budget, and the jinja2 prompts in ``services/summarize/prompts``;
- ``schema``: the ``write_report`` tool's JSON schema and the per-section pydantic validation;
- ``verify``: the claim verifier (known ids, traceable numbers, named entities);
- ``client``: the ``anthropic`` SDK client with our own retries and backoff;
- ``governor``: price table, input-hash cache and the per-window run interval;
- ``writer``: :class:`AnthropicWriter`, which ties them together and falls back to the
  extractive writer section by section.
"""

from __future__ import annotations

from services.summarize.writers.model.writer import AnthropicWriter, ModelRun

__all__ = ["AnthropicWriter", "ModelRun"]
