#!/usr/bin/env bash
# The README's first command, as a new user runs it: deploy/up builds and
# starts the stack, hotline works against it, a second deploy/up is
# harmless, deploy/down stops everything (twice is harmless too), and the
# tickets survive a restart.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_STATE=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-deploy-XXXXXX")
read -r HOTLINE_PORT HOTLINE_WORKER_PORT HOTLINE_EVENTS_PORT HOTLINE_HTTP_PORT \
    HOTLINE_OPEN311_PORT <<<"$("$src/tests/free-port" 5 | tr '\n' ' ')"
export HOTLINE_PORT HOTLINE_WORKER_PORT HOTLINE_EVENTS_PORT HOTLINE_HTTP_PORT HOTLINE_OPEN311_PORT
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$HOTLINE_PORT
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }
trap '"$src/deploy/down" >/dev/null 2>&1; rm -rf "$HOTLINE_STATE"' EXIT

up_out=$("$src/deploy/up")
check test $? = 0
open311="http://127.0.0.1:$HOTLINE_OPEN311_PORT/open311/v2/"
check grep -qF "$open311" <<<"$up_out"
# The shell setup deploy/up writes: endpoint, the operator's agent key,
# hotlined's public key.
. "$HOTLINE_STATE/hotline.env"
check test -n "$HOTLINE_KEY_FILE"
hotline="$src/build/client/hotline"
# The Open311 gateway takes a request with the demo key deploy/up wrote.
check test "$(stat -c %a "$HOTLINE_STATE/open311-demo.key")" = 600
o311=$(curl -s -d "api_key=$(cat "$HOTLINE_STATE/open311-demo.key")" -d service_code=CG-LIGHT \
       --data-urlencode address_string=江城区东风路 -d phone=13600000002 "${open311}requests.json")
check grep -q '"service_request_id":"YJ' <<<"$o311"
ticket=$("$hotline" submit --channel web --type 建议 --category JT.01 --area 441702 \
         --phone 13600000000 --content "建议增加10路公交晚班车")
check test -n "$ticket"
check "$src/deploy/up"
out=$("$hotline" show "$ticket")
check grep -q "建议增加10路公交晚班车" <<<"$out"
# A sample worker of 人社 (rsj) signs and replies to a social-security ticket.
t2=$("$hotline" submit --channel app --type 咨询 --category SB.01 --area 441702 \
     --phone 13600000001 --content "社保卡怎么激活")
replied=no
for _ in $(seq 40); do
    "$hotline" show "$t2" | grep -q "已答复" && { replied=yes; break; }
    sleep 0.5
done
check test "$replied" = yes
# The caller's messages (docs/notify.md): t2's acceptance and the reply,
# one JSON line each, in the adaptor's file.
for _ in $(seq 40); do
    grep -q "\"ticket\":\"$t2\",\"event\":\"reply\"" "$HOTLINE_STATE/notify.log" 2>/dev/null && break
    sleep 0.5
done
check grep -q "\"ticket\":\"$t2\",\"event\":\"acceptance\"" "$HOTLINE_STATE/notify.log"
check grep -q "\"ticket\":\"$t2\",\"event\":\"reply\"" "$HOTLINE_STATE/notify.log"
check "$src/deploy/down"
check "$src/deploy/down"
check test ! -e "$HOTLINE_STATE/hotlined.pid"
check test ! -e "$HOTLINE_STATE/pg/data/postmaster.pid"
check test ! -e "$HOTLINE_STATE/open311.pid"
check test ! -e "$HOTLINE_STATE/notify.pid"
check "$src/deploy/up"
out=$("$hotline" --json show "$ticket")
check grep -q "\"ticket\":\"$ticket\"" <<<"$out"
# The restarted store replayed its whole file (no transaction refused) and
# the daily sequence went on: no number is issued twice.
check test "$(grep -c CRITICAL "$HOTLINE_STATE/log/redis.log")" = 0
# A request id that falls in t2's bucket (core/hl_bucket's FNV-1a rule), so
# the new ticket's serial must follow t2's.
rid=$(python3 - "${t2:10:2}" <<'PY'
import sys
want, n = int(sys.argv[1]), 0
def bucket(channel, rid):
    h = 2166136261
    for b in channel.encode() + b'\0' + rid.encode():
        h = ((h ^ b) * 16777619) & 0xffffffff
    return (h ^ (h >> 16)) % 64
while bucket('web', 'after-restart-%d' % n) != want:
    n += 1
print('after-restart-%d' % n)
PY
)
t3=$("$hotline" submit --channel web --type 建议 --category JT.01 --area 441702 \
    --phone 13800000003 --content "重启后的建议" --request-id "$rid")
check test "${t3:10:2}" = "${t2:10:2}"
check test "${t3:12}" -gt "${t2:12}"
# Nothing in the state directory is readable by others, and the store
# answers no one without a password.
# (The state directory itself lets the postgres group pass into the
# archive's directory, and no more.)
check test -z "$(find "$HOTLINE_STATE" -mindepth 1 -perm /077 ! -type l | head -1)"
[ "$(id -u)" -ne 0 ] || check test "$(stat -c %a:%G "$HOTLINE_STATE")" = 710:postgres
# The archive: hotlined applied the schema; only hotlined's role with its
# password gets in (peer for the superuser).
. "$src/deploy/pg.sh"
pgq () { pg_psql "$HOTLINE_STATE/pg" "${HOTLINE_PG_PORT:-5432}" hotline -tAc "$1"; }
migrations=$(ls "$src"/archive/migrations/[0-9]*.sql | wc -l)
check test "$(pgq 'SELECT max(version) FROM schema_version')" = "$migrations"
check sh -c "'$hotline' report --month 2026-11 --csv | head -1 | grep -q '^unit,tickets,'"
check sh -c "! PGPASSWORD=wrong psql -X -h '$HOTLINE_STATE/pg' -p ${HOTLINE_PG_PORT:-5432} -U hotline hotline -c 'SELECT 1' >/dev/null 2>&1"
check sh -c "redis-cli -s '$HOTLINE_STATE/redis.sock' ping | grep -q NOAUTH"
# Without a listed key the intake does not answer (CURVE refuses it in the
# handshake); a dispatcher's key may dispatch, the agent's may not.
check sh -c "! HOTLINE_KEY_FILE= HOTLINE_SERVER_KEY= '$hotline' --timeout 1 status >/dev/null 2>&1"
check sh -c "'$hotline' show '$ticket' | grep -q '136\*\*\*\*0000'"
check sh -c "'$hotline' show '$ticket' --caller 市民要求回电 | grep -q 13600000000"
check sh -c "'$hotline' show '$ticket' | grep -q reveal_caller"
check sh -c "! '$hotline' pause '$t3' --note 等待补充材料 >/dev/null 2>&1"
check sh -c "HOTLINE_KEY_FILE='$HOTLINE_STATE/keys/dispatcher-operator.key' '$hotline' pause '$t3' --note 等待补充材料 >/dev/null"
check "$src/deploy/down"
exit $fail
