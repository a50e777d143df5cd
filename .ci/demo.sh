#!/usr/bin/env bash
# The full demo: real Prometheus with 45 days of generated history plus live traffic, CostConsole pointed at it,
# and one demo user per role. Ctrl+C stops everything it started.
#   DEMO_DAYS   days of generated history (default 45)
#   DEMO_STATE  the folder for its state (default .demo; emptied at start)
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/prerequisites.sh
install_missing

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
began=$(date +%s)
state="$(realpath -m "${DEMO_STATE:-$PWD/.demo}")"
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
  echo "Stopped."
}
started() { # records a background process (for stop, and for whoever checks that none is left behind)
  pids+=("$1")
  echo "$1" >>"$state/pids"
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

rm -rf "$state"
mkdir -p "$state/history" "$state/prometheus/data"

# The demo runs the published app, exactly as the Dockerfile does: `dotnet CostConsole.dll` in a folder that holds
# its own wwwroot (styles, Blazor's script, MudBlazor, ApexCharts).
echo "==> Publishing CostConsole and building the workload generator"
dotnet publish src/CostConsole/CostConsole.csproj -c Release -o "$state/app" -v quiet -nologo
dotnet build src/CostConsole.Workload/CostConsole.Workload.csproj -c Release -v quiet -nologo
app="$state/app/CostConsole.dll"
workload="src/CostConsole.Workload/bin/Release/net10.0/costconsole-workload.dll"

echo "==> Generating $days days of history (60 s scrapes) and backfilling it with promtool"
dotnet "$workload" history --out "$state/history" --days "$days" --pods-per-team 1 --split
ls "$state"/history/*.om | xargs -P 2 -I{} promtool tsdb create-blocks-from openmetrics -q --max-block-duration=1104h {} "$state/prometheus/data"
rm -f "$state"/history/*.om

[ -x node_modules/.bin/maildev ] && [ -f node_modules/oidc-provider/package.json ] || npm ci --no-audit --no-fund
workload_port=$(free_port 9464)
smtp_port=$(free_port 1025)
mail_port=$(free_port 1080)
prometheus_port=$(free_port 9090)
app_port=$(free_port 5080)
idp_port=$(free_port 5556)

echo "==> Starting live traffic on :$workload_port and Prometheus on :$prometheus_port"
dotnet "$workload" serve --port "$workload_port" >"$state/workload.log" 2>&1 &
started $!
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
started $!
wait_for "http://127.0.0.1:$prometheus_port/-/ready" Prometheus "$state/prometheus.log"

echo "==> Starting maildev (SMTP on :$smtp_port, read mail at :$mail_port)"
node_modules/.bin/maildev --smtp "$smtp_port" --web "$mail_port" --ip 127.0.0.1 --web-ip 127.0.0.1 >"$state/maildev.log" 2>&1 &
started $!
wait_for "http://127.0.0.1:$mail_port/email" maildev "$state/maildev.log"

# A company identity provider to try single sign-on with: the OpenID provider the tests run (npm oidc-provider), its
# directory a JSON file of demo people whose groups map to CostConsole's roles (and one whose groups map to none).
echo "==> Starting a demo identity provider (OpenID Connect) on :$idp_port"
sso_users=()
idp_people='['
for person in "ana Finance costconsole-finance" "ben Engineer costconsole-engineers" "cleo Manager costconsole-team-search-managers" "dev Admin costconsole-admins" "eve (none) all-staff"; do
  read -r name role group <<<"$person"
  password="sso-$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 12)"
  idp_people+="{\"id\":\"$name\",\"email\":\"$name@sso.demo.test\",\"name\":\"${name^} Demo\",\"password\":\"$password\",\"groups\":[\"$group\",\"all-staff\"]},"
  sso_users+=("$(printf '%-9s %-20s %-20s %s' "$role" "$name@sso.demo.test" "$password" "$group")")
done
echo "${idp_people%,}]" >"$state/idp-users.json"
idp_secret="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
cat >"$state/idp-clients.json" <<JSON
[{"client_id":"costconsole","client_secret":"$idp_secret","redirect_uris":["http://127.0.0.1:$app_port/signin-oidc"],"post_logout_redirect_uris":["http://127.0.0.1:$app_port/signout-callback-oidc"]}]
JSON
node tests/CostConsole.Tests/Shared/IdentityProvider/provider.mjs --port "$idp_port" --issuer "http://localhost:$idp_port" \
  --users "$state/idp-users.json" --clients "$state/idp-clients.json" >"$state/idp.log" 2>&1 &
started $!
wait_for "http://127.0.0.1:$idp_port/.well-known/openid-configuration" "the identity provider" "$state/idp.log"

# The provider's settings in the published app's appsettings.Production.json (read in the Production environment,
# as a file mounted beside the binary would be): group names with '-' cannot be exported from a shell.
cat >"$state/app/appsettings.Production.json" <<JSON
{
  "Authentication": {
    "Oidc": {
      "Authority": "http://localhost:$idp_port",
      "ClientId": "costconsole",
      "ClientSecret": "$idp_secret",
      "DisplayName": "Demo SSO",
      "Scopes": "openid profile email groups",
      "RoleClaims": { "costconsole-finance": "Finance", "costconsole-engineers": "Engineer", "costconsole-admins": "Admin" },
      "TeamManagerClaims": "costconsole-team-{team}-managers",
      "AccessContact": "admin@demo.test"
    }
  }
}
JSON

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
started $!
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

admin_token=$(dotnet "$app" tokens create --name "demo-budgets-$(date +%s)" --role Admin 2>/dev/null)
api() { # method, path[, json]
  curl -fsS -X "$1" -H "Authorization: Bearer $admin_token" -H 'Content-Type: application/json' "http://127.0.0.1:$app_port$2" ${3:+-d "$3"}
}

echo "==> Waiting for the ledger to take in the history (every closed hour up to now)"
# The budgets below are set from the month to date the ledger holds, so it must hold every closed hour first.
hour=$(( $(date -u +%s) / 3600 * 3600 ))
range="from=$(date -u -d "@$((hour - 3600))" +%Y-%m-%dT%H:00:00Z)&to=$(date -u -d "@$hour" +%Y-%m-%dT%H:00:00Z)"
for _ in $(seq 1 600); do
  through=$(api GET "/api/v1/spend?$range" | jq -r '.ledgerThrough // empty')
  if [ -n "$through" ] && [ "$(date -u -d "$through" +%s)" -ge "$hour" ]; then break; fi
  sleep 1
done

echo "==> Setting this month's budgets from its month to date: search at risk, growth over, the org on track"
# From what the ledger holds today, so the story holds on any day of the month: growth's budget is below what it has
# spent already; search's lies between its spend so far and its projected month end.
month=$(date -u +%Y-%m)
outlooks=$(api GET /api/v1/budgets)
cents() { jq -r "$1" <<<"$outlooks"; }
search_budget=$(cents ".[] | select(.name == \"search\") | . as \$t | ([\$t.projectedMonthEnd24hUsd, \$t.projectedMonthEnd7dUsd] | max) as \$top
  | [\$t.monthToDateUsd + (\$top - \$t.monthToDateUsd) * 0.6, 0.01] | max * 100 | ceil / 100")
growth_budget=$(cents ".[] | select(.name == \"growth\") | [.monthToDateUsd * 0.85, 0.01] | max * 100 | floor / 100")
org_budget=$(cents "[.[] | select(.teamId != null) | [.projectedMonthEnd24hUsd, .projectedMonthEnd7dUsd] | max] | add * 1.25 | [., 1] | max | ceil")
org_daily=$(cents "[.[] | select(.teamId != null) | .ratePerHour24hUsd] | add * 24 * 1.5 | [., 1] | max | ceil")
api PUT "/api/v1/budgets/teams/${team_ids[search]}" "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"$search_budget\",\"confirm\":true}" >/dev/null
api PUT "/api/v1/budgets/teams/${team_ids[growth]}" "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"$growth_budget\",\"thresholds\":\"50,75,90,100\",\"confirm\":true}" >/dev/null
api PUT /api/v1/budgets/org "{\"fromMonth\":\"$month\",\"monthlyUsd\":\"$org_budget\",\"dailyUsd\":\"$org_daily\",\"confirm\":true}" >/dev/null
# Each budget change wakes the budget watcher, which records the thresholds already crossed and mails their managers.
budget_story=$(api GET /api/v1/budgets | jq -r '.[] | select(.name == "search" or .name == "growth" or .teamId == null) | [.name, .monthToDateUsd, .budgetUsd, .status] | @tsv' |
  while IFS=$'\t' read -r name spent budget status; do
    case "$status" in AtRisk) status="at risk" ;; OnTrack) status="on track" ;; Over) status="over" ;; esac
    printf '%s: $%.2f of $%.2f, %s; ' "$name" "$spent" "$budget" "$status"
  done)
budget_story="${budget_story%; }"

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
  Budgets       $budget_story
  Mail          http://127.0.0.1:$mail_port (maildev: every mail CostConsole sends: budget thresholds, digests)
  Digests       manager@demo.test's digest of search arrives at $digest_at UTC; Digests → Preview & log sends a test now
  Jobs          http://127.0.0.1:$app_port/hangfire (Hangfire dashboard, Admin only)
  Cost rules    $state/prometheus/costconsole-rules.yml (see Prometheus → Alerts)
  Ground truth  $state/history/truth.csv
  Logs          $state/*.log

  Role      Email                Password
$(printf '  %s\n' "${users[@]}")

  Single sign-on: "Sign in with Demo SSO" on the sign-in page, at the demo identity provider
  (http://localhost:$idp_port, people in $state/idp-users.json: edit their groups, sign in again):
  Role      Email                Password             Group
$(printf '  %s\n' "${sso_users[@]}")

Press Ctrl+C to stop every process the demo started.
INFO
wait "${pids[@]}"
