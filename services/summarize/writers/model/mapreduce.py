"""The map/reduce input: a window too large for one request, read per sub-topic group, then reduced.

*Map*: the candidate tweets (the same ones, in the same priority order, as the single request's)
are split by their main sub-topic into at most ``map_groups`` groups, the largest sub-topics on
their own and the rest together. With the story input the lines are grouped by story: all of a
story's lines go to the group of its main sub-topic, so no story is split, and each finding names
the story (``s3``) its cited line belongs to, so the reduce can tell one story from another. Each
group is one ``write_notes`` request: its tweets as quoted
data, and at most ``map_notes`` short findings back, each citing the tweets it rests on.

*Reduce*: one ``write_report`` request with the window's exact statistics and every group's
verified findings (no tweets), which writes the report's sections. Its claims cite tweet ids
taken from the findings, and are verified against the tweets the map stage read.

Everything is planned before the first request: the map requests are built here, whole, and the
reduce request is sized for the most findings the map stage may return (``NOTE_CHARS`` each), so
the estimated input of all the report's requests stays within the allowance. For the same
budget the map/reduce pair reads fewer tweets than one request (each map request repeats a
short framing, and the reduce reads the findings again), which is why ``strategy`` defaults to
``single``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.summarize.view import WindowView
from services.summarize.writers.model.prompt import (
    STORY_CHARS,
    STORY_FULL,
    BudgetTooSmall,
    Item,
    ModelInput,
    Plan,
    Prompts,
    candidate_items,
    dumps,
    input_key,
    render_around,
    request_tokens,
    stats_payload,
    story_map,
    without_unknown_reps,
)
from services.summarize.writers.model.schema import (
    NOTE_CHARS,
    SECTIONS,
    DraftNote,
    notes_tool,
    tool,
)
from services.summarize.writers.phrasing import share

OTHER = "其他"
"""The label of the group that holds the smaller sub-topics and tweets without one."""


@dataclass(frozen=True)
class MapCall:
    """One map request: a group of tweets and the findings asked of it."""

    label: str
    tweets_in_window: int
    """Tweets of the window in this group's sub-topics (0 for the 其他 group)."""
    system: str
    user: str
    tool: dict[str, Any]
    items: dict[str, Item]
    tokens: int

    def messages(self) -> list[dict[str, Any]]:
        """The ``messages`` parameter."""
        return [{"role": "user", "content": self.user}]


@dataclass(frozen=True)
class Finding:
    """A verified map-stage finding, as the reduce request reads it."""

    group: str
    text: str
    cite: tuple[str, ...]
    story: str = ""
    """The prompt key (``s3``) of the story its first cited line belongs to (story input)."""

    def line(self) -> str:
        """The finding as one JSON line of ``<notes>``."""
        story = {"story": self.story} if self.story else {}
        return dumps({"group": self.group, **story, "text": self.text, "cite": list(self.cite)})


@dataclass(frozen=True)
class MapReduceInput(Plan):
    """A report's map requests and its reduce request's frame.

    ``items`` are every tweet the map stage reads (what reduce claims may cite); ``tokens`` the
    estimate of the map requests plus the reduce request at its largest.
    """

    maps: tuple[MapCall, ...]
    reduce_system: str
    reduce_head: str
    reduce_tail: str
    report_tool: dict[str, Any]
    max_notes: int

    def reduce_input(self, findings: Sequence[Finding]) -> ModelInput:
        """The reduce request over ``findings``, as a :class:`ModelInput` the writer sends."""
        body = "\n".join(f.line() for f in findings)
        user = self.reduce_head + body + self.reduce_tail
        return ModelInput(
            system=self.reduce_system,
            user=user,
            tool=self.report_tool,
            stats=self.stats,
            items=self.items,
            considered=self.considered,
            tokens=request_tokens(
                self.reduce_system, [{"role": "user", "content": user}], [self.report_tool]
            ),
            key=self.key,
            stories=self.stories,
        )


def finding(group: str, note: DraftNote, items: Mapping[str, Item] | None = None) -> Finding:
    """A validated note as a finding of ``group``; ``items`` name the story it tells."""
    cite = tuple(dict.fromkeys(note.cite))
    keys = [str(items[i].payload.get("story", "")) for i in cite if items and i in items]
    return Finding(group=group, text=note.text, cite=cite, story=next((k for k in keys if k), ""))


def _groups(
    view: WindowView, items: Sequence[Item], most: int
) -> list[tuple[str, int, list[Item]]]:
    """``(label, tweets in the window, items)`` per group, largest sub-topics first, 其他 last.

    A story's lines all go to the group of the story's main sub-topic, so no story is split.
    """
    order = {s.key: i for i, s in enumerate(view.stats.subtopics)}
    counts = {s.key: s.count for s in view.stats.subtopics}

    def main_subtopic(subtopics: Sequence[str]) -> str | None:
        known = [k for k in subtopics if k in order]
        return min(known, key=order.__getitem__) if known else None

    def group_of(item: Item) -> str | None:
        if item.story is not None:
            # A story's sub-topics come most common first: its first known one is its main one.
            return next((k for k in item.story.subtopics if k in order), None)
        return main_subtopic(item.doc.subtopics)

    by_key: dict[str | None, list[Item]] = {}
    for item in items:
        by_key.setdefault(group_of(item), []).append(item)
    keys = sorted((k for k in by_key if k is not None), key=order.__getitem__)
    own, rest = keys[: most - 1], keys[most - 1 :]
    if len(keys) == most and None not in by_key:
        own, rest = keys, []
    out = [(view.subtopic_labels.get(k, k), counts.get(k, 0), by_key[k]) for k in own]
    other = [i for k in (*rest, None) for i in by_key.get(k, [])]
    if other:
        rank = {i.doc.id: n for n, i in enumerate(items)}
        other.sort(key=lambda i: rank[i.doc.id])
        out.append((OTHER, sum(counts.get(k, 0) for k in rest), other))
    return out


def build_map_reduce(
    view: WindowView,
    prompts: Prompts,
    *,
    allowance: int,
    model: str,
    max_tokens: int,
    map_max_tokens: int,
    map_groups: int,
    map_notes: int,
    story_full: int = STORY_FULL,
    story_chars: int = STORY_CHARS,
) -> MapReduceInput:
    """The map/reduce plan for ``view`` whose requests together fit ``allowance`` tokens.

    Raises :class:`BudgetTooSmall` when the framing of the requests leaves no room for tweets.
    """
    stats = stats_payload(view)
    report_tool = tool(tuple(SECTIONS))
    map_tool = notes_tool(map_notes)
    stories = bool(view.stories)
    map_system = prompts.render(
        "map_system", max_notes=map_notes, note_chars=NOTE_CHARS, stories=stories
    )
    reduce_system = prompts.render("system", notes=True, stories=stories)
    items = candidate_items(view, story_full=story_full, story_chars=story_chars)
    groups = _groups(view, items, map_groups)
    if not groups:
        raise BudgetTooSmall("no tweets to map")

    # The reduce request at its largest: every group returns map_notes findings of NOTE_CHARS.
    longest_id = max((i.doc.id for i in items), key=len)
    widest = max(len(label) for label, _, _ in groups)
    widest_story = f"s{len(view.stories)}" if stories else ""
    note_line = (
        Finding("字" * widest, "字" * NOTE_CHARS, (longest_id,) * 4, widest_story).line() + "\n"
    )
    head, tail = _reduce_frame(prompts, view, stats)
    reduce_tokens = request_tokens(
        reduce_system,
        [{"role": "user", "content": head + note_line * (len(groups) * map_notes) + tail}],
        [report_tool],
    )

    frames = [_map_frame(prompts, view, label, count, map_notes) for label, count, _ in groups]
    fixed = [
        request_tokens(map_system, [{"role": "user", "content": h + t}], [map_tool])
        for h, t in frames
    ]
    room = allowance - reduce_tokens - sum(fixed)
    if room <= 0:
        raise BudgetTooSmall(
            f"map/reduce framing needs ~{allowance - room} tokens, over the allowance of"
            f" {allowance}"
        )

    calls: list[MapCall] = []
    chosen: dict[str, Item] = {}
    for n, ((label, count, group_items), (fh, ft)) in enumerate(zip(groups, frames, strict=True)):
        share_room = room // (len(groups) - n)
        taken: list[Item] = []
        spent = 0
        for item in group_items:
            if spent + item.tokens > share_room:
                break
            taken.append(item)
            spent += item.tokens
        room -= spent
        if not taken:
            continue
        user = fh + "\n".join(i.line for i in taken) + ft
        calls.append(
            MapCall(
                label=label,
                tweets_in_window=count,
                system=map_system,
                user=user,
                tool=map_tool,
                items={i.doc.id: i for i in taken},
                tokens=request_tokens(map_system, [{"role": "user", "content": user}], [map_tool]),
            )
        )
        chosen.update(calls[-1].items)
    stats = without_unknown_reps(stats, set(chosen))
    head, tail = _reduce_frame(prompts, view, stats)
    key = input_key(
        {
            "strategy": "map_reduce",
            "model": model,
            "max_tokens": [max_tokens, map_max_tokens],
            "maps": [[c.system, c.user, c.tool] for c in calls],
            "reduce": [reduce_system, head, tail, report_tool],
        }
    )
    return MapReduceInput(
        maps=tuple(calls),
        reduce_system=reduce_system,
        reduce_head=head,
        reduce_tail=tail,
        report_tool=report_tool,
        stats=stats,
        items=chosen,
        considered=len(items),
        max_notes=map_notes,
        tokens=sum(c.tokens for c in calls) + reduce_tokens,
        key=key,
        stories=story_map(chosen.values()),
    )


def _map_frame(
    prompts: Prompts, view: WindowView, label: str, count: int, max_notes: int
) -> tuple[str, str]:
    return render_around(
        prompts,
        "map",
        "tweets",
        window=view.window,
        group=label,
        count=count,
        share=share(count, view.stats.tweets) if count else "",
        max_notes=max_notes,
        stories=bool(view.stories),
    )


def _reduce_frame(prompts: Prompts, view: WindowView, stats: dict[str, Any]) -> tuple[str, str]:
    return render_around(
        prompts, "reduce", "notes", window=view.window, stats_json=dumps(stats), sections=SECTIONS
    )
