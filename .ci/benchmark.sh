#!/usr/bin/env bash
# Ledger and spend API at scale, against summed increase() in the same run. Not part of the test suite.
#   BENCH_DAYS=30 BENCH_PODS_PER_TEAM=32 bash .ci/benchmark.sh
# Defaults: ~5,000 active series (32 pods per team) over BENCH_DAYS days of 60 s scrapes.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing

days="${BENCH_DAYS:-3}"
pods="${BENCH_PODS_PER_TEAM:-32}"
rpm="${BENCH_RPM:-3000}"
state="$PWD/artifacts/benchmark"
pids=()
stop() { [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true; }
trap stop EXIT

dotnet build src/CostConsole/CostConsole.csproj -c Release -v quiet -nologo >/dev/null
dotnet build src/CostConsole.Workload/CostConsole.Workload.csproj -c Release -v quiet -nologo >/dev/null
app="src/CostConsole/bin/Release/net10.0/CostConsole.dll"
workload="src/CostConsole.Workload/bin/Release/net10.0/costconsole-workload.dll"
if [ "${BENCH_REUSE:-}" = "1" ] || [ "${BENCH_REUSE:-}" = "2" ]; then
  [ -f "$state/window.txt" ] || { echo "BENCH_REUSE needs an earlier run in $state"; exit 1; }
  # Measure again on the Prometheus data of the last run (a fresh ledger database).
  read -r start end < "$state/window.txt"
  # BENCH_REUSE=2 keeps the ledger too and times only the queries and pages.
  [ "${BENCH_REUSE}" = "2" ] || rm -f "$state"/costconsole.db*
  echo "== Reusing the generated history from $start to $end"
else
  rm -rf "$state"
  mkdir -p "$state/history" "$state/data"
  end="$(date -u -d "$(date -u +%Y-%m-%dT%H:00:00Z) - 2 hours" +%Y-%m-%dT%H:00:00Z)"
  start="$(date -u -d "$end - $days days" +%Y-%m-%dT%H:00:00Z)"
  echo "$start $end" > "$state/window.txt"
  echo "== Generating $days days to $end: $pods pods per team, $rpm requests/min"
  # Files of 3 days each, as promtool holds a whole file in memory; the ledger does not read the request counters.
  dotnet "$workload" history --out "$state/history" --days "$days" --end "$end" --pods-per-team "$pods" --rpm "$rpm" --split-days 3 --no-requests | tee "$state/generate.txt"
  t0=$(date +%s.%N)
  ls "$state"/history/*.om | xargs -P 2 -I{} promtool tsdb create-blocks-from openmetrics -q --max-block-duration=1104h {} "$state/data"
  echo "promtool backfill: $(echo "$(date +%s.%N) - $t0" | bc) s"
  rm -f "$state"/history/*.om
fi
samples=$(grep -o 'Wrote [0-9,]* samples' "$state/generate.txt" | tr -dc '0-9')

port=$(free_port 9390)
start_prometheus() { # extra flags
  prometheus --config.file=/dev/null --storage.tsdb.path="$state/data" --storage.tsdb.retention.time=400d \
    --web.listen-address="127.0.0.1:$port" "$@" >"$state/prometheus.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$port/-/ready" && return 0; sleep 0.5; done
  echo "Prometheus did not start"; tail "$state/prometheus.log"; exit 1
}
start_prometheus
active=$(curl -fs "http://127.0.0.1:$port/api/v1/query" --data-urlencode 'query=count({__name__=~"gen_ai_.*"})' --data-urlencode "time=$end" | grep -o '"[0-9]*"\]' | tr -dc '0-9')
echo "== $samples samples; $active active series at the end"

export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db"
export Prometheus__BaseUrl="http://127.0.0.1:$port"
export Ledger__BackfillFrom="$start" Ledger__ChunkHours="${BENCH_CHUNK_HOURS:-2}" Ledger__Enabled=false
dotnet "$app" migrate >/dev/null
if [ "${BENCH_REUSE:-}" != "2" ]; then
  t0=$(date +%s.%N)
  dotnet "$app" ledger sync --until "$end" 2>/dev/null | tail -n 1 | tee "$state/sync.txt"
  ingest=$(echo "$(date +%s.%N) - $t0" | bc)
  read_samples=$(grep -o 'from [0-9]* raw samples' "$state/sync.txt" | tr -dc '0-9')
  echo "(a) ledger ingestion: $days days, $read_samples token-counter samples read in $ingest s (whole command) = $(echo "$read_samples / $ingest" | bc) samples/s; $(echo "$days * 86400 / $ingest" | bc)x real time"
fi

token=$(dotnet "$app" tokens create --name benchmark --role Finance 2>/dev/null)
bench_password="bench-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
bench_user="finance-$(date +%s)@bench.test"
COSTCONSOLE_PASSWORD="$bench_password" dotnet "$app" users create --email "$bench_user" --role Finance >/dev/null 2>&1
app_port=$(free_port 5190)
start_app() { # extra environment, e.g. Spend__ViewCacheSeconds=0
  env "$@" ASPNETCORE_URLS="http://127.0.0.1:$app_port" dotnet "$app" >"$state/app.log" 2>&1 &
  app_pid=$!
  pids+=($app_pid)
  for _ in $(seq 1 120); do curl -fs -o /dev/null "http://127.0.0.1:$app_port/healthz" && return 0; sleep 0.5; done
  echo "CostConsole did not start"; tail "$state/app.log"; exit 1
}
# Pages render their figures on the server before the first byte (prerendering), so time to the whole page is the
# server-side render time. Each view is asked 11 times; the first is left out.
median_page() { # path
  local times=()
  curl -fs -o /dev/null -b "$state/cookies" "http://127.0.0.1:$app_port$1"
  for _ in $(seq 1 10); do
    times+=("$(curl -fs -o /dev/null -b "$state/cookies" -w '%{time_total}' "http://127.0.0.1:$app_port$1")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 5p
}
sign_in() {
  rm -f "$state/cookies"
  local form
  form=$(curl -fs -c "$state/cookies" "http://127.0.0.1:$app_port/account/login" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fs -o /dev/null -b "$state/cookies" -c "$state/cookies" "http://127.0.0.1:$app_port/account/login" \
    --data-urlencode "email=$bench_user" --data-urlencode "password=$bench_password" \
    --data-urlencode "returnUrl=/" --data-urlencode "__RequestVerificationToken=$form"
  local code
  code=$(curl -s -o /dev/null -b "$state/cookies" -w '%{http_code}' "http://127.0.0.1:$app_port/explore")
  [ "$code" = 200 ] || { echo "Signing in for the page benchmark failed (HTTP $code)"; exit 1; }
}
# Views computed afresh for every request (no sharing between requests), so (b) times the computation itself.
start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0
url="http://127.0.0.1:$app_port/api/v1/spend?from=$start&to=$end&groupBy=feature,model"
curl -fs -H "Authorization: Bearer $token" "$url" >/dev/null   # warm-up
times=()
for _ in $(seq 1 10); do
  times+=("$(curl -fs -o /dev/null -w '%{time_starttransfer}' -H "Authorization: Bearer $token" "$url")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)
echo "(b) spend API, $days days by feature x model, computed afresh each time: median $(echo "$median * 1000" | bc) ms over 10 requests (server time to first byte)"

query="sum by (feature, gen_ai_request_model) (increase(gen_ai_client_token_usage_input_total[${days}d]))"
answer=$(curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$end" --data-urlencode stats=all)
if echo "$answer" | grep -q '"status":"error"'; then
  echo "(c) increase() with the default --query.max-samples: refused: $(echo "$answer" | grep -o '"error":"[^"]*"')"
  stop; pids=()
  start_prometheus --query.max-samples=2000000000
  answer=$(curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$end" --data-urlencode stats=all)
fi
eval_time=$(echo "$answer" | grep -o '"evalTotalTime":[0-9.e-]*' | cut -d: -f2)
wall=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$end")
echo "(c) Prometheus $query: evalTotalTime ${eval_time} s, wall $wall s (second run)"

# (d) Pages: the overview (month to date, three comparisons, the chart, top lists) and the explorer over the whole
# window by feature x model. First with every view computed afresh (no sharing), then with views shared.
from_day="${start%%T*}"; to_day="$(date -u -d "$end - 1 hour" +%Y-%m-%d)"
explorer="/explore?range=custom&from=$from_day&to=$to_day&tz=UTC&by=feature,model"
for mode in fresh shared; do
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true
  if [ "$mode" = fresh ]; then start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0; else start_app; fi
  sign_in
  overview_ms=$(echo "$(median_page "/?tz=UTC") * 1000" | bc)
  explorer_ms=$(echo "$(median_page "$explorer") * 1000" | bc)
  echo "(d) pages, views computed $mode: overview median $overview_ms ms; explorer ($days days by feature x model) median $explorer_ms ms (whole prerendered page, 10 requests each)"
done
