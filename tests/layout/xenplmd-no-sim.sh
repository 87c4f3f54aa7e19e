#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplmd links the Xen port alone: no symbol the simulator library
# (src/libplmsim.a) defines may be in the daemon.  TAP; skipped when
# xenplmd is not built (no Xen libraries) or nm is missing.
: "${top_builddir:=.}"
daemon="$top_builddir/src/xenplmd"
lib="$top_builddir/src/libplmsim.a"

if [ ! -x "$daemon" ]; then
    echo "1..0 # SKIP src/xenplmd is not built (configured without Xen's libraries)"
    exit 0
fi
if ! command -v nm >/dev/null 2>&1; then
    echo "1..0 # SKIP no nm"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "1..3"
# Defined symbols, global ones of the library, all of the daemon's.
nm -g --defined-only "$lib" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/sim"
nm --defined-only "$daemon" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/daemon"

n=$(wc -l <"$tmp/sim")
if [ "$n" -gt 0 ]; then
    echo "ok 1 - libplmsim.a defines $n global symbols"
else
    echo "not ok 1 - no symbol read from $lib"
fi
if [ -s "$tmp/daemon" ]; then
    echo "ok 2 - xenplmd has a symbol table"
else
    echo "not ok 2 - no symbol read from $daemon (stripped?)"
fi
comm -12 "$tmp/sim" "$tmp/daemon" >"$tmp/both"
# Static functions of the simulator carry its prefixes too.
grep -E '^(port_sim_|sim_)' "$tmp/daemon" >>"$tmp/both"
if [ -s "$tmp/both" ] || [ "$n" -eq 0 ]; then
    echo "not ok 3 - xenplmd holds simulator symbols:"
    sort -u "$tmp/both" | sed 's/^/#   /'
else
    echo "ok 3 - xenplmd holds no simulator symbol"
fi
