#!/usr/bin/env bash
# Black-box tests of hotline-worker against a real redis-server and the
# real hotlined: a ticket taken at intake reaches the unit's worker and is
# signed and replied; a worker killed while holding a ticket loses it to
# another worker; a hotlined killed and restarted is reconnected to; a
# worker of one unit cannot see or sign another unit's ticket; an unknown
# unit is refused; with CURVE keys only a listed key gets in.
#
#   blackbox.sh CASE     (meson sets HL_SRC, HL_HOTLINED, HL_HOTLINE,
#                         HL_WORKER_BIN, HL_WORKER_EXAMPLES)
set -u
case=${1:?usage: blackbox.sh CASE}
command -v redis-server >/dev/null || { echo "redis-server not installed: skipped"; exit 77; }

dir=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-workers-XXXXXX")
free_port () { "$HL_SRC/tests/free-port"; }
redis_port= intake_port= workers_port= events_port=
intake= workers= events=
examples=$HL_WORKER_EXAMPLES
redis_pid= hotlined_pid=
worker_pids=()
hotlined_args=()
fail=0

check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }

cleanup () {
    for pid in "${worker_pids[@]}" $hotlined_pid $redis_pid; do
        kill -9 "$pid" 2>/dev/null
    done
    wait 2>/dev/null
    if [ "$fail" -ne 0 ]; then
        for f in "$dir"/*.log "$dir"/*.out; do
            [ -f "$f" ] && { echo "--- $f"; tail -30 "$f"; }
        done
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

hotline () { "$HL_HOTLINE" --endpoint "$intake" "$@"; }

# Servers start through the tests' harness (hl-start: free ports, ready
# when they say so); it prints the PID and the ports.
start_redis () {
    local started
    started=$("$HL_START" --log "$dir/redis.log" -- redis-server --port @PORT0@ \
        --bind 127.0.0.1 --dir "$dir" --save "" --appendonly yes --supervised systemd \
        --logfile "$dir/redis.log") || { echo "redis-server did not start"; fail=1; return 1; }
    read -r redis_pid redis_port <<<"$started"
}

# hotlined runs in the source tree, so that every catalogue and policy file
# it reads by default is the shipped one (deploy/etc/); every endpoint it
# binds is a free port of its own, the same ones again on a restart.
start_hotlined () {
    local started p0 p1 p2
    started=$(cd "$HL_SRC" && "$HL_START" --log "$dir/hotlined.log" -- "$HL_HOTLINED" \
        --endpoint "tcp://127.0.0.1:${intake_port:-@PORT0@}" \
        --worker_endpoint "tcp://127.0.0.1:${workers_port:-@PORT1@}" \
        --events_endpoint "tcp://127.0.0.1:${events_port:-@PORT2@}" \
        --redis "127.0.0.1:$redis_port" --heartbeat_ms 200 --log_level debug \
        "${hotlined_args[@]}") || { echo "hotlined did not start"; fail=1; return 1; }
    read -r hotlined_pid p0 p1 p2 <<<"$started"
    [ -z "$p0" ] || { intake_port=$p0 workers_port=$p1 events_port=$p2; }
    intake=tcp://127.0.0.1:$intake_port
    workers=tcp://127.0.0.1:$workers_port
    events=tcp://127.0.0.1:$events_port
}

# start_worker NAME UNIT ARGS...: a worker in the background, --json events
# in $dir/NAME.out.
start_worker () {
    local name=$1 unit=$2
    shift 2
    "$HL_WORKER_BIN" --endpoint "$workers" --unit "$unit" --name "$name" --json "$@" \
        >"$dir/$name.out" 2>"$dir/$name.log" &
    worker_pids+=($!)
    last_worker=$!
}

# wait_for FILE TEXT [SECONDS]: until FILE contains TEXT.
wait_for () {
    local file=$1 text=$2 limit=${3:-10}
    for _ in $(seq $((limit * 10))); do
        grep -qF -- "$text" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$text' in $file"
    return 1
}

# wait_state TICKET STATE [SECONDS]
wait_state () {
    local ticket=$1 state=$2 limit=${3:-10}
    for _ in $(seq $((limit * 10))); do
        hotline --json show "$ticket" 2>/dev/null | grep -qF "\"state\":\"$state\"" && return 0
        sleep 0.1
    done
    echo "$ticket did not reach $state"
    hotline show "$ticket"
    return 1
}

# submit AREA: a 城管 complaint in AREA (routed to the area's 城管 office).
submit () {
    hotline submit --channel phone --phone 13800138000 --type 投诉 --category CG.01 \
        --area "$1" --content "楼下烧烤店占道经营，凌晨两点还在营业"
}

# keys: hotlined's key pair, a key listed for jcq.cgj, a key nobody listed.
public_key () { awk '$1 == "public" { print $2 }' "$1"; }
if [ "$case" = keys ]; then
    for k in server cg stranger; do "$HL_WORKER_BIN" --keygen >"$dir/$k.key"; done
    echo "jcq.cgj $(public_key "$dir/cg.key")" >"$dir/worker-keys.conf"
    hotlined_args=(--worker_key_file "$dir/server.key" --worker_keys "$dir/worker-keys.conf")
fi

start_redis || exit 1
start_hotlined || exit 1

case $case in
roundtrip)
    start_worker bb-1 jcq.cgj --exec "SIGN_AND_REPLY_DELAY=0 $examples/sign-and-reply"
    check wait_for "$dir/bb-1.out" '"event":"connected"'
    ticket=$(submit 441702)
    check test -n "$ticket"
    check wait_state "$ticket" replied
    out=$(hotline show "$ticket")
    check grep -q "unit:jcq.cgj/bb-1  sign  dispatched -> signed" <<<"$out"
    check grep -q "经现场核查" <<<"$out"
    check wait_for "$dir/bb-1.out" "{\"event\":\"exec\",\"ticket\":\"$ticket\",\"status\":0,\"actions\":3,\"failed\":0"
    kill -TERM "$last_worker"
    wait "$last_worker"
    check test $? -eq 0
    ;;
redelivery)
    # bb-hold takes the ticket and never signs it; killed, it loses the
    # ticket to bb-sign, which signs it exactly once.
    start_worker bb-hold jcq.cgj --exec "sleep 60"
    check wait_for "$dir/bb-hold.out" '"event":"connected"'
    ticket=$(submit 441702)
    check wait_for "$dir/bb-hold.out" "\"event\":\"delivery\",\"ticket\":\"$ticket\""
    kill -9 "$last_worker"
    start_worker bb-sign jcq.cgj --exec "SIGN_AND_REPLY_DELAY=0 $examples/sign-and-reply"
    check wait_state "$ticket" replied
    check grep -qF "\"event\":\"delivery\",\"ticket\":\"$ticket\",\"role\":\"lead\",\"redelivery\":true" "$dir/bb-sign.out"
    check test "$(hotline show "$ticket" | grep -c ' sign ')" -eq 1
    ;;
restart)
    # hotlined killed and started again: the worker notices, reconnects and
    # goes on with the next ticket.
    start_worker bb-1 jcq.cgj --exec "SIGN_AND_REPLY_DELAY=0 $examples/sign-and-reply"
    check wait_for "$dir/bb-1.out" '"session":1'
    kill -9 "$hotlined_pid"
    timeout 10 tail --pid="$hotlined_pid" -f /dev/null     # gone, its ports free again
    sleep 1
    start_hotlined
    check wait_for "$dir/bb-1.out" '"session":2' 15
    ticket=$(submit 441702)
    check wait_state "$ticket" replied
    ;;
isolation)
    # A ticket of jcq.cgj, looked at and signed by a worker of ydq.cgj.
    ticket=$(submit 441702)
    out=$(printf 'show %s\nsign %s\nreply %s 已处理\nlist\n' "$ticket" "$ticket" "$ticket" |
          "$HL_WORKER_BIN" --endpoint "$workers" --unit ydq.cgj --interactive --json 2>/dev/null)
    check test "$(grep -c '"ok":false' <<<"$out")" -eq 3
    check grep -qF "\"ticket\":\"$ticket\",\"action\":\"show\",\"ok\":false,\"error\":{\"code\":\"not_found\"" <<<"$out"
    check grep -qF '{"event":"list","tickets":[]}' <<<"$out"
    check wait_state "$ticket" dispatched 1
    ;;
keys)
    # Workers on other machines: CURVE, and only a listed key gets in.
    start_worker bb-key jcq.cgj --key-file "$dir/cg.key" --server-key "$(public_key "$dir/server.key")" \
        --exec "SIGN_AND_REPLY_DELAY=0 $examples/sign-and-reply"
    check wait_for "$dir/bb-key.out" '"event":"connected"'
    ticket=$(submit 441702)
    check wait_state "$ticket" replied
    # A key nobody listed: refused at once, exit 2, and said why.
    "$HL_WORKER_BIN" --endpoint "$workers" --unit jcq.cgj --json --key-file "$dir/stranger.key" \
        --server-key "$dir/server.key" --exec true >"$dir/stranger.out" 2>/dev/null
    check test $? -eq 2
    check grep -qF '{"event":"error","code":"key_refused"' "$dir/stranger.out"
    # No key at all: never welcomed.
    "$HL_WORKER_BIN" --endpoint "$workers" --unit jcq.cgj --json --connect-timeout 2 --exec true \
        >"$dir/plain.out" 2>/dev/null
    check test $? -eq 3
    # The keys list without hotlined's own key pair would leave the endpoint
    # open: hotlined refuses to start.
    (cd "$HL_SRC" && exec "$HL_HOTLINED" --endpoint "tcp://127.0.0.1:$(free_port)" \
        --worker_endpoint "tcp://127.0.0.1:$(free_port)" --events_endpoint "" \
        --redis "127.0.0.1:$redis_port" --worker_keys "$dir/worker-keys.conf") \
        >"$dir/half.out" 2>&1
    check test $? -ne 0
    check grep -qF "worker_key_file and worker_keys go together" "$dir/half.out"
    ;;
unknown_unit)
    "$HL_WORKER_BIN" --endpoint "$workers" --unit no.such.unit --json --exec true \
        >"$dir/unknown.out" 2>/dev/null
    check test $? -eq 2
    check grep -qF '{"event":"error","code":"unknown_code"' "$dir/unknown.out"
    ;;
*)
    echo "unknown case $case"
    exit 2
    ;;
esac
exit $fail
