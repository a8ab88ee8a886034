"""The model-written report: a model (Claude, or one behind an OpenAI-compatible endpoint) writes
the Chinese text, the program checks every claim.

Modules, each owning one step:

- ``tokens``: the conservative local token estimate the input budget is counted in;
- ``prompt``: the bounded model input (statistics and representative tweets, or stories, as
  quoted data), trimmed to the budget, and the jinja2 prompts in ``services/summarize/prompts``;
- ``stories``: the story input, one line per story and language with its size and breadth;
- ``schema``: the ``write_report`` tool's JSON schema and the per-section pydantic validation;
- ``verify``: the claim verifier (known ids, traceable numbers, named entities);
- ``client``: the retries and backoff every client shares, and the ``anthropic`` SDK client;
- ``openai_compat``: the Chat Completions client over httpx and :class:`OpenAICompatWriter`, for
  models behind an OpenAI-compatible endpoint (vLLM, Ollama);
- ``mapreduce``: the map/reduce plan (findings per sub-topic group, then the report);
- ``governor``: price table, input-hash cache and the per-window run interval;
- ``run``: the records of one report's run (:class:`ModelRun`, the cached answer, and
  :class:`ModelWritten`, what a write returns);
- ``writer``: the orchestration, :class:`ModelWriter` (budget and plan, requests and the repair
  round, cache, interval, usage) and :class:`AnthropicWriter`, the Claude one;
- ``assemble``: the answer, the verifier's verdicts and the extractive sections made into the
  report and its footer.

The Chinese phrasing comes from ``writers.phrasing``; the extractive writer is used only as the
fallback for what the model does not write.
"""

from __future__ import annotations

from services.summarize.writers.model.run import ModelRun, ModelWritten
from services.summarize.writers.model.writer import AnthropicWriter, ModelWriter

__all__ = ["AnthropicWriter", "ModelRun", "ModelWriter", "ModelWritten"]
