#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplm-agent's metrics file (TAP), on every recorded guest of
# tests/fixtures/agent/ with the shipped default goals: valid for
# `promtool check metrics`, and saying what the period's report says
# (each goal met or missed, the request level by level, in CPUs and
# bytes); a dry run writes it only where its command line says.
#
# promtool comes with Debian's prometheus package (scripts/install-deps).
# Without it that check is skipped, saying why, unless CI=true or
# XENPLM_PROM_REQUIRE=1, where it fails.

XENPLM_PROGRAM=guest-agent/xenplm-agent
XENPLM_CASES=tests/agent/cases
. "${top_srcdir:-.}/tests/cli/lib.sh"

FIX="$top_srcdir/tests/fixtures/agent"
XSD="$top_srcdir/policies/xenplm-goals.xsd"
DEFAULT="$top_srcdir/policies/goals/default.xml"

have_promtool=yes
if ! command -v promtool >/dev/null 2>&1; then
    have_promtool=no
    echo "agent/metrics.sh: promtool is not installed (Debian: the prometheus package)" >&2
fi

for g in idle busy memstarved nopsi absurd minimal; do
    rm -rf "$tmpdir/m" && mkdir "$tmpdir/m"
    run --once --dry-run --root "$FIX/$g" -f "$DEFAULT" --schema "$XSD" --metrics-dir "$tmpdir/m"
    prom="$tmpdir/m/xenplm-agent.prom"
    : >"$tmpdir/why"
    if [ "$rc" != 0 ] || [ ! -s "$prom" ]; then
        echo "exit status $rc, no $prom" >>"$tmpdir/why"
        cat "$tmpdir/err" >>"$tmpdir/why"
        tap_not_ok "$g: the metrics file is written"
        continue
    fi
    tap_ok "$g: the metrics file is written"

    if [ $have_promtool = yes ]; then
        if promtool check metrics <"$prom" >"$tmpdir/why" 2>&1; then
            tap_ok "$g: promtool check metrics"
        else
            tap_not_ok "$g: promtool check metrics"
        fi
    elif [ "${CI:-}" = true ] || [ "${XENPLM_PROM_REQUIRE:-0}" = 1 ]; then
        echo "promtool is not installed, and CI=true or XENPLM_PROM_REQUIRE=1 asks for it" >"$tmpdir/why"
        tap_not_ok "$g: promtool check metrics"
    else
        tap_skip "$g: promtool check metrics" "promtool is not installed (Debian: prometheus)"
    fi

    # What the report says, as the metrics should say it: each goal's
    # state (met and over are met), the levels published ("cpu pct L1
    # L2...", "mem mib L1..."), in CPUs and bytes.
    : >"$tmpdir/want"
    awk '/^goals:/ { g = 1; next } /^[a-z]/ { g = 0 }
         g && NF >= 5 { r = ($3 == "mem") ? "memory" : $3
                        printf "xenplm_agent_goal_met{goal=\"%s\",priority=\"%s\",resource=\"%s\"} %d\n",
                            $1, substr($2, 2), r, ($5 == "met" || $5 == "over") }
         /^cpu pct / { for (i = 3; i <= NF; i++)
                           printf "xenplm_agent_cpu_requested_cpus{level=\"%d\"} %s\n", i - 2, $i / 100 }
         /^mem mib / { for (i = 3; i <= NF; i++)
                           printf "xenplm_agent_memory_requested_bytes{level=\"%d\"} %.0f\n", i - 2, $i * 1048576 }' \
        "$tmpdir/out" >"$tmpdir/want"
    while IFS= read -r line; do
        grep -qxF "$line" "$prom" || echo "missing: $line" >>"$tmpdir/why"
    done <"$tmpdir/want"
    if [ -s "$tmpdir/want" ] && [ ! -s "$tmpdir/why" ]; then
        tap_ok "$g: goals met or missed and the request, as the report says ($(wc -l <"$tmpdir/want") lines)"
    else
        { echo "--- the report:"; cat "$tmpdir/out"; echo "--- the metrics:"; grep -v '^#' "$prom"; } >>"$tmpdir/why"
        tap_not_ok "$g: goals met or missed and the request, as the report says"
    fi
done

# A dry run writes nothing the goals file names: its <metrics dir> is not used.
mkdir "$tmpdir/g"
sed "s|<xenplm-goals version=\"1\">|&<agent><metrics dir=\"$tmpdir/g\"/></agent>|" "$DEFAULT" \
    >"$tmpdir/goals.xml"
run --once --dry-run --root "$FIX/busy" -f "$tmpdir/goals.xml" --schema "$XSD"
: >"$tmpdir/why"
if ! grep -q "<metrics dir=\"$tmpdir/g\"/>" "$tmpdir/goals.xml"; then
    echo "the test's goals file has no <metrics>: $(cat "$tmpdir/goals.xml")" >>"$tmpdir/why"
    tap_not_ok "a dry run ignores the goals' <metrics dir>"
elif [ "$rc" = 0 ] && [ -z "$(ls -A "$tmpdir/g")" ]; then
    tap_ok "a dry run ignores the goals' <metrics dir>"
else
    { echo "exit status $rc"; ls -A "$tmpdir/g"; cat "$tmpdir/err"; } >>"$tmpdir/why"
    tap_not_ok "a dry run ignores the goals' <metrics dir>"
fi

run --once --dry-run --root "$FIX/busy" -f "$DEFAULT" --metrics-dir ''
if [ "$rc" = 2 ] && grep -q metrics-dir "$tmpdir/err"; then
    tap_ok "--metrics-dir '' is refused"
else
    echo "exit status $rc: $(cat "$tmpdir/err")" >"$tmpdir/why"
    tap_not_ok "--metrics-dir '' is refused"
fi

done_testing
