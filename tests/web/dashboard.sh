#!/usr/bin/env bash
# The supervisor dashboard in a real browser against the real stack: a
# private redis-server, the real hotlined serving the page, department
# workers and staff actions scripted with the real programs; then Debian's
# chromium, driven by playwright-core, checks what a supervisor sees
# (dashboard.js). Exit 77 (skipped) when hotlined does not serve the
# dashboard, or when the browser or playwright-core cannot be installed.
#
#   dashboard.sh HOTLINED HOTLINE HOTLINE_WORKER SOURCE_ROOT BUILD_DIR
set -u
hotlined=$1 hotline=$2 worker=$3 src=$4 build=$5
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build"
work=$(mktemp -d "$build/run-XXXXXX")
pids=()
cleanup () {
    [ -s "$work/hotlined.pid" ] && kill "$(cat "$work/hotlined.pid")" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${HL_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
skip () { echo "SKIP: $*"; exit 77; }
fail () { echo "FAILED: $*"; [ -f "$work/hotlined.log" ] && tail -20 "$work/hotlined.log"; exit 1; }

command -v redis-server >/dev/null || skip "redis-server is not installed"
token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077; printf '%s\n' "$token" >"$work/token")

# A drill SLA policy: tickets tagged drill-fast must be signed within a
# minute (催办 at 30 s, 督办 at 60 s), drill-slow within four (催办 at 60 s);
# everything else has the usual working-day limits.
cat >"$work/sla.conf" <<'EOF'
profile normal
    warn      75%
    sign      *   1wd
    contact   *   1wd
    reply     *   10wd
    visit     *   2wd
profile fast
    warn      50%
    sign      *   1min
    contact   *   1h
    reply     *   2h
    visit     *   24h
profile slow
    warn      25%
    sign      *   4min
    contact   *   1h
    reply     *   2h
    visit     *   24h
select fast    tag=drill-fast
select slow    tag=drill-slow
select normal
EOF

# Servers start through the tests' harness (hl-start: free ports, ready
# when they say so); it prints the PID and the ports.
started=$("$HL_START" --log "$work/redis.log" -- redis-server --port @PORT0@ --bind 127.0.0.1 \
    --dir "$work" --save "" --appendonly no --supervised systemd --logfile "$work/redis.log") \
    || fail "redis-server did not start"
read -r redis_pid redis_port <<<"$started"
pids+=("$redis_pid")

started=$("$HL_START" --log "$work/hotlined.log" -- "$hotlined" \
    --endpoint "tcp://127.0.0.1:@PORT0@" --worker-endpoint "tcp://127.0.0.1:@PORT1@" \
    --events-endpoint "tcp://127.0.0.1:@PORT2@" --http-endpoint "127.0.0.1:@PORT3@" \
    --redis "127.0.0.1:$redis_port" --codes "$src/deploy/etc/codes.conf" \
    --dispatch "$src/deploy/etc/dispatch.conf" --sla "$work/sla.conf" \
    --calendar-dir "$src/deploy/etc/calendar" \
    --http-token-file "$work/token" --tickets-db "$work/tickets.db" \
    --pidfile "$work/hotlined.pid" --log-file "$work/hotlined.log") \
    || fail "hotlined did not start"
read -r _ intake_port worker_port events_port http_port <<<"$started"
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$intake_port

# The daemon's command line, kept in a file: the browser script restarts
# it (on the same ports) to see the page reconnect by itself.
daemon_cmd=("$hotlined" --endpoint "$HOTLINE_ENDPOINT"
    --worker-endpoint "tcp://127.0.0.1:$worker_port"
    --events-endpoint "tcp://127.0.0.1:$events_port"
    --redis "127.0.0.1:$redis_port" --codes "$src/deploy/etc/codes.conf"
    --dispatch "$src/deploy/etc/dispatch.conf" --sla "$work/sla.conf"
    --calendar-dir "$src/deploy/etc/calendar"
    --http-endpoint "127.0.0.1:$http_port" --http-token-file "$work/token" --tickets-db "$work/tickets.db"
    --pidfile "$work/hotlined.pid" --log-file "$work/hotlined.log")
printf '%s\0' "${daemon_cmd[@]}" >"$work/hotlined.cmd"

http_status () {   # PATH [TOKEN]: the HTTP status, or 000 when nothing answers
    python3 - "http://127.0.0.1:$http_port$1" "${2:-}" <<'PY'
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1])
if sys.argv[2]:
    req.add_header("Authorization", "Bearer " + sys.argv[2])
try:
    print(urllib.request.urlopen(req, timeout=2).status)
except urllib.error.HTTPError as e:
    print(e.code)
except Exception:
    print("000")
PY
}
status=$(http_status /api/summary "$token")
[ "$status" = 200 ] || skip "hotlined does not serve the dashboard API (GET /api/summary: $status)"

# The browser and its driver. Installed once, kept in the build directory.
if [ ! -x /usr/bin/chromium ]; then
    echo "installing chromium"
    { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; } \
        >"$build/apt-chromium.log" 2>&1
    [ -x /usr/bin/chromium ] || skip "chromium could not be installed (see $build/apt-chromium.log)"
fi
# Chinese glyphs for the screenshot; the checks do not depend on them.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
    apt-get install -y fonts-wqy-microhei >"$build/apt-fonts.log" 2>&1 || true
fi
command -v node >/dev/null || skip "node is not installed"
if [ ! -f "$build/node_modules/playwright-core/package.json" ]; then
    echo "installing playwright-core"
    npm install --prefix "$build" --no-audit --no-fund --no-save playwright-core@1 \
        >"$build/npm.log" 2>&1 \
        || skip "playwright-core could not be installed (see $build/npm.log)"
fi

# Department workers of 人社局 (rsj) and 医保局 (ybj) sign and reply at once.
for unit in rsj ybj; do
    SIGN_AND_REPLY_DELAY=0 "$worker" --endpoint "tcp://127.0.0.1:$worker_port" --unit "$unit" \
        --credit 5 --name drill --lead-only --exec "$src/workers/examples/sign-and-reply" \
        </dev/null >>"$work/worker-$unit.log" 2>&1 &
    pids+=($!)
done
sleep 1

submit () { "$hotline" submit "$@" || fail "hotline submit $*"; }
rsj=() ybj=()
for i in 1 2 3 4; do
    rsj+=("$(submit --channel phone --type 咨询 --category SB.01 --area 441702 \
             --phone 1380000000$i --content "社保缴费记录查询 $i")")
done
for i in 1 2; do
    ybj+=("$(submit --channel web --type 求助 --category YB.02 --area 441704 \
             --phone 1390000000$i --content "异地就医报销进度 $i")")
done
# Nobody works for 江城区城管 (jcq.cgj) and 住建局 (zjj): these wait for signing.
fast=$(submit --channel app --type 投诉 --category CG.01 --area 441702 --phone 13700000001 \
       --content "人行道占道经营" --tag drill-fast)
slow=$(submit --channel sms --type 投诉 --category ZJ.01 --area 441702 --phone 13700000002 \
       --content "小区物业不作为" --tag drill-slow)

wait_state () {   # TICKET STATE
    for _ in $(seq 100); do
        "$hotline" --json show "$1" 2>/dev/null | grep -q "\"state\":\"$2\"" && return 0
        sleep 0.1
    done
    fail "$1 did not reach $2"
}
for t in "${rsj[@]}" "${ybj[@]}"; do wait_state "$t" replied; done
# 回访: satisfied and closed; basically satisfied; unsatisfied (重办, the
# worker answers again); the fourth awaits its visit. 医保局: one satisfied.
"$hotline" visit "${rsj[0]}" --satisfaction satisfied --resolved >/dev/null || fail visit
"$hotline" close "${rsj[0]}" >/dev/null || fail close
"$hotline" visit "${rsj[1]}" --satisfaction basically_satisfied --resolved >/dev/null || fail visit
"$hotline" visit "${rsj[2]}" --satisfaction unsatisfied --unresolved >/dev/null || fail visit
"$hotline" visit "${ybj[0]}" --satisfaction satisfied --resolved >/dev/null || fail visit
sleep 0.5
wait_state "${rsj[2]}" replied

# Until the drill deadlines fire: the fast one overdue, the slow one at risk.
ready=no
for _ in $(seq 150); do
    d=$(python3 - "http://127.0.0.1:$http_port" "$token" <<'PY'
import json, sys, urllib.request
def items(level):
    req = urllib.request.Request(sys.argv[1] + "/api/deadlines?level=" + level)
    req.add_header("Authorization", "Bearer " + sys.argv[2])
    return [i["ticket"] for i in json.load(urllib.request.urlopen(req, timeout=2))["items"]]
print(",".join(items("overdue")), ",".join(items("warned")))
PY
)
    case "$d" in *"$fast"*" "*"$slow"*) ready=yes; break ;; esac
    sleep 1
done
[ "$ready" = yes ] || fail "the drill deadlines did not fire (deadlines: $d)"

cat >"$work/expect.json" <<EOF
{
  "base": "http://127.0.0.1:$http_port",
  "token": "$token",
  "hotline": "$hotline",
  "endpoint": "$HOTLINE_ENDPOINT",
  "daemon_cmd": "$work/hotlined.cmd",
  "daemon_pid": "$work/hotlined.pid",
  "daemon_log": "$work/hotlined.log",
  "fast": "$fast",
  "slow": "$slow",
  "rsj": ["${rsj[0]}", "${rsj[1]}", "${rsj[2]}", "${rsj[3]}"],
  "screenshots": "$build"
}
EOF
node "$here/dashboard.js" "$work/expect.json" "$build/node_modules/playwright-core" \
    || fail "browser checks"
echo "ok: screenshots in $build/dashboard-1920x1080.png and $build/dashboard-1280x800.png"
