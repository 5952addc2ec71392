#!/usr/bin/env bash
# A local Redis Cluster — 3 masters and 3 replicas on loopback ports — for
# deploy/up --redis cluster, other scripts and the tests. Each node runs
# deploy/etc/redis.conf and then deploy/etc/redis-cluster.conf (AOF
# always, cluster on, loopback only), with its data, pidfile and log in
# DIR/<port>/. Only the processes named by those pidfiles are ever stopped.
# Given a SECRETS directory (deploy/up's), every node takes the users of
# deploy/redis-acl.sh (DIR/users.acl: hotlined's user and the password-
# protected default user, which replicas and redis-cli here use, the
# password read from SECRETS/redis-admin.password, never a command line).
#
# Source it for the functions, or run it:
#   deploy/redis-cluster.sh start DIR [NODE_TIMEOUT_MS [SECRETS]]
#                                                        start (create the first time), wait for ok
#   deploy/redis-cluster.sh stop DIR                     stop the nodes started under DIR
#   deploy/redis-cluster.sh addresses DIR                the nodes, "127.0.0.1:port" one a line
#   deploy/redis-cluster.sh create ADDR...               join 6 empty running nodes, wait for ok
#   deploy/redis-cluster.sh wait ADDR...                 wait until every node says cluster_state:ok
hl_cluster_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The users of SECRETS for the nodes under DIR: DIR/users.acl and
# DIR/auth.conf (how a replica logs in to its master), both 0600; and the
# administrator's password for this shell's redis-cli (REDISCLI_AUTH).
hl_cluster_users () {
    local dir=$1 secrets=$2
    # shellcheck source=deploy/redis-acl.sh
    . "$hl_cluster_root/deploy/redis-acl.sh"
    (
        umask 077
        write_acl "$dir/users.acl" "$secrets"
        printf 'masteruser default\nmasterauth %s\n' "$(tr -d '\n' <"$secrets/redis-admin.password")" \
            >"$dir/auth.conf"
    )
    REDISCLI_AUTH=$(tr -d '\n' <"$secrets/redis-admin.password")
    export REDISCLI_AUTH
}

# True if PIDFILE names a live redis-server.
hl_cluster_alive () {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis-server
}

# The nodes' client ports under DIR, one a line.
hl_cluster_ports () {
    cut -d' ' -f1 "$1/ports"
}

hl_cluster_addresses () {
    hl_cluster_ports "$1" | sed 's/^/127.0.0.1:/'
}

# Wait (up to 60 s) until every node at ADDR... reports cluster_state:ok,
# knows all the others, and every replica's link to its master is up: a
# replica not yet in sync could not take over from its master.
hl_cluster_wait () {
    local n=$# addr host port info
    for _ in $(seq 300); do
        local ready=yes
        for addr in "$@"; do
            host=${addr%:*} port=${addr##*:}
            info=$(redis-cli -h "$host" -p "$port" cluster info 2>/dev/null)
            if ! grep -q '^cluster_state:ok' <<<"$info" \
               || ! grep -q "^cluster_known_nodes:$n" <<<"$info"; then
                ready=no; break
            fi
            info=$(redis-cli -h "$host" -p "$port" info replication 2>/dev/null)
            if grep -q '^role:slave' <<<"$info" && ! grep -q '^master_link_status:up' <<<"$info"; then
                ready=no; break
            fi
        done
        [ $ready = yes ] && return 0
        sleep 0.2
    done
    echo "redis-cluster: the cluster at $* did not come up (cluster_state)" >&2
    return 1
}

# Make a cluster of the six empty nodes at ADDR...: three masters, one
# replica each.
hl_cluster_create () {
    redis-cli --cluster create "$@" --cluster-replicas 1 --cluster-yes >/dev/null \
        || { echo "redis-cluster: redis-cli --cluster create failed" >&2; return 1; }
    hl_cluster_wait "$@"
}

# Start the nodes under DIR (new ones on free loopback ports, a client
# port and a cluster-bus port each, remembered in DIR/ports); the first
# time, make them a cluster. Nodes already running are left alone.
hl_cluster_start () {
    local dir=$1 timeout=${2:-} secrets=${3:-} port bus first=no users=()
    mkdir -p "$dir"
    if [ -n "$secrets" ]; then
        hl_cluster_users "$dir" "$secrets"
        users=(--aclfile "$dir/users.acl" --include "$dir/auth.conf")
    fi
    if [ ! -s "$dir/ports" ]; then
        "$hl_cluster_root/tests/free-port" 12 | paste -d' ' - - >"$dir/ports.new" || return 1
        mv "$dir/ports.new" "$dir/ports"
        first=yes
    fi
    while read -r port bus; do
        local node="$dir/$port"
        mkdir -p "$node"
        hl_cluster_alive "$node/redis.pid" && continue
        redis-server "$hl_cluster_root/deploy/etc/redis.conf" \
            --include "$hl_cluster_root/deploy/etc/redis-cluster.conf" \
            ${timeout:+--cluster-node-timeout "$timeout"} "${users[@]}" \
            --port "$port" --cluster-port "$bus" --dir "$node" \
            --pidfile "$node/redis.pid" --logfile "$node/redis.log" --daemonize yes \
            || { echo "redis-cluster: redis-server on port $port did not start" >&2; return 1; }
    done <"$dir/ports"
    for port in $(hl_cluster_ports "$dir"); do
        for _ in $(seq 100); do
            redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break
            sleep 0.1
        done
    done
    # shellcheck disable=SC2046
    if [ $first = yes ] || ! [ -s "$dir/created" ]; then
        hl_cluster_create $(hl_cluster_addresses "$dir") || return 1
        date -u +%FT%TZ >"$dir/created"
    else
        hl_cluster_wait $(hl_cluster_addresses "$dir")
    fi
}

# Stop the redis-server of PIDFILE (SIGTERM: it writes its append-only
# file and exits; SIGKILL after 30 s) and remove the pidfile, also one a
# dead server left. 1 if none was running.
hl_cluster_stop_pidfile () {
    local pid
    hl_cluster_alive "$1" || { rm -f "$1"; return 1; }
    pid=$(cat "$1")
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$1"
}

# Stop the nodes started under DIR, by the PIDs in their pidfiles only.
hl_cluster_stop () {
    local dir=$1 port stopped=0
    [ -s "$dir/ports" ] || return 0
    for port in $(hl_cluster_ports "$dir"); do
        hl_cluster_stop_pidfile "$dir/$port/redis.pid" && stopped=$((stopped + 1))
    done
    [ $stopped -gt 0 ] && echo "redis cluster stopped ($stopped nodes)"
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    cmd=${1:-}
    case $cmd in
        start|stop|addresses|create|wait) shift; "hl_cluster_$cmd" "$@" ;;
        *) sed -n '2,18p' "$0" >&2; exit 2 ;;
    esac
fi
