#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The two-host real-Xen rig (issue 15): two QEMU instances, each booting
# Xen 4.17 and the busybox dom0 of the single-host rig (run.sh), whose
# dom0s are linked by a virtual network that never leaves QEMU: QEMU's
# socket network backend on the host's loopback (host A's QEMU listens on
# 127.0.0.1:PORT, host B's connects to it), a virtio-net NIC in each
# dom0, and static addresses on that link only, 10.99.0.1 (A) and
# 10.99.0.2 (B), that dom0-init.sh sets.  Nothing is sent anywhere but
# between the two QEMUs.
#
# Its scenario, scenario-migrate.sh, is the baseline for xenplm's own
# migrations: a plain `xl migrate` of a PV guest from A to B, xl's stream
# over the link through busybox nc (migrate-nc.sh, migrate-listen.sh: a
# test-rig-only, unauthenticated transport, as the busybox dom0 has no
# ssh); the guest counts on its console and must go on counting on B with
# the same boot id.  TAP on stdout, as run.sh prints it: each dom0's
# results, prefixed "A: " or "B: ", then the checks made here across the
# two serial logs, then the figures (wall-clock seconds).
#
#     top_srcdir=. top_builddir=. tests/xen/rig2.sh [--keep] [--timeout S]
#
# `make check-xen2` runs it; `make check` does not (yet).  Exits 0 when
# every check passed, 1 when one failed (the work directory, with both
# serial logs, is then kept and their tails printed), 77 when it cannot run
# here (no QEMU, no cpio, no packages), unless XENPLM_XEN_REQUIRE=1.
# The work directory is tests/xen/work2 in the build directory
# (XENPLM_XEN2_WORK); --keep keeps it after a success too.  --timeout is
# each QEMU's time limit (default 1200 s: two QEMUs share the cores).
# Environment: as run.sh's (fetch.sh, mkinitrd.sh, boot.sh); both QEMUs
# use the single-host rig's package cache.
set -eu

me=rig2.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)

keep=no
timeout=1200
while [ $# -gt 0 ]; do
    case "$1" in
    --keep) keep=yes; shift ;;
    --timeout)
        [ $# -ge 2 ] || die "--timeout needs seconds"
        timeout=$2
        shift 2
        ;;
    *) die "usage: $me [--keep] [--timeout SECONDS]" ;;
    esac
done

# cannot REASON: the rig cannot run here.
cannot() {
    if [ "${XENPLM_XEN_REQUIRE:-0}" = 1 ]; then
        echo "Bail out! $1 (and XENPLM_XEN_REQUIRE=1)"
        exit 1
    fi
    echo "1..0 # SKIP $1"
    exit 77
}

XENPLM_XEN_ROW=2-host
export XENPLM_XEN_ROW
qemu=${XENPLM_XEN_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || cannot "no $qemu (apt-get install qemu-system-x86)"
command -v cpio >/dev/null 2>&1 || cannot "no cpio (apt-get install cpio)"

work=${XENPLM_XEN2_WORK:-$top_builddir/tests/xen/work2}
rm -rf "$work"
mkdir -p "$work/a" "$work/b"
t_start=$(now)

# --- packages and images --------------------------------------------------------
progress "fetching the pinned Debian packages (cached after the first run)"
rc=0
stage=$("$here/fetch.sh" 2>"$work/fetch.err") || rc=$?
if [ $rc -ne 0 ]; then
    cat "$work/fetch.err" >&2
    reason=$(sed -n 's/^fetch.sh: SKIP: //p' "$work/fetch.err" | tail -n 1)
    [ $rc -eq 77 ] && cannot "${reason:-the packages cannot be had}"
    die "fetch.sh failed"
fi
t_fetch=$(elapsed "$t_start")
progress "packages ready in $t_fetch s; assembling the images (both hosts boot the same)"
t0=$(now)
"$here/mkinitrd.sh" --net --scenario "$here/scenario-migrate.sh" "$stage" "$work/img" ||
    die "mkinitrd.sh failed"
t_images=$(elapsed "$t0")

# --- the link's port ----------------------------------------------------------------
# port_busy PORT: whether something on this host listens on PORT already.
port_busy() {
    command -v ss >/dev/null 2>&1 || return 1
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}
port=""
tries=0
while [ -z "$port" ] && [ $tries -lt 20 ]; do
    p=$(awk -v s="$$$tries" 'BEGIN { srand(s); print 20000 + int(rand() * 30000) }')
    port_busy "$p" || port=$p
    tries=$((tries + 1))
done
[ -n "$port" ] || die "no free port for the link on 127.0.0.1"

# --- boot -------------------------------------------------------------------------
# boot_host A|B QEMU-NETDEV ADDRESS PEER: boot.sh for one host, in the
# background; its pid in boot_pid.
boot_host() {
    lc=$(printf '%s' "$1" | tr AB ab)
    mac=52:54:00:99:00:0$(printf '%s' "$1" | tr AB 12)
    XENPLM_XEN_ROW="2-host $1" \
        XENPLM_XEN_QEMU_ARGS="-netdev socket,id=link,$2 -device virtio-net-pci,netdev=link,mac=$mac" \
        XENPLM_XEN_DOM0_ARGS="${XENPLM_XEN_DOM0_ARGS:-} XENPLM_HOST=$lc XENPLM_NET_ADDR=$3/24 XENPLM_PEER=$4" \
        "$here/boot.sh" --timeout "$timeout" "$work/img" "$work/$lc/serial.log" \
        2>"$work/$lc/boot.err" &
    boot_pid=$!
}
pid_a=""
pid_b=""
# Stopped: each boot.sh stops its QEMU on the way out.
trap 'kill $pid_a $pid_b 2>/dev/null || true' INT TERM
progress "images ready in $t_images s; booting host A (its QEMU listens on 127.0.0.1:$port for B's)"
boot_host A "listen=127.0.0.1:$port" 10.99.0.1 10.99.0.2
pid_a=$boot_pid
# B's QEMU connects at once, and gives up if nobody listens yet.
i=0
if command -v ss >/dev/null 2>&1; then
    until port_busy "$port"; do
        i=$((i + 1))
        if [ $i -gt 300 ] || ! kill -0 "$pid_a" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
else
    sleep 5
fi
progress "booting host B (its QEMU connects to 127.0.0.1:$port)"
boot_host B "connect=127.0.0.1:$port" 10.99.0.2 10.99.0.1
pid_b=$boot_pid
rc_a=0
rc_b=0
wait "$pid_a" || rc_a=$?
wait "$pid_b" || rc_b=$?
trap - INT TERM
cat "$work/a/boot.err" "$work/b/boot.err" >&2
[ $rc_a -eq 77 ] && cannot "no $qemu"

# --- results ------------------------------------------------------------------------
n=0
failed=0
result() { # result ok|"not ok" DESC
    n=$((n + 1))
    echo "$1 $n - $2"
    [ "$1" = ok ] || failed=$((failed + 1))
}

for h in A B; do
    lc=$(printf '%s' "$h" | tr AB ab)
    log="$work/$lc/serial.log"
    ready=$(awk '$1 == "ready" { print $2 }' "$log.times" 2>/dev/null)
    done_at=$(awk '$1 == "done" { print $2 }' "$log.times" 2>/dev/null)
    eval "ready_$lc=\$ready"
    if [ -n "$ready" ]; then
        result ok "$h: Xen boots and dom0's toolstack is up"
    else
        result "not ok" "$h: Xen boots and dom0's toolstack is up"
    fi
    tr -d '\r' <"$log" >"$work/$lc/serial.txt" 2>/dev/null || : >"$work/$lc/serial.txt"
    if grep -q '^# net: ' "$work/$lc/serial.txt"; then
        result ok "$h: dom0's link is up ($(sed -n 's/^# net: //p' "$work/$lc/serial.txt"))"
    else
        result "not ok" "$h: dom0's link is up"
    fi
    echo "# --- host $h ---"
    serial_tap "$work/$lc/serial.txt" "$h: "
    if [ -z "$done_at" ] || [ -z "$dom0_plan" ] || [ "$dom0_plan" -ne "$dom0_results" ]; then
        result "not ok" "$h: dom0 ran its scenario to its end (plan ${dom0_plan:-missing}, $dom0_results results)"
    fi
done

# What each host saw of the guest: "# migrate: on A boot=ID count=N WHEN".
# seen HOST WHEN FIELD
seen() {
    sed -n "s/^# migrate: on $1 boot=\\([^ ]*\\) count=\\([0-9]*\\) $2\$/\\1 \\2/p" \
        "$work/$(printf '%s' "$1" | tr AB ab)/serial.txt" | tail -n 1 |
        awk -v f="$3" '{ print (f == "boot" ? $1 : $2) }'
}
boot_a=$(seen A "at the start" boot)
start_a=$(seen A "at the start" count)
last_a=$(seen A last count)
boot_b=$(seen B first boot)
first_b=$(seen B first count)
desc="the guest keeps its boot id from A to B (it was not started again)"
if [ -n "$boot_a" ] && [ "$boot_a" = "$boot_b" ]; then
    result ok "$desc"
else
    echo "#   on A: ${boot_a:-none}; on B: ${boot_b:-none}"
    result "not ok" "$desc"
fi
desc="the guest's count goes on from A to B (A: ${start_a:-?} at the start, ${last_a:-?} last; B: ${first_b:-?} first)"
if [ -n "$start_a" ] && [ -n "$first_b" ] && [ "$first_b" -gt "$start_a" ]; then
    result ok "$desc"
else
    result "not ok" "$desc"
fi
echo "1..$n"

# --- figures ------------------------------------------------------------------------
# figure HOST NAME: a "# time: NAME S s" line of HOST's serial log, in seconds.
figure() {
    sed -n "s/^# time: $2 \\([0-9.]*\\) s\$/\\1/p" \
        "$work/$(printf '%s' "$1" | tr AB ab)/serial.txt" | tail -n 1
}
echo "# --- figures (wall-clock seconds; each host's own clock) ---"
echo "# packages (fetch, cached): $t_fetch s; images: $t_images s"
echo "# QEMU start to dom0 ready: A ${ready_a:-never} s, B ${ready_b:-never} s"
echo "# guest-m boot on A (xl create returned to first report): $(figure A 'guest-m boot (xl create returned to first report)') s"
echo "# xl migrate, start to running on B (A's clock): $(figure A 'xl migrate (start to running on B)') s"
echo "# on B, connection accepted to guest-m running: $(figure B 'migration on B (connection accepted to guest-m named on B)') s"
echo "# whole run: $(elapsed "$t_start") s"

if [ $failed -ne 0 ] || [ $rc_a -ne 0 ] || [ $rc_b -ne 0 ]; then
    progress "$failed of $n checks failed; details in the test log"
    {
        for h in a b; do
            echo "$me: $failed failed; the last lines of host $(printf '%s' "$h" | tr ab AB)'s serial log:"
            tail -n 60 "$work/$h/serial.txt" | sed 's/^/| /'
        done
        echo "$me: the serial logs are kept in $work/a and $work/b"
    } >&2
    exit 1
fi
progress "all $n checks passed"
if [ $keep = no ]; then
    rm -rf "$work"
fi
exit 0
