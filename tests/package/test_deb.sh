#!/usr/bin/env bash
# The Debian package end to end, as root on a Debian 12 machine without a running systemd
# (CI): build it (scripts/package.sh), lintian (no errors), `apt-get install ./patrond_*.deb`,
# then as user patrond with the packaged configuration: check-config, an import of the sample
# file from the inbox, the unit's ExecStart line run directly (a file dropped in the inbox
# is imported and logged), the unit's ExecReload lines refusing a bad configuration, an
# upgrade keeping config, data and the key, and `apt-get purge` leaving nothing.
# Usage: tests/package/test_deb.sh [--no-build]   (--no-build: use the .deb in build-deb/)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
start=$SECONDS
out=$repo/build-deb
[[ $(id -u) == 0 ]] || { echo "test_deb: run as root (it installs and purges the package)"; exit 1; }

fail() { echo "test_deb: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $* ($((SECONDS - start)) s)"; }
as_patrond() { (cd / && runuser -u patrond -- "$@"); }

if [[ "${1:-}" != "--no-build" ]]; then
  step "build the package"
  bash scripts/package.sh "$out"
fi
version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
deb=$out/patrond_${version}_${arch}.deb
[[ -f $deb ]] || fail "no $deb"
[[ -f $out/patrond-dbgsym_${version}_${arch}.deb ]] || fail "no debug symbols package"

step "lintian (errors fail, warnings are listed in docs/install.md)"
lintian --fail-on error "$deb" || fail "lintian found errors"

step "contents"
dpkg-deb -c "$deb" | awk '{print $6}' > /tmp/patrond-deb-contents.$$
for f in ./usr/bin/patrond ./lib/systemd/system/patrond.service ./usr/lib/sysusers.d/patrond.conf \
         ./usr/lib/tmpfiles.d/patrond.conf ./etc/patrond/patrond.yaml ./etc/patrond/students.mapping.yaml \
         ./usr/share/man/man8/patrond.8.gz ./usr/share/man/man5/patrond.yaml.5.gz \
         ./usr/share/bash-completion/completions/patrond; do
  grep -qx -- "$f" /tmp/patrond-deb-contents.$$ || fail "the package lacks $f"
done
rm -f /tmp/patrond-deb-contents.$$
dpkg-deb -I "$deb" conffiles | grep -qx /etc/patrond/patrond.yaml || fail "patrond.yaml is not a conffile"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends lacks the shared libraries (dpkg-shlibdeps)"

if dpkg-query -W -f='${Status}' patrond 2>/dev/null | grep -q installed; then
  apt-get purge -y -qq patrond >/dev/null  # a run stopped half-way left it installed
fi

step "apt-get install ./$(basename "$deb")"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >/dev/null
cleanup() {
  [[ -n "${svc:-}" ]] && kill "$svc" 2>/dev/null || true
  rm -rf "${tmp:-/nonexistent}"
}
trap cleanup EXIT
tmp=$(mktemp -d)
chmod 755 "$tmp"

step "installed files, hardening"
bin=/usr/bin/patrond
getent passwd patrond >/dev/null || fail "no user patrond"
for d in /var/lib/patrond /var/lib/patrond/inbox /var/lib/patrond/notices; do
  [[ "$(stat -c '%U:%G %a' "$d")" == "patrond:patrond 750" ]] || fail "$d is $(stat -c '%U:%G %a' "$d")"
done
[[ "$(stat -c '%U:%G %a' /etc/patrond)" == "root:patrond 750" ]] || fail "/etc/patrond is $(stat -c '%U:%G %a' /etc/patrond)"
# (readelf's output in variables: `readelf | grep -q` fails under pipefail when grep quits early)
elf=$(readelf -h -d -l -S -W --dyn-syms $bin)
grep -q 'Type: *DYN' <<<"$elf" || fail "not PIE"
grep -q 'FLAGS.*BIND_NOW\|FLAGS_1.*NOW' <<<"$elf" || fail "no BIND_NOW"
grep -q GNU_RELRO <<<"$elf" || fail "no RELRO"
grep -q '__stack_chk_fail' <<<"$elf" || fail "no stack protector"
grep -q '__[a-z]*_chk@' <<<"$elf" || fail "no FORTIFY_SOURCE functions"
! grep -q '\.debug_info' <<<"$elf" || fail "not stripped"
man -w patrond.yaml >/dev/null 2>&1 || [[ -f /usr/share/man/man5/patrond.yaml.5.gz ]] || fail "no patrond.yaml(5)"

step "check-config as patrond, the packaged configuration"
as_patrond $bin check-config --config /etc/patrond/patrond.yaml > "$tmp/check.out" 2>&1 ||
  { cat "$tmp/check.out"; fail "check-config of the packaged configuration"; }
cat "$tmp/check.out"
grep -q 'directory /var/lib/patrond/inbox' "$tmp/check.out" || fail "check-config does not show the inbox"
# check-config shows the resolved database path too.
grep -q '/var/lib/patrond/patrond.db' "$tmp/check.out" || fail "check-config does not show the database path"
# check-config checks the environment: an unreadable source folder is an error.
chmod 000 /var/lib/patrond/inbox
as_patrond $bin check-config >/dev/null 2>&1 && fail "check-config passed with an unreadable inbox"
chmod 750 /var/lib/patrond/inbox

step "an import of the sample file from the inbox"
install -o patrond -g patrond -m 640 conf/examples/sis/students.csv conf/examples/sis/faculty.csv \
  /var/lib/patrond/inbox/
as_patrond $bin import students --full --json > "$tmp/import.json" ||
  { cat "$tmp/import.json"; fail "the import of the sample students failed"; }
grep -q '"status": *"completed"' "$tmp/import.json" || { cat "$tmp/import.json"; fail "import not completed"; }
as_patrond $bin patrons show S1001 >/dev/null || fail "S1001 was not imported"
[[ -f /var/lib/patrond/patrond.db ]] || fail "no database in /var/lib/patrond"
# A command run as root drops to the state's owner (patrond): nothing root-owned is left.
$bin import students --incremental > "$tmp/root-import.out" 2>&1 ||
  { cat "$tmp/root-import.out"; fail "an import run as root failed"; }
grep -q 'running as patrond' "$tmp/root-import.out" || { cat "$tmp/root-import.out"; fail "root did not say it runs as patrond"; }
[[ -z "$(find /var/lib/patrond -user root)" ]] || fail "root-owned state: $(find /var/lib/patrond -user root)"
# db status and an online backup.
as_patrond $bin db status || fail "db status"
as_patrond $bin db backup /var/lib/patrond/backup.db && [[ -s /var/lib/patrond/backup.db ]] || fail "db backup"
# A read-only command on a missing database creates nothing and exits 2.
sed 's#db=/var/lib/patrond/patrond.db#db=/var/lib/patrond/missing.db#' /etc/patrond/patrond.yaml > "$tmp/missing.yaml"
cp /etc/patrond/students.mapping.yaml "$tmp/"
rc=0; as_patrond $bin runs --config "$tmp/missing.yaml" > "$tmp/missing.out" 2>&1 || rc=$?
[[ $rc == 2 && ! -e /var/lib/patrond/missing.db ]] || { cat "$tmp/missing.out"; fail "runs on a missing database: exit $rc"; }
grep -q "missing.db does not exist: run 'patrond db migrate'" "$tmp/missing.out" ||
  { cat "$tmp/missing.out"; fail "runs on a missing database does not say to run db migrate"; }

step "the unit's ExecStart, run directly as patrond (no systemd here)"
unit=/lib/systemd/system/patrond.service
exec_start=$(sed -n 's/^ExecStart=//p' $unit)
[[ $exec_start == "$bin run --config /etc/patrond/patrond.yaml" ]] || fail "unexpected ExecStart: $exec_start"
(cd / && exec runuser -u patrond -- $exec_start) > "$tmp/service.log" 2>&1 &
svc=$!
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local t=$1 what=$2; shift 2
  for ((i = 0; i < t * 2; i++)); do "$@" && return 0; sleep 0.5; done
  cat "$tmp/service.log"; fail "$what (waited $t s)"
}
wait_for 30 "the service did not start" grep -q 'running: ' "$tmp/service.log"
grep -q 'watching /var/lib/patrond/inbox' "$tmp/service.log" || { cat "$tmp/service.log"; fail "not watching the inbox"; }
# First start: nothing scheduled runs at once against the inbox (no schedule), nothing fails.
! grep -q 'missed its run' "$tmp/service.log" || { cat "$tmp/service.log"; fail "a missed run at first start"; }
# A new export arrives: one more student.
cp conf/examples/sis/students.csv "$tmp/students.csv"
echo 'S9001,P9001,Newman,Nora,,LHS,10,2029,Smith 104,jsmith@springfield.example.org,01/02/2011,,nnewman9001' >> "$tmp/students.csv"
install -o patrond -g patrond -m 640 "$tmp/students.csv" /var/lib/patrond/inbox/.students.csv.tmp
mv /var/lib/patrond/inbox/.students.csv.tmp /var/lib/patrond/inbox/students.csv
imported() { as_patrond $bin patrons show S9001 >/dev/null 2>&1; }
wait_for 60 "the dropped file was not imported" imported
wait_for 10 "the import was not logged" grep -q 'import students (new_file) took' "$tmp/service.log"
grep -q 'import students run [0-9]* completed: read 48, added 1,' "$tmp/service.log" ||
  { cat "$tmp/service.log"; fail "the log does not give the run's outcome"; }
# Log times are RFC 3339 with their UTC offset.
grep -Eq '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([+-][0-9]{2}:[0-9]{2}|Z)' "$tmp/service.log" ||
  fail "no RFC 3339 time in the service log"
! grep -q ' error: \| warning: ' "$tmp/service.log" || { cat "$tmp/service.log"; fail "the service logged errors"; }

step "systemctl reload: the unit's ExecReload lines, bad configuration refused"
reload() {  # runs the ExecReload lines in order as systemd does, stopping at the first failure
  local line
  while IFS= read -r line; do
    line=${line//\$MAINPID/$svc_pid}
    (cd / && runuser -u patrond -- $line) || return 1
  done < <(sed -n 's/^ExecReload=//p' $unit)
}
svc_pid=$(pgrep -u patrond -f "^$bin run --config /etc/patrond/patrond.yaml" | head -1)
[[ -n $svc_pid ]] || fail "no service process"
cp -p /etc/patrond/patrond.yaml "$tmp/good.yaml"
sed -i 's/^  name: /  nmae: /' /etc/patrond/patrond.yaml
if reload > "$tmp/reload.out" 2>&1; then cat "$tmp/reload.out"; fail "a reload with a bad configuration succeeded"; fi
grep -q "nmae" "$tmp/reload.out" || { cat "$tmp/reload.out"; fail "the refused reload does not name the bad key"; }
! grep -q 'SIGHUP' "$tmp/service.log" || fail "the service was signalled despite the bad configuration"
cp -p "$tmp/good.yaml" /etc/patrond/patrond.yaml
reload > "$tmp/reload.out" 2>&1 || { cat "$tmp/reload.out"; fail "a reload with the good configuration failed"; }
wait_for 10 "the good reload was not applied" grep -q 'configuration reloaded' "$tmp/service.log"
kill -TERM "$svc_pid"
wait "$svc" || fail "the service did not stop cleanly (exit $?)"
svc=
echo "--- service log"; cat "$tmp/service.log"

step "upgrade to a later version: config, data and the key are kept"
# The same package with a later version (dpkg runs prerm/postrm upgrade and postinst
# configure OLD-VERSION, as for a real upgrade), made by repacking instead of rebuilding.
dpkg-deb -R "$deb" "$tmp/next"
sed -i "s/^Version: .*/Version: ${version}+next1/" "$tmp/next/DEBIAN/control"
dpkg-deb --root-owner-group -b "$tmp/next" "$tmp/patrond_next.deb" >/dev/null
echo "# local edit" >> /etc/patrond/patrond.yaml
printf 'test-key\n' > /var/lib/patrond/patrond.key
chown patrond:patrond /var/lib/patrond/patrond.key; chmod 600 /var/lib/patrond/patrond.key
apt-get install -y -qq -o Dpkg::Options::=--force-confold "$tmp/patrond_next.deb" >/dev/null
[[ "$(dpkg-query -W -f='${Version}' patrond)" == "${version}+next1" ]] || fail "the upgrade did not happen"
grep -q '^# local edit' /etc/patrond/patrond.yaml || fail "the upgrade lost the edited configuration"
[[ "$(cat /var/lib/patrond/patrond.key)" == test-key ]] || fail "the upgrade lost patrond.key"
as_patrond $bin patrons show S9001 >/dev/null || fail "the upgrade lost the database"
[[ "$(stat -c '%U:%G %a' /etc/patrond)" == "root:patrond 750" ]] || fail "the upgrade changed /etc/patrond"

step "apt-get purge"
apt-get purge -y -qq patrond >/dev/null
for p in /etc/patrond /var/lib/patrond /var/log/patrond /usr/bin/patrond $unit; do
  [[ ! -e $p ]] || fail "$p is left after purge"
done
# The system user stays (Debian practice: its uid is not reused for files left elsewhere).
getent passwd patrond >/dev/null || fail "purge removed the system user patrond"

echo
echo "test_deb: OK in $((SECONDS - start)) s"
