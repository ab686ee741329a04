#!/usr/bin/env bash
# Runs every test on SQLite and PostgreSQL, with the browser tests in
# Chromium. On a fresh Debian machine it installs what is missing
# (PostgreSQL, Chromium, CJK fonts) and starts a PostgreSQL cluster.
# Extra arguments go to `go test` (default: ./...).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need_pkgs+=(postgresql)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_pkgs+=(fonts-noto-cjk)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "Installing ${need_pkgs[*]} from Debian's packages…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# A private PostgreSQL cluster under /tmp, so tests never touch a real one.
if [ -z "${JINGUO_TEST_POSTGRES:-}" ]; then
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  pgdir=/tmp/jinguo-test-pg
  pgport=${JINGUO_TEST_PG_PORT:-55432}
  runas=()
  if [ "$(id -u)" -eq 0 ]; then runas=(runuser -u postgres --); fi
  if [ ! -f "$pgdir/PG_VERSION" ]; then
    mkdir -p "$pgdir"
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$pgdir"
    "${runas[@]}" "$pgbin/initdb" -D "$pgdir" -U jinguo --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir" status >/dev/null 2>&1; then
    "${runas[@]}" "$pgbin/pg_ctl" -D "$pgdir" -l "$pgdir/server.log" -w \
      -o "-p $pgport -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  fi
  "${runas[@]}" "$pgbin/psql" -h 127.0.0.1 -p "$pgport" -U jinguo -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='jinguo_test'" | grep -q 1 ||
    "${runas[@]}" "$pgbin/createdb" -h 127.0.0.1 -p "$pgport" -U jinguo jinguo_test
  export JINGUO_TEST_POSTGRES="postgres://jinguo@127.0.0.1:$pgport/jinguo_test?sslmode=disable"
fi
export JINGUO_TEST_CHROMIUM=${JINGUO_TEST_CHROMIUM:-$(command -v chromium || true)}

echo "PostgreSQL: $JINGUO_TEST_POSTGRES"
echo "Chromium:   ${JINGUO_TEST_CHROMIUM:-none}"
if [ $# -eq 0 ]; then set -- ./...; fi
go vet ./...
go test -count=1 -timeout 30m "$@"
