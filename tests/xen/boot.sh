#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# Boot Xen under QEMU (TCG: KVM is not usable here) with the dom0 that
# tests/xen/mkinitrd.sh assembled in OUT, until dom0 says XENPLM-DONE and
# powers off, or the time runs out.  The serial console (Xen's and, through
# it, dom0's) goes to LOG.
#
#   tests/xen/boot.sh [--timeout SECONDS] OUT LOG
#
# Writes LOG.times: "ready S", "done S", "exit S", each the seconds since
# QEMU started when dom0 printed XENPLM-READY or XENPLM-DONE, or QEMU ended,
# and "cpu S", the CPU time QEMU had used when last seen (user and
# system): against the wall-clock time, what share of the host's cores
# the machine got, on a host shared with other work.
# Exits 0 once dom0 has printed XENPLM-DONE, 1 when it never does (a
# timeout, a crash), 77 when there is no qemu-system-x86_64.
# Environment: XENPLM_XEN_QEMU (default qemu-system-x86_64),
# XENPLM_XEN_ARGS (more arguments for Xen, such as sched=credit2),
# XENPLM_XEN_DOM0_ARGS (more arguments for the dom0 kernel; see below),
# XENPLM_XEN_CPU (QEMU's -cpu, default qemu64,+svm,+npt: see below),
# XENPLM_XEN_SILENCE (seconds, default 240: see below),
# XENPLM_XEN_QEMU_ARGS (more arguments for QEMU, split on blanks: the
# two-host rig, tests/xen/rig2.sh, gives dom0 its NIC that way; none by
# default, and the machine has no network at all).
#
# A dom0 that falls silent: once dom0 is up, no scenario step goes longer
# than a couple of minutes without a line on the console (the longest wait
# is a guest's boot, 120 s at most), and before it is up its kernel boots
# in well under a minute, even under load (seen: a dom0 hung for good
# right after Xen's "about to get started...", under TCG, in CI).  When the serial log has not grown for
# XENPLM_XEN_SILENCE seconds, dom0 is hung: boot.sh asks Xen for its state
# through the serial console's input (its debug keys: domains and vcpus,
# run queues, each pCPU's registers and stack), which lands in the log,
# says so, and stops QEMU rather than sitting out the timeout.
set -eu

me=boot.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

timeout=900
while [ $# -gt 0 ]; do
    case "$1" in
    --timeout)
        [ $# -ge 2 ] || die "--timeout needs seconds"
        timeout=$2
        shift 2
        ;;
    -*) die "unknown option $1" ;;
    *) break ;;
    esac
done
[ $# -eq 2 ] || die "usage: $me [--timeout SECONDS] OUT LOG"
out=$(cd "$1" && pwd)
log=$2

qemu=${XENPLM_XEN_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 ||
    skip "no $qemu (apt-get install qemu-system-x86)"
for f in xen vmlinux dom0.cpio; do
    [ -f "$out/$f" ] || die "$out/$f is missing: run mkinitrd.sh first"
done
# QEMU splits -initrd on commas into multiboot modules.
case "$out" in *,*) die "the image directory's path must not hold a comma: $out" ;; esac

# dom0 holds its whole root file system in memory, unpacked from a plain
# cpio of about 140 MiB (the domU kernel alone is 63 MiB, and xenplmd
# links libcurl's TLS stack for pool mode): with 512 MiB, Debian 12's
# kernel failed to unpack it ("Initramfs unpacking failed: write error").
# 768 MiB, and QEMU's memory grows by the same 256 MiB, so that what Xen
# has free for the guests is as before.
xen_args="console=com1 com1=115200,8n1 dom0_mem=768M,max:768M dom0_max_vcpus=2"
# bootscrub=0: scrubbing 1.5 GiB of free memory costs a lot under TCG and
# holds up the first domain builds.
xen_args="$xen_args sched=credit bootscrub=0 noreboot ${XENPLM_XEN_ARGS:-}"
# The kernel hands unknown NAME=VALUE arguments to /init as environment:
# XENPLM_XEN_DOM0_ARGS="XENPLM_GUEST_EXTRA=loglevel=7 XENPLM_CONSOLE_LINES=300"
# shows the domUs' boot messages, for one.
# The same boot-time savings as for the domUs (FAST_BOOT in lib-dom0.sh).
fast_boot="rodata=off cryptomgr.notests ipv6.disable=1 8250.nr_uarts=0 audit=0 lsm=capability mitigations=off"
# XENPLM_XEN_PVH=1 runs the daemon scenario's PVH step (scenario-daemon.sh,
# step 9), left out otherwise: under QEMU's emulated SVM, Xen itself hung
# for good after a PVH guest was created, on both rows (see that step).
dom0_args="console=hvc0 rdinit=/init quiet $fast_boot XENPLM_PVH=${XENPLM_XEN_PVH:-0} ${XENPLM_XEN_DOM0_ARGS:-}"

silence=${XENPLM_XEN_SILENCE:-240}
rm -f "$log" "$log.times"
: >"$log"
# The serial console through a pair of FIFOs, QEMU's pipe: backend: cat
# copies what Xen prints (BASE.out) into LOG, and boot.sh writes to
# BASE.in when it needs to talk to Xen.  Every end is opened read-write
# (as QEMU opens its own), so that no open waits for the other side, even
# when QEMU never starts; cat is stopped once QEMU is gone and it has
# drained the FIFO.
fifo=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-serial.XXXXXX") || die "mktemp failed"
mkfifo "$fifo/s.in" "$fifo/s.out" || die "mkfifo failed"
cat 0<>"$fifo/s.out" >>"$log" &
reader=$!
start=$(now)
# -no-reboot: should Xen crash and reboot, QEMU stops instead.
# The CPU: qemu64 with AMD's SVM and nested paging, which TCG emulates,
# so that Xen may offer HVM (and PVH) guests; XENPLM_XEN_CPU=qemu64 turns
# them off.
cpu=${XENPLM_XEN_CPU:-qemu64,+svm,+npt}
# shellcheck disable=SC2086 # XENPLM_XEN_QEMU_ARGS: split on purpose
"$qemu" -machine pc -accel tcg,thread=multi -cpu "$cpu" -smp 2 -m 2304M \
    -nographic -monitor none -vga none -net none -no-reboot \
    -serial "pipe:$fifo/s" \
    -kernel "$out/xen" -append "$xen_args" \
    -initrd "$out/vmlinux $dom0_args,$out/dom0.cpio" \
    ${XENPLM_XEN_QEMU_ARGS:-} \
    </dev/null >"$log.qemu" 2>&1 &
pid=$!
# QEMU's pid, for a host driver that fails the whole host (rig2.sh --fault).
echo "$pid" >"$log.pid"
trap 'kill "$pid" "$reader" 2>/dev/null || true; rm -rf "$fifo"' EXIT INT TERM

# quiet_log: wait until the serial log has not grown for a second (at
# most 10 s: a dump takes a few under TCG).
quiet_log() {
    q_size=-1
    q_n=0
    while [ "$q_n" -lt 10 ] && [ "$(wc -c <"$log")" != "$q_size" ]; do
        q_size=$(wc -c <"$log")
        q_n=$((q_n + 1))
        sleep 1
    done
}

# xen_keys KEY...: ask Xen for its state; each key's dump goes to the log.
# Three Ctrl-A switch the console's input from dom0 to Xen.
xen_keys() {
    printf '\001\001\001' 1<>"$fifo/s.in"
    quiet_log
    for k in "$@"; do
        printf '%s' "$k" 1<>"$fifo/s.in"
        quiet_log
    done
}

ready=""
done_at=""
status=1
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_cs="" # QEMU's CPU time when last seen, hundredths of a second
seen=0 # lines of the serial log already looked at for progress
size=0      # the serial log's size when last seen to grow,
grown_at=0  # and when
while :; do
    t=$(elapsed "$start")
    # Whether QEMU still runs, asked before the log is read: what it wrote
    # before it ended is then read in this same pass.
    alive=yes
    kill -0 "$pid" 2>/dev/null || alive=no
    # utime and stime, fields 14 and 15 (QEMU's name, field 2, has no blank).
    c=$(awk -v t="$tck" '{ printf "%d", ($14 + $15) * 100 / t }' "/proc/$pid/stat" 2>/dev/null) &&
        [ -n "$c" ] && cpu_cs=$c
    # QEMU gone: cat gets a moment to copy its last words out of the FIFO.
    [ $alive = yes ] || sleep 1
    # What dom0 says it is doing, a line per scenario and step, and every
    # failed check, on the console as it happens (progress, common.sh).
    lines=$(wc -l <"$log")
    if [ "$lines" -gt "$seen" ]; then
        sed -n "$((seen + 1)),${lines}p" "$log" | tr -d '\r' | while IFS= read -r line; do
            case "$line" in
            "XENPLM-READY"*) progress "dom0 is up; running the scenarios" ;;
            "# scenario "* | "# step: "*) progress "${line#\# }" ;;
            "not ok "*) progress "FAILED: ${line#not ok }" ;;
            "XENPLM-DONE"*) progress "dom0 is done" ;;
            esac
        done
        seen=$lines
    fi
    if [ -z "$ready" ] && grep -q '^XENPLM-READY' "$log"; then
        ready=$t
        echo "ready $t" >>"$log.times"
        msg "dom0 ready ${t} s after QEMU started"
    fi
    if [ -z "$done_at" ] && grep -q '^XENPLM-DONE' "$log"; then
        done_at=$t
        echo "done $t" >>"$log.times"
        msg "scenarios done ${t} s after QEMU started"
        status=0
    fi
    # A dom0 kernel that crashes (seen: Debian 13's 6.12 taking an int3
    # oops in early boot under multi-threaded TCG, once in CI):
    # Xen, told not to reboot, would sit there until the timeout.  Stop
    # at once; the caller's retry says so on the console.
    if [ -z "$done_at" ] && grep -q '^(XEN) Hardware Dom0 crashed' "$log"; then
        why=$(grep -o -e 'Kernel panic.*' -e 'Oops.*' "$log" | head -n 1 | tr -d '\r')
        msg "dom0 crashed (${why:-see the serial log}): stopping QEMU"
        progress "dom0 crashed after $t s: stopping QEMU"
        break
    fi
    if [ $alive = no ]; then
        break
    fi
    now_size=$(wc -c <"$log")
    if [ "$now_size" != "$size" ]; then
        size=$now_size
        grown_at=$t
    elif [ -z "$done_at" ] &&
        awk -v a="$t" -v b="$grown_at" -v s="$silence" 'BEGIN { exit !(a - b > s) }'; then
        last=$(tr -d '\r' <"$log" | grep -v '^[[:space:]]*$' | tail -n 1)
        before=""
        [ -n "$ready" ] || before=" before it got ready"
        msg "dom0 silent for $silence s$before (its last line: $last): Xen's state follows in the serial log; stopping QEMU"
        progress "dom0 silent for $silence s$before, after $t s: dumping Xen's state, stopping QEMU"
        # q: domains and vcpus; r: run queues; d: every pCPU's registers
        # and stack; 0: dom0's vcpus.
        xen_keys q r d 0
        break
    fi
    # Give dom0 some time to power off once done; Xen may halt rather than
    # switch the machine off.
    if [ -n "$done_at" ] && awk -v a="$t" -v b="$done_at" 'BEGIN { exit !(a - b > 15) }'; then
        msg "QEMU still running 15 s after dom0 was done: stopping it"
        break
    fi
    if awk -v a="$t" -v b="$timeout" 'BEGIN { exit !(a > b) }'; then
        msg "timed out after $timeout s"
        progress "timed out after $timeout s of QEMU"
        break
    fi
    sleep 0.2
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
# QEMU gone: what it wrote last is in the FIFO for cat to copy.
sleep 1
kill "$reader" 2>/dev/null || true
wait "$reader" 2>/dev/null || true
rm -rf "$fifo"
trap - EXIT INT TERM
echo "exit $(elapsed "$start")" >>"$log.times"
[ -z "$cpu_cs" ] || printf 'cpu %d.%02d\n' $((cpu_cs / 100)) $((cpu_cs % 100)) >>"$log.times"
if [ -s "$log.qemu" ]; then
    sed 's/^/qemu: /' "$log.qemu" >&2
fi
rm -f "$log.qemu"
if [ $status -ne 0 ]; then
    if [ -z "$ready" ]; then
        msg "dom0 never got ready"
    else
        msg "dom0 never finished its scenarios"
    fi
fi
exit $status
