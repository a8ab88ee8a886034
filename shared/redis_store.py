"""The state store on Redis, for the distributed mode; same semantics as ``MemoryStore``.

Layout, for prefix ``P`` and scope ``S`` (the braces keep a scope's keys in one cluster slot)::

    P:s:{S}:seen          SET   event ids applied
    P:s:{S}:keys          SET   every key of the scope, so ``expire`` reaches them all
    P:s:{S}:meta          STR   present while the scope is due to expire (its TTL is the deadline)
    P:s:{S}:cg|tg|rg      SET   names of the counter / tally / ranking groups
    P:s:{S}:c:<group>     HASH  counter field -> value
    P:s:{S}:t:<group>     ZSET  tally member -> count
    P:s:{S}:ts|td:<group> HASH  tally member -> representative's doc_score | doc
    P:s:{S}:r:<group>     ZSET  ranking member -> score
    P:s:{S}:rd:<group>    HASH  ranking member -> doc
    P:scopes              SET   scope names (scopes that expired are pruned on read)
    P:set:<namespace>     SET   ``add_once`` / ``add_many`` members
    P:kv:<key>            STR   ``get`` / ``put`` entries

:meth:`RedisStore.apply` is one Lua script, so the seen-check and every update happen at once
or not at all. Numbers cross into Lua as ``repr`` strings and come back as ``%.17g`` strings:
both round-trip a double exactly, and Lua adds in doubles as Python does, so sums equal
``MemoryStore``'s to the last bit. Text is compared byte by byte in Lua (UTF-8 byte order is code
point order, as in Python), never with ``<``, which follows the server's locale.

Errors (:meth:`RedisStore._call`): a Redis that cannot be reached, times out, is loading its data
after a restart, is read-only (a failover), out of memory or unable to persist raises
``StoreUnavailable``, a ``RetryableError``: callers back off and try again, and workers report not
ready meanwhile. A refused password or ACL, or a TLS certificate that does not verify, is a
``ConfigError`` (waiting will not fix it). Anything else the server refuses (a script error, a key
of the wrong type) is a ``StoreError``. The connection (TLS for ``rediss://``, a password from
the settings rather than the URL) is :func:`redis_client`'s, shared with Celery's side.
"""

from __future__ import annotations

import json
import math
import ssl
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import redis
from redis.commands.core import Script

from shared.errors import ConfigError, StoreError, StoreUnavailable
from shared.settings import RedisSettings
from shared.store import DEFAULT_CAP, Delta, Ranked, Snapshot, Tally

_T = TypeVar("_T")

_LIB = r"""
local function lt(a, b)
  if a == b then return false end
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function num(s) return tonumber(s) end
local function fmt(x) return string.format('%.17g', x) end

local function remove(zkey, members, hashes)
  for i = 1, #members, 500 do
    local chunk = {unpack(members, i, math.min(i + 499, #members))}
    redis.call('ZREM', zkey, unpack(chunk))
    for _, h in ipairs(hashes) do redis.call('HDEL', h, unpack(chunk)) end
  end
end

-- Keep the `cap` highest of a sorted set, ties broken by member ascending. Redis orders ties by
-- member too, but descending in ZREVRANGE, so the tie group at the boundary is cut by hand.
local function keep_top(zkey, cap, hashes)
  if cap <= 0 then
    remove(zkey, redis.call('ZRANGE', zkey, 0, -1), hashes)
    return
  end
  local b = redis.call('ZREVRANGE', zkey, cap - 1, cap - 1, 'WITHSCORES')
  if #b == 0 then return end
  local edge = b[2]
  local above = redis.call('ZCOUNT', zkey, '(' .. edge, '+inf')
  remove(zkey, redis.call('ZRANGEBYSCORE', zkey, '-inf', '(' .. edge), hashes)
  remove(zkey, redis.call('ZRANGEBYSCORE', zkey, edge, edge, 'LIMIT', cap - above, -1), hashes)
end
"""

_APPLY = (
    _LIB
    + r"""
-- KEYS: seen, keys, meta, scopes registry. ARGV: key base, scope, event id, delta as JSON.
local seen, keyset, meta, registry = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local base, scope, event_id = ARGV[1], ARGV[2], ARGV[3]
if redis.call('SISMEMBER', seen, event_id) == 1 then return 0 end
local delta = cjson.decode(ARGV[4])
local touched = {seen, keyset}
local function touch(key) touched[#touched + 1] = key end

redis.call('SADD', seen, event_id)
redis.call('SADD', registry, scope)

for _, g in ipairs(delta.c) do
  local group, fields = g[1], g[2]
  local key = base .. ':c:' .. group
  redis.call('SADD', base .. ':cg', group)
  touch(base .. ':cg'); touch(key)
  for _, f in ipairs(fields) do
    local held = num(redis.call('HGET', key, f[1]) or '0')
    redis.call('HSET', key, f[1], fmt(held + num(f[2])))
  end
end

for _, g in ipairs(delta.t) do
  local group, cap, items = g[1], g[2], g[3]
  local zkey, skey, dkey = base .. ':t:' .. group, base .. ':ts:' .. group, base .. ':td:' .. group
  redis.call('SADD', base .. ':tg', group)
  touch(base .. ':tg'); touch(zkey); touch(skey); touch(dkey)
  for _, t in ipairs(items) do
    local member, amount, doc, doc_score = t[1], t[2], t[3], t[4]
    redis.call('ZINCRBY', zkey, amount, member)
    if doc ~= cjson.null then
      local held_doc = redis.call('HGET', dkey, member)
      local better = not held_doc
      if held_doc then
        local held_score, score = num(redis.call('HGET', skey, member)), num(doc_score)
        better = score > held_score or (score == held_score and lt(doc, held_doc))
      end
      if better then
        redis.call('HSET', skey, member, doc_score)
        redis.call('HSET', dkey, member, doc)
      end
    end
  end
  if redis.call('ZCARD', zkey) > 2 * cap then keep_top(zkey, cap, {skey, dkey}) end
end

for _, g in ipairs(delta.r) do
  local group, cap, items = g[1], g[2], g[3]
  local zkey, dkey = base .. ':r:' .. group, base .. ':rd:' .. group
  redis.call('SADD', base .. ':rg', group)
  touch(base .. ':rg'); touch(zkey); touch(dkey)
  for _, r in ipairs(items) do
    local member, score, doc = r[1], r[2], r[3]
    local held = redis.call('ZSCORE', zkey, member)
    if (not held) or num(score) >= num(held) then
      redis.call('ZADD', zkey, score, member)
      if doc ~= cjson.null then redis.call('HSET', dkey, member, doc) end
    end
  end
  if redis.call('ZCARD', zkey) > cap then keep_top(zkey, cap, {dkey}) end
end

redis.call('SADD', keyset, unpack(touched))
-- A scope already due to expire takes its new keys along at the same deadline.
local ttl = redis.call('PTTL', meta)
if ttl > 0 then
  for _, key in ipairs(touched) do redis.call('PEXPIRE', key, ttl) end
end
return 1
"""
)

_SNAPSHOT = r"""
-- ARGV: key base. Returns {events, counters, tallies, rankings}, every number as a string.
local base = ARGV[1]
local out = {redis.call('SCARD', base .. ':seen'), {}, {}, {}}
for _, g in ipairs(redis.call('SMEMBERS', base .. ':cg')) do
  table.insert(out[2], {g, redis.call('HGETALL', base .. ':c:' .. g)})
end
for _, g in ipairs(redis.call('SMEMBERS', base .. ':tg')) do
  table.insert(out[3], {g, redis.call('ZRANGE', base .. ':t:' .. g, 0, -1, 'WITHSCORES'),
                        redis.call('HGETALL', base .. ':td:' .. g)})
end
for _, g in ipairs(redis.call('SMEMBERS', base .. ':rg')) do
  table.insert(out[4], {g, redis.call('ZRANGE', base .. ':r:' .. g, 0, -1, 'WITHSCORES'),
                        redis.call('HGETALL', base .. ':rd:' .. g)})
end
return out
"""

_EXPIRE = r"""
-- KEYS: keys, meta. ARGV: ttl in ms.
local ttl = tonumber(ARGV[1])
redis.call('SET', KEYS[2], '1', 'PX', ttl)
redis.call('SADD', KEYS[1], KEYS[2])
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('PEXPIRE', key, ttl) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
"""

_SCOPES = r"""
-- KEYS: scopes registry. ARGV: key prefix before the scope. Prunes scopes whose data expired.
local live = {}
for _, scope in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', ARGV[1] .. '{' .. scope .. '}:seen') == 1 then
    live[#live + 1] = scope
  else
    redis.call('SREM', KEYS[1], scope)
  end
end
return live
"""


def _number(value: float) -> str:
    """A float as text that parses back to the same double (in Python, Lua and Redis).

    Non-finite numbers are refused here, before the script runs: Redis rejects a NaN score
    midway through a script, after earlier writes, which would break the all-or-nothing rule.
    """
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"store amounts and scores must be finite, got {value!r}")
    return repr(number)


def redis_options(settings: RedisSettings) -> dict[str, Any]:
    """Keyword arguments for ``redis.Redis.from_url(settings.url, ...)``: password, TLS, timeouts."""
    options: dict[str, Any] = {
        "socket_timeout": settings.socket_timeout_s,
        "socket_connect_timeout": settings.socket_timeout_s,
    }
    if settings.secret is not None:
        options["password"] = settings.secret
    if settings.username:
        options["username"] = settings.username
    if settings.tls:
        options["ssl_cert_reqs"] = "required"
        options["ssl_check_hostname"] = settings.ssl_check_hostname
        if settings.ssl_ca_certs is not None:
            options["ssl_ca_certs"] = str(settings.ssl_ca_certs)
        if settings.ssl_certfile is not None and settings.ssl_keyfile is not None:
            options["ssl_certfile"] = str(settings.ssl_certfile)
            options["ssl_keyfile"] = str(settings.ssl_keyfile)
    return options


def redis_client(settings: RedisSettings, **extra: Any) -> redis.Redis:
    """A client for ``settings`` (no connection is opened until the first command)."""
    return redis.Redis.from_url(settings.url, **{**redis_options(settings), **extra})


# Replies that mean "not now" rather than "never": the server is busy, failing over or full.
_TRANSIENT_REPLIES = ("LOADING", "BUSY", "MISCONF", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "OOM")
_AUTH_REPLIES = ("NOAUTH", "WRONGPASS", "NOPERM")


def _cert_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def store_error(what: str, exc: redis.RedisError) -> Exception:
    """The pipeline's error for a failed Redis command (see the module doc)."""
    reply = str(exc)
    text = f"redis {what} failed: {type(exc).__name__}: {exc}"
    refused = (
        redis.AuthenticationError,
        redis.exceptions.AuthorizationError,
        redis.exceptions.NoPermissionError,
    )
    if isinstance(exc, refused) or reply.startswith(_AUTH_REPLIES):
        return ConfigError(f"{text} (check TWEETPULSE_REDIS__PASSWORD / __USERNAME)")
    if _cert_failure(exc):
        return ConfigError(f"{text} (check TWEETPULSE_REDIS__SSL_CA_CERTS)")
    transient = (
        redis.ConnectionError,
        redis.TimeoutError,
        redis.exceptions.InvalidResponse,
        redis.ReadOnlyError,
        redis.exceptions.OutOfMemoryError,
        redis.exceptions.TryAgainError,
        redis.exceptions.ClusterDownError,
    )
    if isinstance(exc, transient) or reply.startswith(_TRANSIENT_REPLIES):
        return StoreUnavailable(text)
    return StoreError(text)


def _pairs(flat: Sequence[str]) -> list[tuple[str, str]]:
    return list(zip(flat[0::2], flat[1::2], strict=True))


def _sort_key(item: tuple[str, float]) -> tuple[float, str]:
    return (-item[1], item[0])


class RedisStore:
    """``StateStore`` on Redis; every ``apply`` is one atomic, idempotent Lua script."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "tweetpulse",
        socket_timeout_s: float = 5.0,
        client: redis.Redis | None = None,
    ) -> None:
        self._prefix = prefix
        self._redis: redis.Redis = client or redis.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            health_check_interval=30,
        )
        self._apply: Script = self._redis.register_script(_APPLY)
        self._snapshot: Script = self._redis.register_script(_SNAPSHOT)
        self._expire: Script = self._redis.register_script(_EXPIRE)
        self._scopes: Script = self._redis.register_script(_SCOPES)

    @classmethod
    def from_settings(cls, settings: RedisSettings) -> RedisStore:
        """The store ``settings`` describe: URL, key prefix, password and TLS."""
        client = redis_client(settings, decode_responses=True, health_check_interval=30)
        return cls(settings.url, prefix=settings.prefix, client=client)

    def _base(self, scope: str) -> str:
        return f"{self._prefix}:s:{{{scope}}}"

    def _call(self, what: str, fn: Callable[[], _T]) -> _T:
        try:
            return fn()
        except redis.RedisError as exc:
            raise store_error(what, exc) from exc

    def apply(self, scope: str, event_id: str, delta: Delta) -> bool:
        """Apply ``delta`` once per ``(scope, event_id)``, atomically; False if seen before."""
        base = self._base(scope)
        payload = json.dumps(_encode(delta), ensure_ascii=False, separators=(",", ":"))
        keys = [f"{base}:seen", f"{base}:keys", f"{base}:meta", f"{self._prefix}:scopes"]
        args = [base, scope, event_id, payload]
        return bool(self._call("apply", lambda: self._apply(keys=keys, args=args)))

    def snapshot(self, scope: str) -> Snapshot:
        """Read the whole scope at one instant, sorted as ``MemoryStore`` sorts it."""
        raw: list[Any] = self._call(
            "snapshot", lambda: self._snapshot(keys=[], args=[self._base(scope)])
        )
        events, counters, tallies, rankings = raw
        snap = Snapshot(events=int(events))
        for group, flat in counters:
            snap.counters[group] = {field: float(value) for field, value in _pairs(flat)}
        for group, flat, docs in tallies:
            doc_of = dict(_pairs(docs))
            items = sorted(((m, float(v)) for m, v in _pairs(flat)), key=_sort_key)
            snap.tallies[group] = [(m, v, doc_of.get(m)) for m, v in items]
        for group, flat, docs in rankings:
            doc_of = dict(_pairs(docs))
            items = sorted(((m, float(v)) for m, v in _pairs(flat)), key=_sort_key)
            snap.rankings[group] = [Ranked(m, v, doc_of.get(m)) for m, v in items]
        return snap

    def scopes(self) -> list[str]:
        """Every scope holding data, sorted."""
        live: list[str] = self._call(
            "scopes",
            lambda: self._scopes(keys=[f"{self._prefix}:scopes"], args=[f"{self._prefix}:s:"]),
        )
        return sorted(live)

    def expire(self, scope: str, ttl_s: int) -> None:
        """Drop every key of ``scope`` after ``ttl_s`` seconds (keys added later go along)."""
        base = self._base(scope)
        ttl_ms = max(1, int(ttl_s * 1000))
        self._call(
            "expire", lambda: self._expire(keys=[f"{base}:keys", f"{base}:meta"], args=[ttl_ms])
        )

    def add_once(self, namespace: str, member: str) -> bool:
        """Add ``member`` to the namespace's set; True if it was not there."""
        key = f"{self._prefix}:set:{namespace}"
        return bool(self._call("add_once", lambda: self._redis.sadd(key, member)))

    def add_many(self, namespace: str, members: Sequence[str]) -> int:
        """Add ``members`` to the namespace's set (one round trip per 1,000); how many were new."""
        key = f"{self._prefix}:set:{namespace}"
        unique = list(dict.fromkeys(members))

        def run() -> int:
            if not unique:
                return 0
            pipe = self._redis.pipeline(transaction=False)
            for i in range(0, len(unique), 1000):
                pipe.sadd(key, *unique[i : i + 1000])
            return sum(int(n) for n in pipe.execute())

        return self._call("add_many", run)

    def contains(self, namespace: str, member: str) -> bool:
        """Whether ``member`` is in the namespace's set."""
        key = f"{self._prefix}:set:{namespace}"
        return bool(self._call("contains", lambda: self._redis.sismember(key, member)))

    def get(self, key: str) -> str | None:
        """Read a key-value entry (None if missing or expired)."""
        value = self._call("get", lambda: self._redis.get(f"{self._prefix}:kv:{key}"))
        return None if value is None else str(value)

    def put(self, key: str, value: str, *, ttl_s: int | None = None) -> None:
        """Write a key-value entry, expiring after ``ttl_s`` seconds if given."""
        self._call("put", lambda: self._redis.set(f"{self._prefix}:kv:{key}", value, ex=ttl_s))

    def ping(self) -> bool:
        """True when Redis answers."""
        try:
            return bool(self._redis.ping())
        except redis.RedisError:
            return False

    def clear(self) -> int:
        """Delete every key under this store's prefix (tests, resets); returns how many."""

        def run() -> int:
            deleted = 0
            batch: list[str] = []
            for key in self._redis.scan_iter(match=f"{self._prefix}:*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    deleted += int(self._redis.unlink(*batch))
                    batch.clear()
            if batch:
                deleted += int(self._redis.unlink(*batch))
            return deleted

        return self._call("clear", run)

    def close(self) -> None:
        """Release the connection pool."""
        self._redis.close()


def _encode(delta: Delta) -> dict[str, list[Any]]:
    """The delta as the Lua script reads it: lists in order, numbers as exact strings."""
    return {
        "c": [
            [group, [[name, _number(amount)] for name, amount in fields.items()]]
            for group, fields in delta.counters.items()
        ],
        "t": [
            [group, delta.tally_caps.get(group, DEFAULT_CAP), [_tally(t) for t in tallies]]
            for group, tallies in delta.tallies.items()
        ],
        "r": [
            [
                group,
                delta.ranking_caps.get(group, DEFAULT_CAP),
                [[r.member, _number(r.score), r.doc] for r in entries],
            ]
            for group, entries in delta.rankings.items()
        ],
    }


def _tally(t: Tally) -> list[Any]:
    return [t.member, _number(t.amount), t.doc, _number(t.doc_score)]
