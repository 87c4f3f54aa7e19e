#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The simulator's layers (src/sim/sim.h): every file of src/sim includes
# only headers of its own layer or below; nothing outside src/sim but the
# tests, the benchmarks and xenplmd-sim includes anything of it, and they
# only its public header, port_sim.h.  TAP.
: "${top_srcdir:=.}"
sim="$top_srcdir/src/sim"

# The layer of a file of src/sim, by name: 0 is port_sim.h (plain types).
layer() {
    case "$1" in
    port_sim.h) echo 0 ;;
    sim_clock.[ch]) echo 1 ;;
    sim_xs.[ch] | sim_xs_watch.c) echo 2 ;;
    sim_host.[ch] | sim_toolstack.c) echo 3 ;;
    scenario*.[ch] | sim_play.[ch] | sim_fabric.[ch]) echo 4 ;;
    sim.h | port_sim.c | port_sim_inspect.c | sim_wait.c) echo 5 ;;
    sim_daemon.c) echo 6 ;;
    *) echo "" ;;
    esac
}

n=0
fail() {
    n=$((n + 1))
    echo "not ok $n - $1"
}
pass() {
    n=$((n + 1))
    echo "ok $n - $1"
}

echo "1..3"
bad=""
for f in "$sim"/*.c "$sim"/*.h; do
    b=${f##*/}
    l=$(layer "$b")
    if [ -z "$l" ]; then
        bad="$bad $b(no layer: add it to tests/layout/sim-layers.sh and src/sim/sim.h)"
        continue
    fi
    for h in $(sed -n 's|^#include "sim/\([^"]*\)".*|\1|p' "$f"); do
        hl=$(layer "$h")
        if [ -z "$hl" ] || [ "$hl" -gt "$l" ]; then
            bad="$bad $b(layer $l)->$h(layer ${hl:-?})"
        fi
    done
done
if [ -z "$bad" ]; then pass "src/sim includes only downward"; else fail "upward includes:$bad"; fi

out=$(grep -rln --include="*.[ch]" '#include "sim/' "$top_srcdir/src" "$top_srcdir/guest-agent" 2>/dev/null |
    grep -v "/src/sim/")
if [ -z "$out" ]; then pass "no product file includes the simulator"; else fail "$out"; fi

out=$(grep -rn --include="*.[ch]" '#include "sim/' "$top_srcdir/tests" "$top_srcdir/bench" 2>/dev/null |
    grep -v '#include "sim/port_sim.h"')
if [ -z "$out" ]; then pass "tests and benchmarks use port_sim.h alone"; else fail "$out"; fi
