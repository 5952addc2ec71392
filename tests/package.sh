#!/usr/bin/env bash
# The Debian packages, as an operator gets them: built from a copy of this
# tree with dpkg-buildpackage (2 jobs, no check: the suite runs from the
# tree), lintian clean, unpacked into a scratch root and checked there --
# the file layout, the conffiles, the units (systemd-analyze verify), the
# first-start helper -- and the installed hotlined run against a private
# Redis with the packaged configuration, under a NOTIFY_SOCKET this test
# binds: READY=1, WATCHDOG=1, RELOADING=1 then READY=1, STOPPING=1.
set -u
src=$(cd "$(dirname "$0")/.." && pwd)
for tool in dpkg-buildpackage dh lintian help2man systemd-analyze redis-server python3; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing (tests/run installs it as root)"; exit 77; }
done
tmp=$(mktemp -d "${HL_TEST_TMPDIR:-/tmp}/hl-package-XXXXXX")
pids=()
cleanup () {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
fail=0
check () { if ! "$@"; then echo "FAILED: $*"; fail=1; fi; }

# --- build --------------------------------------------------------------
# HL_PACKAGES=DIR checks the packages already built in DIR instead.
build () {
    mkdir -p "$tmp/src"
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        (cd "$src" && git ls-files -co --exclude-standard -z | tar --null -cf - -T -) \
            | tar -xf - -C "$tmp/src"
    else
        tar -C "$src" --exclude='./build*' --exclude=./state -cf - . | tar -xf - -C "$tmp/src"
    fi
    local started=$(date +%s)
    if ! (cd "$tmp/src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -b -uc -us \
            >"$tmp/build.log" 2>&1); then
        tail -40 "$tmp/build.log"
        echo "FAILED: dpkg-buildpackage"
        exit 1
    fi
    echo "packages built in $(( $(date +%s) - started )) s"
}
if [ -n "${HL_PACKAGES:-}" ]; then
    cp "$HL_PACKAGES"/*.deb "$HL_PACKAGES"/*.changes "$HL_PACKAGES"/*.buildinfo "$tmp/"
else
    build
fi
changes=$(ls "$tmp"/hotline_*.changes)
check lintian --fail-on error,warning "$changes"

# --- layout -------------------------------------------------------------
root=$tmp/root
mkdir -p "$root"
for deb in "$tmp"/hotline_*.deb "$tmp"/hotline-client_*.deb "$tmp"/hotline-worker_*.deb \
           "$tmp"/hotline-kb_*.deb; do
    dpkg-deb -x "$deb" "$root"
done
in_package () {   # PACKAGE PATH...
    local deb=$(ls "$tmp/$1"_*_*.deb) path listing
    listing=$(dpkg-deb -c "$deb" | awk '{print substr($NF, 2)}')
    shift
    for path in "$@"; do
        grep -qx "$path" <<<"$listing" || { echo "missing from $(basename "$deb"): $path"; return 1; }
    done
}
check in_package hotline /usr/sbin/hotlined /usr/libexec/hotline/hotline-setup \
    /etc/hotline/hotlined.conf /etc/hotline/codes.conf /etc/hotline/dispatch.conf \
    /etc/hotline/sla.conf /etc/hotline/redis.conf /etc/hotline/calendar/2026.conf \
    /usr/share/hotline/keys.sh /usr/share/hotline/redis-acl.sh /var/lib/hotline/ \
    /lib/systemd/system/hotlined.service /lib/systemd/system/hotline-redis.service \
    /lib/systemd/system/hotline-setup.service /usr/lib/sysusers.d/hotline.conf \
    /usr/share/man/man8/hotlined.8.gz /usr/bin/hotline-open311 /etc/hotline/open311.conf \
    /usr/bin/hotline-notify /etc/hotline/messages.conf /usr/share/man/man1/hotline-notify.1.gz
check in_package hotline-client /usr/bin/hotline /usr/bin/hotline-agent /usr/bin/hotline-cti
check in_package hotline-worker /usr/bin/hotline-worker /usr/include/hotline/hl_worker.h \
    /lib/systemd/system/hotline-worker@.service /lib/systemd/system/hotline-worker-key@.service
check in_package hotline-kb /usr/bin/hotline-kb /usr/share/hotline-kb/synonyms.txt
check test -n "$(ls "$root"/usr/lib/*/libhotline-worker.so.0)"
check test -n "$(ls "$root"/usr/share/hotline-kb/articles/)"
# Every file in /etc/hotline is a conffile (an upgrade keeps the
# operator's changes); nothing else is.
conffiles () { dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./conffiles 2>/dev/null | sort; }
etc_files () { dpkg-deb -c "$1" | awk '$1 !~ /^d/ {print substr($NF, 2)}' | grep '^/etc/' | sort; }
for deb in "$tmp"/hotline*_*.deb; do
    case $deb in *dbgsym*) continue ;; esac
    check test "$(conffiles "$deb")" = "$(etc_files "$deb")"
done
check grep -qx /etc/hotline/hotlined.conf <<<"$(conffiles "$(ls "$tmp"/hotline_*.deb)")"
# A program linked against the installed library through its pkg-config file.
cat >"$tmp/w.c" <<'C'
#include <hl_worker.h>
int main (void) { hl_worker_t *w = NULL; hl_worker_destroy (&w); return w != NULL; }
C
pcdir=$(ls -d "$root"/usr/lib/*/pkgconfig)
flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs libhotline-worker)
check cc -o "$tmp/w" "$tmp/w.c" $flags
check env LD_LIBRARY_PATH="$(dirname "$pcdir")" "$tmp/w"

# --- units --------------------------------------------------------------
# The programs the units run and the system's units they name must exist
# in the root they are verified in.
for prog in /usr/bin/redis-server /bin/kill /bin/sh; do
    mkdir -p "$root$(dirname "$prog")"
    [ -e "$root$prog" ] || cp "$prog" "$root$prog"
done
units=$(cd "$root/lib/systemd/system" && ls)
cp -n /lib/systemd/system/*.target /lib/systemd/system/*.slice "$root/lib/systemd/system/"
out=$(cd "$root/lib/systemd/system" && SYSTEMD_LOG_LEVEL=notice \
      systemd-analyze verify --root="$root" --man=no $units 2>&1)
echo "$out" | grep -v '^$' | sed 's/^/systemd-analyze: /'
check test -z "$out"

# --- first start --------------------------------------------------------
# The packaged helper, pointed at the scratch root, as its own user.
etc=$root/etc/hotline
state=$root/var/lib/hotline
setup_env () {
    HOTLINE_ETC=$etc HOTLINE_STATE=$state HOTLINE_SHARE=$root/usr/share/hotline \
    HOTLINE_KEYGEN=$root/usr/bin/hotline HOTLINE_USER=$(id -un) "$@"
}
check setup_env "$root/usr/libexec/hotline/hotline-setup" server
check setup_env "$root/usr/libexec/hotline/hotline-setup" server   # twice is harmless
for f in secrets/supervisor.token secrets/redis-hotline.password secrets/redis-admin.password \
         redis/users.acl; do
    check test "$(stat -c %a "$state/$f")" = 600
done
check test "$(stat -c %a "$etc/keys")" = 700
check test -z "$(find "$etc/keys" "$state" -perm /077 ! -type l | head -1)"
check grep -q '^agent:operator ' "$etc/keys/intake-keys.conf"
check test "$(grep -vc '^#' "$etc/keys/worker-keys.conf")" = 0

# --- the installed daemon -----------------------------------------------
read -r p_intake p_worker p_events p_http <<<"$("$src/tests/free-port" 4 | tr '\n' ' ')"
sock=$tmp/redis.sock
sed -e "s|/etc/hotline|$etc|; s|/var/lib/hotline|$state|; s|/run/hotline|$tmp|" \
    -e "s|:7101|:$p_intake|; s|:7102|:$p_worker|; s|:7103|:$p_events|; s|:7180|:$p_http|" \
    "$etc/hotlined.conf" >"$tmp/hotlined.conf"
mkdir -p "$state/redis"
# Started through the tests' harness (hl-start): each is ready once it says so.
redis_pid=$("$HL_START" --log "$tmp/redis.log" -- redis-server "$etc/redis.conf" \
    --dir "$state/redis" --unixsocket "$sock" --aclfile "$state/redis/users.acl" \
    --logfile "$tmp/redis.log" --daemonize no --supervised systemd) \
    || { echo "FAILED: redis-server did not start"; exit 1; }
pids+=("$redis_pid")
listen_pid=$("$HL_START" --log "$tmp/notify.log" -- "$src/tests/notify-listen" "$tmp/notify") \
    || { echo "FAILED: notify-listen did not start"; exit 1; }
pids+=("$listen_pid")
NOTIFY_SOCKET=$tmp/notify WATCHDOG_USEC=400000 "$root/usr/sbin/hotlined" \
    --config "$tmp/hotlined.conf" 2>"$tmp/hotlined.log" &
daemon=$!
pids+=($daemon)
said () { grep -q "$1" "$tmp/notify.log"; }
wait_for () { for _ in $(seq 100); do said "$1" && return 0; sleep 0.1; done; return 1; }
check wait_for '^READY=1$'
check wait_for '^WATCHDOG=1$'
check wait_for '^STATUS=ticket store up'
export HOTLINE_ENDPOINT=tcp://127.0.0.1:$p_intake HOTLINE_KEY_FILE=$etc/keys/agent-operator.key \
       HOTLINE_SERVER_KEY=$etc/keys/intake-endpoint.pub
ticket=$("$root/usr/bin/hotline" submit --channel phone --phone 13800138000 --type 投诉 \
         --category HB.03 --area 441702 --content "楼下烧烤店凌晨两点还在营业")
check test -n "$ticket"
check sh -c "'$root/usr/bin/hotline' show '$ticket' | grep -q 烧烤店"
kill -HUP "$daemon"
check wait_for '^RELOADING=1 | MONOTONIC_USEC='
check sh -c "grep -A20 '^RELOADING=1' '$tmp/notify.log' | grep -q '^READY=1$'"
kill -TERM "$daemon"
check wait_for '^STOPPING=1$'
wait "$daemon"
check test $? = 0
if [ $fail != 0 ]; then
    echo "--- notifications"; cat "$tmp/notify.log"
    echo "--- hotlined"; tail -20 "$tmp/hotlined.log"
fi
exit $fail
