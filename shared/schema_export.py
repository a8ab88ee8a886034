"""Writes the JSON Schema of every topic model into ``shared/schemas/`` (``python -m shared.schema_export``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shared.models import TOPIC_MODELS, Contract, DeadLetter

SCHEMA_DIR = Path(__file__).parent / "schemas"


def schemas() -> dict[str, str]:
    """File name → JSON text, for every topic (the DLQ schema serves every ``<topic>.dlq``)."""
    models: dict[str, type[Contract]] = {**TOPIC_MODELS, "dlq": DeadLetter}
    out = {}
    for topic, model in models.items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://tweetpulse.invalid/schemas/{topic}.json"
        schema["x-topic"] = topic if topic != "dlq" else "<topic>.dlq"
        out[f"{topic}.json"] = (
            json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        )
    return out


def main() -> int:
    """Regenerate the committed schemas."""
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in schemas().items():
        (SCHEMA_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
