"""The canonical record fields, how source columns are recognised as them, and ``--map``.

Every reader hands the handler a record keyed by the canonical names in :data:`FIELDS`. Source
column names are matched after normalising them (lower case, letters and digits only), so
``favoriteCount``, ``favorite_count`` and ``Favorite Count`` are all ``likes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from shared.errors import InputError

FIELDS: dict[str, str] = {
    "text": "the tweet's text",
    "id": "the tweet's id (for a retweet, the retweet's own id)",
    "created_at": "when it was posted: ISO 8601, D-M-YYYY or M/D/YYYY H:M, or epoch seconds/ms",
    "username": "the author's @handle (without one: id:<author_id>, or id:unknown)",
    "author_id": "the author's numeric id (X API): names the author when no username is given",
    "name": "the author's display name",
    "followers": "the author's follower count",
    "verified": "whether the author is verified",
    "lang": "language code",
    "likes": "like (favorite) count",
    "retweets": "retweet count",
    "replies": "reply count",
    "quotes": "quote count",
    "views": "view (impression) count",
    "truncated": "whether the text was cut",
    "in_reply_to": "the @handle replied to",
    "is_retweet": "whether the record is a retweet",
    "retweet_of": "the id of the retweeted tweet",
}
"""Canonical field name -> what it holds (also the help text of ``--map``)."""

REQUIRED_COLUMNS: tuple[str, ...] = ("text", "created_at")
"""A table without one of these columns cannot give a single tweet (one without a username
column goes in under an unknown author)."""

# Normalised source names per canonical field, best first: when a file has several, the first
# listed wins (``full_text`` beats ``text``, which some exports cut at 140 characters).
ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("fulltext", "text", "tweet", "tweettext", "content", "rawcontent", "body", "data"),
    "id": ("idstr", "id", "tweetid", "tweetidstr", "statusid"),
    "created_at": (
        "createdat",
        "created",
        "date",
        "datetime",
        "tweetcreatedat",
        "postedat",
        "timestamp",
        "time",
    ),
    "username": (
        "username",
        "screenname",
        "userscreenname",
        "userusername",
        "authorusername",
        "user",
        "author",
        "handle",
    ),
    "author_id": ("authorid", "userid", "useridstr"),
    "name": ("name", "displayname", "userdisplayname", "authorname", "userfullname"),
    "followers": ("followerscount", "followers", "userfollowerscount", "userfollowers"),
    "verified": ("verified", "userverified", "isverified", "isblueverified"),
    "lang": ("lang", "language"),
    "likes": (
        "likecount",
        "likes",
        "likescount",
        "favoritecount",
        "favouritecount",
        "favorites",
        "favourites",
        "favorite",
        "like",
        "nlikes",
    ),
    "retweets": ("retweetcount", "retweets", "retweetscount", "nretweets"),
    "replies": ("replycount", "replies", "repliescount", "nreplies"),
    "quotes": ("quotecount", "quotes", "quotescount"),
    "views": ("viewcount", "views", "viewscount", "impressioncount", "impressions"),
    "truncated": ("truncated", "istruncated"),
    "in_reply_to": (
        "inreplytoscreenname",
        "inreplytousername",
        "replytosn",
        "replytoscreenname",
        "inreplyto",
        "replyto",
    ),
    "is_retweet": ("isretweet",),
    "retweet_of": ("retweetof", "retweetedid", "retweetedtweetid", "retweetedstatusid"),
}

MISSING: frozenset[str] = frozenset({"", "#N/A", "#NA", "N/A", "NaN", "nan", "NULL", "null"})
"""Cell values that mean "no value" (spreadsheet round-trips write ``#N/A``)."""

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize_name(name: str) -> str:
    """A column name as it is matched: lower case, letters and digits only, BOM dropped."""
    return _NON_ALNUM.sub("", name.lstrip("\ufeff").strip().lower())


def match_aliases(names: Iterable[str]) -> dict[str, str]:
    """Canonical field -> the name among ``names`` recognised as it (best alias first).

    Names are compared normalised; of two names that normalise alike, the first one counts.
    """
    by_norm: dict[str, str] = {}
    for name in names:
        by_norm.setdefault(normalize_name(name), name)
    found: dict[str, str] = {}
    for canonical, aliases in ALIASES.items():
        for alias in aliases:
            if alias in by_norm:
                found[canonical] = by_norm[alias]
                break
    return found


def _lookup_alias(name: str) -> str | None:
    key = normalize_name(name)
    if key in FIELDS:
        return key
    for canonical, aliases in ALIASES.items():
        if key in aliases or key == normalize_name(canonical):
            return canonical
    return None


def parse_mapping(spec: str | Iterable[str]) -> dict[str, str]:
    """Parse ``--map`` (``"text=body,id=tweet_id"``, or several such strings) to field -> column.

    The left side is a canonical field name (a known column alias such as ``date`` also works);
    the right side is the source column, or for JSON a key or a dotted path (``user.handle``).
    """
    parts = [spec] if isinstance(spec, str) else list(spec)
    mapping: dict[str, str] = {}
    for part in parts:
        for item in part.split(","):
            if not item.strip():
                continue
            field, sep, column = item.partition("=")
            field, column = field.strip(), column.strip()
            if not sep or not field or not column:
                raise InputError(
                    f"--map {item.strip()!r}: expected FIELD=COLUMN, e.g. --map text=body"
                )
            canonical = _lookup_alias(field)
            if canonical is None:
                raise InputError(
                    f"--map {item.strip()!r}: unknown field {field!r}; valid fields: "
                    + ", ".join(FIELDS)
                )
            if canonical in mapping and mapping[canonical] != column:
                raise InputError(
                    f"--map names {canonical!r} twice ({mapping[canonical]!r} and {column!r})"
                )
            mapping[canonical] = column
    return mapping


def detect_columns(
    columns: Sequence[str], mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Canonical field -> source column for a set of column names; ``mapping`` entries win.

    Matching is on normalised names; a mapped column must exist (exactly, or failing that by
    normalised name). Raises InputError for a mapped column that is absent.
    """
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(normalize_name(column), column)
    found = match_aliases(columns)
    taken = set(found.values())
    for canonical, column in (mapping or {}).items():
        if column in columns:
            chosen = column
        elif normalize_name(column) in by_norm:
            chosen = by_norm[normalize_name(column)]
        else:
            raise InputError(
                f"--map {canonical}={column}: there is no column {column!r}; "
                f"columns found: {', '.join(columns)}"
            )
        # A column mapped on purpose is no longer a guess for another field.
        if chosen in taken:
            for other, col in list(found.items()):
                if col == chosen and other != canonical:
                    del found[other]
        found[canonical] = chosen
    return found
