#!/usr/bin/env bash
# The full demo: real Prometheus with 45 days of generated history plus live traffic, CostConsole pointed at it,
# and one demo user per role. Ctrl+C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
began=$(date +%s)
state="$PWD/.demo"
days="${DEMO_DAYS:-45}"
pids=()

stop() {
  trap - EXIT INT TERM
  if [ ${#pids[@]} -gt 0 ]; then
    echo
    echo "Stopping the demo (${#pids[@]} processes)..."
    kill "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap stop EXIT
trap 'exit 130' INT TERM HUP

wait_for() { # url, name, log
  for _ in $(seq 1 240); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.5
  done
  echo "$2 did not become ready; its log follows:" >&2
  tail -n 30 "$3" >&2
  exit 1
}

echo "==> Building CostConsole and the workload generator"
dotnet build src/CostConsole/CostConsole.csproj -c Release -v quiet -nologo
dotnet build src/CostConsole.Workload/CostConsole.Workload.csproj -c Release -v quiet -nologo
app="src/CostConsole/bin/Release/net10.0/CostConsole.dll"
workload="src/CostConsole.Workload/bin/Release/net10.0/costconsole-workload.dll"

rm -rf "$state"
mkdir -p "$state/history" "$state/prometheus/data"

echo "==> Generating $days days of history (60 s scrapes) and backfilling it with promtool"
dotnet "$workload" history --out "$state/history" --days "$days" --pods-per-team 1 --split
ls "$state"/history/*.om | xargs -P 2 -I{} promtool tsdb create-blocks-from openmetrics -q --max-block-duration=1104h {} "$state/prometheus/data"
rm -f "$state"/history/*.om

[ -x node_modules/.bin/maildev ] || npm ci --no-audit --no-fund
workload_port=$(free_port 9464)
smtp_port=$(free_port 1025)
mail_port=$(free_port 1080)
prometheus_port=$(free_port 9090)
app_port=$(free_port 5080)

echo "==> Starting live traffic on :$workload_port and Prometheus on :$prometheus_port"
dotnet "$workload" serve --port "$workload_port" >"$state/workload.log" 2>&1 &
pids+=($!)
cat >"$state/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 60s
scrape_configs:
  - job_name: llm-app
    honor_labels: true
    scrape_interval: 15s
    static_configs:
      - targets: ['127.0.0.1:$workload_port']
YAML
prometheus --config.file="$state/prometheus/prometheus.yml" --storage.tsdb.path="$state/prometheus/data" --web.enable-lifecycle \
  --storage.tsdb.retention.time=400d --web.listen-address="127.0.0.1:$prometheus_port" >"$state/prometheus.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$prometheus_port/-/ready" Prometheus "$state/prometheus.log"

echo "==> Starting maildev (SMTP on :$smtp_port, read mail at :$mail_port)"
node_modules/.bin/maildev --smtp "$smtp_port" --web "$mail_port" --ip 127.0.0.1 --web-ip 127.0.0.1 >"$state/maildev.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$mail_port/email" maildev "$state/maildev.log"

export ConnectionStrings__CostConsole="Data Source=$state/costconsole.db"
export Smtp__Host=127.0.0.1 Smtp__Port="$smtp_port" Smtp__Security=None
export Budgets__PublicUrl="http://127.0.0.1:$app_port"
export Prometheus__BaseUrl="http://127.0.0.1:$prometheus_port"

echo "==> Creating demo users (demo only: random passwords, printed below)"
users=()
for role in Finance Engineer Manager Admin; do
  email="$(echo "$role" | tr '[:upper:]' '[:lower:]')@demo.test"
  password="demo-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 12)"
  COSTCONSOLE_PASSWORD="$password" dotnet "$app" users create --email "$email" --role "$role" >/dev/null
  users+=("$(printf '%-9s %-20s %s' "$role" "$email" "$password")")
done

echo "==> Creating the generated workload's teams (manager@demo.test manages search and growth)"
declare -A team_ids
for team in search growth mobile platform support data-science; do
  manager=""
  case "$team" in search|growth) manager="--manager manager@demo.test" ;; esac
  team_ids[$team]=$(dotnet "$app" teams create --name "$team" $manager 2>/dev/null)
done

echo "==> Creating an API token for Prometheus to scrape CostConsole's price gauge"
dotnet "$app" tokens create --name prometheus --role Engineer >"$state/prometheus/costconsole.token" 2>/dev/null

echo "==> Starting CostConsole on :$app_port"
ASPNETCORE_URLS="http://127.0.0.1:$app_port" dotnet "$app" >"$state/costconsole.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$app_port/readyz" CostConsole "$state/costconsole.log"

echo "==> Loading CostConsole's cost rules into Prometheus (prices joined from /metrics)"
curl -fsS -H "Authorization: Bearer $(cat "$state/prometheus/costconsole.token")" \
  "http://127.0.0.1:$app_port/api/v1/prometheus/rules?variant=gauge" -o "$state/prometheus/costconsole-rules.yml"
promtool check rules "$state/prometheus/costconsole-rules.yml" >/dev/null
cat >>"$state/prometheus/prometheus.yml" <<YAML
  - job_name: costconsole
    scrape_interval: 30s
    metrics_path: /metrics
    authorization:
      credentials_file: $state/prometheus/costconsole.token
    static_configs:
      - targets: ['127.0.0.1:$app_port']
rule_files:
  - $state/prometheus/costconsole-rules.yml
YAML
curl -fsS -X POST "http://127.0.0.1:$prometheus_port/-/reload"

echo "==> Setting this month's budgets (search, growth, and the org)"
admin_token=$(dotnet "$app" tokens create --name "demo-budgets-$(date +%s)" --role Admin 2>/dev/null)
month=$(date -u +%Y-%m)
budget() { # path, json
  curl -fsS -o /dev/null -X PUT -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$app_port/api/v1/budgets/$1" -d "$2"
}
budget "teams/${team_ids[search]}" "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"280\"}"
budget "teams/${team_ids[growth]}" "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"450\",\"thresholds\":\"50,75,90,100\"}"
budget org "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"2500\",\"dailyUsd\":\"120\"}"
# Computing the outlooks records the thresholds already crossed; their managers are mailed at once.
curl -fsS -o /dev/null -H "Authorization: Bearer $admin_token" "http://127.0.0.1:$app_port/api/v1/budgets"

echo "==> Subscribing the demo manager and finance users to daily digests"
# The manager's digest of search is due two minutes from now (UTC), so the first one lands in maildev during the demo.
digest_at=$(date -u -d "+2 minutes" +%H:%M)
subscribe() { # json
  curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$app_port/api/v1/digests" -d "$1"
}
subscribe "{\"user\":\"manager@demo.test\",\"scope\":\"${team_ids[search]}\",\"sendAt\":\"$digest_at\",\"timeZone\":\"UTC\",\"days\":\"everyday\"}"
subscribe "{\"user\":\"manager@demo.test\",\"scope\":\"${team_ids[growth]}\",\"sendAt\":\"08:00\",\"timeZone\":\"Europe/Berlin\",\"days\":\"weekdays\"}"
subscribe "{\"user\":\"finance@demo.test\",\"scope\":\"org\",\"sendAt\":\"07:30\",\"timeZone\":\"America/New_York\",\"days\":\"everyday\"}"

cat <<INFO

CostConsole demo is up in $(( $(date +%s) - began )) s.

  CostConsole   http://127.0.0.1:$app_port
  Prometheus    http://127.0.0.1:$prometheus_port
  Live traffic  http://127.0.0.1:$workload_port/metrics
  Mail          http://127.0.0.1:$mail_port (maildev: every mail CostConsole sends: budget thresholds, digests)
  Digests       manager@demo.test's digest of search arrives at $digest_at UTC; Digests → Preview & log sends a test now
  Jobs          http://127.0.0.1:$app_port/hangfire (Hangfire dashboard, Admin only)
  Cost rules    $state/prometheus/costconsole-rules.yml (see Prometheus → Alerts)
  Ground truth  $state/history/truth.csv
  Logs          $state/*.log

  Role      Email                Password
$(printf '  %s\n' "${users[@]}")

Press Ctrl+C to stop every process the demo started.
INFO
wait "${pids[@]}"
