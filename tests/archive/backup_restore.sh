#!/usr/bin/env bash
# Backup and restore as docs/backup.md runs them, on deploy/up's layout:
# tickets are made (two archived and gone from Redis, two open in Redis),
# deploy/backup copies Redis's AOF, dumps the archive and the key files; a
# ticket made after the backup; deploy/down; Redis's and PostgreSQL's data
# directories wiped; deploy/restore; deploy/up: every ticket of the backup
# is found with its history (by number and in its caller's list), the one
# made after it is not, and new tickets are taken.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
export HOTLINE_STATE=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-backup-XXXXXX")
read -r HOTLINE_PORT HOTLINE_WORKER_PORT HOTLINE_EVENTS_PORT HOTLINE_HTTP_PORT \
    HOTLINE_OPEN311_PORT <<<"$("$src/tests/free-port" 5 | tr '\n' ' ')"
export HOTLINE_PORT HOTLINE_WORKER_PORT HOTLINE_EVENTS_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$HOTLINE_PORT
export HOTLINE_SAMPLE_WORKERS=0         # tickets stay as made
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }
trap '"$src/deploy/down" >/dev/null 2>&1; rm -rf "$HOTLINE_STATE"' EXIT
state=$HOTLINE_STATE
sock=$state/redis.sock
. "$src/deploy/redis-acl.sh"
. "$src/deploy/pg.sh"
pgq () { pg_psql "$state/pg" "${HOTLINE_PG_PORT:-5432}" hotline -tAc "$1"; }
hotline="$src/build/client/hotline"
phone=13600000009

"$src/deploy/up" >/dev/null || { echo "FAILED: deploy/up"; exit 1; }
. "$state/hotline.env"

submit () {   # CONTENT [hotline submit options]
    local content=$1
    shift
    "$hotline" submit --channel web --type 建议 --category JT.01 --area 441702 \
        --phone "$phone" --content "$content" "$@"
}
# A ticket as hotline shows it, without what depends on the moment it is
# read (time left on its deadlines): number, state, unit, content, history.
shown () {
    "$hotline" --json show "$1" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(t["ticket"], t.get("state"), t.get("unit"), t.get("content"),
      json.dumps(t.get("history"), ensure_ascii=False, sort_keys=True))'
}
# Waits until the archive holds N tickets, each with its whole history.
wait_archived () {
    for _ in $(seq 150); do
        [ "$(pgq 'SELECT count(*) FROM tickets t WHERE t.version =
                  (SELECT count(*) FROM history h WHERE h.number = t.number)')" = "$1" ] && return 0
        sleep 0.2
    done
    return 1
}
# TICKET leaves Redis as retention makes it leave: its hash and its place
# in every list.
forget () {
    local key
    key=$(rcli --scan --pattern "hl:{*}:t:$1")
    check test -n "$key"
    rcli del "$key" >/dev/null
    rcli --scan --pattern 'hl:{ix}:*' | while read -r index; do
        rcli zrem "$index" "$1" >/dev/null
    done
}

tickets=()
for text in 一号：公交晚班车 二号：红绿灯太短 三号：站台缺遮雨棚 四号：路面坑洼; do
    t=$(submit "$text")
    check test -n "$t"
    tickets+=("$t")
done
check wait_archived 4
forget "${tickets[0]}"
forget "${tickets[1]}"
declare -A before
for t in "${tickets[@]}"; do
    before[$t]=$(shown "$t")
    check grep -q "$t" <<<"${before[$t]}"
done
list_before=$("$hotline" list --caller "$phone")
check test "$(grep -c '^YJ' <<<"$list_before")" = 4

backup="$state/backups/test"
check "$src/deploy/backup" "$backup"
check test -s "$backup/archive.dump"
check test -s "$backup/keys/secrets/pii.key"
check test -s "$backup/redis/appendonlydir/appendonly.aof.manifest"
check test -z "$(find "$backup" -perm /077 ! -type l | head -1)"
check sh -c "! '$src/deploy/backup' '$backup' 2>/dev/null"      # never over a backup
later=$(submit "五号：备份之后的建议" --request-id after-the-backup)
check test -n "$later"

check "$src/deploy/down"
# A restore refuses while hotline runs; here it is stopped: the data
# directories are wiped, as a lost disk would leave them.
rm -rf "$state/redis/appendonlydir" "$state/pg/data"
check "$src/deploy/restore" "$backup"
check test ! -e "$state/pg/data/postmaster.pid"
"$src/deploy/up" >/dev/null || { echo "FAILED: deploy/up after the restore"; exit 1; }

for t in "${tickets[@]}"; do
    check test "$(shown "$t")" = "${before[$t]}"
done
check test "$("$hotline" list --caller "$phone")" = "$list_before"
check sh -c "! '$hotline' show '$later' >/dev/null 2>&1"
# The same request again: the restored store has no record of it, so it is
# a new ticket, in the same bucket; its number is not the one given out
# after the backup (the sequence guard skips ahead on a Redis it has not
# seen: daemon/hl_seqguard).
again=$(submit "五号：备份之后的建议" --request-id after-the-backup)
check test -n "$again"
check test "${again:10:2}" = "${later:10:2}"
check test "${again:12}" -gt "${later:12}"
check test "$(pgq 'SELECT count(*) FROM tickets')" -ge 4
check "$src/deploy/down"
exit $fail
