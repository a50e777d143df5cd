#!/usr/bin/env bash
# Digests at scale: compose and send the digests of BENCH_SUBSCRIPTIONS subscriptions (default 500) through Hangfire
# and MailKit to a real SMTP server (maildev on loopback), over BENCH_DAYS days of generated history in a real
# Prometheus. Prints the time of the send phase and the peak working set during it. Not part of the test suite.
#   bash .ci/digest-benchmark.sh
#   BENCH_SUBSCRIPTIONS=2000 BENCH_DAYS=9 bash .ci/digest-benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
days="${BENCH_DAYS:-9}"
state="$PWD/artifacts/digest-benchmark"
pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap stop EXIT

[ -x node_modules/.bin/maildev ] || npm ci --no-audit --no-fund
dotnet build src/CostConsole.Workload/CostConsole.Workload.csproj -c Release -v quiet -nologo >/dev/null
dotnet build tests/CostConsole.Benchmarks/CostConsole.Benchmarks.csproj -c Release -v quiet -nologo >/dev/null
workload="src/CostConsole.Workload/bin/Release/net10.0/costconsole-workload.dll"

rm -rf "$state"
mkdir -p "$state/history" "$state/data"
end="$(date -u -d "$(date -u +%Y-%m-%dT%H:00:00Z) - 1 hours" +%Y-%m-%dT%H:00:00Z)"
echo "== Generating $days days of history to $end"
dotnet "$workload" history --out "$state/history" --days "$days" --end "$end" --pods-per-team 1 --split-days 3 >/dev/null
ls "$state"/history/*.om | xargs -P 2 -I{} promtool tsdb create-blocks-from openmetrics -q --max-block-duration=1104h {} "$state/data"
rm -f "$state"/history/*.om

port=$(free_port 9490)
prometheus --config.file=/dev/null --storage.tsdb.path="$state/data" --storage.tsdb.retention.time=400d \
  --web.listen-address="127.0.0.1:$port" >"$state/prometheus.log" 2>&1 &
pids+=($!)
smtp=$(free_port 2525)
web=$(free_port 2580)
node_modules/.bin/maildev --smtp "$smtp" --web "$web" --ip 127.0.0.1 --web-ip 127.0.0.1 --silent >"$state/maildev.log" 2>&1 &
pids+=($!)
for url in "http://127.0.0.1:$port/-/ready" "http://127.0.0.1:$web/email"; do
  for _ in $(seq 1 120); do curl -fs -o /dev/null "$url" && break; sleep 0.5; done
  curl -fs -o /dev/null "$url" || { echo "$url did not answer"; exit 1; }
done

echo "== Composing and sending ${BENCH_SUBSCRIPTIONS:-500} digests to maildev on :$smtp"
BENCH_END="$end" BENCH_STATE="$state" \
Prometheus__BaseUrl="http://127.0.0.1:$port" Ledger__BackfillFrom="$(date -u -d "$end - $days days" +%Y-%m-%dT%H:00:00Z)" Ledger__ChunkHours=72 \
Smtp__Host=127.0.0.1 Smtp__Port="$smtp" Smtp__Security=None Budgets__PublicUrl="http://costconsole.local" \
  dotnet tests/CostConsole.Benchmarks/bin/Release/net10.0/CostConsole.Benchmarks.dll
arrived=$(curl -fs "http://127.0.0.1:$web/email" | grep -o '"messageId"' | wc -l)
echo "maildev holds $arrived messages"
