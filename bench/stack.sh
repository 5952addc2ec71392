# bench/stack.sh: the private stack every bench/run-* script measures,
# sourced by them (from the repository's root): a redis-server with the
# deploy settings (AOF on, appendfsync always, as deploy/up runs it) and
# hotlined, every endpoint on a free loopback port, so a benchmark never
# meets a running deployment or a leftover of an earlier run. Torn down
# when the script exits.
#
#   stack_build TARGET    build (installing what is missing if bench/TARGET
#                         was never built), or bring the build up to date
#   stack_begin           scratch directory $dir, free ports $rport (Redis),
#                         $iport (intake), $wport (workers), $eport (events),
#                         $hport (dashboard); the exit trap
#   stack_redis           start Redis, $rpid, ready once it has loaded its data
#                         (STACK_REDIS_ARGS: more redis-server options, e.g.
#                         "--appendfsync always")
#   stack_hotlined [ARG]  start hotlined (extra options ARG...), $dpid, ready
#                         once its store is up; stop the run with its log if not
#   stack_hotlined_start [ARG]  start it without waiting (to time its start)
#   stack_stop_hotlined   stop it (SIGTERM, waits for the drain)
#   stack_wait_gone PID   wait until PID has exited (a server started through
#                         hl-start is no child of the script: wait(1) can't)
#   stack_exit_hook       set to a command to run first at exit
#   stack_outbox_backlog  entries some outbox consumer group has not applied
#                         yet, over every bucket (hl_outbox_figures)
#
# HOTLINED=FILE runs another hotlined binary (e.g. an older build, to
# compare on the same stack minutes apart).
#
# Servers start the tests' one way (tests/harness, hl-start): each says
# READY=1 when it serves, so nothing here waits on time or probes a port.

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
    [ -n "${rpid:-}" ] && stack_wait_gone "$rpid"
    rm -rf "$dir"
}

stack_begin () {
    dir=$(mktemp -d /tmp/hl-bench-XXXXXX)
    read -r rport iport wport eport hport <<<"$(tests/free-port 5 | tr '\n' ' ')"
    trap stack_cleanup EXIT
}

# Runs "$@" through hl-start with its output in LOG: the server's pid, or
# the run stops with LOG's tail.
stack_start () {
    local log=$1 what=$2 pid
    shift 2
    if ! pid=$("$build/tests/harness/hl-start" --log "$log" -- "$@"); then
        echo "bench: $what did not start" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
    echo "$pid"
}

stack_redis () {
    # shellcheck disable=SC2086  # STACK_REDIS_ARGS are words on purpose
    rpid=$(stack_start "$dir/redis.log" redis-server redis-server deploy/etc/redis.conf \
        --port "$rport" --bind 127.0.0.1 --unixsocket "" --dir "$dir" --logfile "$dir/redis.log" \
        --daemonize no --supervised systemd ${STACK_REDIS_ARGS:-})
}

stack_hotlined_args () {
    hotlined_args=("${HOTLINED:-$build/daemon/hotlined}" --config deploy/etc/hotlined.conf
        --redis "127.0.0.1:$rport" --endpoint "tcp://127.0.0.1:$iport"
        --worker-endpoint "tcp://127.0.0.1:$wport" --events-endpoint "tcp://127.0.0.1:$eport"
        --codes deploy/etc/codes.conf --dispatch deploy/etc/dispatch.conf
        --sla deploy/etc/sla.conf --calendar-dir deploy/etc/calendar --log-level warning
        --log-file "$dir/hotlined.log" "$@")
}

stack_hotlined_start () {
    stack_hotlined_args "$@"
    "${hotlined_args[@]}" &
    dpid=$!
}

stack_hotlined () {
    stack_hotlined_args "$@"
    dpid=$(stack_start "$dir/hotlined.out" hotlined "${hotlined_args[@]}")
}

# A child is reaped by wait; a server hl-start left behind is no child
# (wait returns at once) and counts as gone once it is a zombie too.
stack_wait_gone () {
    wait "$1" 2>/dev/null || true
    while kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; do
        sleep 0.05
    done
}

stack_stop_hotlined () {
    [ -n "${dpid:-}" ] || return 0
    kill "$dpid" 2>/dev/null && stack_wait_gone "$dpid"
    dpid=
}

redis_version () {
    redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/'
}

stack_outbox_backlog () {
    local n=0 b key
    for b in $(seq -f '%02g' 0 63); do
        key="hl:{$b}:out"
        n=$((n + $(redis-cli -p "$rport" FCALL_RO hl_outbox_figures 1 "$key" \
                   | awk 'NR % 3 != 1 { s += $1 } END { print s + 0 }')))
    done
    echo "$n"
}
