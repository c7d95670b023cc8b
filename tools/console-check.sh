#!/usr/bin/env bash
# console-check.sh: the review console's browser test (tools/browsercheck/
# console.mjs) against a fresh service on SQLite, then on PostgreSQL
# (ONBOARDING_TEST_DATABASE_URL, in a scratch schema) when that is set; with
# CI=true PostgreSQL is required. Screenshots go to artifacts/console/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Short, so the test can watch a session expire; every step of the walk is
# far quicker than this.
export ONBOARDING_CONSOLE_IDLE_TIMEOUT=${ONBOARDING_CONSOLE_IDLE_TIMEOUT:-8s}
ARTIFACTS=artifacts/console tools/with-server.sh node tools/browsercheck/console.mjs
url=${ONBOARDING_TEST_DATABASE_URL:-}
if [ -z "$url" ]; then
	[ "${CI:-}" != true ] || { echo "console-check: ONBOARDING_TEST_DATABASE_URL is required in CI" >&2; exit 1; }
	exit 0
fi
schema=console_check_$$
psql "$url" -qX -c 'CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public' -c "CREATE SCHEMA $schema" >/dev/null
trap 'psql "$url" -qX -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null' EXIT
sep='?'
[[ $url == *\?* ]] && sep='&'
ARTIFACTS=artifacts/console/postgres ONBOARDING_DATABASE_URL="$url${sep}search_path=$schema,public" \
	tools/with-server.sh node tools/browsercheck/console.mjs
