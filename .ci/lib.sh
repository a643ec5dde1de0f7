# Shared helpers for the make targets. Sourced, not run.
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

export PATH="$HOME/.cargo/bin:$PATH"
OPSHUB_TOOLS="${OPSHUB_TOOLS:-$HOME/.cache/opshub/tools}"
export PATH="$OPSHUB_TOOLS/node_modules/.bin:$PATH"

# The wasm-bindgen version the lock file pins (the CLI must match it exactly).
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

apt_install() {
  if [ -z "${OPSHUB_APT_UPDATED:-}" ]; then
    apt-get update -qq || die "apt-get update failed"
    export OPSHUB_APT_UPDATED=1
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
    mkdir -p "$OPSHUB_TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$OPSHUB_TOOLS" binaryen@132 >/dev/null
  fi
}
