#!/usr/bin/env bash
# Installs what the demo and the tests need from Debian's packages, only when it is missing.
# Sourced by demo.sh and test.sh.
install_missing() {
  local missing=()
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v bc >/dev/null 2>&1 || missing+=(bc)
  command -v jq >/dev/null 2>&1 || missing+=(jq)
  # The build restores apexcharts with npm into wwwroot/lib.
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
  # The tests put a real reverse proxy (nginx) in front of Prometheus for the tenant-header and bearer-token checks.
  if [ "${1:-}" = "--with-browser" ] && [ ! -x /usr/sbin/nginx ]; then missing+=(nginx); fi
  # The tests start their own PostgreSQL server (initdb and pg_ctl into a temporary folder) to run on both providers.
  if [ "${1:-}" = "--with-browser" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "Installing missing packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
}

# Prints the first free TCP port on 127.0.0.1 at or after $1.
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  echo "$port"
}
