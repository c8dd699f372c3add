#!/usr/bin/env bash
# Soak test (issue 4): `patrond run` with a 1-second poll of a folder for DURATION seconds
# (default 600), its file rewritten every few seconds and changed every 30 s so imports keep
# happening. Samples RSS and open file descriptors every 15 s and fails when either grows
# after the first minute (RSS by more than 10%, descriptors by more than 3).
# Not part of the default test run. Usage: tests/soak/soak.sh [DURATION] [path/to/patrond]
set -euo pipefail
duration=${1:-600}
bin=${2:-build/bin/patrond}
bin=$(readlink -f "$bin")
work=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/drop"
cat > "$work/m.yaml" <<'YAML'
fields: {district_id: ID, last_name: Last, site: School}
YAML
cat > "$work/patrond.yaml" <<YAML
district: {timezone: UTC}
logging: {level: warning, system: false, file: $work/patrond.log, rotate_size: 64KB, keep_files: 3}
sites: [{code: LHS, name: L, type: high}]
imports:
  - name: students
    mapping: m.yaml
    source: {directory: drop, file: students.csv, settle: 1s, watch: poll, poll_every: 1s, keep_copies: 3}
    on_new_file: incremental
    options: {keep_runs: 5}
YAML
write_file() {  # $1: generation
  { echo "ID,Last,School"; for i in $(seq 1 2000); do echo "S$i,Name$1,LHS"; done; } > "$work/drop/students.csv.tmp"
  mv "$work/drop/students.csv.tmp" "$work/drop/students.csv"
}
write_file 0
"$bin" run --config "$work/patrond.yaml" > "$work/stdout.log" 2>&1 &
pid=$!
sleep 2
start=$SECONDS; gen=0; base_rss=0; base_fd=0; fail=0
printf '%6s %10s %5s\n' seconds rss_kb fds
while (( SECONDS - start < duration )); do
  sleep 5
  if (( (SECONDS - start) % 30 < 5 )); then gen=$((gen + 1)); write_file $gen; else touch "$work/drop/students.csv"; fi
  if (( (SECONDS - start) % 15 < 5 )); then
    kill -0 $pid || { echo "patrond died"; cat "$work/stdout.log"; exit 1; }
    rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    fds=$(ls /proc/$pid/fd | wc -l)
    printf '%6d %10d %5d\n' $((SECONDS - start)) "$rss" "$fds"
    if (( SECONDS - start >= 60 && base_rss == 0 )); then base_rss=$rss; base_fd=$fds; fi
    if (( base_rss > 0 )) && (( rss > base_rss * 110 / 100 || fds > base_fd + 3 )); then fail=1; fi
  fi
done
runs=$("$bin" runs --json --config "$work/patrond.yaml" | grep -c '"run_id"' || true)
kill -TERM $pid; wait $pid || true
echo "runs kept: $runs (keep_runs 5); generations written: $gen"
if (( fail )); then echo "SOAK FAILED: memory or descriptors grew"; exit 1; fi
echo "soak OK"
