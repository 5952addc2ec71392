#!/usr/bin/env bash
# The Open311 gateway against the real stack: a private redis-server, the
# real hotlined and the real hotline-open311 on free loopback ports; then
# open311_check.py drives it with Python's http.client (one case a run).
#
#   open311.sh CASE HOTLINED HOTLINE GATEWAY SOURCE_ROOT BUILD_DIR HOTLINE_WORKER
set -u
case_name=$1 hotlined=$2 hotline=$3 gateway=$4 src=$5 build=$6 worker=$7
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
work=$(mktemp -d "$build/open311-$case_name-XXXXXX")
# shellcheck source=tests/stack.sh
. "$here/../stack.sh"

command -v redis-server >/dev/null || skip "redis-server is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
playwright=""
if [ "$case_name" = browser ]; then
    # Debian's chromium driven by playwright-core, installed once into the
    # build directory (as for the dashboard's browser test).
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    command -v node >/dev/null || skip "node is not installed"
    if [ ! -f "$build/node_modules/playwright-core/package.json" ]; then
        npm install --prefix "$build" --no-audit --no-fund --no-save playwright-core@1 \
            >"$build/npm-open311.log" 2>&1 \
            || skip "playwright-core could not be installed (see $build/npm-open311.log)"
    fi
    playwright=$build/node_modules/playwright-core
fi
# Servers start through the tests' harness (hl-start: free ports, ready
# when they say so); it prints the PID and the ports. Nothing listens on
# dead_port.
dead_port=$("$src/tests/free-port")
start_redis

# The curve case: hotlined's intake speaks CURVE, as deploy/up runs it; the
# gateway files as the app channel's gateway, the test's own commands as
# a supervisor.
curve=()
gateway_curve=()
if [ "$case_name" = curve ]; then
    for k in server gateway staff; do "$hotline" keygen >"$work/$k.key"; done
    pub () { awk '$1 == "public" { print $2 }' "$work/$1.key"; }
    printf 'channel:app %s\nsupervisor:test %s\n' "$(pub gateway)" "$(pub staff)" \
        >"$work/intake-keys.conf"
    curve=(--intake-key-file "$work/server.key" --intake-keys "$work/intake-keys.conf")
    gateway_curve=(--key-file "$work/gateway.key" --server-key "$work/server.key")
    export HOTLINE_KEY_FILE="$work/staff.key" HOTLINE_SERVER_KEY="$work/server.key"
fi

# The key of the callers' online 回访 links (hotlined makes and checks
# them; the links name a page the test rewrites to the gateway's port).
(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/visit.key")

started=$("$HL_START" --log "$work/hotlined.log" -- "$hotlined" \
    --endpoint "tcp://127.0.0.1:@PORT0@" "${curve[@]}" \
    --visit-key-file "$work/visit.key" --visit-url "http://gateway.invalid/visit" \
    --worker-endpoint "tcp://127.0.0.1:@PORT1@" \
    --events-endpoint "tcp://127.0.0.1:@PORT2@" \
    --redis "127.0.0.1:$redis_port" --codes "$src/deploy/etc/codes.conf" \
    --dispatch "$src/deploy/etc/dispatch.conf" --sla "$src/deploy/etc/sla.conf" \
    --calendar-dir "$src/deploy/etc/calendar" \
    --pidfile "$work/hotlined.pid" --log-file "$work/hotlined.log") \
    || fail "hotlined did not start"
read -r _ intake_port worker_port _ <<<"$started"
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$intake_port

# Two keys: an app with room to work, and a web portal with a tight limit
# (3 at once, then 2 a minute) for the rate-limit case.
app_key=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
web_key=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; printf 'city-app %s app 6000 200\nportal %s web 2 3\n' "$app_key" "$web_key" \
    >"$work/keys")

started=$("$HL_START" --log "$work/gateway.log" -- "$gateway" --listen "127.0.0.1:@PORT0@" \
    --endpoint "$HOTLINE_ENDPOINT" "${gateway_curve[@]}" \
    --services "$src/deploy/etc/open311.conf" --codes "$src/deploy/etc/codes.conf" \
    --dispatch "$src/deploy/etc/dispatch.conf" --keys "$work/keys" \
    --pidfile "$work/gateway.pid" --log-file "$work/gateway.log") \
    || fail "hotline-open311 did not start"
read -r _ http_port <<<"$started"

cat >"$work/env.json" <<EOF2
{
  "base": "http://127.0.0.1:$http_port/open311/v2/",
  "host": "127.0.0.1", "port": $http_port,
  "app_key": "$app_key", "web_key": "$web_key",
  "hotline": "$hotline", "endpoint": "$HOTLINE_ENDPOINT", "worker": "$worker",
  "worker_endpoint": "tcp://127.0.0.1:$worker_port",
  "gateway": "$gateway", "src": "$src", "work": "$work",
  "dead_endpoint": "tcp://127.0.0.1:$dead_port",
  "gateway_log": "$work/gateway.log", "gateway_pid": "$work/gateway.pid",
  "hl_start": "$HL_START",
  "playwright": "$playwright", "screenshots": "$build"
}
EOF2
python3 "$here/open311_check.py" "$case_name" "$work/env.json" || fail "case $case_name"
echo "ok: $case_name"
