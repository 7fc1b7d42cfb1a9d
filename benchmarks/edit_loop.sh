#!/usr/bin/env bash
# The researcher's loop, on fresh clones of two commits, one after the other on this machine (issue 13 item 1):
# a cold `make report` on the bundled demo, a no-op rerun, then a rerun after editing one wave's mapping
# (a comment appended to config/sources/partner_a_2025-followup.yaml, a wave both commits have).
#   usage: benchmarks/edit_loop.sh BASELINE_COMMIT NEW_COMMIT [WORKDIR]
# A clone already in WORKDIR/<name> at the right commit is reused (its .venv too). Prints, per clone and
# step, wall and CPU (user + system) seconds, and writes WORKDIR/edit_loop.tsv.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
base="$1"; new="$2"; work="${3:-$(mktemp -d)}"
mapping=config/sources/partner_a_2025-followup.yaml
mkdir -p "$work"
for name in baseline new; do
  commit=$base; [ "$name" = new ] && commit=$new
  wanted=$(git -C "$repo" rev-parse "$commit")
  if [ "$(git -C "$work/$name" rev-parse HEAD 2>/dev/null || true)" != "$wanted" ]; then
    rm -rf "${work:?}/$name"
    git clone --quiet "$repo" "$work/$name"
    git -C "$work/$name" checkout --quiet "$wanted"
  fi
  make -C "$work/$name" .venv/.installed >"$work/$name.install.log" 2>&1
done
timed() {  # name step: run make report in the clone, append "name step wall cpu" to the table
  local name=$1 step=$2 wall user sys
  /usr/bin/time -o "$work/$name.$step.time" -f "%e %U %S" make -C "$work/$name" report >"$work/$name.$step.log" 2>&1
  read -r wall user sys <"$work/$name.$step.time"
  printf '%s\t%s\t%s\t%s\n' "$name" "$step" "$wall" "$(echo "$user + $sys" | bc)" | tee -a "$work/edit_loop.tsv"
}
printf 'clone\tstep\twall_s\tcpu_s\n' >"$work/edit_loop.tsv"
for name in baseline new; do
  rm -rf "$work/$name/data/processed" "$work/$name/book/_build" "$work/$name/book/_src" "$work/$name/.snakemake"
  timed "$name" cold
  timed "$name" noop
  cp "$work/$name/$mapping" "$work/$name.mapping.bak"
  echo "# edited for the edit-loop benchmark" >>"$work/$name/$mapping"
  timed "$name" edit
  cp "$work/$name.mapping.bak" "$work/$name/$mapping"
done
