#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks) over engine/, adapters/ (all) and daemon/, every finding an
# error. Only the sources in compile_commands.json are checked: on Linux that leaves out the
# Windows-only files (adapters/*/*_win.cpp) and windows-service/. Needs a configured build
# folder (compile_commands.json).
#   bash tools/tidy.sh [build-folder]   (~14 CPU-minutes; 22 min wall with -j2 on a busy machine)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f "$build/compile_commands.json" ]] || { echo "tidy: configure $build first (cmake --preset default)"; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# run-clang-tidy (14) colours its output and has no switch for it: the colours are removed.
run-clang-tidy -p "$build" -j "$(nproc)" -quiet -extra-arg=-Wno-unknown-warning-option \
  "$PWD/(engine|adapters|daemon)/.*\.cpp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$out" || true
findings=$(grep -E "^$PWD/.*: (warning|error):" "$out" | sort -u || true)
if [[ -n "$findings" ]]; then
  echo "$findings" | sed "s|^$PWD/||"
  echo "tidy: $(echo "$findings" | wc -l) finding(s) (checks in .clang-tidy)"
  exit 1
fi
if grep -qE "^(Error|error)|: error:" "$out"; then
  grep -E "^(Error|error)|: error:" "$out" | head -20
  echo "tidy: clang-tidy failed"
  exit 1
fi
echo "tidy: engine/, adapters/ and daemon/ clean"
