#!/usr/bin/env bash
# README's two commands (issue 14): scripts/demo.sh keeps its state in demo-out/, never in
# conf/examples/ (which the tests copy), so `demo.sh; test.sh` and `test.sh; demo.sh` both
# work, twice in a row. Runs the real demo script twice on a copy of the checkout's demo
# inputs with the freshly built binary, and checks conf/examples/ is byte for byte unchanged.
# Usage: demo_test.sh SOURCE_DIR PATROND_BIN
set -euo pipefail
unset DEMO_OUT  # the default, demo-out/ at the top of the checkout
src=$1 bin=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
repo=$tmp/repo
mkdir -p "$repo/scripts" "$repo/conf"
cp "$src/scripts/demo.sh" "$repo/scripts/"
# Only the tracked example files: state an old demo left in the source's conf/examples stays out.
(cd "$src" && git ls-files -z conf/examples 2>/dev/null | tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$repo" ||
  cp -R "$src/conf/examples" "$repo/conf/"
find "$repo/conf/examples" -name '*.db*' -delete
before=$(cd "$repo" && find conf/examples -type f -exec sha256sum {} + | sort)
for run in 1 2; do
  if ! PATROND_BIN=$bin bash "$repo/scripts/demo.sh" > "$tmp/demo$run.out" 2>&1; then
    cat "$tmp/demo$run.out"; echo "FAIL: demo run $run failed"; exit 1
  fi
  after=$(cd "$repo" && find conf/examples -type f -exec sha256sum {} + | sort)
  if [[ "$after" != "$before" ]]; then
    diff <(echo "$before") <(echo "$after") || true
    echo "FAIL: demo run $run changed conf/examples/"; exit 1
  fi
done
for f in patrond.db notices/2026-10-16/all.html; do
  [[ -s "$repo/demo-out/$f" ]] || { ls -R "$repo/demo-out"; echo "FAIL: demo-out/$f missing"; exit 1; }
done
grep -q 'Demo output in demo-out/' "$tmp/demo2.out" || { cat "$tmp/demo2.out"; echo "FAIL: the demo does not say where its output is"; exit 1; }
echo "demo OK: twice, state in demo-out/, conf/examples/ unchanged"
