#!/usr/bin/env bash
# The MSI under Wine (issue 19): install (wine msiexec /i /qn) registers the service and the
# Event Log source and prepares %ProgramData%\patrond; `net start patrond` starts the service
# (the installer leaves it stopped until the district has edited its configuration),
# which imports a students file dropped into its inbox; `net stop` stops it cleanly; an
# upgrade to a newer version while the service runs keeps the district's configuration and
# database and leaves the service running (it imports the next file); uninstall removes the
# program, the service and the Event Log source and leaves the data.
# Usage: tests/windows/msi_test.sh [BUILD_WINDOWS]   (builds the MSIs with scripts/windows-msi.sh)
# PATROND_MSI_TEST_KEEP=1 keeps the work folder (msiexec logs, the Wine prefix) for a look.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
wbuild=$(realpath "${1:-$root/build-windows}")
work=$(mktemp -d /tmp/patrond-msi.XXXXXX)
export WINEDEBUG=-all WINEPREFIX=$work/prefix
cleanup() {
  wineserver -k >/dev/null 2>&1 || true
  if [[ -n ${PATROND_MSI_TEST_KEEP:-} ]]; then
    echo "kept: $work (logs, prefix)"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do [[ -f $f ]] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}
PATROND_MSI_VERSION=0.1.0 bash "$root/scripts/windows-msi.sh" "$wbuild" "$work/patrond-0.1.0.msi"
PATROND_MSI_VERSION=0.1.1 bash "$root/scripts/windows-msi.sh" "$wbuild" "$work/patrond-0.1.1.msi"
# A Windows server's service manager runs whether anyone is logged in or not. Wine's runs
# while its wineserver does, and a wineserver stops its services (and itself) a few seconds
# after its last ordinary program exits: a persistent one stands for the machine staying up.
# It is started once the new prefix is made (a wineserver made persistent while wineboot
# creates the prefix ends up with two service managers, and `net start` then says "Service
# database locked").
wineboot -i >/dev/null 2>&1 || true
wineserver -w
wineserver -p
c=$WINEPREFIX/drive_c
# Waits up to three minutes for run RUN_ID of job students to have completed.
wait_for_run() {
  for _ in $(seq 1 90); do
    if wine "$exe" --json --config "$cfg" runs --limit 1 2>/dev/null >"$work/runs.json" &&
      grep -q "\"run_id\": *$1," "$work/runs.json" && grep -q '"job": *"students"' "$work/runs.json" &&
      grep -q '"status": *"completed"' "$work/runs.json"; then
      return 0
    fi
    sleep 2
  done
  return 1
}
exe='C:\Program Files\patrond\patrond.exe'
cfg='C:\ProgramData\patrond\patrond.yaml'
data=$c/ProgramData/patrond

echo "== install"
wine msiexec /i "$(winepath -w "$work/patrond-0.1.0.msi")" /qn /l*v "$(winepath -w "$work/install.log")" \
  >"$work/install.out" 2>&1 || fail "msiexec /i"
cat "$work/install.out"
# `service setup` (the installer's custom action) gives NT SERVICE\patrond modify rights on
# %ProgramData%\patrond, by its computed SID (Wine keeps no file ACLs, so only the call's
# success can be seen here).
if grep -q "could not give" "$work/install.out"; then
  fail "service setup could not grant the service account its rights"
fi
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
wine net start patrond >"$work/start.log" 2>&1 || fail "net start patrond"
wine sc query patrond >"$work/query.log" 2>&1 || true
grep -q RUNNING "$work/query.log" || fail "net start patrond: the service is not running"
cp "$root/conf/examples/sis/students.csv" "$data/inbox/students.csv"
wait_for_run 1 || fail "the service did not import the dropped file: $(cat "$work/runs.json")"
echo "the service imported inbox\\students.csv"

echo "== net stop"
wine net stop patrond >"$work/stop.log" 2>&1 || fail "net stop patrond"
wine sc query patrond >"$work/query.log" 2>&1 || true
grep -q 'STOPPED' "$work/query.log" || fail "not stopped: $(cat "$work/query.log")"
echo "stopped cleanly"

echo "== upgrade to 0.1.1 (the service running) keeps configuration and data, and the service runs"
echo "# the district's edit" >>"$data/patrond.yaml"
wine net start patrond >"$work/start2.log" 2>&1 || fail "net start patrond before the upgrade"
wine msiexec /i "$(winepath -w "$work/patrond-0.1.1.msi")" /qn /l*v "$(winepath -w "$work/upgrade.log")" ||
  fail "msiexec /i (upgrade)"
grep -q "the district's edit" "$data/patrond.yaml" || fail "the upgrade replaced patrond.yaml"
[[ -f $data/patrond.db ]] || fail "the upgrade lost the database"
wine "$exe" --json --config "$cfg" runs --limit 1 >"$work/runs2.json" 2>&1 || fail "runs after upgrade"
grep -q '"job": *"students"' "$work/runs2.json" || fail "the run history is gone after the upgrade"
uninstall_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'
wine reg query "$uninstall_key" /s >"$work/products.reg" 2>&1 || true
[[ $(grep -c 'DisplayName.*patrond' "$work/products.reg") == 1 ]] ||
  fail "not exactly one patrond product after the upgrade: $(grep -A3 'DisplayName.*patrond' "$work/products.reg")"
grep -q 'DisplayVersion.*0\.1\.1' "$work/products.reg" || fail "the installed product is not 0.1.1"
wine sc query patrond >"$work/query2.log" 2>&1 || true
grep -q RUNNING "$work/query2.log" || fail "the service is not running after the upgrade: $(cat "$work/query2.log")"
# The upgraded service still does its work: a new file is imported as run 2.
sed 's/^S1001,P1001,Smith,/S1001,P1001,Smyth,/' "$root/conf/examples/sis/students.csv" >"$data/inbox/students.csv.part"
mv "$data/inbox/students.csv.part" "$data/inbox/students.csv"
touch "$data/inbox/students.csv"
wait_for_run 2 || fail "the upgraded service did not import a new file: $(cat "$work/runs.json")"
wine net stop patrond >"$work/stop2.log" 2>&1 || fail "net stop patrond after the upgrade"
echo "upgraded; configuration and database kept; the service runs and imports"

echo "== uninstall"
wine msiexec /x "$(winepath -w "$work/patrond-0.1.1.msi")" /qn /l*v "$(winepath -w "$work/uninstall.log")" ||
  fail "msiexec /x"
[[ ! -f "$c/Program Files/patrond/patrond.exe" ]] || fail "patrond.exe left behind"
if wine reg query 'HKLM\System\CurrentControlSet\Services\patrond' >/dev/null 2>&1; then
  fail "the service is still registered"
fi
if wine reg query 'HKLM\System\CurrentControlSet\Services\EventLog\Application\patrond' >/dev/null 2>&1; then
  fail "the Event Log source is still registered"
fi
[[ ! -d "$c/Program Files/patrond" ]] || fail "%ProgramFiles%\\patrond left behind: $(ls -R "$c/Program Files/patrond")"
wine reg query "$uninstall_key" /s >"$work/products2.reg" 2>&1 || true
if grep -q 'DisplayName.*patrond' "$work/products2.reg"; then
  fail "patrond is still listed in Programs and Features"
fi
[[ -f $data/patrond.yaml && -f $data/patrond.db ]] || fail "the uninstall removed the district's data"
echo "uninstalled; %ProgramData%\\patrond kept"
echo "MSI test passed"
