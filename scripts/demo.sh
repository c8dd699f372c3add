#!/usr/bin/env bash
# README command (1): set up a fresh Debian 12 machine (as root), build, and run the main job
# on the embedded default: SQLite next to conf/examples/patrond.yaml, the sample SIS exports
# in conf/examples/sis/. Prints what it did. Safe to run again: the second run shows the
# incremental path finding nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default
cmake --build --preset default --target patrond
cfg=conf/examples/patrond.yaml
p() { echo; echo "+ patrond $*"; build/bin/patrond --config "$cfg" "$@"; }
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
echo "Database: conf/examples/patrond.db (delete it to start over)."
