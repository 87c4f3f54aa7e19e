#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The two-host real-Xen rig (issue 15): two QEMU instances, each booting
# Xen 4.17 and the busybox dom0 of the single-host rig (run.sh), whose
# dom0s are linked by a virtual network that never leaves QEMU: QEMU's
# socket network backend on the host's loopback (host A's QEMU listens on
# 127.0.0.1:PORT, host B's connects to it), an emulated NIC in each dom0
# (XENPLM_XEN2_NIC: virtio-net-pci, the default, or e1000), and static
# addresses on that link only, 10.99.0.1 (A) and
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
# With --pool (`make check-xen2-pool`; `make check` runs it through
# rig2-check.sh), the scenario is scenario-pool.sh instead, issue 15's
# flow in one boot of each host: xenplmd on both dom0s in one pool, B's
# leading; the leader orders guest-m's move A to B and A's daemon carries
# it out; a plain `xl migrate` of the same guest back, the baseline; a
# drain of A, whose orders move guest-m, then guest-n; and, once
# guest-n's order runs, the fault: the host kills B's QEMU (SIGKILL, by
# the pid boot.sh wrote), the destination and the leader gone at once
# (after XENPLM_XEN2_FAULT_DELAY seconds, default 15: xl's live phase,
# the guest still running on A).  Its etcd runs here, on the host's
# loopback, TLS only (rig2-etcd.sh: a throw-away CA and certificates made
# for the run); each dom0 reaches it through a second NIC on QEMU's
# user-mode network (restrict=on: nothing else is reachable) whose
# 10.0.2.100:2379 QEMU forwards to etcd's loopback port.  The host
# watches the pool's orders and its election in etcd as they change
# (WORK/orders.watch, WORK/leader.watch, for rig2-tap.sh), reads the
# whole pool once guest-n's order has failed (WORK/after-fault.txt, A's
# daemon still running) and what is left of the orders at the end
# (WORK/orders.txt: the leader deletes a finished order five minutes
# on); WORK/fault.txt says when B was killed; WORK/etcd-relay.log when
# each dom0 connection to etcd began and ended, and with
# XENPLM_XEN2_PCAP=1 WORK/a|b/etcd.pcap and link.pcap what each dom0's
# NICs carried (QEMU's filter-dump; the link's packets cut to 128
# bytes).  Every migration's limit is XENPLM_XEN2_MIG_TIMEOUT (default
# 25min), the fault's too: A's
# xenplmd is to abort that one because its destination left the pool,
# within about a lease TTL (xenplmd(8), Migrations).  --fault dest-dies
# is the same as --pool (its own run before the two were one flow).
#
#     top_srcdir=. top_builddir=. tests/xen/rig2.sh [--keep] [--timeout S] [--pool]
#
# `make check-xen2` runs it.  Exits 0 when every check passed, 1 when one
# failed (the work directory, with both serial logs, is then kept and
# their tails printed), 75 when every failure is the emulation's (a host
# that never came up or crashed, a guest that never reported, a guest's
# triple fault under TCG: rig2-tap.sh says which), which rig2-check.sh
# tries once more, 77 when it cannot run here (no QEMU, no cpio, no
# packages, no etcd), unless XENPLM_XEN_REQUIRE=1.
# The work directory is tests/xen/work2 (work2-pool with --pool) in the
# build directory (XENPLM_XEN2_WORK); --keep keeps it after a success too.  --timeout is
# each QEMU's time limit (default 2400 s, 3600 s with --pool: two QEMUs
# share the cores, and one migration alone has taken 10 minutes on a
# loaded 2-core machine).
# Environment: as run.sh's (fetch.sh, mkinitrd.sh, boot.sh); both QEMUs
# use the single-host rig's package cache.
set -eu

me=rig2.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)

keep=no
timeout=""
pool=no
while [ $# -gt 0 ]; do
    case "$1" in
    --keep) keep=yes; shift ;;
    --pool) pool=yes; shift ;;
    --fault)
        if [ $# -lt 2 ] || [ "$2" != dest-dies ]; then die "--fault takes dest-dies"; fi
        pool=yes
        shift 2
        ;;
    --timeout)
        [ $# -ge 2 ] || die "--timeout needs seconds"
        timeout=$2
        shift 2
        ;;
    *) die "usage: $me [--keep] [--timeout SECONDS] [--pool]" ;;
    esac
done
[ -n "$timeout" ] || if [ $pool = yes ]; then timeout=3600; else timeout=2400; fi

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
if [ $pool = yes ]; then
    . "$here/rig2-etcd.sh"
    for t in etcd etcdctl openssl python3; do
        command -v $t >/dev/null 2>&1 || cannot "no $t (the pool scenario's etcd, its certificates)"
    done
    [ -x "$top_builddir/src/xenplmd" ] || die "$top_builddir/src/xenplmd is not built"
fi

if [ $pool = yes ]; then
    work=${XENPLM_XEN2_WORK:-$top_builddir/tests/xen/work2-pool}
else
    work=${XENPLM_XEN2_WORK:-$top_builddir/tests/xen/work2}
fi
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
# The hypervisor both hosts boot: Debian's 4.17 rebuilt with shadow paging
# (xen-shadow.sh says why: a PV guest's live migration needs it), unless
# XENPLM_XEN_HYPERVISOR names one, or XENPLM_XEN2_SHADOW=0 keeps Debian's
# own (the migrated guests are then PVH, under QEMU's emulated SVM).
if [ -z "${XENPLM_XEN_HYPERVISOR:-}" ] && [ "${XENPLM_XEN2_SHADOW:-1}" != 0 ]; then
    progress "the hypervisor with shadow paging (built once, then cached)"
    rc=0
    XENPLM_XEN_HYPERVISOR=$("$here/xen-shadow.sh" "$stage" 2>"$work/xen-shadow.err") || rc=$?
    if [ $rc -ne 0 ]; then
        cat "$work/xen-shadow.err" >&2
        reason=$(sed -n 's/^xen-shadow.sh: SKIP: //p' "$work/xen-shadow.err" | tail -n 1)
        [ $rc -eq 77 ] && cannot "${reason:-the hypervisor with shadow paging cannot be built}"
        die "xen-shadow.sh failed"
    fi
    export XENPLM_XEN_HYPERVISOR
fi
t_fetch=$(elapsed "$t_start")
progress "packages ready in $t_fetch s; assembling the images (both hosts boot the same)"
t0=$(now)
if [ $pool = yes ]; then
    rig2_etcd_pki "$work/pki" || die "openssl failed: $(tail -n 5 "$work/pki/openssl.log")"
    mkdir -p "$work/extra/pki"
    for f in ca.crt xen-a.crt xen-a.key xen-b.crt xen-b.key; do
        cp "$work/pki/$f" "$work/extra/pki/"
    done
    "$here/mkinitrd.sh" --net --xenplm "$top_builddir" "$top_srcdir" --extra "$work/extra" \
        --scenario "$here/scenario-pool.sh" "$stage" "$work/img" || die "mkinitrd.sh failed"
else
    "$here/mkinitrd.sh" --net --scenario "$here/scenario-migrate.sh" "$stage" "$work/img" ||
        die "mkinitrd.sh failed"
fi
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

# --- etcd (--pool) --------------------------------------------------------------------
watcher=""
if [ $pool = yes ]; then
    progress "starting etcd on 127.0.0.1 (TLS, client certificates) for the pool"
    rig2_etcd_start "$work/etcd" "$work/pki" ||
        die "etcd did not start: $(tail -n 5 "$work/etcd/etcd.log" 2>/dev/null)"
    busybox_host="$stage/bin/busybox"
    [ -x "$busybox_host" ] || busybox_host="$stage/usr/bin/busybox"
    rig2_etcd_relay "$work/etcd-relay.sh" "$busybox_host" "$work/etcd-relay.log"
    # etcd_watch NAME PREFIX: the keys under PREFIX as they change, in
    # WORK/NAME.watch, each line stamped with the host's clock; the
    # watch's pid in WORK/NAME.pid.
    etcd_watch() {
        (
            (rig2_etcdctl_exec watch --prefix "$2") &
            echo $! >"$work/$1.pid"
            wait
        ) 2>"$work/$1.err" | while IFS= read -r l; do
            echo "$(date +%s.%N) $l"
        done >"$work/$1.watch" &
    }
    etcd_watch orders /xenplm/rig2/orders/
    watcher=$!
    etcd_watch leader /xenplm/rig2/leader/
    watcher="$watcher $!"
fi

# --- boot -------------------------------------------------------------------------
# boot_host A|B QEMU-NETDEV ADDRESS PEER: boot.sh for one host, in the
# background; its pid in boot_pid.
boot_host() {
    lc=$(printf '%s' "$1" | tr AB ab)
    mac=52:54:00:99:00:0$(printf '%s' "$1" | tr AB 12)
    more_qemu=""
    more_dom0=""
    if [ $pool = yes ]; then
        more_qemu=$(rig2_etcd_qemu_args "52:54:00:98:00:0$(printf '%s' "$1" | tr AB 12)" "$work/etcd-relay.sh")
        if [ "${XENPLM_XEN2_PCAP:-0}" = 1 ]; then
            # Both NICs' packets as the dom0 sees them, for when a
            # lease or a migration stalls: etcd's whole, the link's
            # first 128 bytes of each (the stream is hundreds of MiB).
            mkdir -p "$work/$lc"
            more_qemu="$more_qemu -object filter-dump,id=dumpetcd,netdev=etcd,file=$work/$lc/etcd.pcap"
            more_qemu="$more_qemu -object filter-dump,id=dumplink,netdev=link,maxlen=128,file=$work/$lc/link.pcap"
        fi
        more_dom0="XENPLM_ETCD_NET=10.0.2.15/24 XENPLM_POOL_ETCD=https://10.0.2.100:2379"
        more_dom0="$more_dom0 XENPLM_POOL_MIG_TIMEOUT=${XENPLM_XEN2_MIG_TIMEOUT:-25min}"
    fi
    XENPLM_XEN_ROW="2-host $1" \
        XENPLM_XEN_QEMU_ARGS="-netdev socket,id=link,$2 -device ${XENPLM_XEN2_NIC:-virtio-net-pci},netdev=link,mac=$mac $more_qemu" \
        XENPLM_XEN_DOM0_ARGS="${XENPLM_XEN_DOM0_ARGS:-} XENPLM_HOST=$lc XENPLM_NET_ADDR=$3/24 XENPLM_PEER=$4 $more_dom0" \
        "$here/boot.sh" --timeout "$timeout" "$work/img" "$work/$lc/serial.log" &
    boot_pid=$!
}
pid_a=""
pid_b=""
faulter=""
# Stopped: each boot.sh stops its QEMU on the way out.
# stop_etcd: the watch and etcd (--pool), once the orders are read.
stop_etcd() {
    [ $pool = yes ] || return 0
    kill "$(cat "$work/orders.pid" 2>/dev/null)" "$(cat "$work/leader.pid" 2>/dev/null)" 2>/dev/null || :
    # shellcheck disable=SC2086 # two pids
    [ -z "$watcher" ] || wait $watcher 2>/dev/null || :
    rig2_etcd_stop
}
trap 'kill $pid_a $pid_b $faulter 2>/dev/null; wait $pid_a $pid_b || :; stop_etcd; exit 1' INT TERM
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

# --- the fault (--pool) -------------------------------------------------------------
# kill_b: once guest-n's order has run XENPLM_XEN2_FAULT_DELAY s in etcd
# (the drain's second order), SIGKILL B's QEMU; WORK/fault.txt says when
# (the host's clock) and whether that migration was done by then.  Then,
# once the order has failed (A's daemon still running), the whole pool
# as etcd holds it, in WORK/after-fault.txt.
kill_b() {
    until order_events "$work/orders.watch" | grep -q '^[0-9.]* state guest-n running'; do
        kill -0 "$pid_b" 2>/dev/null || { echo "not killed: B ended first" >"$work/fault.txt"; return 0; }
        if order_events "$work/orders.watch" | grep -q '^[0-9.]* state guest-n \(failed\|done\|refused\)'; then
            echo "not killed: guest-n's order ended before it ran" >"$work/fault.txt"
            return 0
        fi
        sleep 1
    done
    sleep "${XENPLM_XEN2_FAULT_DELAY:-15}"
    qpid=$(cat "$work/b/serial.log.pid" 2>/dev/null || :)
    case "$(cat "/proc/$qpid/comm" 2>/dev/null)" in
    qemu*) ;;
    *) echo "not killed: no QEMU at pid ${qpid:-none}" >"$work/fault.txt"; return 0 ;;
    esac
    done_n=no
    order_events "$work/orders.watch" | grep -q '^[0-9.]* state guest-n done' && done_n=yes
    kill -KILL "$qpid"
    {
        echo "killed $(date +%s.%N) $qpid"
        echo "guest-n's migration already done then: $done_n"
    } >"$work/fault.txt"
    progress "killed host B's QEMU (pid $qpid: the leader, and guest-n's destination) during guest-n's migration"
    until order_events "$work/orders.watch" | grep -q '^[0-9.]* state guest-n failed'; do
        kill -0 "$pid_a" 2>/dev/null || return 0
        sleep 1
    done
    progress "guest-n's order failed in etcd; reading the pool"
    sleep 5
    rig2_etcdctl get --prefix /xenplm/rig2/ >"$work/after-fault.txt" 2>&1 ||
        echo "(etcdctl get failed)" >>"$work/after-fault.txt"
    echo "read $(date +%s.%N)" >>"$work/fault.txt"
}
if [ $pool = yes ]; then
    kill_b &
    faulter=$!
fi
rc_a=0
rc_b=0
wait "$pid_a" || rc_a=$?
# Pool flow: A ended while B still runs (A gave up before the fault, so
# B would wait out its whole drain timeout): B has a minute to end, then
# its QEMU is stopped, and the console says so.
if [ $pool = yes ] && kill -0 "$pid_b" 2>/dev/null; then
    i=0
    while [ $i -lt 60 ] && kill -0 "$pid_b" 2>/dev/null; do
        sleep 1
        i=$((i + 1))
    done
    if kill -0 "$pid_b" 2>/dev/null; then
        qpid=$(cat "$work/b/serial.log.pid" 2>/dev/null || :)
        progress "host A ended before the fault and B still runs a minute later: stopping B's QEMU (pid ${qpid:-none})"
        case "$(cat "/proc/$qpid/comm" 2>/dev/null)" in qemu*) kill -KILL "$qpid" ;; esac
        [ -z "$faulter" ] || kill "$faulter" 2>/dev/null || :
    fi
fi
wait "$pid_b" || rc_b=$?
[ -z "$faulter" ] || wait "$faulter" || :
# The watch ends with the run: how long the host watched after the fault.
[ $pool = no ] || echo "watch stopped $(date +%s.%N)" >>"$work/fault.txt"
trap - INT TERM
if [ $pool = yes ]; then
    rig2_etcdctl get --prefix /xenplm/rig2/orders/ >"$work/orders.txt" 2>&1 ||
        echo "(etcdctl get failed)" >>"$work/orders.txt"
    stop_etcd
fi
[ $rc_a -eq 77 ] && cannot "no $qemu"

# --- results ------------------------------------------------------------------------
failed=0
"$here/rig2-tap.sh" "$work" || failed=$?
echo "# packages and hypervisor (fetch and build, cached): $t_fetch s; images: $t_images s; whole run: $(elapsed "$t_start") s"

# B's QEMU killed on purpose: its boot.sh fails, as it should.
[ $pool = no ] || rc_b=0
if [ $failed -ne 0 ] || [ $rc_a -ne 0 ] || [ $rc_b -ne 0 ]; then
    progress "$failed checks failed; details in the test log"
    {
        for h in a b; do
            echo "$me: the last lines of host $(printf '%s' "$h" | tr ab AB)'s serial log:"
            tail -n 60 "$work/$h/serial.txt" | sed 's/^/| /'
        done
        echo "$me: the serial logs are kept in $work/a and $work/b"
    } >&2
    if [ -f "$work/emulation" ]; then
        progress "every failure is the emulation's: $(cat "$work/emulation")"
        exit 75
    fi
    exit 1
fi
progress "all checks passed"
if [ $keep = no ]; then
    rm -rf "$work"
fi
exit 0
