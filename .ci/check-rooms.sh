#!/usr/bin/env bash
# Keeps the rooms of specs/architecture: SQL only in app/src/store, no worded HTTP error
# (ApiError) and no wording from the copy catalog in store, services or jobs, and no copy
# catalog, Leptos context or URL in the pure domain. Files that still break a rule while the rooms are being finished are listed in
# .ci/rooms-pending.txt as `<rule> <file>`; the check fails on a violation in any file not
# listed there, and on a listed file that no longer breaks its rule (so the list only
# shrinks: strike the line). Usage: check-rooms.sh [repository root] (default: this one).
set -euo pipefail

# `--self-test`: shows the check failing on a tree that breaks each rule and on a pending
# line whose file keeps its rule, and passing on a tree that keeps them.
if [ "${1:-}" = "--self-test" ]; then
  self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
  tree="$(mktemp -d)"; trap 'rm -rf "$tree"' EXIT
  mkdir -p "$tree/.ci" "$tree/app/src/store" "$tree/app/src/services" "$tree/app/src/domain" "$tree/server/src"
  echo 'pub async fn q() { sqlx::query("SELECT 1"); }' > "$tree/app/src/store/runs.rs"
  echo '// sqlx::query in a comment is fine' > "$tree/app/src/services/ok.rs"
  echo 'pub fn pure() {}' > "$tree/app/src/domain/ok.rs"
  : > "$tree/.ci/rooms-pending.txt"
  "$self" "$tree" >/dev/null || { echo "self-test: a tree that keeps the rooms was refused"; exit 1; }
  expect_refused() {
    if "$self" "$tree" >"$tree/out" 2>&1; then echo "self-test: $1 passed the check"; exit 1; fi
    grep -q "$2" "$tree/out" || { echo "self-test: $1 refused without naming '$2':"; cat "$tree/out"; exit 1; }
  }
  echo 'pub async fn q() { sqlx::query_scalar("SELECT 1"); }' > "$tree/app/src/services/bad.rs"
  expect_refused "SQL in a service" "app/src/services/bad.rs breaks 'sql'"
  echo 'sql app/src/services/bad.rs' > "$tree/.ci/rooms-pending.txt"
  "$self" "$tree" >/dev/null || { echo "self-test: a pending exception was not honoured"; exit 1; }
  echo 'pub fn f() -> Result<(), crate::api::ApiError> { Ok(()) }' > "$tree/app/src/services/bad.rs"
  expect_refused "ApiError in a service" "breaks 'api-error'"
  expect_refused "a pending line whose file keeps its rule" "'sql app/src/services/bad.rs' is kept now"
  : > "$tree/.ci/rooms-pending.txt"
  echo 'pub fn f() -> String { crate::copy::text().errors.internal.to_owned() }' > "$tree/app/src/services/bad.rs"
  expect_refused "wording in a service" "breaks 'words-below-api'"
  rm "$tree/app/src/services/bad.rs"; : > "$tree/.ci/rooms-pending.txt"
  echo 'pub fn w() -> &'"'"'static str { crate::copy::text().x }' > "$tree/app/src/domain/bad.rs"
  expect_refused "the copy catalog in the domain" "breaks 'domain-words'"
  echo 'pub fn u(id: i64) -> String { format!("/admin/operations/{id}") }' > "$tree/app/src/domain/bad.rs"
  expect_refused "a URL in the domain" "breaks 'domain-urls'"
  echo "rooms self-test: each rule refuses a tree that breaks it"
  exit 0
fi

root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
pending=".ci/rooms-pending.txt"

# name;extended regex;folders it applies to;a folder excluded from them
rules=(
  'sql;sqlx::(query|raw_sql);app/src server/src;app/src/store'
  'api-error;\bApiError\b;app/src/store app/src/services app/src/jobs;'
  'words-below-api;(^|[^.a-z_])text\(\)|copy::locale\(\);app/src/store app/src/services app/src/jobs;'
  'domain-words;copy::|use_context;app/src/domain;'
  'domain-urls;"/(admin|system)|format!\("/;app/src/domain;'
)

failed=0
declare -A seen=()
for rule in "${rules[@]}"; do
  IFS=';' read -r name regex dirs excluded <<<"$rule"
  for dir in $dirs; do
    [ -d "$dir" ] || continue
    while IFS= read -r file; do
      if [ -n "$excluded" ] && [[ "$file" == "$excluded"/* ]]; then continue; fi
      # Comment lines do not count: a doc comment may name what a rule keeps out.
      hits="$(grep -nE "$regex" "$file" | grep -vE '^[0-9]+:[[:space:]]*//' || true)"
      [ -n "$hits" ] || continue
      seen["$name $file"]=1
      if ! grep -qxF "$name $file" "$pending" 2>/dev/null; then
        echo "rooms: $file breaks '$name' (specs/architecture says where this belongs):"
        printf '%s\n' "$hits" | head -3 | sed 's/^/    /'
        failed=1
      fi
    done < <(find "$dir" -name '*.rs' | sort)
  done
done

if [ -f "$pending" ]; then
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue ;; esac
    if [ -z "${seen[$line]:-}" ]; then
      echo "rooms: '$line' is kept now; strike it from $pending"
      failed=1
    fi
  done < "$pending"
fi

if [ "$failed" -ne 0 ]; then
  echo "rooms: the layout rules of specs/architecture do not hold" >&2
  exit 1
fi
left="$(grep -cvE '^(#|$)' "$pending" 2>/dev/null || true)"
echo "rooms: every file keeps to its room (${left:-0} known exceptions left)"
