#!/usr/bin/env bash
# `hotline top` (hl_top_run) in a real terminal: tmux at 80x24 against the
# real stack. Checks the figures, the Chinese columns, the s and q keys, a
# ticket appearing at the next refresh, a resize, hotlined stopping and
# coming back, and the single-frame mode. Exit 77 when tmux is missing or
# hotlined does not serve the dashboard API.
#
#   top.sh HOTLINED HOTLINE TOP_DRIVER SOURCE_ROOT BUILD_DIR
set -u
hotlined=$1 hotline=$2 driver=$3 src=$4 build=$5
mkdir -p "$build"
work=$(mktemp -d "$build/top-XXXXXX")
session="hl-top-$$"
pids=()
cleanup () {
    tmux kill-session -t "$session" 2>/dev/null
    [ -s "$work/hotlined.pid" ] && kill "$(cat "$work/hotlined.pid")" 2>/dev/null
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    [ -n "${HL_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
skip () { echo "SKIP: $*"; exit 77; }
fail=0
check () { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
command -v tmux >/dev/null || skip "tmux is not installed"
command -v redis-server >/dev/null || skip "redis-server is not installed"

(umask 077; head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/token")
export HOTLINE_TOKEN_FILE=$work/token
# Servers start through the tests' harness (hl-start: free ports, ready
# when they say so); it prints the PID and the ports.
started=$("$HL_START" --log "$work/redis.log" -- redis-server --port @PORT0@ --bind 127.0.0.1 \
    --dir "$work" --save "" --appendonly no --supervised systemd --logfile "$work/redis.log") \
    || { echo "FAILED: redis-server did not start"; exit 1; }
read -r redis_pid redis_port <<<"$started"
pids+=("$redis_pid")
start_daemon () {   # INTAKE WORKER EVENTS HTTP: ports, "@PORTn@" (free ones) at first
    local started
    started=$("$HL_START" --log "$work/hotlined.log" -- "$hotlined" \
        --endpoint "tcp://127.0.0.1:$1" --worker-endpoint "tcp://127.0.0.1:$2" \
        --events-endpoint "tcp://127.0.0.1:$3" --http-endpoint "127.0.0.1:$4" \
        --redis "127.0.0.1:$redis_port" --codes "$src/deploy/etc/codes.conf" \
        --dispatch "$src/deploy/etc/dispatch.conf" --sla "$src/deploy/etc/sla.conf" \
        --calendar-dir "$src/deploy/etc/calendar" --http-token-file "$work/token" \
        --pidfile "$work/hotlined.pid" --log-file "$work/hotlined.log") || return 1
    [ "$1" != @PORT0@ ] || read -r _ intake_port worker_port events_port http_port <<<"$started"
}
start_daemon @PORT0@ @PORT1@ @PORT2@ @PORT3@ || { echo "FAILED: hotlined did not start"; exit 1; }
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$intake_port
"$driver" "127.0.0.1:$http_port" 1000 once >/dev/null 2>&1 \
    || skip "hotlined does not serve the dashboard API on 127.0.0.1:$http_port"

submit () { "$hotline" submit "$@" >/dev/null || { echo "FAILED: hotline submit $*"; exit 1; }; }
for i in 1 2 3; do
    submit --channel phone --type 咨询 --category SB.01 --area 441702 --phone 1380000000$i \
        --content "社保缴费记录查询 $i"
done
submit --channel web --type 投诉 --category CG.01 --area 441702 --phone 13700000001 \
    --content "人行道占道经营"

pane () { tmux capture-pane -p -t "$session"; }
wait_for () {   # PATTERN [SECONDS]
    for _ in $(seq $((${2:-10} * 5))); do pane | grep -q -- "$1" && return 0; sleep 0.2; done
    return 1
}
tmux new-session -d -s "$session" -x 80 -y 24 \
    "LANG=C.UTF-8 HOTLINE_TOKEN_FILE='$work/token' '$driver' 127.0.0.1:$http_port 500; echo top-exited-\$?; sleep 60"
check "the frame is drawn" "wait_for '督办看板'"
check "today's intake and open tickets" "wait_for '今日受理 4  在办 4'"
check "intake by channel" "pane | grep -q '电话 3  网站 1'"
check "units by name in the leaderboard" "pane | grep -q '市人力资源和社会保障局'"
check "the leaderboard is ordered by 满意率" "pane | grep -q '按满意率'"
pane >"$build/top-80x24.txt"
# Every line fits 80 columns, Chinese counted double.
check "no line wider than 80 columns" "python3 - '$build/top-80x24.txt' <<'PY'
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in 'WF' else 1 for c in s)
sys.exit(0 if all(w(l.rstrip('\n')) <= 80 for l in open(sys.argv[1], encoding='utf-8')) else 1)
PY"
tmux send-keys -t "$session" s
check "s orders by the next rate" "wait_for '按联系率' 5"
submit --channel mailbox --type 建议 --category SB.02 --area 441702 --phone 13500000009 \
    --content "建议延长社保窗口办理时间"
check "a new ticket shows at the next refresh" "wait_for '今日受理 5' 5"
tmux resize-window -t "$session" -x 120 -y 40 2>/dev/null
widest () {   # the widest line on screen, in terminal columns
    pane | python3 -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
print(max([w(l.rstrip("\n")) for l in sys.stdin] or [0]))'
}
check "a resized terminal is used" "for _ in \$(seq 25); do [ \$(widest) -gt 100 ] && break; sleep 0.2; done; [ \$(widest) -gt 100 ] && [ \$(widest) -le 120 ]"
daemon_pid=$(cat "$work/hotlined.pid")
kill "$daemon_pid"
check "hotlined stopping is shown" "wait_for '连接中断' 10"
check "the last figures stay on screen" "pane | grep -q '今日受理 5'"
timeout 20 tail --pid="$daemon_pid" -f /dev/null     # gone, its ports free again
check "hotlined starts again on its ports" "start_daemon $intake_port $worker_port $events_port $http_port"
check "hotlined coming back is picked up" "for _ in \$(seq 50); do pane | grep -q '连接中断' || break; sleep 0.2; done; ! pane | grep -q '连接中断'"
tmux send-keys -t "$session" q
check "q quits with status 0" "wait_for 'top-exited-0' 5"

once=$(COLUMNS=80 LINES=24 "$driver" "127.0.0.1:$http_port" 1000 once)
check "once prints one plain frame" "grep -q '今日受理 5' <<<\"\$once\" && ! grep -q \$'\\033' <<<\"\$once\" && [ \$(wc -l <<<\"\$once\") -le 24 ]"
HOTLINE_TOKEN_FILE= HOTLINE_TOKEN=wrong-token-wrong-token "$driver" "127.0.0.1:$http_port" 1000 once 2>"$work/err" >/dev/null
check "once with a wrong token fails and says why" "[ \$? -ne 0 ] && grep -q 401 '$work/err'"
exit $fail
