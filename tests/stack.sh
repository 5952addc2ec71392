# tests/stack.sh: what the shell tests of the whole stack share (sourced,
# with $work the test's scratch directory): servers stopped by their
# pidfiles in $work and by the PIDs in pids at exit, $work removed (kept
# with HL_TEST_KEEP), skip and fail with the logs, and a private Redis.
pids=()
stop_pidfile () {
    [ -s "$1" ] || return 0
    local pid
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null
    timeout 10 tail --pid="$pid" -f /dev/null || kill -KILL "$pid" 2>/dev/null
}
# Every server that wrote a pidfile in $work (gateway.pid sorts before
# hotlined.pid: the gateway stops first), then the others.
cleanup () {
    local f p
    for f in "$work"/*.pid; do stop_pidfile "$f"; done
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${HL_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
skip () { echo "SKIP: $*"; exit 77; }
fail () {
    echo "FAILED: $*"
    for f in "$work"/*.log; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done
    exit 1
}
# A private redis-server on a free loopback port (hl-start: ready when it
# says so), its data in $work: redis_port set.
start_redis () {
    local started
    started=$("$HL_START" --log "$work/redis.log" -- redis-server --port @PORT0@ \
        --bind 127.0.0.1 --dir "$work" --save "" --appendonly no --supervised systemd \
        --logfile "$work/redis.log") || fail "redis-server did not start"
    read -r redis_pid redis_port <<<"$started"
    pids+=("$redis_pid")
}
