#!/usr/bin/env bash
# deploy/up --redis sentinel --instances 2 as a user runs it: a primary, 2
# replicas and 3 sentinels under the state directory, two hotlined on that
# store; a ticket filed through one instance is read through the other and
# answered by a sample worker; the primary is killed (SIGKILL) and both
# instances take complaints again by themselves, with serials above the
# old ones; deploy/down stops exactly what was started (twice is harmless).
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_STATE=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-deploy-sentinel-XXXXXX")
read -r HOTLINE_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT <<<"$("$src/tests/free-port" 3 | tr '\n' ' ')"
export HOTLINE_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }
trap '"$src/deploy/down" >/dev/null 2>&1; rm -rf "$HOTLINE_STATE"' EXIT
rs=$HOTLINE_STATE/redis-sentinel

check "$src/deploy/up" --redis sentinel --instances 2 >/dev/null
. "$HOTLINE_STATE/hotline.env"
hotline="$src/build/client/hotline"
one=tcp://127.0.0.1:$HOTLINE_PORT two=tcp://127.0.0.1:$((HOTLINE_PORT + 10))
. "$src/deploy/redis-sentinel.sh"
primary=$(hl_sentinel_primary "$rs")
check test -n "$primary"
# The data nodes have deploy's users: nothing without a password.
check grep -q NOAUTH <<<"$(redis-cli -p "${primary#*:}" get x 2>&1)"
t1=$("$hotline" --endpoint "$one" submit --channel app --type 咨询 --category SB.01 \
     --area 441702 --phone 13600000001 --content "社保卡怎么激活")
check test -n "$t1"
check sh -c "'$hotline' --endpoint '$two' show '$t1' | grep -q 社保卡怎么激活"
replied=no
for _ in $(seq 40); do
    "$hotline" --endpoint "$two" show "$t1" | grep -q "已答复" && { replied=yes; break; }
    sleep 0.5
done
check test "$replied" = yes
# The primary dies: the sentinels promote a replica, and both instances
# follow it; the number guard skips past whatever the old primary issued.
kill -KILL "$(cat "$rs/${primary#*:}/redis.pid")"
for ep in "$one" "$two"; do
    t=
    for _ in $(seq 30); do
        t=$("$hotline" --endpoint "$ep" --timeout 2 submit --channel web --type 建议 \
            --category JT.01 --area 441702 --phone 13600000002 --content "主库切换后的建议" \
            2>/dev/null) && break
        sleep 0.5
    done
    check test -n "$t"
    # Each bucket counts on its own and the two numbers may be in different
    # buckets; every bucket skipped past the old primary's numbers, so the
    # serial (the last 5 digits, after the bucket's) is above the first's.
    check test "${t: -5}" -gt "${t1: -5}"
done
check test "$(hl_sentinel_primary "$rs")" != "$primary"
check sh -c "'$hotline' --endpoint '$two' show '$t1' | grep -q 社保卡怎么激活"
check "$src/deploy/down" >/dev/null
check "$src/deploy/down" >/dev/null
check test ! -e "$HOTLINE_STATE/hotlined.pid"
check test ! -e "$HOTLINE_STATE/hotlined-2.pid"
check test -z "$(ls "$rs"/*/*.pid 2>/dev/null)"
exit $fail
