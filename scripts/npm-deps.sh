#!/usr/bin/env bash
# Installs the npm packages of a test folder (`npm ci` from its package-lock.json) when
# node_modules is missing or was installed from another lock file. Registry only: the
# browser tests drive Debian's chromium, nothing else is downloaded.
#   scripts/npm-deps.sh tests/integration/browser
set -euo pipefail
dir=$1
stamp="$dir/node_modules/.cohort-lock.json"
if [ -f "$stamp" ] && cmp -s "$dir/package-lock.json" "$stamp"; then
  exit 0
fi
echo "npm-deps: installing $dir (npm ci)"
# Errors only: --silent would hide why an install failed (a proxy, a registry outage).
(cd "$dir" && npm ci --loglevel=error --no-audit --no-fund)
cp "$dir/package-lock.json" "$stamp"
