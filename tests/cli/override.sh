#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# xenplm set and show against the simulated daemon (xenplmd-sim with a
# control socket): an override above what the domain can hold is clamped
# to its vcpus x 100, its maxmem or its policy maximum, the reply says
# what was clamped and to what, and show gives the override as asked and
# in effect, and each resource's maximum with what sets it.  TAP.

. "${top_srcdir:-.}/tests/cli/lib.sh"

SIM="$top_builddir/src/xenplmd-sim"
if [ ! -x "$SIM" ]; then
    echo "Bail out! $SIM is not built"
    exit 99
fi
sim_pid=
trap '[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$tmpdir"' EXIT
unset XENPLM_SOCKET

# web: 2 vcpus, maxmem 2048; db: 4 vcpus, maxmem 8192, capped by its rule.
cat >"$tmpdir/policy.xml" <<'XML'
<xenplm-policy version="1">
  <host><tick>1s</tick></host>
  <domain name="db"><cpu><max>250</max></cpu><memory><max>3000</max></memory></domain>
  <domain name="*"/>
</xenplm-policy>
XML
cat >"$tmpdir/sim.scn" <<'SCN'
host pcpus=8 memory=16384 dom0=1024
domain web memory=1024 maxmem=2048 vcpus=2 maxvcpus=2
domain db memory=1024 maxmem=8192 vcpus=4 maxvcpus=4
at 1s web request cpu=50 mem=1024
at 1s db request cpu=50 mem=1024
at 10min end
SCN
sock="$tmpdir/control"
"$SIM" --speed 1 -s "$sock" -f "$tmpdir/policy.xml" \
    --schema "$top_srcdir/policies/xenplm-policy.xsd" --sim "$tmpdir/sim.scn" \
    >"$tmpdir/sim.out" 2>&1 &
sim_pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
if [ ! -S "$sock" ]; then
    echo "Bail out! xenplmd-sim did not open its socket: $(cat "$tmpdir/sim.out")"
    exit 99
fi

run -s "$sock" set web cpu=1000000000 mem=1000000000
expect "set above vcpus and maxmem: clamped, and said" 0 "web: override set
  cpu=1000000000 clamped to 200, its vcpus (2 x 100)
  mem=1000000000 clamped to 2048, its maxmem" ""

run -s "$sock" show web
grep -E '^    (max|override) ' "$tmpdir/out" >"$tmpdir/got"
printf '%s\n' "    max          200, its vcpus (2 x 100)" \
    "    override     1000000000 asked, 200 in effect, until cleared" \
    "    max          2048, its maxmem" \
    "    override     1000000000 asked, 2048 in effect, until cleared" >"$tmpdir/want"
: >"$tmpdir/why"
if [ "$rc" = 0 ] && same "show web" "$tmpdir/got" "$tmpdir/want"; then
    tap_ok "show: the override asked and in effect, the max and what sets it"
else
    cat "$tmpdir/out" >>"$tmpdir/why"
    tap_not_ok "show: the override asked and in effect, the max and what sets it"
fi

run -s "$sock" -j show web
: >"$tmpdir/why"
if grep -q '"max":{"amount":200,"set_by":"vcpus"}' "$tmpdir/out" &&
    grep -q '"override":{"amount":1000000000,"effective":2048,' "$tmpdir/out"; then
    tap_ok "show -j: max, set_by and the override's effective amount"
else
    cat "$tmpdir/out" >>"$tmpdir/why"
    tap_not_ok "show -j: max, set_by and the override's effective amount"
fi

run -s "$sock" set db cpu=300 mem=2500 for=2m
expect "set above the policy's max: clamped to it" 0 "db: override set
  cpu=300 clamped to 250, its policy maximum" ""

run -s "$sock" set web cpu=150 mem=1536
expect "set within every limit: nothing to say" 0 "web: override set" ""

run -s "$sock" set web clear
expect "set clear" 0 "web: override cleared" ""

# The grant follows: the clamped override is what web is given, at most.
run -s "$sock" set web cpu=1000000000 mem=1000000000
granted='"name":"web","domid":[0-9]*,"source":"override","requested":{[^}]*},"granted":{"cpu":200,"vcpus":2,"mem":2048}'
i=0
while [ $i -lt 50 ]; do
    run -s "$sock" -j list
    grep -q "$granted" "$tmpdir/out" && break
    sleep 0.2
    i=$((i + 1))
done
: >"$tmpdir/why"
if grep -q "$granted" "$tmpdir/out"; then
    tap_ok "the grant is the clamped override"
else
    cat "$tmpdir/out" >>"$tmpdir/why"
    tap_not_ok "the grant is the clamped override"
fi

done_testing
