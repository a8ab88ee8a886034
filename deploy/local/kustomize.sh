#!/usr/bin/env bash
# The kustomize binary that renders deploy/k8s for the tests, built from source with `go install`
# (through the Go module proxy) into <repo>/.services/bin the first time, then reused.
#   kustomize.sh          install if missing, print the binary's path on stdout
#   kustomize.sh version  the same, then print its version on stderr
# A fresh machine takes 30 to 60 s (modules plus build, 2 cores); afterwards it answers at once.
# Env: KUSTOMIZE_VERSION (v5.8.1), TWEETPULSE_SERVICES_DIR (<repo>/.services).
# Pinned to a release that builds with the machine's Go (1.26); newer ones may want a newer Go.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${KUSTOMIZE_VERSION:-v5.8.1}"
SERVICES="${TWEETPULSE_SERVICES_DIR:-$ROOT/.services}"
BIN_DIR="$SERVICES/bin"
BIN="$BIN_DIR/kustomize"
STAGE=""

say() { echo "kustomize: $*" >&2; }

installed_version() {
  [ -x "$BIN" ] || return 1
  "$BIN" version 2>/dev/null | head -n 1
}

install() {
  command -v go >/dev/null 2>&1 || { say "needs Go (go install) to build $VERSION; none on PATH"; exit 1; }
  mkdir -p "$BIN_DIR"
  # Built into a private directory, then moved: a half-written binary is never on the path.
  STAGE="$(mktemp -d "$BIN_DIR/.install.XXXXXX")"
  trap 'rm -rf "$STAGE"' EXIT
  say "installing sigs.k8s.io/kustomize/kustomize/v5@$VERSION with $(go version | cut -d' ' -f3)"
  local start=$SECONDS
  GOBIN="$STAGE" go install "sigs.k8s.io/kustomize/kustomize/v5@$VERSION" >&2
  mv -f "$STAGE/kustomize" "$BIN"
  say "installed in $((SECONDS - start)) s: $BIN"
}

if [ "$(installed_version || true)" != "$VERSION" ]; then
  install
fi
echo "$BIN"
if [ "${1:-}" = "version" ]; then
  "$BIN" version >&2
fi
