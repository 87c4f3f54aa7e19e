#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplmd-sim's metrics file (TAP): written where --metrics-dir says, or
# else where the policy's <metrics dir> says; replaced whole, readable by
# node_exporter's user; valid for `promtool check metrics`; its values
# those of the scenario (tests/sim/metrics.scn); written at least every
# <metrics interval> while nothing else happens; a directory that cannot
# be written is logged once, with its path and the reason, and the
# daemon goes on; the last state is written when the daemon stops.
#
# The reactions: alpha's and beta's first requests, answered in the turn
# that read them (0 s on the simulated clock, which stands still in a
# turn), and alpha's flood: its first read at once, the last write read
# when the rate limit's next token comes, 1 s after its watch fired.
#
# promtool comes with Debian's prometheus package (scripts/install-deps).
# Without it that check is skipped, saying why, unless CI=true or
# XENPLM_PROM_REQUIRE=1, where it fails.

XENPLM_PROGRAM=src/xenplmd-sim
XENPLM_CASES=tests/sim
. "${top_srcdir:-.}/tests/cli/lib.sh"

SCN="$top_srcdir/tests/sim/metrics.scn"
POLICY="$top_srcdir/tests/sim/metrics.xml"
NODIR=/nonexistent/xenplm-metrics

# fail DESC LINE...: not ok, with the lines as the reason.
fail() {
    f_desc=$1
    shift
    printf '%s\n' "$@" >"$tmpdir/why"
    tap_not_ok "$f_desc"
}

# sim ARGS...: xenplmd-sim -v on the scenario; $rc, $tmpdir/out and err.
sim() {
    "$XENPLM" -v --sim "$SCN" "$@" >"$tmpdir/out" 2>"$tmpdir/err"
    rc=$?
}

# --- the command line wins over the policy -------------------------------
mkdir "$tmpdir/m"
# What a daemon killed in the middle of a write would leave; and a file
# of someone else's.
: >"$tmpdir/m/.xenplm.prom.Ab12Cd"
: >"$tmpdir/m/other.prom"
sim -f "$POLICY" --metrics-dir "$tmpdir/m"
rm -f "$tmpdir/m/other.prom"
prom="$tmpdir/m/xenplm.prom"
if [ $rc = 0 ] && [ -s "$prom" ] && grep -q "writing metrics to $prom\$" "$tmpdir/err" &&
    ! grep -q "$NODIR" "$tmpdir/err"; then
    tap_ok "--metrics-dir DIR: DIR/xenplm.prom written, the policy's directory not used"
else
    fail "--metrics-dir DIR: DIR/xenplm.prom written, the policy's directory not used" \
        "exit status $rc" "$(ls -la "$tmpdir/m")" "$(grep -i metrics "$tmpdir/err")"
fi
left=$(ls -A "$tmpdir/m")
mode=$(stat -c %a "$prom" 2>/dev/null)
if [ "$left" = xenplm.prom ] && [ "$mode" = 644 ]; then
    tap_ok "no temporary file left behind (nor one an earlier writer left); the file is readable by all (0644)"
else
    fail "no temporary file left behind (nor one an earlier writer left); the file is readable by all (0644)" "files: $left" \
        "mode: $mode"
fi

# --- promtool ------------------------------------------------------------
if command -v promtool >/dev/null 2>&1; then
    if promtool check metrics <"$prom" >"$tmpdir/promtool" 2>&1; then
        tap_ok "promtool check metrics: no error, no lint problem"
    else
        fail "promtool check metrics: no error, no lint problem" "$(cat "$tmpdir/promtool")"
    fi
elif [ "${CI:-}" = true ] || [ "${XENPLM_PROM_REQUIRE:-0}" = 1 ]; then
    fail "promtool check metrics" "promtool is not installed (Debian: the prometheus package;" \
        "scripts/install-deps installs it), and CI=true or XENPLM_PROM_REQUIRE=1 asks for it"
else
    echo "metrics.sh: promtool is not installed (Debian: the prometheus package): not checked" >&2
    tap_skip "promtool check metrics" "promtool is not installed (Debian: prometheus)"
fi

# --- the values of the scenario -------------------------------------------
: >"$tmpdir/why"
while IFS= read -r want; do
    grep -qxF "$want" "$prom" || echo "missing: $want" >>"$tmpdir/why"
done <<'LINES'
# TYPE xenplm_domain_cpu_granted_cpus gauge
xenplm_domain_cpu_granted_cpus{domain="alpha",domid="1"} 2
xenplm_domain_cpu_granted_cpus{domain="beta",domid="2"} 0.5
xenplm_domain_memory_granted_bytes{domain="alpha",domid="1"} 2147483648
xenplm_domain_memory_granted_bytes{domain="beta",domid="2"} 805306368
xenplm_domain_memory_target_bytes{domain="alpha",domid="1"} 2147483648
xenplm_domain_memory_actual_bytes{domain="alpha",domid="1"} 2147483648
xenplm_domain_memory_actual_bytes{domain="beta",domid="2"} 805306368
xenplm_domain_cpu_requested_cpus{domain="alpha",domid="1",level="2"} 2
xenplm_domain_memory_requested_bytes{domain="beta",domid="2",level="1"} 805306368
xenplm_domain_vcpus_online{domain="alpha",domid="1"} 2
xenplm_domain_cpu_cap_cpus{domain="beta",domid="2"} 0.5
xenplm_domain_status{domain="alpha",domid="1",status="ok"} 1
xenplm_domain_status{domain="beta",domid="2",status="rejected"} 1
xenplm_domain_status{domain="beta",domid="2",status="ok"} 0
xenplm_domain_requests_accepted_total{domain="beta",domid="2"} 1
xenplm_domain_requests_rejected_total{domain="beta",domid="2"} 1
xenplm_domain_requests_rejected_total{domain="alpha",domid="1"} 0
xenplm_pool_cpus 4
xenplm_pool_headroom_bytes 536870912
xenplm_host_memory_free_bytes 4563402752
# TYPE xenplm_reallocations_total counter
# TYPE xenplm_reaction_seconds histogram
xenplm_domain_requests_accepted_total{domain="alpha",domid="1"} 2
xenplm_reaction_seconds_count 4
xenplm_reaction_seconds_bucket{le="+Inf"} 4
xenplm_reaction_seconds_bucket{le="0.5"} 3
xenplm_reaction_seconds_bucket{le="1"} 4
xenplm_reaction_seconds_sum 1
LINES
if [ ! -s "$tmpdir/why" ]; then
    tap_ok "the values are the scenario's (grants, targets, requests, status, counters, pool, reactions)"
else
    echo "--- the file:" >>"$tmpdir/why"
    grep -v '^#' "$prom" >>"$tmpdir/why"
    tap_not_ok "the values are the scenario's (grants, targets, requests, status, counters, pool, reactions)"
fi

# --- written at least every interval ---------------------------------------
# The scenario is quiet from 5 s to 90 s: the writes come from the
# policy's 5 s interval alone.
awk '/metrics written/ { t = substr($2, 1, length($2) - 2) + 0; if (n && t - last > gap) gap = t - last; last = t; n++ }
     END { print n + 0, gap + 0, last + 0 }' "$tmpdir/err" >"$tmpdir/gaps"
read -r nwrites gap last <"$tmpdir/gaps"
if [ "$nwrites" -ge 18 ] && awk -v g="$gap" -v l="$last" 'BEGIN { exit !(g <= 5 && l == 90) }'; then
    tap_ok "written every 5 s (the policy's interval) while nothing changes, and at the stop ($nwrites writes)"
else
    fail "written every 5 s (the policy's interval) while nothing changes" \
        "writes: $nwrites, longest gap: $gap s, last at $last s" "$(grep 'metrics written' "$tmpdir/err")"
fi

# --- the policy's directory ------------------------------------------------
mkdir "$tmpdir/p"
sed "s|$NODIR|$tmpdir/p|" "$POLICY" >"$tmpdir/policy.xml"
sim -f "$tmpdir/policy.xml"
if [ $rc = 0 ] && [ -s "$tmpdir/p/xenplm.prom" ]; then
    tap_ok "without --metrics-dir, the policy's <metrics dir> is used"
else
    fail "without --metrics-dir, the policy's <metrics dir> is used" "exit status $rc" \
        "$(grep -i metrics "$tmpdir/err")"
fi

# --- a directory that cannot be written --------------------------------------
sim -f "$POLICY"
nwarn=$(grep -c "cannot .* the metrics file $NODIR/xenplm.prom .*: No such file or directory\$" "$tmpdir/err")
if [ $rc = 0 ] && [ "$nwarn" = 1 ] && grep -q "allocation #1" "$tmpdir/out" &&
    grep -q "end of the scenario" "$tmpdir/err"; then
    tap_ok "a directory that cannot be written: logged once with path and reason, the daemon goes on"
else
    fail "a directory that cannot be written: logged once with path and reason, the daemon goes on" \
        "exit status $rc, $nwarn warnings" "$(grep -i metrics "$tmpdir/err")"
fi

"$XENPLM" --sim "$SCN" --metrics-dir '' >"$tmpdir/out" 2>"$tmpdir/err"
rc=$?
if [ $rc = 2 ] && grep -q "metrics-dir" "$tmpdir/err"; then
    tap_ok "--metrics-dir '' is refused"
else
    fail "--metrics-dir '' is refused" "exit status $rc" "$(cat "$tmpdir/err")"
fi

done_testing
