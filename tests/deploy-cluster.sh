#!/usr/bin/env bash
# deploy/up --redis cluster as a user runs it: a local Redis Cluster of 3
# masters and 3 replicas comes up under the state directory with its node
# addresses in redis-nodes, and the whole stack on it: a complaint is
# acknowledged, dispatched and answered by a sample worker, and hotline
# status names the three masters; a second deploy/up is harmless;
# deploy/down stops exactly its nodes (twice is harmless); data survives a
# restart.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_STATE=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-deploy-cluster-XXXXXX")
read -r HOTLINE_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT <<<"$("$src/tests/free-port" 3 | tr '\n' ' ')"
export HOTLINE_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }
trap '"$src/deploy/down" >/dev/null 2>&1; rm -rf "$HOTLINE_STATE"' EXIT
nodes=$HOTLINE_STATE/redis-nodes

check "$src/deploy/up" --redis cluster >/dev/null
check test "$(wc -l <"$nodes")" -eq 6
. "$HOTLINE_STATE/hotline.env"
hotline="$src/build/client/hotline"
t1=$("$hotline" submit --channel app --type 咨询 --category SB.01 --area 441702 \
     --phone 13600000001 --content "社保卡怎么激活")
check test -n "$t1"
replied=no
for _ in $(seq 60); do
    "$hotline" show "$t1" | grep -q "已答复" && { replied=yes; break; }
    sleep 0.5
done
check test "$replied" = yes
check test "$("$hotline" --json status | grep -o '"[0-9.]*:[0-9]* up"' | wc -l)" -eq 3
check grep -q '"store":"cluster"' <<<"$("$hotline" --json status)"
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
check "$src/deploy/up" --redis cluster >/dev/null
check test "$(cat "$HOTLINE_STATE"/redis-cluster/*/redis.pid)" = "$pids"
check "$src/deploy/down"
for pid in $pids; do check test ! -d "/proc/$pid"; done
check "$src/deploy/down"
check "$src/deploy/up" --redis cluster >/dev/null
check test "$(cli -c get '{t}kept')" = yes
check sh -c "'$hotline' show '$t1' | grep -q 社保卡怎么激活"
check diff <(sort "$nodes") <(sort <<<"$(cli cluster nodes | awk '{print $2}' | cut -d@ -f1)")
"$src/deploy/up" --redis bogus >/dev/null 2>&1
check test $? -eq 2
check "$src/deploy/down"
exit $fail
