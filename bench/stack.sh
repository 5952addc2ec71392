# bench/stack.sh: the private stack every bench/run-* script measures,
# sourced by them (from the repository's root): a redis-server with the
# deploy settings (AOF on, appendfsync everysec, as deploy/up runs it) and
# hotlined, every endpoint on a free loopback port, so a benchmark never
# meets a running deployment or a leftover of an earlier run. Torn down
# when the script exits.
#
#   stack_build TARGET    build (installing what is missing if bench/TARGET
#                         was never built), or bring the build up to date
#   stack_begin           scratch directory $dir, free ports $rport (Redis),
#                         $iport (intake), $wport (workers), $eport (events),
#                         $hport (dashboard); the exit trap
#   stack_redis           start Redis and wait for it (STACK_REDIS_ARGS: more
#                         redis-server options, e.g. "--appendfsync always")
#   stack_hotlined [ARG]  start hotlined (extra options ARG...) and wait until
#                         it answers; stop the run with its log if it does not
#   stack_hotlined_start [ARG]  start it without waiting (to time its start)
#   stack_stop_hotlined   stop it (SIGTERM, waits for the drain)
#   stack_exit_hook       set to a command to run first at exit

build=${BUILD:-build}

# Builds (or brings up to date: a stale binary would measure old code).
stack_build () {
    [ -x "$build/bench/$1" ] || deploy/install-deps
    [ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
    ninja -C "$build" >/dev/null
}

stack_cleanup () {
    [ -n "${stack_exit_hook:-}" ] && eval "$stack_exit_hook"
    stack_stop_hotlined
    redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true
    rm -rf "$dir"
}

stack_begin () {
    dir=$(mktemp -d /tmp/hl-bench-XXXXXX)
    read -r rport iport wport eport hport <<<"$(tests/free-port 5 | tr '\n' ' ')"
    trap stack_cleanup EXIT
}

stack_redis () {
    redis-server deploy/etc/redis.conf --port "$rport" --bind 127.0.0.1 --unixsocket "" \
        --dir "$dir" --logfile "$dir/redis.log" --daemonize yes ${STACK_REDIS_ARGS:-}
    for _ in $(seq 50); do
        redis-cli -p "$rport" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "bench: redis-server did not start" >&2
    tail -n 20 "$dir/redis.log" >&2
    exit 1
}

stack_hotlined_start () {
    "$build/daemon/hotlined" --config deploy/etc/hotlined.conf --redis "127.0.0.1:$rport" \
        --endpoint "tcp://127.0.0.1:$iport" --worker-endpoint "tcp://127.0.0.1:$wport" \
        --events-endpoint "tcp://127.0.0.1:$eport" --codes deploy/etc/codes.conf \
        --dispatch deploy/etc/dispatch.conf --sla deploy/etc/sla.conf \
        --calendar-dir deploy/etc/calendar --log-level warning --log-file "$dir/hotlined.log" \
        "$@" &
    dpid=$!
}

stack_hotlined () {
    stack_hotlined_start "$@"
    for _ in $(seq 50); do
        "$build/client/hotline" --endpoint "tcp://127.0.0.1:$iport" --timeout 0.5 status \
            >/dev/null 2>&1 && return 0
        kill -0 "$dpid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench: hotlined did not start" >&2
    tail -n 20 "$dir/hotlined.log" >&2
    exit 1
}

stack_stop_hotlined () {
    [ -n "${dpid:-}" ] || return 0
    kill "$dpid" 2>/dev/null && wait "$dpid" 2>/dev/null
    dpid=
}

redis_version () {
    redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'
}
