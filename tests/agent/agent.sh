#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplm-agent end to end, off Xen: one period on recorded guests
# (tests/fixtures/agent/) with --once --dry-run, bad goals files, bad
# command lines.  Expected outputs live in tests/agent/cases/.

XENPLM_PROGRAM=guest-agent/xenplm-agent
XENPLM_CASES=tests/agent/cases
. "${top_srcdir:-.}/tests/cli/lib.sh"

FIX="$top_srcdir/tests/fixtures/agent"
XSD="$top_srcdir/policies/xenplm-goals.xsd"
DEFAULT="$top_srcdir/policies/goals/default.xml"

# --- what recorded guests would publish, with the shipped default goals ---
for g in idle busy memstarved nopsi absurd; do
    check "default goals, recorded $g guest" 0 "default-$g" \
        --once --dry-run --root "$FIX/$g" -f "$DEFAULT" --schema "$XSD"
done

# --- a recorded tree of one snapshot: --root DIR with DIR/0 alone ---
check "one recorded snapshot (minimal/0), named by its directory" 0 minimal \
    --once --dry-run --root "$FIX/minimal" -f "$DEFAULT" --schema "$XSD"

# --- a feedback goal on a command probe, a cpu-util and a memory goal ---
check "probe goal missed, cpu-util at priority 2, busy guest" 0 probe-busy \
    --once --dry-run --root "$FIX/busy" -f probe.xml --schema "$XSD"
check "the same on an idle guest" 0 probe-idle \
    --once --dry-run --root "$FIX/idle" -f probe.xml --schema "$XSD"

# --- every shipped goals file loads ---
for f in default web database batch; do
    run --once --dry-run --root "$FIX/idle" -f "$top_srcdir/policies/goals/$f.xml" --schema "$XSD"
    : >"$tmpdir/why"
    if [ "$rc" = 0 ] && grep -q '^would publish:$' "$tmpdir/out" && [ ! -s "$tmpdir/err" ]; then
        tap_ok "policies/goals/$f.xml loads and yields a request"
    else
        cat "$tmpdir/err" >>"$tmpdir/why"
        tap_not_ok "policies/goals/$f.xml loads and yields a request"
    fi
done

# --- errors ---
check "a bad goals file: FILE:LINE: problem, exit 2" 2 bad-goals \
    --once --dry-run --root "$FIX/busy" -f bad.xml --schema "$XSD"
check "a missing goals file" 2 missing-goals \
    --once --dry-run --root "$FIX/busy" -f nosuch.xml --schema "$XSD"
check "a schema that cannot be read: the message names --schema" 2 missing-schema \
    --once --dry-run --root "$FIX/busy" -f probe.xml --schema nosuch.xsd
check "a tree without /proc/stat" 1 bad-root \
    --once --dry-run --root nosuch -f probe.xml --schema "$XSD"
check "an unknown option" 2 bad-option --bogus
check "an option without its argument" 2 bad-missing-arg -f
check "an unknown command" 2 bad-command frobnicate
# A build without libxenstore (configure --without-xen) says so instead.
if [ "${XENPLM_AGENT_XENSTORE:-yes}" = no ]; then
    check "without --dry-run, built without libxenstore: exit 1" 1 no-xenstore \
        --once --root "$FIX/busy" -f probe.xml --schema "$XSD"
elif [ -e /dev/xen/xenbus ] || [ -e /proc/xen/xenbus ]; then
    tap_skip "without --dry-run off Xen: no xenstore" "this machine is a Xen guest"
else
    check "without --dry-run off Xen: no xenstore, exit 1" 1 no-xen \
        --once --root "$FIX/busy" -f probe.xml --schema "$XSD"
fi

# --- help and version ---
run --help
: >"$tmpdir/why"
if [ "$rc" = 0 ] && grep -q -- '--dry-run' "$tmpdir/out" && grep -q 'xenplm-goals(5)' "$tmpdir/out"; then
    tap_ok "--help names the options and the man pages"
else
    tap_not_ok "--help names the options and the man pages"
fi
run --version
if [ "$rc" = 0 ] && grep -q '^xenplm-agent [0-9]' "$tmpdir/out"; then
    tap_ok "--version"
else
    tap_not_ok "--version"
fi

done_testing
