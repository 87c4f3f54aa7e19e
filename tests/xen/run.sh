#!/bin/sh
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
# The real-Xen end-to-end test: fetch the pinned Debian packages (cached),
# assemble the dom0 and domU images, boot Xen 4.17 (or 4.20) under QEMU (TCG), run
# the scenarios in dom0 and turn the serial log into TAP on stdout, one
# result per assertion.  `make check-xen` runs it, and so does `make check`
# (through rig.sh, which turns "cannot run here" into a TAP skip); by
# hand, from a build directory:
#     top_srcdir=. top_builddir=. tests/xen/run.sh [--keep] [--timeout S]
#
# Scenarios, in this order (XENPLM_XEN_SCENARIOS, default "xl daemon agent"):
#   xl      scenario-xl.sh: weight, cap, vcpus and memory set with xl
#   daemon  scenario-daemon.sh: xenplmd enforcing guests' requests; skipped
#           unless src/xenplmd is built with the Xen port (libxenlight)
#   agent   scenario-agent.sh: xenplm-agent in the guests, with real goals,
#           and xenplmd; skipped unless both are built for Xen (the agent
#           with libxenstore)
#
# Exits 0 when every assertion passed, 1 when one failed (the serial log is
# then kept and its tail printed), 77 when the rig cannot run here (no QEMU,
# no cpio, packages that cannot be downloaded), unless XENPLM_XEN_REQUIRE=1
# (as CI may set), which makes that a failure too.
# The work directory is tests/xen/work in the build directory; --keep keeps
# it (images, serial log) after a success too.
# Environment: see also fetch.sh (XENPLM_XEN_CACHE, XENPLM_XEN_UNPINNED,
# XENPLM_XEN_VERSIONS, XENPLM_XEN_CHROOT), mkinitrd.sh (XENPLM_XEN_SYSROOT)
# and boot.sh (XENPLM_XEN_QEMU, XENPLM_XEN_ARGS).  For another matrix row
# (tests/xen/rig-4.20.sh): XENPLM_XEN_BUILD, the build directory whose
# programs go into the images (default: top_builddir), and
# XENPLM_XEN_WORK, the work directory (default: tests/xen/work).
set -eu

me=run.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

top_srcdir=$(cd "${top_srcdir:-$here/../..}" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)

keep=no
timeout=900
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

qemu=${XENPLM_XEN_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null 2>&1 || cannot "no $qemu (apt-get install qemu-system-x86)"
command -v cpio >/dev/null 2>&1 || cannot "no cpio (apt-get install cpio)"

work=${XENPLM_XEN_WORK:-$top_builddir/tests/xen/work}
progs=$(cd "${XENPLM_XEN_BUILD:-$top_builddir}" && pwd)
log="$work/serial.log"
rm -rf "$work"
mkdir -p "$work"
t_start=$(now)

# --- packages -----------------------------------------------------------------
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

# --- images -------------------------------------------------------------------
set --
skipped=""
# no_daemon: why xenplmd cannot run in dom0, if it cannot.
# readelf, not ldd: the programs may be built for another release's libc.
no_daemon() {
    d="$progs/src/xenplmd"
    if [ ! -x "$d" ]; then
        echo "$d is not built"
    elif ! readelf -d "$d" 2>/dev/null | grep -q 'NEEDED.*libxenlight'; then
        echo "src/xenplmd is built without the Xen port (no libxenlight)"
    fi
}
# Each skipped scenario is one line of $skipped: a TAP result at the end.
for s in ${XENPLM_XEN_SCENARIOS:-xl daemon agent}; do
    case "$s" in
    xl) set -- "$@" --scenario "$here/scenario-xl.sh" ;;
    daemon)
        why=$(no_daemon)
        if [ -n "$why" ]; then
            skipped="$skipped${skipped:+
}xenplmd scenario # SKIP $why"
        else
            set -- "$@" --scenario "$here/scenario-daemon.sh" --xenplm "$progs" "$top_srcdir"
        fi
        ;;
    agent)
        why=$(no_daemon)
        ag="$progs/guest-agent/xenplm-agent"
        if [ -z "$why" ] && [ ! -x "$ag" ]; then
            why="$ag is not built"
        elif [ -z "$why" ] && ! readelf -d "$ag" 2>/dev/null | grep -q 'NEEDED.*libxenstore'; then
            why="guest-agent/xenplm-agent is built without libxenstore"
        fi
        if [ -n "$why" ]; then
            skipped="$skipped${skipped:+
}agent scenario # SKIP $why"
        else
            set -- "$@" --scenario "$here/scenario-agent.sh" --xenplm "$progs" "$top_srcdir"
        fi
        ;;
    *) die "unknown scenario $s (XENPLM_XEN_SCENARIOS: xl, daemon, agent)" ;;
    esac
done
progress "packages ready in $t_fetch s; assembling the dom0 and guest images"
# xenplm from the packages tests/package/build.sh left for this row, when
# it ran (make check runs it first): Debian 12's for the 4.17 rig,
# Debian 13's for the 4.20 one (XENPLM_XEN_DEBS, set by rig-4.20.sh);
# mkinitrd.sh says which it took.
set -- "$@" --debs "${XENPLM_XEN_DEBS:-$top_builddir/tests/package/out/bookworm}"
t0=$(now)
"$here/mkinitrd.sh" "$@" "$stage" "$work/img" || die "mkinitrd.sh failed"
t_images=$(elapsed "$t0")
progress "images ready in $t_images s; booting Xen under QEMU (TCG: slow)"

# --- boot -----------------------------------------------------------------------
boot_rc=0
"$here/boot.sh" --timeout "$timeout" "$work/img" "$log" || boot_rc=$?
[ $boot_rc -eq 77 ] && cannot "no $qemu"

# --- results --------------------------------------------------------------------
# Renumber dom0's results into one TAP stream, with the rig's own around them.
n=0
failed=0
# Failures that say only that a kernel never came up under emulation
# (booting): failed_other counts the rest, the product's.
failed_other=0
result() { # result ok|"not ok" DESC
    n=$((n + 1))
    echo "$1 $n - $2"
    [ "$1" = ok ] && return 0
    failed=$((failed + 1))
    case "$2" in
    "Xen boots and dom0's toolstack is up" | *" booted and reports on its console") ;;
    "dom0: "*" never came up under emulation"*) emu_bail=yes ;;
    "dom0 ran every scenario to its end"*)
        [ "$crashed" = yes ] || [ "$emu_bail" = yes ] || failed_other=$((failed_other + 1))
        ;;
    *) failed_other=$((failed_other + 1)) ;;
    esac
}
emu_bail=no
# A dom0 kernel that crashed (boot.sh stops QEMU at Xen's word for it).
crashed=no
grep -q '^(XEN) Hardware Dom0 crashed' "$log" 2>/dev/null && crashed=yes

ready=$(awk '$1 == "ready" { print $2 }' "$log.times" 2>/dev/null)
done_at=$(awk '$1 == "done" { print $2 }' "$log.times" 2>/dev/null)
if [ -n "$ready" ]; then
    result ok "Xen boots and dom0's toolstack is up"
else
    result "not ok" "Xen boots and dom0's toolstack is up"
fi

serial_text "$log" "$work/serial.txt"
serial_tap "$work/serial.txt" ""
plan=$dom0_plan
# The daemon's metrics file, as the daemon scenario printed it in dom0
# ("# prom| " lines): promtool on the host.  Skipped without promtool
# (Debian: prometheus), unless CI=true or XENPLM_PROM_REQUIRE=1.
sed -n 's/^# prom| //p' "$work/serial.txt" >"$work/xenplm.prom"
if [ -s "$work/xenplm.prom" ]; then
    desc="promtool check metrics: the daemon's metrics file from dom0"
    if command -v promtool >/dev/null 2>&1; then
        if promtool check metrics <"$work/xenplm.prom" >"$work/promtool.out" 2>&1; then
            result ok "$desc"
        else
            sed 's/^/#   /' "$work/promtool.out"
            result "not ok" "$desc"
        fi
    elif [ "${CI:-}" = true ] || [ "${XENPLM_PROM_REQUIRE:-0}" = 1 ]; then
        echo "#   promtool is not installed (Debian: prometheus), and CI=true or XENPLM_PROM_REQUIRE=1"
        result "not ok" "$desc"
    else
        result ok "$desc # SKIP promtool is not installed (Debian: prometheus)"
    fi
fi
if [ -z "$done_at" ] || [ -z "$plan" ] || [ "$plan" -ne "$dom0_results" ]; then
    result "not ok" "dom0 ran every scenario to its end (plan ${plan:-missing}, $dom0_results results)"
fi
if [ -n "$skipped" ]; then
    while IFS= read -r line; do
        n=$((n + 1))
        echo "ok $n - $line"
    done <<SKIPPED
$skipped
SKIPPED
fi
echo "1..$n"

echo "# --- figures (wall-clock seconds) ---"
echo "# packages (fetch, cached): $t_fetch s; images: $t_images s"
echo "# QEMU start to dom0 ready: ${ready:-never} s"
if [ -n "$ready" ] && [ -n "$done_at" ]; then
    echo "# scenarios (ready to done): $(awk -v a="$ready" -v b="$done_at" 'BEGIN { printf "%.1f", b - a }') s"
fi
echo "# whole run: $(elapsed "$t_start") s"

if [ $failed -ne 0 ] || [ $boot_rc -ne 0 ]; then
    progress "$failed of $n checks failed; details in the test log"
    {
        echo "$me: $failed failed; the last lines of the serial log:"
        tail -n 60 "$work/serial.txt" | sed 's/^/| /'
        echo "$me: serial log kept in $log"
    } >&2
    # Exit 75 only when every failure is a kernel that never came up
    # (dom0 never ready or crashed, a guest that never reported): the
    # emulation's, which rig.sh may try again; any other failed check is
    # the product's, and fails the run.
    if [ $failed_other -eq 0 ] && [ $failed -ne 0 ]; then
        progress "every failure is a kernel that never came up under emulation (dom0 ready: ${ready:-never}; dom0 crashed: $crashed)"
        exit 75
    fi
    exit 1
fi
progress "all $n checks passed"
if [ $keep = no ]; then
    rm -rf "$work"
fi
exit 0
