#!/usr/bin/env bash
# Installs the Debian packages tweetpulse needs on this machine, only those that are missing.
#   system-deps.sh demo   a CJK font for the word cloud
#   system-deps.sh test   the font, plus jekyll with the feed and SEO plugins the site skeleton
#                         uses, redis-server and kcat for the test suite
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NAME=system-deps
# shellcheck source=deploy/local/lib.sh
. "$ROOT/deploy/local/lib.sh"

want=(fonts-wqy-microhei)
if [ "${1:-demo}" = "test" ]; then
  want+=(jekyll ruby-jekyll-feed ruby-jekyll-seo-tag redis-server kcat)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
