# Shared by the scripts in deploy/local (sourced, not run). The sourcing script sets NAME first.

say() { echo "$NAME: $*" >&2; }

# Installs Debian packages, as root or through sudo; fails clearly where there is no apt-get.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null 2>&1 || { say "$* missing and no apt-get here; install it by hand"; exit 1; }
  say "installing $*"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# The pid in PIDFILE if that process runs and its command line matches PATTERN (a stale
# pidfile, or a pid reused by another program, counts as not running).
pid_from() {
  local pidfile="$1" pattern="$2" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern" || return 1
  echo "$pid"
}

# SIGTERM, wait up to TIMEOUT seconds, then SIGKILL; removes the pidfile.
stop_pid() {
  local pid="$1" pidfile="$2" timeout="$3" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge $((timeout * 5)) ]; then
      say "still running after ${timeout}s; killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
    waited=$((waited + 1))
  done
  rm -f "$pidfile"
  say "stopped (pid $pid)"
}
