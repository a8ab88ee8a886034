"""The model-written report: a model (Claude, or one behind an OpenAI-compatible endpoint) writes
the Chinese text, the program checks every claim.

Modules, each owning one step:

- ``tokens``: the conservative local token estimate the input budget is counted in;
- ``prompt``: the bounded model input (statistics and representative tweets as quoted data),
  trimmed to the budget, and the jinja2 prompts in ``services/summarize/prompts``;
- ``schema``: the ``write_report`` tool's JSON schema and the per-section pydantic validation;
- ``verify``: the claim verifier (known ids, traceable numbers, named entities);
- ``client``: the retries and backoff every client shares, and the ``anthropic`` SDK client;
- ``openai_compat``: the Chat Completions client over httpx and :class:`OpenAICompatWriter`, for
  models behind an OpenAI-compatible endpoint (vLLM, Ollama);
- ``mapreduce``: the map/reduce plan (findings per sub-topic group, then the report);
- ``governor``: price table, input-hash cache and the per-window run interval;
- ``writer``: :class:`ModelWriter`, which ties them together and falls back to the extractive
  writer section by section, and :class:`AnthropicWriter`, the Claude one.
"""

from __future__ import annotations

from services.summarize.writers.model.writer import AnthropicWriter, ModelRun, ModelWriter

__all__ = ["AnthropicWriter", "ModelRun", "ModelWriter"]
