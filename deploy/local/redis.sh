#!/usr/bin/env bash
# Redis on 127.0.0.1 for local runs and CI: Debian's redis-server, run by us with its data in
# <repo>/.services/redis (not the system service).
#   redis.sh up       install redis-server if missing, start it daemonized, wait until PING answers
#   redis.sh down     SIGTERM, wait for a clean shutdown, then SIGKILL
#   redis.sh status   exit 0 when up, 3 when down
#   redis.sh clean    down, then delete its data
# Both up and down are idempotent; `up` after `down` restarts on the same data (append-only file).
# Env: REDIS_HOST (127.0.0.1), REDIS_PORT (6379), REDIS_START_TIMEOUT (30 s),
#      REDIS_STOP_TIMEOUT (30 s), TWEETPULSE_SERVICES_DIR (<repo>/.services; files go to redis/,
#      or redis-<port>/ off 6379).
# When the port is not 6379, point the application at it: TWEETPULSE_REDIS__URL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HOST="${REDIS_HOST:-127.0.0.1}"
PORT="${REDIS_PORT:-6379}"
START_TIMEOUT="${REDIS_START_TIMEOUT:-30}"
STOP_TIMEOUT="${REDIS_STOP_TIMEOUT:-30}"
SERVICES="${TWEETPULSE_SERVICES_DIR:-$ROOT/.services}"
# A server on another port is another instance, with its own data, log and pidfile.
DIR="$SERVICES/redis"
[ "$PORT" = "6379" ] || DIR="$SERVICES/redis-$PORT"
DATA="$DIR/data"
LOGS="$DIR/logs"
PIDFILE="$DIR/redis.pid"

NAME=redis
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

install_redis() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 && return 0
  apt_install redis-server
  # Debian starts its own instance on 6379 where it can; ours owns the port instead.
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo service redis-server stop >/dev/null 2>&1 || true
}

running_pid() { pid_from "$PIDFILE" "redis-server"; }

ping() { [ "$(redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = "PONG" ]; }

up() {
  local pid
  if pid="$(running_pid)"; then
    say "already up on $HOST:$PORT (pid $pid)"
    return 0
  fi
  rm -f "$PIDFILE"
  install_redis
  if ping; then
    say "$HOST:$PORT is taken by a Redis this script did not start; stop it or set REDIS_PORT"
    exit 1
  fi
  mkdir -p "$DATA" "$LOGS"
  # An append-only file, synced every second, so a restart keeps the window aggregates.
  redis-server --bind "$HOST" --port "$PORT" --daemonize yes --pidfile "$PIDFILE" \
    --dir "$DATA" --logfile "$LOGS/redis.log" --save "" --appendonly yes \
    --appendfsync everysec
  local waited=0
  until ping; do
    if [ "$waited" -ge $((START_TIMEOUT * 5)) ]; then
      say "not answering after ${START_TIMEOUT}s; the end of its log:"
      tail -n 20 "$LOGS/redis.log" >&2 || true
      down
      exit 1
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  say "up on $HOST:$PORT (pid $(cat "$PIDFILE"), data in $DATA)"
}

down() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    say "not running"
    return 0
  fi
  stop_pid "$pid" "$PIDFILE" "$STOP_TIMEOUT"
}

status() {
  local pid
  if pid="$(running_pid)" && ping; then
    echo "redis: up on $HOST:$PORT (pid $pid)"
    return 0
  fi
  echo "redis: down"
  return 3
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean)
    down
    rm -rf "$DATA"
    say "data removed"
    ;;
  *)
    echo "usage: $0 up|down|status|clean" >&2
    exit 2
    ;;
esac
