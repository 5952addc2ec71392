#!/usr/bin/env bash
# Callers' messages against the real stack: a private redis-server, the
# real hotlined (notify_endpoint), hotline-open311 to file tickets and
# rate them, a real worker that replies; notify_check.py runs the real
# hotline-notify adaptor (and stops and restarts it) for one case a run.
#
#   notify.sh CASE HOTLINED HOTLINE GATEWAY SOURCE_ROOT BUILD_DIR HOTLINE_WORKER HOTLINE_NOTIFY
set -u
case_name=$1 hotlined=$2 hotline=$3 gateway=$4 src=$5 build=$6 worker=$7 notify=$8
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
work=$(mktemp -d "$build/notify-$case_name-XXXXXX")
# shellcheck source=tests/stack.sh
. "$here/../stack.sh"
command -v redis-server >/dev/null || skip "redis-server is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"

hotlined_args=(--redis "127.0.0.1:@REDIS@" --codes "$src/deploy/etc/codes.conf"
    --dispatch "$src/deploy/etc/dispatch.conf" --sla "$src/deploy/etc/sla.conf"
    --calendar-dir "$src/deploy/etc/calendar" --events-endpoint "")

# A template file with a mistake: hotlined refuses to start, naming it.
if [ "$case_name" = bad_template ]; then
    sed 's/{ticket}/{tikcet}/' "$src/deploy/etc/messages.conf" >"$work/messages.conf"
    set +e
    out=$(timeout 20 "$hotlined" "${hotlined_args[@]/@REDIS@/1}" \
        --endpoint "tcp://127.0.0.1:$("$src/tests/free-port")" \
        --notify-endpoint "tcp://127.0.0.1:$("$src/tests/free-port")" \
        --notify-templates "$work/messages.conf" 2>&1)
    rc=$?
    set -e
    [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "hotlined started (rc $rc): $out"
    grep -q "notify_templates: $work/messages.conf:[0-9]*: acceptance: {tikcet} is not a placeholder" \
        <<<"$out" || fail "no clear error: $out"
    echo "ok: $case_name"
    exit 0
fi

start_redis

(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/visit.key")
export HOTLINE_HTTP_TOKEN=notify-test-token
started=$("$HL_START" --log "$work/hotlined.log" -- "$hotlined" \
    "${hotlined_args[@]/@REDIS@/$redis_port}" \
    --endpoint "tcp://127.0.0.1:@PORT0@" \
    --visit-key-file "$work/visit.key" --visit-url "http://gateway.invalid/visit" \
    --worker-endpoint "tcp://127.0.0.1:@PORT1@" \
    --notify-endpoint "tcp://127.0.0.1:@PORT2@" \
    --notify-templates "$src/deploy/etc/messages.conf" \
    --http-endpoint "127.0.0.1:@PORT3@" \
    --pidfile "$work/hotlined.pid" --log-file "$work/hotlined.log") \
    || fail "hotlined did not start"
read -r _ intake_port worker_port notify_port http_port <<<"$started"

app_key=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; printf 'city-app %s app 6000 200\n' "$app_key" >"$work/keys")
started=$("$HL_START" --log "$work/gateway.log" -- "$gateway" --listen "127.0.0.1:@PORT0@" \
    --endpoint "tcp://127.0.0.1:$intake_port" \
    --services "$src/deploy/etc/open311.conf" --codes "$src/deploy/etc/codes.conf" \
    --dispatch "$src/deploy/etc/dispatch.conf" --keys "$work/keys" \
    --pidfile "$work/gateway.pid" --log-file "$work/gateway.log") \
    || fail "hotline-open311 did not start"
read -r _ gateway_port <<<"$started"

cat >"$work/env.json" <<EOF2
{
  "host": "127.0.0.1", "port": $gateway_port, "app_key": "$app_key",
  "hotline": "$hotline", "endpoint": "tcp://127.0.0.1:$intake_port", "worker": "$worker",
  "worker_endpoint": "tcp://127.0.0.1:$worker_port", "src": "$src", "work": "$work",
  "notify": "$notify", "notify_endpoint": "tcp://127.0.0.1:$notify_port",
  "http_port": $http_port, "token": "$HOTLINE_HTTP_TOKEN",
  "redis_port": $redis_port, "hl_start": "$HL_START"
}
EOF2
python3 "$here/notify_check.py" "$case_name" "$work/env.json" || fail "case $case_name"
echo "ok: $case_name"
