#!/usr/bin/env bash
# Installs what is missing, builds, and starts one node with the built-in shopper
# simulator (--demo). The node prints the URLs to open. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j"$(nproc)" --target cohortd cohortctl
exec build/cohortd --demo --data "${COHORT_DEMO_DATA:-./cohort-demo-data}" "$@"
