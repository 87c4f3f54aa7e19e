#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The short soak of `make check` (TAP): tests/soak/soak over 10^5
# simulated seconds for each of two seeds, every invariant checked after
# every step of the daemon (see the header of tests/soak/soak.c); a test
# per seed, which fails on any violation.  `make soak` runs the long form.
soak=${top_builddir:-.}/tests/soak/soak
seeds="1 2"
echo "1..2"
n=0
for seed in $seeds; do
    n=$((n + 1))
    if out=$("$soak" --seed "$seed" --seconds 100000 2>&1); then
        echo "ok $n - soak seed $seed, 100000 s: no violation"
        printf '%s\n' "$out" | sed 's/^/# /'
    else
        echo "not ok $n - soak seed $seed, 100000 s"
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
done
