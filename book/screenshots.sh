#!/bin/sh
# Headless Chromium screenshots of the built book, to check how it looks in a
# real browser: the French summary, a chapter and a regional page (Mopti, the
# region of the first dialogue forum). Run after `make report`:
#
#   book/screenshots.sh [html dir] [output dir]
#
# Defaults: book/_build/html and book/_build/screenshots. Needs chromium
# (Debian: apt-get install -y chromium). Pages are opened from file://, with
# networking features off, exactly as a reader offline would see them.
set -eu

HTML=${1:-book/_build/html}
OUT=${2:-book/_build/screenshots}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if [ -z "$CHROMIUM" ]; then
  echo "screenshots: chromium not found (Debian: apt-get install -y chromium; or set CHROMIUM=/path)" >&2
  exit 2
fi
if [ ! -f "$HTML/fr/index.html" ]; then
  echo "screenshots: $HTML/fr/index.html not found; run 'make report' first" >&2
  exit 2
fi
mkdir -p "$OUT"
# A throwaway profile keeps the user's browser settings out of the pictures.
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT

shoot() {
  page=$1 name=$2
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --disable-sync --hide-scrollbars \
    --user-data-dir="$PROFILE" --window-size=1280,2400 \
    --screenshot="$OUT/$name.png" "file://$(cd "$HTML" && pwd)/$page" >/dev/null 2>&1
  echo "$OUT/$name.png"
}

shoot fr/index.html fr-summary
shoot fr/trust.html fr-chapter-trust
shoot fr/regions/ML-5.html fr-region-mopti
