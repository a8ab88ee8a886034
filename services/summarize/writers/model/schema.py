"""The ``write_report`` tool: its JSON schema, and the pydantic validation of what the model sends.

The model answers through a forced tool call whose input is one object with a key per report
section. Each section is validated on its own, so one bad section does not spoil the others: the
valid ones are kept, the invalid ones get one repair round, then fall back to the extractive
writer. Every paragraph, bullet and core point carries the ids of the tweets it rests on.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from services.summarize.writers import CORE_POINTS

TOOL_NAME = "write_report"

SECTIONS: dict[str, str] = {
    "overview": "主要话题与行业趋势概述",
    "core_points": "核心信息",
    "insights": "重要观点与见解",
    "events": "关键事件与发展",
    "markets": "个股与数字货币分析与市场反应",
    "ai_analysis": "专项分析·人工智能相关内容",
    "finance_analysis": "专项分析·金融市场相关内容",
}
"""Report sections the model writes, in the seed's order, with their Chinese names."""

_MARKUP = re.compile(r"\*\*|__|`")
_LEADER = re.compile(r"^\s*(?:#{1,6}\s+|[-*•]\s+|\d{1,2}[.、)]\s*)")


def _plain(value: str) -> str:
    """Markdown the model adds anyway is dropped: render owns the markup."""
    return _LEADER.sub("", _MARKUP.sub("", value)).strip()


class _Draft(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)


class Claim(_Draft):
    """A paragraph or a bullet and the tweets it rests on."""

    text: str = Field(min_length=1, max_length=800)
    cite: list[str] = Field(default_factory=list, max_length=6, description="所依据推文的 id")

    _plain_text = field_validator("text")(classmethod(lambda cls, v: _plain(v)))


class DraftPoint(_Draft):
    """One core point: a short title, a body, and at least one cited tweet."""

    title: str = Field(min_length=2, max_length=30, description="4～12 个汉字的小标题。")
    body: str = Field(min_length=10, max_length=400, description="一至三句分析，说明事实与意义。")
    cite: list[str] = Field(min_length=1, max_length=4, description="所依据推文的 id。")

    _plain_text = field_validator("title", "body")(classmethod(lambda cls, v: _plain(v)))


class DraftBlock(_Draft):
    """A titled block of paragraphs and bullets."""

    title: str = Field(min_length=1, max_length=30, description="小标题，如“技术发展趋势”。")
    paragraphs: list[Claim] = Field(default_factory=list, max_length=5)
    bullets: list[Claim] = Field(default_factory=list, max_length=8)

    _plain_title = field_validator("title")(classmethod(lambda cls, v: _plain(v)))

    @model_validator(mode="after")
    def _not_empty(self) -> DraftBlock:
        if not self.paragraphs and not self.bullets:
            raise ValueError("a block needs at least one paragraph or bullet")
        return self


class DraftEvent(DraftBlock):
    """One of the four fixed sub-sections of 关键事件与发展."""

    title: Literal["模型发布与技术突破", "新应用与工具发布", "产业合作与投资", "学术研究进展"] = (
        Field(description="四个固定小标题之一。")
    )


def _distinct_titles(blocks: list[DraftEvent]) -> list[DraftEvent]:
    titles = [b.title for b in blocks]
    if len(set(titles)) != len(titles):
        raise ValueError("each event sub-section title may appear once")
    return blocks


SECTION_TYPES: dict[str, Any] = {
    "overview": Annotated[
        list[Claim],
        Field(min_length=1, max_length=3, description="两三段概述：主要话题、趋势与市场情绪。"),
    ],
    "core_points": Annotated[
        list[DraftPoint],
        Field(min_length=1, max_length=CORE_POINTS, description="正好 10 个互不重复的信息点。"),
    ],
    "insights": Annotated[
        list[DraftBlock],
        Field(min_length=1, max_length=6, description="3～5 个观点块，每块一个主题。"),
    ],
    "events": Annotated[
        list[DraftEvent],
        AfterValidator(_distinct_titles),
        Field(min_length=1, max_length=4, description="按四个固定小标题组织，无内容的可省略。"),
    ],
    "markets": Annotated[
        list[DraftBlock],
        Field(min_length=1, max_length=3, description="先个股与板块，再数字货币（未涉及则说明）。"),
    ],
    "ai_analysis": Annotated[
        list[DraftBlock],
        Field(min_length=1, max_length=8, description="人工智能专项分析，4～6 块。"),
    ],
    "finance_analysis": Annotated[
        list[DraftBlock],
        Field(min_length=1, max_length=4, description="金融市场专项分析，2～3 块。"),
    ],
}

_ADAPTERS: dict[str, TypeAdapter[Any]] = {}


def _adapter(section: str) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(section)
    if adapter is None:
        adapter = _ADAPTERS[section] = TypeAdapter(SECTION_TYPES[section])
    return adapter


def tool_schema(sections: tuple[str, ...] = tuple(SECTIONS)) -> dict[str, Any]:
    """The input JSON schema of the tool asking for ``sections`` (refs inlined, titles dropped)."""
    fields: dict[str, Any] = {name: (SECTION_TYPES[name], ...) for name in sections}
    model = create_model("WriteReport", __config__=ConfigDict(extra="ignore"), **fields)
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    inlined: dict[str, Any] = _inline(schema, defs)
    return inlined


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Resolve ``$ref``; drop pydantic's ``title`` keywords and the docstrings of referenced models."""
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = dict(defs[ref.rsplit("/", 1)[-1]])
        target.pop("description", None)
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title":
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _inline(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs)
    return out


def tool(sections: tuple[str, ...] = tuple(SECTIONS)) -> dict[str, Any]:
    """The ``write_report`` tool definition for the Messages API."""
    return {
        "name": TOOL_NAME,
        "description": "提交报告各部分的正文与引用（纯文本，按要求的结构）。",
        "input_schema": tool_schema(sections),
    }


NOTES_TOOL_NAME = "write_notes"
NOTE_CHARS = 160
"""A map-stage finding is at most this many characters: the reduce prompt is sized by it."""


class DraftNote(_Draft):
    """A map-stage finding about one group of tweets, and the tweets it rests on."""

    text: str = Field(
        min_length=4, max_length=NOTE_CHARS, description="一两句中文：事实、观点或分歧。"
    )
    cite: list[str] = Field(min_length=1, max_length=4, description="所依据推文的 id。")

    _plain_text = field_validator("text")(classmethod(lambda cls, v: _plain(v)))


def notes_tool(max_notes: int) -> dict[str, Any]:
    """The ``write_notes`` tool of the map stage: at most ``max_notes`` findings."""
    notes = Annotated[list[DraftNote], Field(min_length=1, max_length=max_notes)]
    model = create_model("WriteNotes", __config__=ConfigDict(extra="ignore"), notes=(notes, ...))
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    return {
        "name": NOTES_TOOL_NAME,
        "description": "提交本组推文归纳出的要点（纯文本）与引用。",
        "input_schema": _inline(schema, defs),
    }


def validate_notes(raw: object, max_notes: int) -> tuple[list[DraftNote], list[str]]:
    """The findings of a ``write_notes`` input that validate, and the errors of the others.

    Findings are checked one by one, so a bad one costs only itself; past ``max_notes`` the rest
    are ignored.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("notes"), list):
        return [], ["notes: the tool input must be an object with a list of notes"]
    valid: list[DraftNote] = []
    errors: list[str] = []
    for i, note in enumerate(raw["notes"][:max_notes]):
        try:
            valid.append(DraftNote.model_validate(note))
        except ValidationError as exc:
            errors += [_describe(f"notes[{i}]", e) for e in exc.errors()[:3]]
    return valid, errors


def validate_sections(
    raw: object, sections: tuple[str, ...] = tuple(SECTIONS)
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate each section of a tool input; the valid ones, and the errors of the others."""
    valid: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        message = f"the tool input must be a JSON object, got {type(raw).__name__}"
        return valid, {name: [message] for name in sections}
    for name in sections:
        if name not in raw:
            errors[name] = [f"{name}: missing"]
            continue
        try:
            valid[name] = _adapter(name).validate_python(raw[name])
        except ValidationError as exc:
            errors[name] = [_describe(name, e) for e in exc.errors()[:10]]
    return valid, errors


def _describe(section: str, error: Any) -> str:
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    return f"{section}{loc}: {error['msg']}"
