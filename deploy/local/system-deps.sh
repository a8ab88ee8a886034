#!/usr/bin/env bash
# Installs the Debian packages tweetpulse needs on this machine, only those that are missing.
#   system-deps.sh demo   a CJK font for the word cloud
#   system-deps.sh test   the font, plus jekyll, redis-server, kcat and a JDK for the test suite
set -euo pipefail
want=(fonts-wqy-microhei)
if [ "${1:-demo}" = "test" ]; then
  want+=(jekyll redis-server kcat)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-deps: missing ${missing[*]} and no apt-get here; install them by hand" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "system-deps: installing ${missing[*]}"
$sudo apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
