#!/usr/bin/env bash
# `make test` on fresh clones of two commits, side by side, at the same time on this machine
# (so that the load of a shared machine weighs on both alike). Installs first (not timed).
#   usage: benchmarks/test_suite.sh BASELINE_COMMIT NEW_COMMIT [WORKDIR]
# Writes WORKDIR/<name>.log and prints one line per clone: commit, wall seconds, pytest summary.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
base="$1"; new="$2"; work="${3:-$(mktemp -d)}"
mkdir -p "$work"
[ -e "$work/shared" ] || ln -s "$repo/../shared" "$work/shared"   # the reference material, as in CI
for name in baseline new; do
  commit=$base; [ "$name" = new ] && commit=$new
  rm -rf "${work:?}/$name"
  git clone --quiet "$repo" "$work/$name"
  git -C "$work/$name" checkout --quiet "$commit"
done
# Install both (untimed), one after the other.
for name in baseline new; do make -C "$work/$name" .venv/.installed >"$work/$name.install.log" 2>&1; done
# Time both test suites started together.
for name in baseline new; do
  ( start=$(date +%s.%N)
    make -C "$work/$name" test >"$work/$name.log" 2>&1; status=$?
    end=$(date +%s.%N)
    echo "$name $(git -C "$work/$name" rev-parse --short HEAD) status=$status wall=$(echo "$end - $start" | bc)s $(grep -E '(passed|failed)' "$work/$name.log" | tail -1)" >"$work/$name.result" ) &
done
wait
cat "$work/baseline.result" "$work/new.result"
