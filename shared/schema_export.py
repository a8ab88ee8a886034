"""Generates the published contract from the models.

- ``shared/schemas/<topic>.json``: the JSON Schema of each topic's model (``dlq.json`` for DLQs);
- ``docs/asyncapi.json``: an AsyncAPI 3.0 document of the topics, keys and messages;
- ``docs/topics.md``: the page other teams read.

Which service produces each topic is the topology's to say (``services/topology.py``), and
``shared`` never imports ``services``: the caller passes ``producers`` in. ``make schemas``
(``python -m services.topology_docs``) writes these files with the README's generated sections;
``tests/unit/test_schemas.py`` fails when any of them drifts.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shared.models import TOPIC_MODELS, Contract, DeadLetter

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = Path(__file__).parent / "schemas"
DOCS_DIR = ROOT / "docs"

KEYS = {
    "tweets.raw": "the (original) author's username, lower-cased: every copy of a tweet stays in order on one partition",
    "tweets.classified": "the (original) author's username, lower-cased",
    "reports.ready": "window id (YYYY-MM-DD, the window's start date in the report time zone)",
    "posts.rendered": "window id",
    "<topic>.dlq": "the failed message's key, if it had one",
}
DLQ_PRODUCER = "the consumer of <topic> that gave up on a message"
"""Who writes a dead letter (every topic's producers come from the topology)."""
DLQ_HEADERS = "`dlq.topic`, `dlq.partition`, `dlq.offset`, `dlq.exception.class`, `dlq.exception.message` (UTF-8 strings)"


def _topics() -> dict[str, type[Contract]]:
    return {**TOPIC_MODELS, "<topic>.dlq": DeadLetter}


def _file_name(topic: str) -> str:
    return "dlq.json" if topic == "<topic>.dlq" else f"{topic}.json"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schemas() -> dict[str, str]:
    """File name → JSON Schema text, for every topic."""
    out = {}
    for topic, model in _topics().items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://tweetpulse.invalid/schemas/{_file_name(topic)}"
        schema["x-topic"] = topic
        schema["x-key"] = KEYS[topic]
        out[_file_name(topic)] = _dump(schema)
    return out


def asyncapi(producers: Mapping[str, str]) -> dict[str, Any]:
    """An AsyncAPI 3.0 document for the topics, with every schema under components.

    ``producers`` names the service writing each topic (``<topic>.dlq`` has its own text).
    """
    producers = {**producers, "<topic>.dlq": DLQ_PRODUCER}
    components: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic, model in _topics().items():
        name = model.__name__
        schema = model.model_json_schema(
            mode="serialization", ref_template="#/components/schemas/{model}"
        )
        components.update(schema.pop("$defs", {}))
        components[name] = schema
        messages[name] = {
            "name": name,
            "title": name,
            "summary": (model.__doc__ or "").strip().splitlines()[0],
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {
                "kafka": {"key": {"type": "string", "description": KEYS[topic]}},
            },
        }
        channel = topic.replace(".", "_").replace("<topic>", "any")
        channels[channel] = {
            "address": topic if topic != "<topic>.dlq" else "{topic}.dlq",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "description": f"Produced by {producers[topic]}. Key: {KEYS[topic]}.",
        }
        if topic == "<topic>.dlq":
            channels[channel]["parameters"] = {
                "topic": {"description": "The topic the message failed on, e.g. tweets.raw"}
            }
        operations[f"receive_{channel}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"Subscribe to {topic}",
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "tweetpulse topics",
            "version": "1",
            "description": "Events between the tweetpulse services; JSON values, UTF-8.",
        },
        "servers": {
            "local": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "make services-up",
            }
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"schemas": components, "messages": messages},
    }


def topics_page(producers: Mapping[str, str]) -> str:
    """The Markdown page for consumers: topics, keys, producers (see :func:`asyncapi`), schemas."""
    producers = {**producers, "<topic>.dlq": DLQ_PRODUCER}
    lines = [
        "# tweetpulse topics",
        "",
        "Generated by `make schemas` from `shared/models.py` and `services/topology.py`; do not",
        "edit.",
        "Every value is a UTF-8 JSON object; every model has a `schema_version` and refuses unknown",
        "fields. Additive changes keep the version; anything else bumps it. The full AsyncAPI 3.0",
        "document is [asyncapi.json](asyncapi.json).",
        "",
        "| topic | message | key | producer | schema |",
        "| --- | --- | --- | --- | --- |",
    ]
    for topic, model in _topics().items():
        lines.append(
            f"| `{topic}` | `{model.__name__}` | {KEYS[topic]} | {producers[topic]} | "
            f"[{_file_name(topic)}](../shared/schemas/{_file_name(topic)}) |"
        )
    lines += ["", f"Dead letters also carry Kafka headers: {DLQ_HEADERS}.", ""]
    for topic, model in _topics().items():
        doc = inspect.cleandoc(model.__doc__ or "")
        lines += [f"## `{topic}`: {model.__name__}", "", doc, "", "| field | type | description |"]
        lines.append("| --- | --- | --- |")
        for name, field in model.model_fields.items():
            kind = _type_name(field.annotation).replace("|", "or")
            desc = (field.description or "").replace("|", "/")
            lines.append(f"| `{name}` | `{kind}` | {desc} |")
        lines.append("")
    return "\n".join(lines)


def _type_name(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("shared.models.", "")


def generated(producers: Mapping[str, str]) -> dict[Path, str]:
    """Every generated contract file and its text."""
    out = {SCHEMA_DIR / name: text for name, text in schemas().items()}
    out[DOCS_DIR / "asyncapi.json"] = _dump(asyncapi(producers))
    out[DOCS_DIR / "topics.md"] = topics_page(producers)
    return out
