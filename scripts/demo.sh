#!/usr/bin/env bash
# README command (1): set up a fresh Debian 12 machine (as root), build, and run the main job
# on the embedded default with the sample SIS exports. Prints what it did. Safe to run again:
# the second run shows the incremental path finding nothing changed.
# The demo's state (database, printed notices, archived imports, patrond.key) goes to
# demo-out/ at the top of the checkout (git-ignored), never into conf/examples/: each run
# copies the example configuration there afresh and keeps the database.
# Environment: DEMO_OUT (default demo-out/), PATROND_BIN (a built binary: skip setup and build).
set -euo pipefail
bin=${PATROND_BIN:+$(realpath "$PATROND_BIN")}
cd "$(dirname "$0")/.."
out=$(realpath -m "${DEMO_OUT:-demo-out}")
if [[ -z "$bin" ]]; then
  bash scripts/setup.sh
  cmake --preset default
  cmake --build --preset default --target patrond
  bin=build/bin/patrond
fi
mkdir -p "$out"
# The configuration, mappings and sample files; never state an old demo left in conf/examples.
(cd conf/examples && tar --exclude='*.db*' --exclude=notices --exclude=archive --exclude='*.key' -cf - .) |
  tar -xf - -C "$out"
cfg=$out/patrond.yaml
p() { echo; echo "+ patrond $*"; "$bin" --config "$cfg" "$@"; }
p check-config
p db migrate
p import students --full
p import faculty --full
p import students --incremental
p runs --limit 5
p patrons list --site LHS --limit 10
p patrons show S1001
p items import conf/examples/items/copies.csv
p circ checkout P1003 T0004
p circ checkin T0004
p circ sweep
p --as-of 2026-09-01 circ checkout P1001 T0001 --due 2026-10-05 || echo "(out since an earlier run of the demo)"
p notices preview weekly-overdues --as-of "2026-10-16 07:00"
p notices send weekly-overdues --as-of "2026-10-16 07:00"
echo
echo "Demo output in ${out#"$PWD"/}/: the database patrond.db, the printed notices in"
echo "notices/2026-10-16/ (open all.html), archived imports in archive/. Delete the folder to start over."
