#!/usr/bin/env bash
# The demo's main job (README command 1) run by patrond.exe under Wine and by the Linux
# binary, each in its own copy of conf/examples: check-config, a full and an incremental
# import of the sample files into SQLite, a checkout, printed notices. Each step's --json
# output must be the same on both, times, durations and paths aside (normalize_json.py),
# and every step must succeed on both.
# Usage: tests/windows/demo_parity.sh PATROND_EXE LINUX_PATROND WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
exe=$(realpath "$1")
linux=$(realpath "$2")
work=$(realpath -m "$3")
mkdir -p "$work/linux" "$work/windows"
for d in linux windows; do
  (cd "$root/conf/examples" && tar --exclude='*.db*' --exclude=notices --exclude=archive \
    --exclude='*.key' -cf - .) | tar -xf - -C "$work/$d"
  cp "$root/conf/examples/items/copies.csv" "$work/$d/copies.csv"
done
# patrond.exe finds the IANA database in the tzdata folder the deps build made.
export PATROND_TZDATA=${PATROND_TZDATA:-$(winepath -w "${PATROND_WINDEPS:-/opt/patrond-windeps}/share/tzdata")}
steps=(
  "check-config"
  "db migrate"
  "import students --full"
  "import faculty --full"
  "import students --incremental"
  "patrons show S1001"
  "items import copies.csv"
  "circ checkout P1003 T0004"
  "--as-of 2026-09-01 circ checkout P1001 T0001 --due 2026-10-05"
  "notices send weekly-overdues --as-of 2026-10-16T07:00"
)
failed=0
n=0
for step in "${steps[@]}"; do
  n=$((n + 1))
  read -r -a args <<<"$step"
  set +e
  (cd "$work/linux" && "$linux" --json --config patrond.yaml "${args[@]}" >"$work/$n.linux.json" 2>"$work/$n.linux.err")
  lrc=$?
  (cd "$work/windows" && wine "$exe" --json --config patrond.yaml "${args[@]}" >"$work/$n.windows.json" 2>"$work/$n.windows.err")
  wrc=$?
  set -e
  if ! /usr/bin/python3 "$root/tests/windows/normalize_json.py" "$work/$n.linux.json" \
      "$work/$n.windows.json" "$work/linux" "$work/windows" || [[ $lrc != "$wrc" || $lrc != 0 ]]; then
    echo "DIFFERENT: patrond $step (exit codes linux $lrc, windows $wrc)"
    sed 's/^/  linux stderr: /' "$work/$n.linux.err" | head -5
    sed 's/^/  windows stderr: /' "$work/$n.windows.err" | head -5
    failed=1
  else
    echo "same: patrond $step (exit $lrc)"
  fi
done
# The printed notices: the same files with the same content.
l=$(cd "$work/linux/notices" 2>/dev/null && find . -type f | sort)
w=$(cd "$work/windows/notices" 2>/dev/null && find . -type f | sort)
if [[ -z "$l" || "$l" != "$w" ]]; then
  echo "DIFFERENT: printed notices: linux [$l] windows [$w]"
  failed=1
else
  while read -r f; do
    if ! cmp -s "$work/linux/notices/$f" "$work/windows/notices/$f"; then
      echo "DIFFERENT: printed notice $f"
      diff <(tr -d '\r' <"$work/linux/notices/$f") <(tr -d '\r' <"$work/windows/notices/$f") | head -10
      failed=1
    fi
  done <<<"$l"
  echo "printed notices: $(wc -l <<<"$l") files, the same on both"
fi
exit $failed
