"""Every generated document: the README's diagram and topic table, drawn from the topology, and
the contract files of ``shared.schema_export`` with each topic's producer from it.

``make schemas`` (``python -m services.topology_docs``) writes them; ``tests/unit/test_schemas.py``
fails when a committed one drifts. In the README only the text between a ``<!-- topology:NAME
-->`` line and its ``<!-- /topology:NAME -->`` is generated.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from services import topology
from services.topology import Consumer, Source
from shared import schema_export
from shared.models import TOPIC_MODELS, DeadLetter

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def producers() -> dict[str, str]:
    """Each topic and the services that publish it, from the topology."""
    return {
        name: ", ".join(s.name for s in topology.SERVICES if model in s.publishes)
        for name, model in TOPIC_MODELS.items()
    }


def _readers(topic: str) -> list[Consumer[Any, Any]]:
    return [c for c in topology.CONSUMERS if topology.topic(c.reads) == topic]


def mermaid() -> str:
    """The flowchart of the services, their topics, state, outputs and dead letters."""
    lines = ["```mermaid", "flowchart LR"]
    for service in topology.SERVICES:
        if isinstance(service, Source):
            lines.append(f"    {service.name}_in[{service.reads_from}] --> {service.name}")
    for service in topology.SERVICES:
        for model in service.publishes:
            name = topology.topic(model)
            readers = _readers(name)
            for reader in readers:
                lines.append(f"    {service.name} -- {name} --> {reader.name}")
            if not readers:
                lines.append(f"    {service.name} -- {name} --> others((other teams))")
        if service.writes:
            lines.append(f"    {service.name} --> {service.name}_out[({service.writes})]")
    every = " & ".join(s.name for s in topology.SERVICES)
    lines.append(f'    {every} -. "&lt;topic&gt;.dlq" .-> dlq[(dead letters)]')
    keepers = [s for s in topology.SERVICES if s.keeps]
    if keepers:
        kept = ",<br/>".join(s.keeps for s in keepers)
        lines.append(f"    {' & '.join(s.name for s in keepers)} <--> store[(Redis: {kept})]")
    for consumer in topology.CONSUMERS:
        if consumer.scheduled_by:
            clock = f"{consumer.name}_schedule[{consumer.scheduled_by}]"
            lines.append(f"    {clock} -- refresh / close windows --> {consumer.name}")
    lines.append("```")
    return "\n".join(lines)


def topic_table() -> str:
    """The Markdown table of topics: model, key, who writes it, who reads it in which group."""
    by = producers()
    lines = [
        "| topic | message | key | written by | read by (consumer group) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, model in TOPIC_MODELS.items():
        readers = ", ".join(f"{c.name} (`{c.group}`)" for c in _readers(name)) or "other teams"
        key = schema_export.KEYS[name]
        lines.append(f"| `{name}` | `{model.__name__}` | {key} | {by[name]} | {readers} |")
    dlq = "<topic>.dlq"
    lines.append(
        f"| `{dlq}` | `{DeadLetter.__name__}` | {schema_export.KEYS[dlq]} | "
        f"{schema_export.DLQ_PRODUCER.replace('<topic>', '`<topic>`')} | operators |"
    )
    return "\n".join(lines)


SECTIONS = {"diagram": mermaid, "topics": topic_table}
"""The README's generated sections, by marker name."""


def readme(text: str) -> str:
    """``text`` (the README) with every generated section drawn afresh."""
    for name, draw in SECTIONS.items():
        pattern = re.compile(
            rf"(<!-- topology:{name} -->\n)(?:.*?\n)?(<!-- /topology:{name} -->)", re.DOTALL
        )
        found = pattern.search(text)
        if found is None:
            raise ValueError(f"README.md has no <!-- topology:{name} --> section")
        body = f"{found.group(1)}{draw()}\n{found.group(2)}"
        text = text[: found.start()] + body + text[found.end() :]
    return text


def generated() -> dict[Path, str]:
    """Every generated file and its text."""
    out = schema_export.generated(producers())
    out[README] = readme(README.read_text(encoding="utf-8"))
    return out


def main() -> int:
    """Regenerate the committed generated files."""
    for path, text in generated().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
