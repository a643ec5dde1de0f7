# Shared helpers for the make targets. Sourced, not run.
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

export PATH="$HOME/.cargo/bin:$PATH"
OPSHUB_CI_TOOLS="${OPSHUB_CI_TOOLS:-$HOME/.cache/opshub/tools}"
export PATH="$OPSHUB_CI_TOOLS/node_modules/.bin:$PATH"

# The wasm-bindgen version the lock file pins (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

apt_install() {
  if [ -z "${OPSHUB_CI_APT_UPDATED:-}" ]; then
    apt-get update -qq || die "apt-get update failed"
    export OPSHUB_CI_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

# Installs what the build needs, only where missing.
ensure_build_tools() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first"
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
    say "installing cargo-leptos 0.3.10 (takes ~20 minutes once)"
    cargo install cargo-leptos@0.3.10 --locked --features no_downloads
  fi
  local wbg; wbg="$(wasm_bindgen_version)"
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$wbg"; then
    say "installing wasm-bindgen-cli $wbg (takes ~8 minutes once)"
    cargo install "wasm-bindgen-cli@$wbg"
  fi
  if ! wasm-opt --version 2>/dev/null | grep -q 'version 1[3-9][0-9]'; then
    say "installing wasm-opt (binaryen 132) from npm"
    mkdir -p "$OPSHUB_CI_TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$OPSHUB_CI_TOOLS" binaryen@132 >/dev/null
  fi
}

# Chromium from Debian and the Playwright test runner from npm; never a downloaded browser.
ensure_browser_tools() {
  if ! command -v chromium >/dev/null; then
    say "installing Chromium from Debian"
    apt_install chromium
  fi
  if [ ! -d end2end/node_modules/@playwright/test ]; then
    say "installing Playwright (test runner only) with npm ci"
    (cd end2end && npm ci --no-audit --no-fund --silent)
  fi
}

# The release build every command serves and measures: the server, and the browser bundle with
# brotli and gzip copies of each file beside it, which the server sends to browsers that
# accept them (specs/browser-bundle, "On the wire"). `--split` cuts the pages loaded on demand
# out of the main chunk into chunks of their own ("Pages loaded on demand").
build_release() {
  cargo leptos build --release --precompress --split "$@"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A fresh database of the backend named in $1 (`sqlite`: a new file in $2; `postgres`: a new
# database on $OPSHUB_TEST_POSTGRES_URL's server). Prints its URL.
e2e_database() {
  local backend="$1" work="$2" name
  case "$backend" in
    sqlite) echo "sqlite://$work/e2e-$RANDOM.db" ;;
    postgres)
      command -v psql >/dev/null || { say "installing psql from Debian" >&2; apt_install postgresql-client >&2; }
      name="opshub_e2e_$$_$RANDOM"
      psql "$OPSHUB_TEST_POSTGRES_URL" -qc "CREATE DATABASE $name" >/dev/null || die "could not create the database $name"
      echo "${OPSHUB_TEST_POSTGRES_URL%/*}/$name"
      ;;
    *) die "e2e_database: unknown backend '$backend'" ;;
  esac
}

# Drops the database at $1 if it is a PostgreSQL one (a SQLite file goes with its directory).
e2e_drop_database() {
  case "$1" in
    postgres*) psql "$OPSHUB_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS ${1##*/} WITH (FORCE)" >/dev/null 2>&1 || true ;;
  esac
}

# Starts the release server on port $2 with the database at $1, the reconciler sweeping every
# $3 seconds (its first sweep that long after start-up), logging to $4; waits until it answers
# and prints its pid.
e2e_server() {
  local db_url="$1" port="$2" sweep="$3" log="$4" target_dir="${CARGO_TARGET_DIR:-target}" pid
  OPSHUB_DATABASE_URL="$db_url" OPSHUB_ADDR="127.0.0.1:$port" OPSHUB_SITE_ROOT="target/site" OPSHUB_SEED_DEMO=true \
    OPSHUB_DEMO_PACING_MS="${OPSHUB_E2E_PACING_MS:-250}" OPSHUB_RECONCILE_SECS="$sweep" RUST_LOG="${RUST_LOG:-info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn}" \
    "$target_dir/release/opshub" serve >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server exited during start-up"; }
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$log" >&2; die "the server did not answer"; }
  echo "$pid"
}

# Runs Playwright against a freshly seeded release server on the backend named in $1, stopping
# it afterwards, in two parts:
# - the `main` project against a server whose reconciler sweeps once an hour (its first sweep
#   an hour after start-up): the suite reads the seeded moment (stuck runs, escalated, with
#   the detail's promise of when each will be closed), which a sweep would end;
# - the `sweep` project against a second server that sweeps 30 s after start-up, where a
#   story watches the seeded stuck runs close on every open page without a reload.
# The reconciler's decisions themselves are tested by the conformance suite and the
# real-binary tests.
run_e2e() {
  local backend="$1" work pid status=0 db_url project sweep
  work="$(mktemp -d /tmp/opshub-e2e.XXXXXX)"
  for project in main sweep; do
    sweep=3600
    [ "$project" = sweep ] && sweep=30
    local port; port="$(free_port)"
    db_url="$(e2e_database "$backend" "$work")"
    say "Playwright ($project) against the release server on $backend"
    pid="$(e2e_server "$db_url" "$port" "$sweep" "$work/server-$project.log")"
    (cd end2end && OPSHUB_BASE_URL="http://127.0.0.1:$port" npx playwright test --project="$project") || status=$?
    # Not this shell's child (it was started in a command substitution): wait for it by polling.
    e2e_stop "$pid"
    e2e_drop_database "$db_url"
    if [ "$status" -ne 0 ]; then
      echo "--- server log ($work/server-$project.log) ---"; tail -n 80 "$work/server-$project.log"
      die "Playwright ($project) failed on $backend"
    fi
  done
  [ "$backend" = postgres ] && run_pair "$work"
  return 0
}

# Stops the server with pid $1 (not this shell's child: polls until it is gone).
e2e_stop() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
}

# The `pair` project: two instances on one fresh PostgreSQL database. A serves the browser,
# works no runs and sweeps every 2 s; B works every run (400 ms per demo item, so a sync of
# Northwind's 20 items takes 8 s) and never sweeps. Heartbeats every 2 s against a 6 s
# timeout for syncs, so a killed B's run is A's to close within seconds. The story kills B.
run_pair() {
  local work="$1" db_url port_a port_b pid_a pid_b status=0
  db_url="$(e2e_database postgres "$work")"
  port_a="$(free_port)"
  port_b="$(free_port)"
  say "Playwright (pair) against two release servers on one PostgreSQL database"
  pid_a="$(OPSHUB_WORKERS=0 OPSHUB_INSTANCE_ID=pair-a OPSHUB_HEARTBEAT_SECS=2 \
    OPSHUB_LIFECYCLE='inventory.sync=120,600,3600,6' e2e_server "$db_url" "$port_a" 2 "$work/server-pair-a.log")"
  pid_b="$(OPSHUB_INSTANCE_ID=pair-b OPSHUB_HEARTBEAT_SECS=2 OPSHUB_E2E_PACING_MS=400 \
    OPSHUB_LIFECYCLE='inventory.sync=120,600,3600,6' e2e_server "$db_url" "$port_b" 0 "$work/server-pair-b.log")"
  (cd end2end && OPSHUB_BASE_URL="http://127.0.0.1:$port_a" OPSHUB_E2E_SECOND_PID="$pid_b" \
    npx playwright test --project=pair) || status=$?
  e2e_stop "$pid_a"
  e2e_stop "$pid_b"
  e2e_drop_database "$db_url"
  if [ "$status" -ne 0 ]; then
    for side in a b; do
      echo "--- server log ($work/server-pair-$side.log) ---"; tail -n 60 "$work/server-pair-$side.log"
    done
    die "Playwright (pair) failed"
  fi
}
