#!/usr/bin/env bash
# The Windows build under Wine (issue 19): unit_tests.exe; store_contract_tests.exe against
# SQLite, a PostgreSQL 15 started here on loopback and the in-memory store; then the demo's main job run by
# patrond.exe and by the Linux binary on the same input, their JSON compared
# (tests/windows/demo_parity.sh). Usage: tests/windows/run_tests.sh [BUILD_WINDOWS] [LINUX_BIN]
# Needs: the `windows` preset built, wine (scripts/windows-deps.sh installs it), and for the
# parity step the Linux patrond (default build/bin/patrond).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wbuild=$(realpath "${1:-$root/build-windows}")
linux_bin=$(realpath "${2:-$root/build/bin/patrond}")
work=$(mktemp -d /tmp/patrond-wine.XXXXXX)
chmod 755 "$work"
export WINEDEBUG=-all WINEPREFIX=$work/prefix
pg_bin=/usr/lib/postgresql/15/bin
cleanup() {
  if [[ -f $work/pg/data/postmaster.pid ]]; then
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  wineserver -k >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== Wine prefix"
wineboot -i >/dev/null 2>&1 || true

echo "== unit_tests.exe"
start=$SECONDS
wine "$wbuild/bin/unit_tests.exe" --gtest_brief=1
echo "unit_tests.exe took $((SECONDS - start)) s"

echo "== PostgreSQL 15 on loopback for store_contract_tests.exe"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
install -d -o postgres -g postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg/data" -A trust -U postgres -E UTF8 \
  --locale=C --no-sync >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w -o \
  "-p $port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" \
  start >/dev/null

echo "== store_contract_tests.exe (SQLite, PostgreSQL, memory)"
start=$SECONDS
PATROND_TEST_PG_PORT=$port wine "$wbuild/bin/store_contract_tests.exe" --gtest_brief=1
echo "store_contract_tests.exe took $((SECONDS - start)) s"

echo "== the demo's main job: patrond.exe against the Linux binary"
bash "$root/tests/windows/demo_parity.sh" "$wbuild/bin/patrond.exe" "$linux_bin" "$work/demo"
