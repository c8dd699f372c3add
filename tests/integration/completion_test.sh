#!/usr/bin/env bash
# The packaged bash completion (daemon/completion/patrond.bash): commands, subcommands, and
# job and notice names read from the configuration named by --config.
# Usage: completion_test.sh SOURCE_DIR
set -uo pipefail
src=$1
cd "$src" || exit 1
# shellcheck source=/dev/null
source daemon/completion/patrond.bash
complete_line() {  # complete_line WORD... : COMPREPLY for the last word
  COMP_WORDS=("$@") COMP_CWORD=$(($# - 1)) COMPREPLY=()
  _patrond
  echo "${COMPREPLY[*]}"
}
failed=0
expect() {  # expect "EXPECTED WORDS" WORD... : each expected word is offered
  local want=$1 got w; shift
  got=" $(complete_line "$@") "
  for w in $want; do
    [[ $got == *" $w "* ]] || { echo "FAIL: [$*] offers [$got], not '$w'"; failed=1; }
  done
}
expect "run check-config import notices --config" patrond ""
expect "import" patrond im
expect "checkout checkin condition sweep" patrond circ ""
expect "students faculty" patrond --config conf/examples/patrond.yaml import ""
expect "students" patrond --config conf/patrond.yaml test-source ""
expect "weekly-overdues" patrond --config conf/examples/patrond.yaml notices send ""
expect "--full --incremental --dry-run" patrond import students --
expect "import show list" patrond items ""
expect "--site --status --title --limit" patrond items list --
expect "available checked_out lost" patrond items list --status ""
expect "pay list waive" patrond fines ""
expect "--reason --by" patrond fines waive S1001 1.00 --
expect "--override --by" patrond circ checkout S1001 T0001 --
expect "show list set delete" patrond patrons ""
expect "--homeroom --homeroom-from-sis" patrond patrons set S1001 --
expect "--site --homeroom --with-transactions --dry-run" patrond patrons delete --
expect "loans" patrond reports ""
expect "--site --homeroom --status --format" patrond reports loans --
expect "active inactive all" patrond reports loans --status ""
expect "text csv html" patrond reports loans --format ""
[[ " $(complete_line patrond --config conf/examples/patrond.yaml import "") " != *" weekly-overdues "* ]] ||
  { echo "FAIL: notice names offered as import jobs"; failed=1; }
# A name from the configuration is never run: compgen -W would expand $(...) in it.
hostile=$(mktemp)
marker=$(mktemp -u)
printf 'notices:\n  - name: "$(touch %s)"\n  - name: weekly\n' "$marker" > "$hostile"
expect "weekly" patrond --config "$hostile" notices send ""
[[ ! -e $marker ]] || { echo "FAIL: a notice name from the configuration ran a command"; failed=1; rm -f "$marker"; }
rm -f "$hostile"
((failed == 0)) && echo "completion OK"
exit $failed
