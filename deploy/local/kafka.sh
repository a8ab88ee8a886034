#!/usr/bin/env bash
# A single-node Apache Kafka (KRaft) broker on 127.0.0.1 for local runs and CI.
#   kafka.sh up       fetch the jars if missing, format storage once, start, wait until it answers
#   kafka.sh down     SIGTERM, wait for a clean shutdown, then SIGKILL
#   kafka.sh status   exit 0 when up, 3 when down
#   kafka.sh clean    down, then delete the broker's data (the next `up` formats anew)
# Both up and down are idempotent; `up` after `down` restarts on the same data.
# Env: KAFKA_HOST (127.0.0.1), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
#      KAFKA_HEAP_OPTS (-Xms256m -Xmx1g), KAFKA_START_TIMEOUT (180 s), KAFKA_STOP_TIMEOUT (60 s),
#      TWEETPULSE_SERVICES_DIR (<repo>/.services; files go to kafka/, or kafka-<port>/ off 9092),
#      KAFKA_EXTRA_CONFIG (a properties file appended to the generated config: its keys win, e.g.
#      more listeners with SSL or SASL), KAFKA_SCRAM_CREDENTIALS (SCRAM users created when the
#      storage is formatted, one per line: SCRAM-SHA-256=[name=alice,password=secret]).
# When the port is not 9092, point the application at it: TWEETPULSE_KAFKA__BOOTSTRAP_SERVERS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HOST="${KAFKA_HOST:-127.0.0.1}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-180}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-60}"
SERVICES="${TWEETPULSE_SERVICES_DIR:-$ROOT/.services}"
# A broker on another port is another instance, with its own data, logs and pidfile.
DIR="$SERVICES/kafka"
[ "$PORT" = "9092" ] || DIR="$SERVICES/kafka-$PORT"
DATA="$DIR/data"
LOGS="$DIR/logs"
PIDFILE="$DIR/kafka.pid"
CONFIG="$DIR/server.properties"
POM="$ROOT/deploy/kafka/pom.xml"
LIB="$ROOT/deploy/kafka/lib"
STAMP="$LIB/.complete"

NAME=kafka
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

need_tools() {
  local missing=()
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# The pid of our broker, if it runs.
running_pid() { pid_from "$PIDFILE" "kafka.Kafka $CONFIG"; }

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

fetch_jars() {
  if [ -f "$STAMP" ] && [ "$STAMP" -nt "$POM" ]; then
    return 0
  fi
  need_tools
  say "fetching the broker's jars from Maven Central into deploy/kafka/lib"
  rm -rf "$LIB"
  mkdir -p "$LIB" "$LOGS"
  if ! mvn -B -ntp -f "$POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIB" >"$LOGS/mvn.log" 2>&1; then
    say "mvn failed; the end of $LOGS/mvn.log:"
    tail -n 30 "$LOGS/mvn.log" >&2
    exit 1
  fi
  touch "$STAMP"
}

write_config() {
  mkdir -p "$DATA" "$LOGS"
  sed -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$PORT|g" -e "s|@CONTROLLER_PORT@|$CONTROLLER_PORT|g" \
    -e "s|@DATA_DIR@|$DATA|g" "$ROOT/deploy/kafka/server.properties.template" >"$CONFIG"
  # Java's Properties keeps the last value of a key, so these lines override the template's.
  if [ -n "${KAFKA_EXTRA_CONFIG:-}" ]; then
    { echo; echo "# from $KAFKA_EXTRA_CONFIG"; cat "$KAFKA_EXTRA_CONFIG"; } >>"$CONFIG"
  fi
}

java_cmd() {
  # shellcheck disable=SC2206 # HEAP_OPTS holds several options
  JAVA_CMD=(java $HEAP_OPTS -XX:+UseG1GC -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$ROOT/deploy/kafka/log4j2.xml" -Dkafka.logs.dir="$LOGS"
    -cp "$LIB/*" "$@")
}

kafka_java() {
  java_cmd "$@"
  "${JAVA_CMD[@]}"
}

format_storage() {
  [ -f "$DATA/meta.properties" ] && return 0
  local cluster_id=""
  [ -f "$DIR/cluster.id" ] && cluster_id="$(cat "$DIR/cluster.id")"
  # A cluster id must not start with '-': the command line would read it as an option, and
  # Kafka's own Uuid.randomUuid() never hands one out for that reason. An id kept from a run
  # that could not format (an older script wrote such ids) is replaced, since nothing used it.
  while [ -z "$cluster_id" ] || [ "${cluster_id:0:1}" = "-" ]; do
    # What `StorageTool random-uuid` prints (16 random bytes, base64url), without a JVM start.
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
  done
  echo "$cluster_id" >"$DIR/cluster.id"
  # SCRAM credentials live in the cluster metadata; a new cluster gets them when it is formatted.
  local scram=() line
  while IFS= read -r line; do
    [ -n "$line" ] && scram+=(--add-scram "$line")
  done <<<"${KAFKA_SCRAM_CREDENTIALS:-}"
  say "formatting KRaft storage (cluster $cluster_id)"
  kafka_java kafka.tools.StorageTool format --ignore-formatted --cluster-id="$cluster_id" -c "$CONFIG" \
    "${scram[@]}" >>"$LOGS/format.log" 2>&1 || { tail -n 20 "$LOGS/format.log" >&2; exit 1; }
}

# The broker's log lines stamped at or after SINCE ("YYYY-MM-DD HH:MM:SS"), across rotated files:
# a start that logs a lot (deleting many topics) can roll server.log over while we wait.
logged_since() {
  local since="$1" f
  for f in "$LOGS"/server.log.* "$LOGS"/server.log; do
    [ -f "$f" ] && awk -v t="$since" 'substr($0, 2, 19) >= t' "$f"
  done
  return 0
}

up() {
  local pid
  if pid="$(running_pid)"; then
    say "already up on $HOST:$PORT (pid $pid)"
    return 0
  fi
  rm -f "$PIDFILE"
  if port_open; then
    say "$HOST:$PORT is taken by a process this script did not start; stop it or set KAFKA_PORT"
    exit 1
  fi
  need_tools
  fetch_jars
  write_config
  format_storage
  local since
  since="$(date '+%Y-%m-%d %H:%M:%S')"
  java_cmd kafka.Kafka "$CONFIG"
  # setsid: the broker outlives the shell (and the terminal) that started it. It does not fork
  # here (a background job is no group leader), so $! is the JVM's pid.
  setsid nohup "${JAVA_CMD[@]}" >>"$LOGS/stdout.log" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  pid=$!
  local waited=0
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the broker exited while starting; the end of its logs:"
      tail -n 30 "$LOGS/stdout.log" >&2 || true
      logged_since "$since" | grep -E "ERROR|FATAL" | tail -n 10 >&2 || true
      rm -f "$PIDFILE"
      exit 1
    fi
    if port_open && logged_since "$since" | grep -q "Kafka Server started"; then
      say "up on $HOST:$PORT (pid $pid, logs in $LOGS)"
      return 0
    fi
    if [ "$waited" -ge "$START_TIMEOUT" ]; then
      say "not answering after ${START_TIMEOUT}s; stopping it (logs in $LOGS)"
      down
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
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
  if pid="$(running_pid)" && port_open; then
    echo "kafka: up on $HOST:$PORT (pid $pid)"
    return 0
  fi
  echo "kafka: down"
  return 3
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  clean)
    down
    rm -rf "$DATA" "$DIR/cluster.id"
    say "data removed"
    ;;
  *)
    echo "usage: $0 up|down|status|clean" >&2
    exit 2
    ;;
esac
