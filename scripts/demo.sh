#!/usr/bin/env bash
# README command (1): set up a fresh Debian 12 machine (as root), build, and run the main job
# on the embedded default: SQLite next to conf/examples/patrond.yaml, the sample SIS exports
# in conf/examples/sis/, notices printed to files.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cmake --preset default
cmake --build --preset default --target patrond
cfg=conf/examples/patrond.yaml
p() { echo "+ patrond $*"; build/bin/patrond --config "$cfg" "$@"; }
p check-config
p db migrate
