"""What a run's ingest did: records read, tweets published, duplicates, rejections by kind, and
what went in filled in or changed (notes: an author known by id only, a long post joined, a date
order assumed).

Both runners count with :class:`IngestStats` (``tweetpulse run`` prints it in its summary,
``tweetpulse worker ingest`` logs :meth:`IngestStats.summary`). The examples it keeps are bounded,
so a long run with many bad records holds a few of them, not all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.ingest.handler import record_notes
from services.ingest.record import InputRecord
from shared.models import Contract, DeadLetter, TweetIngested

_MAX_NOTES = 50  # distinct notes kept: they are fixed texts and one per file, so few in practice


def reason_kind(reason: str) -> str:
    """The kind of a rejection reason: its text before the first colon (``bad date``).

    Cut to 80 characters, so a reason without a colon still groups rather than being listed whole.
    """
    return reason.split(":", 1)[0].strip()[:80]


@dataclass
class IngestStats:
    """Counts for a run's summary; the runner calls :meth:`count` with each handler result.

    ``read`` counts records (a multi-line CSV record or one tweet of an X API page is one);
    ``retweets_folded`` counts published retweets (each also counts in ``published``).
    """

    read: int = 0
    published: int = 0
    duplicates: int = 0
    retweets_folded: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)
    rejected_lines: dict[str, list[int]] = field(default_factory=dict)
    """The first ``sample_lines`` line numbers of each kind of rejection."""
    examples: list[DeadLetter] = field(default_factory=list)
    """The first ``max_examples`` rejections, whole."""
    noted: Counter[str] = field(default_factory=Counter)
    """Published records by note (``handler.record_notes``): what went in filled in or changed."""
    noted_lines: dict[str, list[int]] = field(default_factory=dict)
    """The first ``sample_lines`` line numbers of each note."""
    sample_lines: int = 5
    max_examples: int = 5

    def count(self, outputs: Sequence[Contract], record: InputRecord | None = None) -> None:
        """Add one record, given what the handler returned for it (and the record, for its
        notes)."""
        self.read += 1
        if not outputs:
            self.duplicates += 1
        for out in outputs:
            if isinstance(out, TweetIngested):
                self.published += 1
                self.retweets_folded += out.via_retweet is not None
            elif isinstance(out, DeadLetter):
                self._reject(out)
        if record is not None:
            for note in record_notes(record, outputs):
                if note in self.noted or len(self.noted) < _MAX_NOTES:
                    self.noted[note] += 1
                    lines = self.noted_lines.setdefault(note, [])
                    if len(lines) < self.sample_lines:
                        lines.append(record.line)

    def _reject(self, letter: DeadLetter) -> None:
        kind = reason_kind(letter.reason)
        self.rejected += 1
        self.rejected_by_reason[kind] += 1
        lines = self.rejected_lines.setdefault(kind, [])
        if letter.line is not None and len(lines) < self.sample_lines:
            lines.append(letter.line)
        if len(self.examples) < self.max_examples:
            self.examples.append(letter)

    def summary(self) -> str:
        """One line for the end of a run."""
        text = (
            f"{self.read} records read: {self.published} published "
            f"({self.retweets_folded} retweets folded into their originals), "
            f"{self.duplicates} duplicates dropped, {self.rejected} rejected"
        )
        if self.rejected:
            parts = []
            for kind, n in self.rejected_by_reason.most_common():
                lines = ", ".join(map(str, self.rejected_lines.get(kind, [])))
                more = ", …" if n > len(self.rejected_lines.get(kind, [])) else ""
                parts.append(f"{kind}: {n} (line {lines}{more})")
            text += " (" + "; ".join(parts) + ")"
        if self.noted:
            text += "; went in with notes: " + "; ".join(
                f"{note}: {n}" for note, n in self.noted.most_common()
            )
        return text
