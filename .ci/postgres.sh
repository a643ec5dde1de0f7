# Makes a PostgreSQL answer for the test suite. Sourced by the make targets; exports
# OPSHUB_TEST_POSTGRES_URL. Uses the one at that URL (default: the local server on 5432)
# when it answers; otherwise installs PostgreSQL from Debian if needed and starts a
# throwaway cluster on a spare port, stopped again when the calling shell exits.
# shellcheck shell=bash

ensure_postgres() {
  export OPSHUB_TEST_POSTGRES_URL="${OPSHUB_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  if pg_answers "$OPSHUB_TEST_POSTGRES_URL"; then
    say "using PostgreSQL at $OPSHUB_TEST_POSTGRES_URL"
    return
  fi
  say "no PostgreSQL answers at $OPSHUB_TEST_POSTGRES_URL: starting a throwaway one"
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local bin port dir
  bin="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n1)")"
  port="${OPSHUB_CI_THROWAWAY_PG_PORT:-55432}"
  dir="$(mktemp -d /tmp/opshub-pg.XXXXXX)"
  chown postgres:postgres "$dir" 2>/dev/null || true
  as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -w start >/dev/null
  OPSHUB_CI_THROWAWAY_PG="$bin/pg_ctl -D $dir/data"
  trap 'as_postgres $OPSHUB_CI_THROWAWAY_PG -m fast stop >/dev/null 2>&1 || true' EXIT
  export OPSHUB_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  pg_answers "$OPSHUB_TEST_POSTGRES_URL" || die "the throwaway PostgreSQL did not start (log: $dir/log)"
  say "throwaway PostgreSQL running at $OPSHUB_TEST_POSTGRES_URL"
}

# initdb and postgres refuse to run as root.
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_answers() {
  local rest="${1#*://}" hostport port host
  hostport="${rest#*@}"; hostport="${hostport%%/*}"
  host="${hostport%%:*}"; port="${hostport##*:}"; [ "$port" = "$hostport" ] && port=5432
  if command -v pg_isready >/dev/null; then
    pg_isready -q -h "$host" -p "$port" -t 3
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}
