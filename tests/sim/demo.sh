#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The README's main job tells a story (examples/demo.scn on
# policies/demo.xml): this checks its key facts (TAP).  Every domain is
# adopted by its own rule; every rule, mode and leftover rule of the policy
# acts; the host is the one the policy describes; the tables are numbered
# from 1 without a gap.  Run at full speed: the same story as at --speed 20.

XENPLM_PROGRAM=src/xenplmd-sim
XENPLM_CASES=tests/sim
. "${top_srcdir:-.}/tests/cli/lib.sh"

POLICY="$top_srcdir/policies/demo.xml"
DEMO="$top_srcdir/examples/demo.scn"
XSD="$top_srcdir/policies/xenplm-policy.xsd"
log="$tmpdir/err" tables="$tmpdir/out"

# verdict DESC CONDITION-STATUS REASON...
verdict() {
    v_desc=$1 v_status=$2
    shift 2
    if [ "$v_status" = 0 ]; then
        tap_ok "$v_desc"
    else
        printf '%s\n' "$@" >"$tmpdir/why"
        tap_not_ok "$v_desc"
    fi
}

# The README runs this very pair.
grep -q 'xenplmd-sim --sim examples/demo.scn --speed 20 -f policies/demo.xml' \
    "$top_srcdir/README.md"
verdict "the README's main job runs examples/demo.scn on policies/demo.xml" $?

run --sim "$DEMO" -f "$POLICY" --schema "$XSD"
verdict "the demo runs to its end" "$rc" "exit status $rc" "$(tail -n 3 "$log")"

# rule_line PATTERN: the line of the policy's <domain name="PATTERN">.
rule_line() { grep -nF "<domain name=\"$1\">" "$POLICY" | cut -d: -f1; }
for pair in "db db" "web1 web[0-9]*" "web2 web[0-9]*" "build build" "legacy *"; do
    dom=${pair%% *} pattern=${pair#* }
    line=$(rule_line "$pattern")
    got=$(grep "adopted '$dom'" "$log" | sed 's/.*(rule line \([0-9]*\)).*/\1/')
    [ -n "$line" ] && [ "$got" = "$line" ]
    verdict "$dom is adopted by its own rule (line $line)" $? \
        "adopted by the rule at line '$got', its own is at line '$line'"
done

# The host the policy's comment describes is the scenario's.
grep -q '8 pCPUs and 32 GiB (2 GiB of them dom0' "$POLICY" &&
    grep -q '^host pcpus=8 memory=32768 dom0=2048$' "$DEMO" &&
    grep -q 'cpu pool 700 pct' "$tables"
verdict "the policy and the scenario describe the same host" $?

# Tables: #1 first, then each number once more than the one before (the
# final table, printed at the end, repeats the last number).
nums=$(sed -n 's/^\[ *[0-9.]*s\] allocation #\([0-9]*\) .*/\1/p' "$tables" | tr '\n' ' ')
echo "$nums" | awk '{ for (i = 1; i <= NF; i++) if ($i != i && !(i == NF && $i == i - 1)) exit 1;
    exit NF < 2 }'
verdict "tables are numbered from 1 without a gap" $? "numbers: $nums"

# The CPU leftover rule gives spare CPU to build, and to no one else.
grep -q "Domain 3: cpu .*, +[0-9.]* leftover" "$log" &&
    ! grep "leftover" "$log" | grep -v "Domain 3: cpu" | grep -q .
verdict "spare CPU goes to build (leftover rule 'default')" $? "$(grep leftover "$log")"

# The memory leftover rule keeps what nobody asked for: at the first full
# table the memory grants add up to less than the pool.
awk '/allocation #2 /{ pool = $(NF - 1); on = 1; next } /allocation #/{ on = 0 }
    on && $3 ~ /^[0-9]+$/ && $5 ~ /^[0-9]+$/ { sum += $5 }
    END { exit !(pool > 0 && sum > 0 && sum < pool) }' "$tables"
verdict "unasked memory stays in reserve (leftover rule 'reserve')" $?

grep -q "Domain [0-9]: cpu .*levelled at level" "$log" &&
    grep -q "Domain [0-9]: memory .*levelled at level" "$log"
verdict "both pools are shared by levelling when they run short" $?

for r in 1 2 3; do
    grep -q "reallocating (trigger rule $r:" "$log"
    verdict "trigger rule $r fires" $?
done

grep -q "Domain 1: 2 -> 3 vcpus online" "$log"
verdict "db's vcpus are hot-plugged (vcpu-hotplug)" $?

grep -q "Domain 5: rewriting its request too fast" "$log" &&
    grep -q "Domain 5: request rejected" "$log"
verdict "web2's flood is rate-limited and its garbage refused" $?

done_testing
