# bash completion for patrond (installed as /usr/share/bash-completion/completions/patrond).
# Commands and options are listed here (keep in step with daemon/cli.cpp); job and notice
# names come from the configuration (--config, $PATROND_CONFIG or /etc/patrond/patrond.yaml).

# Names under a top-level key (imports: or notices:) of the configuration, when readable.
# Only names of letters, digits, '.', '_' and '-' (what a job name may be): compgen -W
# expands its word list, so a name like $(cmd) from a config must never reach it.
_patrond_names() {
  local key=$1 cfg=${PATROND_CONFIG:-/etc/patrond/patrond.yaml} i
  for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
    [[ ${COMP_WORDS[i]} == --config ]] && cfg=${COMP_WORDS[i + 1]}
  done
  [[ -r $cfg ]] || return 0
  awk -v key="$key:" '
    /^[^ #-]/ { inside = ($1 == key) }
    inside && /^  - name:/ {
      sub(/^  - name: */, ""); gsub(/["'\'']/, ""); sub(/ +(#.*)?$/, "")
      if ($0 ~ /^[A-Za-z0-9][A-Za-z0-9._-]*$/) print
    }
  ' "$cfg" 2>/dev/null
}

# Files: bash-completion's _filedir when loaded, else plain compgen.
_patrond_files() {
  if declare -F _filedir >/dev/null; then _filedir; else COMPREPLY=($(compgen -f -- "$cur")); fi
}

_patrond() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  fi
  local globals="--config --as-of --json --help"
  local cmd="" sub="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --config | --as-of) ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd=${words[i]}; elif [[ -z $sub ]]; then sub=${words[i]}; fi ;;
    esac
  done
  case $prev in
    --config | --file) _patrond_files; return ;;
    --as-of | --limit | --max-percent | --due | --site | --homeroom | --type | --teacher-email | \
      --teacher-name | --title | --reason | --by) return ;;
    --job) COMPREPLY=($(compgen -W "$(_patrond_names imports)" -- "$cur")); return ;;
    --status)
      case $cmd in
        items) COMPREPLY=($(compgen -W "available checked_out lost" -- "$cur")) ;;
        reports) COMPREPLY=($(compgen -W "active inactive all" -- "$cur")) ;;
        *) COMPREPLY=($(compgen -W "active inactive queued sent failed" -- "$cur")) ;;
      esac
      return ;;
    --format) COMPREPLY=($(compgen -W "text csv html" -- "$cur")); return ;;
    --library-day)
      COMPREPLY=($(compgen -W "monday tuesday wednesday thursday friday saturday sunday" -- "$cur"))
      return ;;
    --notices) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --encoding)
      COMPREPLY=($(compgen -W "utf-8 windows-1252 iso-8859-1 macroman utf-16" -- "$cur"))
      return ;;
  esac
  local words_for=""
  case $cmd in
    "") words_for="run check-config db import test-source runs summary patrons homerooms items
                   circ fines reports notices outbox status alerts --version" ;;
    db) [[ -z $sub ]] && words_for="migrate status backup" ;;
    import)
      if [[ -z $sub ]]; then words_for=$(_patrond_names imports)
      else words_for="--full --incremental --file --dry-run --max-percent"; fi ;;
    test-source) [[ -z $sub ]] && words_for=$(_patrond_names imports) ;;
    runs) words_for="--job --limit" ;;
    summary) words_for="--errors-only --patrons" ;;
    patrons)
      case $sub in
        "") words_for="show list set delete" ;;
        list) words_for="--site --status --homeroom --type --limit" ;;
        set) words_for="--homeroom --homeroom-from-sis" ;;
        delete) words_for="--site --homeroom --with-transactions --dry-run" ;;
      esac ;;
    homerooms)
      case $sub in
        "") words_for="list set" ;;
        list) words_for="--site" ;;
        set) words_for="--teacher-email --teacher-name --library-day --notices" ;;
      esac ;;
    items)
      case $sub in
        "") words_for="import show list" ;;
        list) words_for="--site --status --title --limit" ;;
        import) words_for="--encoding --dry-run"; [[ $cur != -* ]] && { _patrond_files; return; } ;;
      esac ;;
    circ)
      case $sub in
        "") words_for="checkout checkin condition sweep" ;;
        checkout) words_for="--due --override --by" ;;
      esac ;;
    fines)
      case $sub in
        "") words_for="pay list waive" ;;
        waive) words_for="--reason --by" ;;
      esac ;;
    reports)
      case $sub in
        "") words_for="loans" ;;
        loans) words_for="--site --homeroom --status --format" ;;
      esac ;;
    notices)
      case $sub in
        "") words_for="send preview" ;;
        send | preview)
          if [[ $cur == -* ]]; then words_for="--dry-run --force --homeroom"
          else words_for=$(_patrond_names notices); fi ;;
      esac ;;
    outbox) words_for="--status --limit" ;;
    status) words_for="--job" ;;
    alerts) [[ -z $sub ]] && words_for="check --limit" ;;
  esac
  COMPREPLY=($(compgen -W "$words_for $globals" -- "$cur"))
}
complete -F _patrond patrond
