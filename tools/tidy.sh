#!/usr/bin/env bash
# clang-tidy (.clang-tidy's checks) over the pure C++ rooms: engine/ and adapters/memory/,
# every finding an error. Needs a configured build folder (compile_commands.json).
#   bash tools/tidy.sh [build-folder]        (about 4 minutes on two cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f "$build/compile_commands.json" ]] || { echo "tidy: configure $build first (cmake --preset default)"; exit 2; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# run-clang-tidy (14) colours its output and has no switch for it: the colours are removed.
run-clang-tidy -p "$build" -j "$(nproc)" -quiet -extra-arg=-Wno-unknown-warning-option \
  "$PWD/engine/.*\.cpp|$PWD/adapters/memory/.*\.cpp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >"$out" || true
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
echo "tidy: engine/ and adapters/memory/ clean"
