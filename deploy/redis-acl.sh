# deploy/redis-acl.sh: secrets and Redis users for a hotline installation,
# sourced by deploy/up and deploy/down (with $state and $sock set) and by
# the packaged hotline-setup (deploy/systemd).
#
# Nothing reaches the store without a password. The default user is the
# administrator's (for redis-cli: backups, inspection), with a password:
# it cannot simply be turned off, because Redis 7.0 replays the
# append-only file at start as the default user, and a default user
# without rights makes that replay refuse every transaction in the file
# (NOPERM at EXEC) -- a restart would silently lose the tickets.
# hotlined's user may run only what hotlined runs (reads, writes, its
# Function library; no KEYS, FLUSHALL, CONFIG, DEBUG, SHUTDOWN, nor
# deleting or replacing Functions wholesale) on hotline's keys (hl:*),
# plus INFO, from which it learns the primary's replication id (a
# promoted replica has a new one: daemon/hl_seqguard.c skips ticket numbers
# then, so none is issued twice), plus CLUSTER SLOTS, from which its Redis layer (common/hl_rcluster)
# learns where each slot lives (a standalone Redis answers that it is not
# a cluster: the layer then takes it as a cluster of one node), plus CLIENT
# UNBLOCK, with which it cuts short its own blocking read of the worker
# streams when a unit starts wanting tickets (daemon/hl_unitq.c).
# The ACL file holds password hashes only; the passwords are in
# $state/secrets, readable by their owner alone.

# A secret, generated once into FILE: 24 random bytes as hex.
secret () { [ -s "$1" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$1"; }

write_acl () {   # ACL_FILE SECRETS_DIR
    local hotline admin
    hotline=$(tr -d '\n' <"$2/redis-hotline.password" | sha256sum | cut -d' ' -f1)
    admin=$(tr -d '\n' <"$2/redis-admin.password" | sha256sum | cut -d' ' -f1)
    cat >"$1" <<ACL
user default on #$admin ~* &* +@all
user hotline on #$hotline ~hl:* resetchannels &hl:* -@all +@read +@write +@scripting +@connection +time -@dangerous +info -function|flush -function|delete -function|restore -function|kill +cluster|slots +client|unblock
ACL
}

# redis-cli as the admin user (the password through the environment, never
# on a command line); an installation from before the ACL answers without.
rcli () {
    if [ -s "$state/secrets/redis-admin.password" ] \
        && REDISCLI_AUTH=$(cat "$state/secrets/redis-admin.password") \
           redis-cli --no-auth-warning -s "$sock" ping 2>/dev/null | grep -q PONG; then
        REDISCLI_AUTH=$(cat "$state/secrets/redis-admin.password") \
            redis-cli --no-auth-warning -s "$sock" "$@"
    else
        redis-cli -s "$sock" "$@"
    fi
}

rping () { rcli ping 2>/dev/null | grep -q PONG; }
