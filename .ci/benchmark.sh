#!/usr/bin/env bash
# Scale benchmarks, side by side with Prometheus' own increase(). Not part of the test suite.
#   bash .ci/benchmark.sh                      # all three suites below, one after the other
#   BENCH_SUITE=wide bash .ci/benchmark.sh     # or: history, year (several: BENCH_SUITE="wide year")
# wide:    50,400 active series (pods x models x features x a user_id label x 3 token counters), BENCH_WIDE_DAYS=3 days
#          of 60 s scrapes: ingestion samples/s and peak memory, database bytes per series-day, pages and API.
# history: the workload simulation, ~5,000 active series (BENCH_PODS_PER_TEAM=52) over BENCH_DAYS=30 days.
# year:    a year of ledger at 5,000 dimension sets written straight into the database: page and API times.
# postgres: SQLite and PostgreSQL side by side in one run: the year suite's pages and API on each (the PostgreSQL
#          database filled by `db copy` from the SQLite one), then BENCH_PG_DAYS=30 days at ~5,000 series
#          (BENCH_PG_FEATURES=28 in the wide generator) ingested by `ledger sync` into each. Not in the default set.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing

suites="${BENCH_SUITE:-wide history year}"
root="$PWD/artifacts/benchmark"
pids=()
stop() { if [ ${#pids[@]} -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi; wait 2>/dev/null || true; pids=(); }
trap stop EXIT

for project in src/CostConsole/CostConsole.csproj src/CostConsole.Workload/CostConsole.Workload.csproj tests/CostConsole.Benchmarks/CostConsole.Benchmarks.csproj; do
  dotnet build "$project" -c Release -v quiet -nologo | grep -E ' error ' && exit 1
done
app="$PWD/src/CostConsole/bin/Release/net10.0/CostConsole.dll"
workload="$PWD/src/CostConsole.Workload/bin/Release/net10.0/costconsole-workload.dll"
bench="$PWD/tests/CostConsole.Benchmarks/bin/Release/net10.0/CostConsole.Benchmarks.dll"
ms() { echo "$1 * 1000 / 1" | bc; }

start_prometheus() { # data folder, extra flags
  local data="$1"; shift
  port=$(free_port 9390)
  prometheus --config.file=/dev/null --storage.tsdb.path="$data" --storage.tsdb.retention.time=400d \
    --web.listen-address="127.0.0.1:$port" "$@" >"$state/prometheus.log" 2>&1 &
  prometheus_pid=$!
  pids+=($prometheus_pid)
  for _ in $(seq 1 240); do curl -fs -o /dev/null "http://127.0.0.1:$port/-/ready" && return 0; sleep 0.5; done
  echo "Prometheus did not start"; tail "$state/prometheus.log"; exit 1
}
backfill() { # folder of .om files, data folder
  local t0; t0=$(date +%s.%N)
  ls "$1"/*.om | xargs -P 2 -I{} sh -c 'promtool tsdb create-blocks-from openmetrics -q --max-block-duration=1104h "$1" "$2" && rm -f "$1"' _ {} "$2"
  echo "promtool backfill: $(echo "$(date +%s.%N) - $t0" | bc) s"
}
start_app() { # extra environment, e.g. Spend__ViewCacheSeconds=0
  app_port=$(free_port 5190)
  env "$@" ASPNETCORE_URLS="http://127.0.0.1:$app_port" dotnet "$app" >"$state/app.log" 2>&1 &
  app_pid=$!
  pids+=($app_pid)
  for _ in $(seq 1 240); do curl -fs -o /dev/null "http://127.0.0.1:$app_port/healthz" && return 0; sleep 0.5; done
  echo "CostConsole did not start"; tail "$state/app.log"; exit 1
}
stop_app() { kill "$app_pid" 2>/dev/null || true; wait "$app_pid" 2>/dev/null || true; }
peak_rss_mb() { echo $(( $(grep VmHWM "/proc/$1/status" | tr -dc '0-9') / 1024 )); }
make_users() {
  token=$(dotnet "$app" tokens create --name "benchmark-$(date +%s%N)" --role Finance 2>/dev/null)
  bench_password="bench-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
  bench_user="finance-$(date +%s%N)@bench.test"
  COSTCONSOLE_PASSWORD="$bench_password" dotnet "$app" users create --email "$bench_user" --role Finance >/dev/null 2>&1
}
sign_in() {
  rm -f "$state/cookies"
  local form code
  form=$(curl -fs -c "$state/cookies" "http://127.0.0.1:$app_port/account/login" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fs -o /dev/null -b "$state/cookies" -c "$state/cookies" "http://127.0.0.1:$app_port/account/login" \
    --data-urlencode "email=$bench_user" --data-urlencode "password=$bench_password" \
    --data-urlencode "returnUrl=/" --data-urlencode "__RequestVerificationToken=$form"
  code=$(curl -s -o /dev/null -b "$state/cookies" -w '%{http_code}' "http://127.0.0.1:$app_port/explore")
  [ "$code" = 200 ] || { echo "Signing in for the page benchmark failed (HTTP $code)"; exit 1; }
}
# Pages render their figures on the server before the first byte (prerendering), so time to the whole page is the
# server-side render time. Each is asked 11 times; the first is left out; the median of the rest is given, and the size.
median_page() { # path -> "<median ms> ms, <KB> KB"
  local times=() size
  size=$(curl -fs -o /dev/null -b "$state/cookies" -w '%{size_download}' "http://127.0.0.1:$app_port$1")
  for _ in $(seq 1 10); do
    times+=("$(curl -fs -o /dev/null -b "$state/cookies" -w '%{time_total}' "http://127.0.0.1:$app_port$1")")
  done
  echo "$(ms "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)") ms, $(( size / 1024 )) KB"
}
median_api() { # url -> median ms to first byte over 10 requests, after one warm-up
  local times=()
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$1"
  for _ in $(seq 1 10); do
    times+=("$(curl -fs -o /dev/null -w '%{time_starttransfer}' -H "Authorization: Bearer $token" "$1")")
  done
  ms "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 5p)"
}
paged_walk() { # url (without limit) -> "<pages> pages, <rows> rows in <ms> ms; input tokens of the rows <n>, of the totals <n>"
  local cursor="" pages=0 rows=0 input=0 totals page t0
  t0=$(date +%s.%N)
  while :; do
    page=$(curl -fs -H "Authorization: Bearer $token" "$1&limit=1000${cursor:+&cursor=$cursor}")
    pages=$((pages + 1))
    rows=$((rows + $(echo "$page" | jq '.rows | length')))
    input=$((input + $(echo "$page" | jq '[.rows[].inputTokens] | add // 0')))
    totals=$(echo "$page" | jq '.totals.inputTokens')
    cursor=$(echo "$page" | jq -r '.nextCursor // empty')
    [ -n "$cursor" ] || break
  done
  echo "$pages pages, $rows rows in $(ms "$(echo "$(date +%s.%N) - $t0" | bc)") ms; input tokens: rows $input, totals $totals"
}
increase_side_by_side() { # days, end
  local query="sum by (feature, gen_ai_request_model) (increase(gen_ai_client_token_usage_input_total[${1}d]))" answer eval_time wall
  answer=$(curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$2" --data-urlencode stats=all)
  if echo "$answer" | grep -q '"status":"error"'; then
    echo "  Prometheus increase() with the default --query.max-samples: refused: $(echo "$answer" | grep -o '"error":"[^"]*"')"
    kill "$prometheus_pid" 2>/dev/null || true; wait "$prometheus_pid" 2>/dev/null || true
    start_prometheus "$state/data" --query.max-samples=2000000000
    answer=$(curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$2" --data-urlencode stats=all)
  fi
  eval_time=$(echo "$answer" | grep -o '"evalTotalTime":[0-9.e-]*' | cut -d: -f2)
  wall=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$query" --data-urlencode "time=$2")
  echo "  Prometheus $query: evalTotalTime ${eval_time} s, wall $wall s (second run); its input total: $(echo "$answer" | jq '[.data.result[].value[1] | tonumber] | add | floor')"
}
ledger_sync() { # days, end; sets ingest_s and read_samples
  local t0
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$state/sync.time" dotnet "$app" ledger sync --until "$2" 2>/dev/null | tail -n 1 | tee "$state/sync.txt"
  ingest_s=$(echo "$(date +%s.%N) - $t0" | bc)
  read_samples=$(grep -o 'from [0-9]* raw samples' "$state/sync.txt" | tr -dc '0-9')
  echo "  ledger ingestion: $1 days, $read_samples token-counter samples read in $ingest_s s (whole command) = $(echo "$read_samples / $ingest_s" | bc) samples/s; $(echo "$1 * 86400 / $ingest_s" | bc)x real time; peak resident memory $(( $(grep 'Maximum resident' "$state/sync.time" | tr -dc '0-9') / 1024 )) MB"
}
ledger_input_total() { curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$app_port/api/v1/spend?from=$1&to=$2" | jq '.totals.inputTokens'; }

suite_wide() {
  state="$root/wide"
  local days="${BENCH_WIDE_DAYS:-3}" end start generated
  rm -rf "$state"; mkdir -p "$state/history" "$state/data"
  end="$(date -u -d "$(date -u +%Y-%m-%dT00:00:00Z) - 1 day" +%Y-%m-%dT%H:00:00Z)"
  start="$(date -u -d "$end - $days days" +%Y-%m-%dT%H:00:00Z)"
  echo "== wide: ${BENCH_WIDE_PODS:-5} pods x ${BENCH_WIDE_MODELS:-4} models x ${BENCH_WIDE_FEATURES:-280} features x ${BENCH_WIDE_USERS:-3} users x 3 counters, $days days to $end"
  dotnet "$workload" wide --out "$state/history" --days "$days" --end "$end" --pods "${BENCH_WIDE_PODS:-5}" --models "${BENCH_WIDE_MODELS:-4}" \
    --features "${BENCH_WIDE_FEATURES:-280}" --users "${BENCH_WIDE_USERS:-3}" | tee "$state/generate.txt"
  generated=$(grep -o 'Input tokens: [0-9]*' "$state/generate.txt" | tr -dc '0-9')
  backfill "$state/history" "$state/data"
  start_prometheus "$state/data"
  local series
  series=$(curl -fs "http://127.0.0.1:$port/api/v1/query" --data-urlencode 'query=count({__name__=~"gen_ai_.*"})' --data-urlencode "time=$(date -u -d "$end - 1 minute" +%s)" | jq -r '.data.result[0].value[1]')
  echo "  $series active series at the end"
  export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db" Prometheus__BaseUrl="http://127.0.0.1:$port"
  export Ledger__BackfillFrom="$start" Ledger__ChunkHours="${BENCH_CHUNK_HOURS:-2}" Ledger__Enabled=false
  dotnet "$app" migrate >/dev/null
  ledger_sync "$days" "$end"
  local bytes; bytes=$(cat "$state"/costconsole.db* | wc -c)
  echo "  database: $((bytes / 1048576)) MB with its WAL = $((bytes / (series * days))) bytes per series-day"
  make_users
  start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0
  echo "  ledger input total $(ledger_input_total "$start" "$end") = generated ground truth $generated"
  increase_side_by_side "$days" "$end"
  sign_in
  local from_day="${start%%T*}" to_day; to_day="$(date -u -d "$end - 1 hour" +%Y-%m-%d)"
  echo "  overview (views computed afresh): $(median_page "/?tz=UTC")"
  echo "  explorer, $days days by feature x model: $(median_page "/explore?range=custom&from=$from_day&to=$to_day&tz=UTC&by=feature,model")"
  echo "  API top 100 by feature x model x team: $(median_api "http://127.0.0.1:$app_port/api/v1/spend?from=$start&to=$end&groupBy=feature,model,team&limit=100") ms (median of 10, first byte)"
  echo "  app peak resident memory after the pages: $(peak_rss_mb "$app_pid") MB (the serving process; ingestion's own peak is above)"
  # A client walking pages asks for the same view again and again: with the default view sharing, as deployed.
  stop_app
  start_app
  echo "  API paged walk by hour x feature x model, 1,000 rows a page (default view sharing): $(paged_walk "http://127.0.0.1:$app_port/api/v1/spend?from=$start&to=$end&groupBy=hour,feature,model")"
  stop
}

suite_history() {
  state="$root/history"
  local days="${BENCH_DAYS:-30}" pods="${BENCH_PODS_PER_TEAM:-52}" rpm="${BENCH_RPM:-3000}" end start
  rm -rf "$state"; mkdir -p "$state/history" "$state/data"
  end="$(date -u -d "$(date -u +%Y-%m-%dT%H:00:00Z) - 2 hours" +%Y-%m-%dT%H:00:00Z)"
  start="$(date -u -d "$end - $days days" +%Y-%m-%dT%H:00:00Z)"
  echo "== history: $days days to $end, $pods pods per team, $rpm requests/min"
  # Files of 3 days each, as promtool holds a whole file in memory; the ledger does not read the request counters.
  dotnet "$workload" history --out "$state/history" --days "$days" --end "$end" --pods-per-team "$pods" --rpm "$rpm" --split-days 3 --no-requests | tee "$state/generate.txt"
  backfill "$state/history" "$state/data"
  start_prometheus "$state/data"
  export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db" Prometheus__BaseUrl="http://127.0.0.1:$port"
  export Ledger__BackfillFrom="$start" Ledger__ChunkHours="${BENCH_CHUNK_HOURS:-2}" Ledger__Enabled=false
  dotnet "$app" migrate >/dev/null
  ledger_sync "$days" "$end"
  if [ -n "${BENCH_COMPARE_WITH:-}" ]; then
    # The same history ingested by another build (e.g. an earlier commit's CostConsole.dll) into its own database.
    local t0; t0=$(date +%s.%N)
    ConnectionStrings__CostConsole="Data Source=$state/compare.db" dotnet "$BENCH_COMPARE_WITH" migrate >/dev/null
    ConnectionStrings__CostConsole="Data Source=$state/compare.db" dotnet "$BENCH_COMPARE_WITH" ledger sync --until "$end" 2>/dev/null | tail -n 1
    echo "  the same history with $BENCH_COMPARE_WITH: $(echo "$(date +%s.%N) - $t0" | bc) s (whole command, migration included)"
  fi
  make_users
  start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0
  echo "  spend API, $days days by feature x model, computed afresh: median $(median_api "http://127.0.0.1:$app_port/api/v1/spend?from=$start&to=$end&groupBy=feature,model") ms (first byte)"
  increase_side_by_side "$days" "$end"
  sign_in
  echo "  overview (afresh): $(median_page "/?tz=UTC"); explorer $days days by feature x model: $(median_page "/explore?range=custom&from=${start%%T*}&to=$(date -u -d "$end - 1 hour" +%Y-%m-%d)&tz=UTC&by=feature,model")"
  stop
}

suite_year() {
  state="$root/year"
  rm -rf "$state"; mkdir -p "$state"
  local end; end="$(date -u +%Y-%m-%dT%H:00:00Z)"
  echo "== year: 365 days of ledger at ${BENCH_YEAR_SETS:-5000} dimension sets, written straight into the database"
  # Set before the synthesiser starts: it migrates through the app, which reads the environment.
  export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db" Prometheus__BaseUrl="http://127.0.0.1:9"
  dotnet "$bench" year --database "$state/costconsole.db" --sets "${BENCH_YEAR_SETS:-5000}" --days 365 --hourly-days 35 --end "$end"
  export Ledger__Enabled=false Ledger__RereadHours=0
  # A sync with nothing left to read rolls the months up, as after any ingestion.
  dotnet "$app" ledger sync --until "$end" 2>/dev/null | tail -n 1
  make_users
  local from_year to_day
  from_year="$(date -u -d "$end - 365 days" +%Y-%m-%d)"; to_day="$(date -u -d "$end - 1 day" +%Y-%m-%d)"
  for mode in fresh shared; do
    if [ "$mode" = fresh ]; then start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0; else start_app; fi
    sign_in
    echo "  views computed $mode:"
    echo "    overview: $(median_page "/?tz=UTC")"
    echo "    explorer, this month by feature: $(median_page "/explore?range=this-month&tz=UTC&by=feature")"
    echo "    explorer, last month by feature: $(median_page "/explore?range=last-month&tz=UTC&by=feature")"
    echo "    explorer, 12 months by feature x model: $(median_page "/explore?range=custom&from=$from_year&to=$to_day&tz=UTC&by=feature,model")"
    echo "    API, 12 months by feature x model, top 100: $(median_api "http://127.0.0.1:$app_port/api/v1/spend?from=${from_year}T00:00:00Z&to=${to_day}T00:00:00Z&groupBy=feature,model&limit=100") ms (first byte)"
    stop_app
  done
  stop
}

start_postgres() { # a throwaway cluster from Debian's packages (run by the postgres user when root); sets pg_url
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pg_dir=$(mktemp -d /tmp/costconsole-bench-pg-XXXXXX); chmod 755 "$pg_dir"
  pg_port=$(free_port 55432)
  as=(); if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$pg_dir"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$pg_dir/data" -A trust -U costconsole -E UTF8 --locale=C.UTF-8 >/dev/null
  # Durable, as a deployment runs it (fsync on); a memory budget like SQLite's page cache plus the OS cache.
  "${as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c max_connections=200" start >/dev/null
  pg_ctl_stop=("${as[@]}" "$bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop)
  pg_url="Host=127.0.0.1;Port=$pg_port;Username=costconsole;Database=costconsole"
}
stop_postgres() { "${pg_ctl_stop[@]}" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
year_pages() { # label; the app's database settings are in the environment
  local from_year to_day
  from_year="$(date -u -d "$end - 365 days" +%Y-%m-%d)"; to_day="$(date -u -d "$end - 1 day" +%Y-%m-%d)"
  for mode in fresh shared; do
    if [ "$mode" = fresh ]; then start_app Spend__ViewCacheSeconds=0 Spend__LiveViewCacheSeconds=0; else start_app; fi
    sign_in
    echo "  $1, views computed $mode: overview $(median_page "/?tz=UTC"); explorer this month $(median_page "/explore?range=this-month&tz=UTC&by=feature");" \
      "explorer 12 months $(median_page "/explore?range=custom&from=$from_year&to=$to_day&tz=UTC&by=feature,model");" \
      "API 12 months top 100 $(median_api "http://127.0.0.1:$app_port/api/v1/spend?from=${from_year}T00:00:00Z&to=${to_day}T00:00:00Z&groupBy=feature,model&limit=100") ms"
    stop_app
  done
}

suite_postgres() {
  state="$root/postgres"
  rm -rf "$state"; mkdir -p "$state/history" "$state/data"
  end="$(date -u +%Y-%m-%dT%H:00:00Z)"
  start_postgres
  trap 'stop; stop_postgres' EXIT
  echo "== postgres: SQLite and PostgreSQL ($("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/postgres" --version | awk '{print $3}')) side by side"
  echo "-- a year of ledger at ${BENCH_YEAR_SETS:-5000} dimension sets"
  export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db" Prometheus__BaseUrl="http://127.0.0.1:9" Database__Provider=Sqlite
  dotnet "$bench" year --database "$state/costconsole.db" --sets "${BENCH_YEAR_SETS:-5000}" --days 365 --hourly-days 35 --end "$end"
  export Ledger__Enabled=false Ledger__RereadHours=0
  dotnet "$app" ledger sync --until "$end" 2>/dev/null | tail -n 1
  make_users
  local t0; t0=$(date +%s.%N)
  dotnet "$app" db copy --to "$pg_url" 2>"$state/copy.err" | tail -n 1 || { tail -n 5 "$state/copy.err"; exit 1; }
  echo "  db copy into PostgreSQL: $(echo "$(date +%s.%N) - $t0" | bc) s (whole command)"
  year_pages SQLite
  export Database__Provider=PostgreSql ConnectionStrings__CostConsole="$pg_url"
  year_pages PostgreSQL

  local days="${BENCH_PG_DAYS:-30}" features="${BENCH_PG_FEATURES:-28}" from
  from="$(date -u -d "$(date -u +%Y-%m-%dT00:00:00Z) - 1 day - $days days" +%Y-%m-%dT%H:00:00Z)"
  local until; until="$(date -u -d "$from + $days days" +%Y-%m-%dT%H:00:00Z)"
  echo "-- ingestion: 5 pods x 4 models x $features features x 3 users x 3 counters, $days days to $until"
  dotnet "$workload" wide --out "$state/history" --days "$days" --end "$until" --pods 5 --models 4 --features "$features" --users 3 | tail -n 1
  backfill "$state/history" "$state/data"
  start_prometheus "$state/data"
  export Prometheus__BaseUrl="http://127.0.0.1:$port" Ledger__BackfillFrom="$from" Ledger__ChunkHours="${BENCH_CHUNK_HOURS:-6}"
  "${as[@]}" "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/psql" -h 127.0.0.1 -p "$pg_port" -U costconsole -d costconsole -qc "CREATE DATABASE ingest" >/dev/null
  for provider in Sqlite PostgreSql; do
    if [ "$provider" = Sqlite ]; then
      export Database__Provider=Sqlite ConnectionStrings__CostConsole="Data Source=$state/ingest.db"
    else
      export Database__Provider=PostgreSql ConnectionStrings__CostConsole="Host=127.0.0.1;Port=$pg_port;Username=costconsole;Database=ingest"
    fi
    dotnet "$app" migrate >/dev/null
    echo -n "  $provider: "
    ledger_sync "$days" "$until"
  done
  stop
  stop_postgres
  trap stop EXIT
}

mkdir -p "$root"
for suite in $suites; do "suite_$suite"; done
