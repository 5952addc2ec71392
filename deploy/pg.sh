# deploy/pg.sh: a private PostgreSQL 15 for the archive, sourced by deploy/up,
# deploy/down, the tests (tests/hl_testpg.c runs pg_init through it) and the
# benchmarks. No system service: initdb and pg_ctl under one directory DIR,
#
#   DIR/            owned by postgres, 0700; the unix socket .s.PGSQL.PORT
#   DIR/data/       the cluster (PGDATA)
#   DIR/postgres.log
#
# PostgreSQL refuses to run as root, so as root every server program runs
# as the package's unprivileged `postgres` user (runuser); as anyone else it
# runs as that user. It listens on the unix socket only (no TCP).
#
# Authentication (pg_hba.conf): the superuser `postgres` by peer only (the
# operating-system user postgres, e.g. `pg_psql DIR` below); everyone else
# by password (scram-sha-256): the role `hotline`, which owns the database
# `hotline` and nothing more, with the password in PWFILE (mode 0600,
# readable by root alone). The socket directory admits only postgres and
# root already; the password also makes the private server and an existing
# one (archive_dsn plus a password file) the same path for hotlined.

pg_bin=/usr/lib/postgresql/15/bin

# Run a command as the owner of the cluster.
pg_as_owner () {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# POSIX sh (the C test harness runs it through system()).

# The connection string hotlined and the tools use (no password in it).
pg_dsn () {   # DIR PORT
    echo "host=$1 port=$2 dbname=hotline user=hotline"
}

# Create the cluster, its settings, the role and the database, once. The
# cluster is made in DIR/data.new and renamed when complete, so a failed
# attempt leaves nothing half-made behind (the next one starts over).
# EXTRA lines go into postgresql.conf (the tests turn fsync off).
pg_init () {   # DIR PORT PWFILE [EXTRA_SETTING...]
    local dir=$1 port=$2 pwfile=$3 new=$1/data.new
    shift 3
    [ -f "$dir/data/PG_VERSION" ] && return 0
    mkdir -p "$dir"
    chmod 700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    rm -rf "$new"
    if ! pg_as_owner "$pg_bin/initdb" -D "$new" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1; then
        cat "$dir/initdb.log" >&2
        rm -rf "$new"
        return 1
    fi
    {
        echo "# hotline (deploy/pg.sh): unix socket only, in $dir"
        echo "listen_addresses = ''"
        echo "port = $port"
        echo "unix_socket_directories = '$dir'"
        echo "unix_socket_permissions = 0700"
        echo "password_encryption = 'scram-sha-256'"
        for setting in "$@"; do echo "$setting"; done
    } | pg_as_owner tee -a "$new/postgresql.conf" >/dev/null
    printf '%s\n' "local all postgres peer" "local all all scram-sha-256" \
        | pg_as_owner tee "$new/pg_hba.conf" >/dev/null
    # Single-user mode needs no running server; the password goes through
    # stdin (printf is a builtin: it never shows in ps).
    local pw
    pw=$(tr -d '\n' <"$pwfile" | sed "s/'/''/g")
    if ! printf "CREATE ROLE hotline LOGIN PASSWORD '%s';\nCREATE DATABASE hotline OWNER hotline;\n" \
            "$pw" | pg_as_owner "$pg_bin/postgres" --single -D "$new" postgres >"$dir/single.log" 2>&1 \
        || grep -q ERROR "$dir/single.log"; then
        cat "$dir/single.log" >&2
        rm -rf "$new"
        return 1
    fi
    mv "$new" "$dir/data"
    rm -f "$dir/initdb.log" "$dir/single.log"
}

pg_running () {   # DIR
    [ -f "$1/data/PG_VERSION" ] && pg_as_owner "$pg_bin/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# Start in the background and wait until it accepts connections. Idempotent.
pg_start () {   # DIR
    pg_running "$1" && return 0
    pg_as_owner "$pg_bin/pg_ctl" -D "$1/data" -l "$1/postgres.log" -w -t 60 start >/dev/null \
        || { tail -20 "$1/postgres.log" >&2; return 1; }
}

# Fast shutdown (clients are disconnected, every commit is on disk).
# Only the postmaster of DIR's own cluster is signalled. Idempotent.
pg_stop () {   # DIR
    pg_running "$1" || return 0
    pg_as_owner "$pg_bin/pg_ctl" -D "$1/data" -m fast -w -t 60 stop >/dev/null
}

# psql as the superuser (peer), for administration.
pg_psql () {   # DIR PORT [psql args...]
    local dir=$1 port=$2
    shift 2
    pg_as_owner "$pg_bin/psql" -X -h "$dir" -p "$port" -U postgres "$@"
}
