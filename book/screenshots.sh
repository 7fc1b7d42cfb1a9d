#!/bin/sh
# Headless Chromium views of the built book, to check how it looks to a
# reader: desktop (1280 px), phone (390 px) and print to A4 PDF of the
# summary, a chapter, a regional page (Mopti, the region of the first
# dialogue forum), the trends page, and both pages of Mopti's fact sheet, in
# French and English. Run after `make report`:
#
#   book/screenshots.sh [html dir] [output dir] [fact sheets dir]
#
# Defaults: book/_build/html, book/_build/screenshots and
# data/processed/factsheets. Needs chromium (Debian: apt-get install -y
# chromium); pdftoppm (poppler-utils) also turns the print PDFs and fact
# sheets into PNG pages. Pages are opened from file://, with networking
# features off, exactly as a reader offline would see them.
set -eu

HTML=${1:-book/_build/html}
OUT=${2:-book/_build/screenshots}
SHEETS=${3:-data/processed/factsheets}
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
OUT=$(cd "$OUT" && pwd)
SITE=$(cd "$HTML" && pwd)
# A throwaway profile keeps the user's browser settings out of the pictures.
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT

chrome() {
  "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --no-first-run --disable-sync --hide-scrollbars \
    --user-data-dir="$PROFILE" "$@" >/dev/null 2>&1
}

pages() {  # PDF -> one PNG per page, when pdftoppm is there
  if command -v pdftoppm >/dev/null 2>&1; then
    pdftoppm -r 60 -png "$1" "${1%.pdf}"
  fi
}

shoot() {
  page=$1 name=$2
  chrome --window-size=1280,2400 --screenshot="$OUT/$name-desktop.png" "file://$SITE/$page"
  chrome --window-size=390,2400 --screenshot="$OUT/$name-phone.png" "file://$SITE/$page"
  chrome --no-pdf-header-footer --print-to-pdf="$OUT/$name-print.pdf" "file://$SITE/$page"
  pages "$OUT/$name-print.pdf"
  echo "$OUT/$name-{desktop,phone}.png $OUT/$name-print.pdf"
}

for lang in fr en; do
  shoot "$lang/index.html" "$lang-summary"
  shoot "$lang/trust.html" "$lang-chapter-trust"
  shoot "$lang/regions/ML-5.html" "$lang-region-mopti"
  if [ -f "$SITE/$lang/trends.html" ]; then
    shoot "$lang/trends.html" "$lang-trends"
  fi
  if [ -f "$SHEETS/$lang/ML-5.pdf" ]; then
    cp "$SHEETS/$lang/ML-5.pdf" "$OUT/$lang-factsheet-mopti.pdf"
    pages "$OUT/$lang-factsheet-mopti.pdf"
    echo "$OUT/$lang-factsheet-mopti.pdf"
  fi
done
