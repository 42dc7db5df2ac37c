#!/usr/bin/env bash
# Installs every Debian package the build, the demo and the tests need, and the npm
# packages of the SDK integration tests. Idempotent: quiet when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libcaf-dev libboost1.74-dev libboost-test1.74-dev
  libmsgpack-cxx-dev librocksdb-dev libsimdjson-dev libyaml-cpp-dev
  librdkafka-dev zlib1g-dev libssl-dev openssl libjemalloc-dev
  curl jq chromium
  kcat  # tests/integration/kafka_connectors_test.cpp: the outside producer and consumer
  libxgboost-dev  # tests/xgboost: score.model tree checked against libxgboost's predictions
  redis-server redis-tools gnuplot-nox  # bench/run.sh: baselines 2 and 3, the plot
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js may come from elsewhere than Debian (its npm then ships inside nodejs, and
# Debian's npm package would conflict): ask for the commands, not the packages.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The npm test clients support Node.js 18 (Debian 12's nodejs) and later; an older node
# from elsewhere on the PATH would fail them in confusing ways.
node_major=$(node --version | sed -E 's/^v([0-9]+).*/\1/')
if [ "$node_major" -lt 18 ]; then
  echo "setup: Node.js 18 or newer is needed for the SDK and browser tests;" \
    "$(command -v node) is $(node --version) (Debian 12's nodejs package is 18)" >&2
  exit 1
fi

# Real analytics server SDKs (tests/integration/sdk), and playwright-core with the browser
# SDKs (tests/integration/browser; it drives Debian's chromium, no browser is downloaded).
scripts/npm-deps.sh tests/integration/sdk
scripts/npm-deps.sh tests/integration/browser
# The webhook receiver verifies signatures with the standardwebhooks library.
scripts/npm-deps.sh tests/integration/webhooks
