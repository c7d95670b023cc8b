#!/usr/bin/env bash
# with-server.sh COMMAND…: start the service as `make run` does (sandbox
# registers, a fresh SQLite database unless ONBOARDING_DATABASE_URL names an
# empty one, the example checklist imported) on a free
# 127.0.0.1 port, create three users, run COMMAND with
#   ONBOARDING_URL          e.g. http://127.0.0.1:40123
#   ONBOARDING_OWNER_TOKEN  a regular user (alice)
#   ONBOARDING_OTHER_TOKEN  another regular user (bob)
#   ONBOARDING_STAFF_TOKEN  a staff user (stan)
# in its environment, then stop the service. Exits with COMMAND's status.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s build
dir=$(mktemp -d)
export ONBOARDING_DATABASE_URL="${ONBOARDING_DATABASE_URL:-sqlite://$dir/onboarding.db}" ONBOARDING_SANDBOX=true ONBOARDING_ADDR=127.0.0.1:0
./bin/onboarding migrate >/dev/null 2>&1
token() { ./bin/onboarding user create --username "$1" --email "$1@example.com" "${@:2}" | sed -E 's/.*"token":"([^"]+)".*/\1/'; }
ONBOARDING_OWNER_TOKEN=$(token alice)
ONBOARDING_OTHER_TOKEN=$(token bob)
ONBOARDING_STAFF_TOKEN=$(token stan --staff)
export ONBOARDING_OWNER_TOKEN ONBOARDING_OTHER_TOKEN ONBOARDING_STAFF_TOKEN
./bin/onboarding checklist import examples/checklists/company-onboarding.yaml >/dev/null 2>&1

: >"$dir/server.log" # the background process opens it later: the loop below must find it
./bin/onboarding serve 2>"$dir/server.log" &
pid=$!
# Neither a service that already stopped nor one killed before it handles
# SIGTERM changes the exit status, which is COMMAND's or this script's.
stop() {
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap stop EXIT
for _ in $(seq 1 100); do
	addr=$(sed -nE 's/.*"msg":"listening".*"addr":"([^"]+)".*/\1/p' "$dir/server.log")
	[ -n "$addr" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$addr" ] || { echo "with-server: the service did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
export ONBOARDING_URL="http://$addr"
set +e
"$@"
status=$?
set -e
if [ "$status" -ne 0 ]; then
	echo "with-server: '$*' failed ($status); the service's last log lines:" >&2
	tail -n 20 "$dir/server.log" >&2
fi
exit "$status"
