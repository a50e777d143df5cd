#!/usr/bin/env bash
# The whole test suite: unit, component (bUnit), integration (real SQLite, real Prometheus) and end-to-end
# (Playwright in Debian Chromium), on SQLite and on PostgreSQL. Installs Prometheus, PostgreSQL and Chromium when they
# are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing --with-browser

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

# No Prometheus, PostgreSQL or identity provider started by the tests may outlive them, whatever happens (each is found by its
# temporary folder in its command line).
cleanup() { pkill -f 'costconsole-prom-' 2>/dev/null || true; pkill -f 'postgres -D /tmp/costconsole-pg-' 2>/dev/null || true; pkill -f 'costconsole-idp-' 2>/dev/null || true; }
trap cleanup EXIT

# The browser libraries, maildev (the loopback SMTP server of the mail tests) and oidc-provider (the OpenID provider of
# the sign-in tests) come from package-lock.json.
[ -x node_modules/.bin/maildev ] && [ -f node_modules/apexcharts/dist/apexcharts.min.js ] && [ -f node_modules/oidc-provider/package.json ] || npm ci --no-audit --no-fund
dotnet build CostConsole.sln -c Release -v quiet -nologo
status=0
dotnet test CostConsole.sln -c Release --no-build --logger "trx;LogFileName=results.trx" --results-directory "$results" || status=$?

trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -z "$trx" ]; then
  echo "No test results were written."
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
attr() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
echo "Screenshots: artifacts/screenshots"
echo "Tests: $(attr passed) passed, $(attr failed) failed"
if [ "$(attr executed)" = "0" ]; then
  echo "No test was executed."
  exit 1
fi
exit $status
