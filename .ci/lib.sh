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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts the release server on a free port with a fresh database of the backend named in $1
# (`sqlite`: a new file; `postgres`: a new database on $OPSHUB_TEST_POSTGRES_URL's server,
# dropped afterwards), runs Playwright against it, and stops it again. The reconciler sweeps once an hour there (its first sweep
# an hour after start-up): the suite reads the seeded moment (a stuck run, escalated, with
# the detail's promise of when it will be closed), which a sweep would end; the reconciler
# itself is tested by the conformance suite and the real-binary tests.
run_e2e() {
  local backend="$1" target_dir="${CARGO_TARGET_DIR:-target}" port work pid status=0 db_url pg_db=""
  port="$(free_port)"
  work="$(mktemp -d /tmp/opshub-e2e.XXXXXX)"
  case "$backend" in
    sqlite) db_url="sqlite://$work/e2e.db" ;;
    postgres)
      command -v psql >/dev/null || { say "installing psql from Debian"; apt_install postgresql-client; }
      pg_db="opshub_e2e_$$_$RANDOM"
      psql "$OPSHUB_TEST_POSTGRES_URL" -qc "CREATE DATABASE $pg_db" >/dev/null || die "could not create the database $pg_db"
      db_url="${OPSHUB_TEST_POSTGRES_URL%/*}/$pg_db"
      ;;
    *) die "run_e2e: unknown backend '$backend'" ;;
  esac
  say "Playwright against the release server on $backend"
  OPSHUB_DATABASE_URL="$db_url" OPSHUB_ADDR="127.0.0.1:$port" OPSHUB_SITE_ROOT="target/site" \
    OPSHUB_DEMO_PACING_MS="${OPSHUB_E2E_PACING_MS:-250}" OPSHUB_RECONCILE_SECS=3600 RUST_LOG="${RUST_LOG:-info,sqlx=warn}" \
    "$target_dir/release/opshub" serve >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.log"; die "the server exited during start-up"; }
    sleep 0.2
  done
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { cat "$work/server.log"; die "the server did not answer"; }
  (cd end2end && OPSHUB_BASE_URL="http://127.0.0.1:$port" npx playwright test) || status=$?
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -n "$pg_db" ]; then
    psql "$OPSHUB_TEST_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ "$status" -ne 0 ]; then
    echo "--- server log ($work/server.log) ---"; tail -n 80 "$work/server.log"
    die "Playwright failed on $backend"
  fi
}
