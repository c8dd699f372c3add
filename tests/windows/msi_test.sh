#!/usr/bin/env bash
# The MSI under Wine (issue 19): install (wine msiexec /i /qn) registers the service and the
# Event Log source and prepares %ProgramData%\patrond; `net start patrond` starts the service
# (the installer leaves it stopped until the district has edited its configuration),
# which imports a students file dropped into its inbox; `net stop` stops it cleanly; an
# upgrade to a newer version keeps the district's configuration and database; uninstall
# removes the program and the service and leaves the data.
# Usage: tests/windows/msi_test.sh [BUILD_WINDOWS]   (builds the MSIs with scripts/windows-msi.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wbuild=$(realpath "${1:-$root/build-windows}")
work=$(mktemp -d /tmp/patrond-msi.XXXXXX)
export WINEDEBUG=-all WINEPREFIX=$work/prefix
cleanup() {
  wineserver -k >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do [[ -f $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
PATROND_MSI_VERSION=0.1.0 bash "$root/scripts/windows-msi.sh" "$wbuild" "$work/patrond-0.1.0.msi"
PATROND_MSI_VERSION=0.1.1 bash "$root/scripts/windows-msi.sh" "$wbuild" "$work/patrond-0.1.1.msi"
wineboot -i >/dev/null 2>&1 || true
c=$WINEPREFIX/drive_c
exe='C:\Program Files\patrond\patrond.exe'
cfg='C:\ProgramData\patrond\patrond.yaml'
data=$c/ProgramData/patrond

echo "== install"
wine msiexec /i "$(winepath -w "$work/patrond-0.1.0.msi")" /qn /l*v "$(winepath -w "$work/install.log")" ||
  fail "msiexec /i"
[[ -f "$c/Program Files/patrond/patrond.exe" ]] || fail "patrond.exe not installed"
[[ -f "$c/Program Files/patrond/tzdata/northamerica" ]] || fail "tzdata not installed"
[[ -f $data/patrond.yaml && -f $data/students.mapping.yaml && -d $data/inbox ]] ||
  fail "%ProgramData%\\patrond not prepared: $(ls "$data" 2>&1)"
wine reg query 'HKLM\System\CurrentControlSet\Services\patrond' >"$work/service.reg" 2>&1 ||
  fail "service not registered"
grep -q 'NT SERVICE\\patrond' "$work/service.reg" || fail "service account: $(cat "$work/service.reg")"
wine reg query 'HKLM\System\CurrentControlSet\Services\EventLog\Application\patrond' \
  >"$work/eventlog.reg" 2>&1 || fail "Event Log source not registered"
echo "installed: program, tzdata, %ProgramData%\\patrond, service, Event Log source"

echo "== check-config as installed"
wine "$exe" --config "$cfg" check-config >"$work/check.log" 2>&1 || fail "check-config"

echo "== net start; a file dropped into the inbox is imported"
wine net start patrond >"$work/start.log" 2>&1 || true
# Wine's net.exe says "starting" and can exit non-zero before the service reports RUNNING:
# the service manager's state is what counts.
running=0
for _ in $(seq 1 30); do
  if wine sc query patrond 2>/dev/null | grep -q RUNNING; then
    running=1
    break
  fi
  sleep 1
done
((running)) || fail "net start patrond: the service is not running ($(cat "$work/start.log"))"
cp "$root/conf/examples/sis/students.csv" "$data/inbox/students.csv"
imported=0
for _ in $(seq 1 90); do
  if wine "$exe" --json --config "$cfg" runs --limit 1 2>/dev/null >"$work/runs.json" &&
    grep -q '"job": *"students"' "$work/runs.json" && grep -q '"status": *"ok"' "$work/runs.json"; then
    imported=1
    break
  fi
  sleep 2
done
((imported)) || fail "the service did not import the dropped file: $(cat "$work/runs.json")"
echo "the service imported inbox\\students.csv"

echo "== net stop"
wine net stop patrond >"$work/stop.log" 2>&1 || fail "net stop patrond"
wine sc query patrond >"$work/query.log" 2>&1 || true
grep -q 'STOPPED' "$work/query.log" || fail "not stopped: $(cat "$work/query.log")"
echo "stopped cleanly"

echo "== upgrade to 0.1.1 keeps configuration and data"
echo "# the district's edit" >>"$data/patrond.yaml"
wine msiexec /i "$(winepath -w "$work/patrond-0.1.1.msi")" /qn /l*v "$(winepath -w "$work/upgrade.log")" ||
  fail "msiexec /i (upgrade)"
grep -q "the district's edit" "$data/patrond.yaml" || fail "the upgrade replaced patrond.yaml"
[[ -f $data/patrond.db ]] || fail "the upgrade lost the database"
wine "$exe" --json --config "$cfg" runs --limit 1 >"$work/runs2.json" 2>&1 || fail "runs after upgrade"
grep -q '"job": *"students"' "$work/runs2.json" || fail "the run history is gone after the upgrade"
wine net stop patrond >/dev/null 2>&1 || true
echo "upgraded; configuration and database kept"

echo "== uninstall"
wine msiexec /x "$(winepath -w "$work/patrond-0.1.1.msi")" /qn /l*v "$(winepath -w "$work/uninstall.log")" ||
  fail "msiexec /x"
[[ ! -f "$c/Program Files/patrond/patrond.exe" ]] || fail "patrond.exe left behind"
if wine reg query 'HKLM\System\CurrentControlSet\Services\patrond' >/dev/null 2>&1; then
  fail "the service is still registered"
fi
[[ -f $data/patrond.yaml && -f $data/patrond.db ]] || fail "the uninstall removed the district's data"
echo "uninstalled; %ProgramData%\\patrond kept"
echo "MSI test passed"
