#!/usr/bin/env bash
# A local Redis with Sentinel — 1 primary, 2 replicas, 3 sentinels on
# loopback ports — for deploy/up --redis sentinel, other scripts and the
# tests. Each data node runs deploy/etc/redis.conf (AOF always) on a TCP
# loopback port, with its data, pidfile and log in DIR/<port>/; each
# sentinel runs the configuration hl_sentinel_conf writes (the sentinels
# rewrite it as they learn), in DIR/<port>/ as well. The primary is
# monitored under the name "hotline". Only the processes named by the
# pidfiles under DIR are ever stopped.
# Given a SECRETS directory (deploy/up's), the data nodes take the users
# of deploy/redis-acl.sh (DIR/users.acl); replicas log in to their primary
# and the sentinels to every data node as the password-protected default
# user (DIR/auth.conf and "sentinel auth-user/auth-pass", 0600 files, the
# password read from SECRETS/redis-admin.password, never a command line).
#
# Source it for the functions, or run it:
#   deploy/redis-sentinel.sh start DIR [DOWN_AFTER_MS [SECRETS]]
#                                  start (ports chosen the first time), wait until ready
#   deploy/redis-sentinel.sh stop DIR          stop what was started under DIR
#   deploy/redis-sentinel.sh sentinels DIR     the sentinels, "127.0.0.1:port,..."
#   deploy/redis-sentinel.sh primary DIR       the primary now, as the sentinels say
#   deploy/redis-sentinel.sh conf FILE PORT PRIMARY_PORT DOWN_AFTER_MS [SECRETS]
#                                  write one sentinel's configuration
hl_sentinel_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hl_sentinel_name=hotline

# One sentinel's configuration in FILE: it watches the primary on
# 127.0.0.1:PRIMARY_PORT (2 sentinels must agree it is down), declares it
# down after DOWN_AFTER_MS without an answer, and logs in to the data
# nodes as the default user when SECRETS is given.
hl_sentinel_conf () {
    local file=$1 port=$2 primary=$3 down=$4 secrets=${5:-}
    (
        umask 077
        cat >"$file" <<CONF
port $port
bind 127.0.0.1
protected-mode yes
dir $(dirname "$file")
sentinel resolve-hostnames no
sentinel monitor $hl_sentinel_name 127.0.0.1 $primary 2
sentinel down-after-milliseconds $hl_sentinel_name $down
sentinel failover-timeout $hl_sentinel_name $((down * 4 > 3000 ? down * 4 : 3000))
sentinel parallel-syncs $hl_sentinel_name 2
CONF
        if [ -n "$secrets" ]; then
            printf 'sentinel auth-user %s default\nsentinel auth-pass %s %s\n' \
                "$hl_sentinel_name" "$hl_sentinel_name" \
                "$(tr -d '\n' <"$secrets/redis-admin.password")" >>"$file"
        fi
    )
}

# The data nodes' users (DIR/users.acl, DIR/auth.conf) and the test of a
# live server are the local cluster's: hl_cluster_users, hl_cluster_alive.
# shellcheck source=deploy/redis-cluster.sh
. "$hl_sentinel_root/deploy/redis-cluster.sh"

# DIR/ports: "primary replica replica sentinel sentinel sentinel".
hl_sentinel_ports () { tr ' ' '\n' <"$1/ports"; }
hl_sentinel_data_ports () { hl_sentinel_ports "$1" | head -3; }
hl_sentinel_sentinel_ports () { hl_sentinel_ports "$1" | tail -3; }

hl_sentinel_sentinels () {
    hl_sentinel_sentinel_ports "$1" | sed 's/^/127.0.0.1:/' | paste -sd,
}

# The primary's "ip:port" as the first answering sentinel says.
hl_sentinel_primary () {
    local port
    for port in $(hl_sentinel_sentinel_ports "$1"); do
        redis-cli -p "$port" sentinel get-master-addr-by-name "$hl_sentinel_name" 2>/dev/null \
            | paste -sd: | grep -E '^[0-9.]+:[0-9]+$' && return 0
    done
    return 1
}

# Start what is not running under DIR; wait (up to 60 s) until every
# sentinel knows the primary, both replicas and the two other sentinels.
hl_sentinel_start () {
    local dir=$1 down=${2:-5000} secrets=${3:-} port primary users=() i=0
    mkdir -p "$dir"
    if [ -n "$secrets" ]; then
        hl_cluster_users "$dir" "$secrets"
        users=(--aclfile "$dir/users.acl" --include "$dir/auth.conf")
    fi
    if [ ! -s "$dir/ports" ]; then
        "$hl_sentinel_root/tests/free-port" 6 | paste -sd' ' >"$dir/ports.new" || return 1
        mv "$dir/ports.new" "$dir/ports"
    fi
    primary=$(hl_sentinel_data_ports "$dir" | head -1)
    for port in $(hl_sentinel_data_ports "$dir"); do
        local node="$dir/$port"
        mkdir -p "$node"
        # A node's role is written once into its own configuration file;
        # from then on it is the sentinels' business (they rewrite it).
        if [ ! -f "$node/node.conf" ]; then
            if [ $i -gt 0 ]; then echo "replicaof 127.0.0.1 $primary"; fi >"$node/node.conf"
        fi
        i=$((i + 1))
        hl_cluster_alive "$node/redis.pid" && continue
        redis-server "$node/node.conf" --include "$hl_sentinel_root/deploy/etc/redis.conf" \
            "${users[@]}" --port "$port" --bind 127.0.0.1 --dir "$node" \
            --pidfile "$node/redis.pid" --logfile "$node/redis.log" --daemonize yes \
            || { echo "redis-sentinel: redis-server on port $port did not start" >&2; return 1; }
    done
    for port in $(hl_sentinel_sentinel_ports "$dir"); do
        local node="$dir/$port"
        mkdir -p "$node"
        hl_cluster_alive "$node/sentinel.pid" && continue
        [ -f "$node/sentinel.conf" ] || hl_sentinel_conf "$node/sentinel.conf" "$port" "$primary" "$down" "$secrets"
        redis-server "$node/sentinel.conf" --sentinel --pidfile "$node/sentinel.pid" \
            --logfile "$node/sentinel.log" --daemonize yes \
            || { echo "redis-sentinel: the sentinel on port $port did not start" >&2; return 1; }
    done
    hl_sentinel_wait "$dir"
}

hl_sentinel_wait () {
    local dir=$1 port info
    for _ in $(seq 300); do
        local ready=yes
        for port in $(hl_sentinel_sentinel_ports "$dir"); do
            info=$(redis-cli -p "$port" sentinel master "$hl_sentinel_name" 2>/dev/null | paste -sd' ')
            if ! grep -q 'num-slaves 2 ' <<<"$info" || ! grep -q 'num-other-sentinels 2 ' <<<"$info"; then
                ready=no; break
            fi
        done
        [ $ready = yes ] && return 0
        sleep 0.2
    done
    echo "redis-sentinel: the sentinels under $dir do not all see 2 replicas and each other" >&2
    return 1
}

# Stop what was started under DIR, sentinels first (so they do not fail
# over while the data nodes stop): SIGTERM, by the PIDs in the pidfiles.
hl_sentinel_stop () {
    local dir=$1 port stopped=0
    [ -s "$dir/ports" ] || return 0
    for port in $(hl_sentinel_sentinel_ports "$dir") $(hl_sentinel_data_ports "$dir"); do
        hl_cluster_stop_pidfile "$dir/$port/sentinel.pid" && stopped=$((stopped + 1))
        hl_cluster_stop_pidfile "$dir/$port/redis.pid" && stopped=$((stopped + 1))
    done
    [ $stopped -gt 0 ] && echo "redis with sentinel stopped ($stopped processes)"
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    cmd=${1:-}
    case $cmd in
        start|stop|sentinels|primary|conf) shift; "hl_sentinel_$cmd" "$@" ;;
        *) sed -n '2,22p' "$0" >&2; exit 2 ;;
    esac
fi
