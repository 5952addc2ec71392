#!/usr/bin/env bash
# deploy/up --redis cluster as a user runs it: a local Redis Cluster of 3
# masters and 3 replicas comes up under the state directory with its node
# addresses in redis-nodes; a second deploy/up is harmless; deploy/down
# stops exactly its nodes (twice is harmless); data survives a restart.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_STATE=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-deploy-cluster-XXXXXX")
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }
trap '"$src/deploy/down" >/dev/null 2>&1; rm -rf "$HOTLINE_STATE"' EXIT
nodes=$HOTLINE_STATE/redis-nodes

check "$src/deploy/up" --redis cluster
check test "$(wc -l <"$nodes")" -eq 6
first=$(head -1 "$nodes")
host=${first%:*} port=${first##*:}
admin=$HOTLINE_STATE/secrets/redis-admin.password
cli () { REDISCLI_AUTH=$(cat "$admin") redis-cli -h "$host" -p "$port" "$@"; }
check grep -q '^cluster_state:ok' <<<"$(cli cluster info)"
check test "$(cli cluster nodes | grep -c master)" -eq 3
check test "$(cli cluster nodes | grep -c slave)" -eq 3
check test "$(cli config get appendfsync | tail -1)" = always
check test "$(cli -c set '{t}kept' yes)" = OK
# Its users are deploy's: nothing without a password; hotlined's user may
# read the slot map but not flush the store.
check grep -q NOAUTH <<<"$(redis-cli -h "$host" -p "$port" get '{t}kept' 2>&1)"
as_hotline () {
    REDISCLI_AUTH=$(cat "$HOTLINE_STATE/secrets/redis-hotline.password") \
        redis-cli --user hotline -h "$host" -p "$port" "$@" 2>&1
}
check grep -q "$port" <<<"$(as_hotline cluster slots)"
check grep -q NOPERM <<<"$(as_hotline flushall)"
check test "$(stat -c %a "$HOTLINE_STATE/redis-cluster/users.acl")" = 600
check test "$(stat -c %a "$HOTLINE_STATE/redis-cluster/auth.conf")" = 600
pids=$(cat "$HOTLINE_STATE"/redis-cluster/*/redis.pid)
check "$src/deploy/up" --redis cluster
check test "$(cat "$HOTLINE_STATE"/redis-cluster/*/redis.pid)" = "$pids"
check "$src/deploy/down"
for pid in $pids; do check test ! -d "/proc/$pid"; done
check "$src/deploy/down"
check "$src/deploy/up" --redis cluster
check test "$(cli -c get '{t}kept')" = yes
check diff <(sort "$nodes") <(sort <<<"$(cli cluster nodes | awk '{print $2}' | cut -d@ -f1)")
"$src/deploy/up" --redis bogus >/dev/null 2>&1
check test $? -eq 2
check "$src/deploy/down"
exit $fail
