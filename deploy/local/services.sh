#!/usr/bin/env bash
# The services the distributed mode and its tests need, on this machine: Kafka and Redis.
#   services.sh up|down|status|clean
# `up` starts Redis first (seconds) then Kafka (the first time it also fetches the broker's jars
# from Maven Central); `down` stops Kafka first so no consumer is left talking to a dead store.
# Everything they write lives under <repo>/.services (and the jars under deploy/kafka/lib).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

case "${1:-}" in
  up)
    bash "$HERE/redis.sh" up
    bash "$HERE/kafka.sh" up
    ;;
  down)
    rc=0
    bash "$HERE/kafka.sh" down || rc=$?
    bash "$HERE/redis.sh" down || rc=$?
    exit "$rc"
    ;;
  status)
    rc=0
    bash "$HERE/kafka.sh" status || rc=$?
    bash "$HERE/redis.sh" status || rc=$?
    exit "$rc"
    ;;
  clean)
    bash "$HERE/kafka.sh" clean
    bash "$HERE/redis.sh" clean
    ;;
  *)
    echo "usage: $0 up|down|status|clean" >&2
    exit 2
    ;;
esac
