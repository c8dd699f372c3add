#!/usr/bin/env bash
# README command (2): set up a fresh Debian 12 machine (as root), build, run every test:
# unit, contract (SQLite, PostgreSQL 15, MariaDB on loopback), integration (the real binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
cmake --preset default
cmake --build --preset default
ctest --preset default -j2
