#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The short form of make bench-quality in make check (TAP): the quick
# subset (a few simulated hours of some scenarios, every manager).
#  1  the managers xenplm ships keep the invariants: no overcommitted
#     host, no target under a guest's minimum (bench-quality exits 1 and
#     marks the row VIOLATION otherwise);
#  2  the same seed prints the same table (the harness is deterministic);
#  3  another seed prints another table (the seed reaches the traces, so
#     test 2 is not comparing constants);
#  4  xenplm moves memory in the quick run: its guests are ones it can
#     move (PV guests with a balloon driver; a harness that left them
#     without one measured a xenplm that never moved anything);
#  5  anticipation is at work in daily-peak's full run (four days,
#     under a second): xenplm+anticip meets more priority-1 goals in the
#     first minutes of the recurring peak (peak10) than xenplm;
#  6  host-side activity is at work in agentless's quick run: xenplm (the
#     I/O signal on, as the default policy has it) meets more priority-1
#     goals than xenplm-cpu (agentless guests judged by CPU time alone).
#  7  the boost is at work in bursty's full run (under a second):
#     xenplm+boost meets more priority-1 goals than xenplm and gets a
#     missed goal met again sooner after a burst (recov s).
#  8  affinity is at work in pinning's full run (two days, about a
#     second): xenplm+affinity (the latency guest kept apart from the
#     batch guests) meets more priority-1 goals than xenplm, and
#     xenplm+pin1 (pinned to one pCPU, too few for its afternoon) fewer
#     than xenplm+affinity.
#  9  lazy reclaim is at work in daily-peak's full run: xenplm+keep (the
#     default policy with <leftover reclaim="needed"/>) meets more
#     priority-1 goals than xenplm and moves less than a quarter of the
#     memory (the report guest's peak memory is kept through the night
#     instead of given back and grown again, slower than the peak comes).
# Beyond 5, 6, 7, 8 and 9 it asserts no ranking of the managers: that is what the full
# run reports.
bq=${top_builddir:-.}/bench/quality/bench-quality
tmp=${TMPDIR:-/tmp}/xenplm-bq.$$
mkdir -p "$tmp" || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..9"
# col FILE SCENARIO MANAGER FIELD: the field of that row of a table, FIELD
# an awk field expression (3: P1 %; NF - 4: moved GiB; NF - 5: peak10;
# NF - 6: reversals).
col() {
    awk -v s="$2" -v m="$3" '$1 == s && $2 == m { print $('"$4"') }' "$1"
}
rc=0
"$bq" --quick >"$tmp/a" 2>"$tmp/a.err" || rc=$?
if [ "$rc" -eq 0 ] && [ -s "$tmp/a" ] && grep -q '^[a-z].* xenplm ' "$tmp/a"; then
    echo "ok 1 - quick run: the shipped manager keeps every invariant"
else
    echo "not ok 1 - quick run exited $rc"
fi
sed 's/^/# /' "$tmp/a" "$tmp/a.err"
"$bq" --quick >"$tmp/b" 2>&1
if cmp -s "$tmp/a" "$tmp/b"; then
    echo "ok 2 - the same seed gives the same table"
else
    echo "not ok 2 - two runs with the same seed differ"
    diff "$tmp/a" "$tmp/b" | sed 's/^/# /'
fi
"$bq" --quick --seed 7 >"$tmp/c" 2>&1
if [ -s "$tmp/c" ] && ! cmp -s "$tmp/a" "$tmp/c"; then
    echo "ok 3 - another seed gives another table"
else
    echo "not ok 3 - the seed does not change the table"
fi
# The column "moved G" (memory moved, GiB) of xenplm's rows.
moved=$(awk '$2 == "xenplm" { m += $(NF - 4) } END { print m + 0 }' "$tmp/a")
if awk -v m="$moved" 'BEGIN { exit !(m > 0) }'; then
    echo "ok 4 - xenplm moves memory ($moved GiB in the quick run)"
else
    echo "not ok 4 - xenplm moved no memory in the quick run"
fi
"$bq" --scenario daily-peak >"$tmp/d" 2>&1
# The column "peak10" of the two rows.
plain=$(col "$tmp/d" daily-peak xenplm "NF - 5")
ahead=$(col "$tmp/d" daily-peak xenplm+anticip "NF - 5")
if [ -n "$plain" ] && [ -n "$ahead" ] && awk -v a="$ahead" -v p="$plain" 'BEGIN { exit !(a > p) }'; then
    echo "ok 5 - anticipation: peak10 $plain% -> $ahead% in daily-peak"
else
    echo "not ok 5 - anticipation does not help daily-peak's peak (peak10 '$plain' -> '$ahead')"
    sed 's/^/# /' "$tmp/d"
fi
# The column "P1 met%" of agentless's two rows, in the quick run.
io=$(col "$tmp/a" agentless xenplm 3)
cpu=$(col "$tmp/a" agentless xenplm-cpu 3)
if [ -n "$io" ] && [ -n "$cpu" ] && awk -v a="$io" -v c="$cpu" 'BEGIN { exit !(a > c) }'; then
    echo "ok 6 - host-side activity: P1 $cpu% -> $io% in agentless"
else
    echo "not ok 6 - the I/O signal does not help agentless guests (P1 '$cpu' -> '$io')"
    sed 's/^/# /' "$tmp/a"
fi
"$bq" --scenario bursty >"$tmp/e" 2>&1
# The columns "P1 met%" and "recov s" of the two rows.
p1=$(col "$tmp/e" bursty xenplm 3)
b1=$(col "$tmp/e" bursty xenplm+boost 3)
pr=$(col "$tmp/e" bursty xenplm "NF - 6")
br=$(col "$tmp/e" bursty xenplm+boost "NF - 6")
if [ -n "$p1" ] && [ -n "$b1" ] && [ -n "$pr" ] && [ -n "$br" ] &&
    awk -v a="$b1" -v p="$p1" -v ar="$br" -v pr="$pr" 'BEGIN { exit !(a > p && ar < pr) }'; then
    echo "ok 7 - boost: P1 $p1% -> $b1%, recovery $pr s -> $br s in bursty"
else
    echo "not ok 7 - the boost does not help bursty (P1 '$p1' -> '$b1', recovery '$pr' -> '$br')"
    sed 's/^/# /' "$tmp/e"
fi
"$bq" --scenario pinning >"$tmp/f" 2>&1
# The column "P1 met%" of the three rows.
p1=$(col "$tmp/f" pinning xenplm 3)
a1=$(col "$tmp/f" pinning xenplm+affinity 3)
n1=$(col "$tmp/f" pinning xenplm+pin1 3)
if [ -n "$p1" ] && [ -n "$a1" ] && [ -n "$n1" ] &&
    awk -v a="$a1" -v p="$p1" -v n="$n1" 'BEGIN { exit !(a > p && n < a) }'; then
    echo "ok 8 - affinity: P1 $p1% -> $a1% kept apart, $n1% pinned to one pCPU in pinning"
else
    echo "not ok 8 - affinity does not show in pinning (P1 '$p1', apart '$a1', one pCPU '$n1')"
    sed 's/^/# /' "$tmp/f"
fi
# The columns "P1 met%" and "moved G" of daily-peak's two rows (run for 5).
p1=$(col "$tmp/d" daily-peak xenplm 3)
k1=$(col "$tmp/d" daily-peak xenplm+keep 3)
pm=$(col "$tmp/d" daily-peak xenplm "NF - 4")
km=$(col "$tmp/d" daily-peak xenplm+keep "NF - 4")
if [ -n "$p1" ] && [ -n "$k1" ] && [ -n "$pm" ] && [ -n "$km" ] &&
    awk -v k="$k1" -v p="$p1" -v km="$km" -v pm="$pm" 'BEGIN { exit !(k > p && 4 * km < pm) }'; then
    echo "ok 9 - lazy reclaim: P1 $p1% -> $k1%, memory moved $pm -> $km GiB in daily-peak"
else
    echo "not ok 9 - lazy reclaim does not help daily-peak (P1 '$p1' -> '$k1', moved '$pm' -> '$km')"
    sed 's/^/# /' "$tmp/d"
fi
