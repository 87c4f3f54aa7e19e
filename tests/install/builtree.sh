#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Issue 11 #1: the programs that load a policy or goals validate them with
# the schema built into them, so the README's commands work from the build
# tree as written, without --schema and whatever is (or is not) installed.
# A --schema file that cannot be read is named, and said to come from
# --schema.  TAP; run from the source tree, as the README's commands are.
top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-builtree.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$top_srcdir" || exit 99
n=0

# t DESC RC GREP CMD...: CMD exits RC and its output (both streams) holds GREP.
t() {
    desc=$1 want=$2 pat=$3
    shift 3
    n=$((n + 1))
    "$@" >"$tmp/out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" = "$want" ] && grep -q -e "$pat" "$tmp/out"; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc"
        echo "#   exit $rc (expected $want), output:"
        sed 's/^/#   /' "$tmp/out" | head -20
    fi
}

t "xenplm policy-check policies/default.xml, no --schema" 0 \
    '^policies/default.xml: configuration OK$' \
    "$top_builddir/src/xenplm" policy-check policies/default.xml
t "xenplm policy-check policies/demo.xml, no --schema" 0 \
    '^policies/demo.xml: configuration OK$' \
    "$top_builddir/src/xenplm" policy-check policies/demo.xml
t "xenplmd-sim --sim examples/demo.scn -f policies/demo.xml, no --schema" 0 \
    'allocation' \
    "$top_builddir/src/xenplmd-sim" --sim examples/demo.scn -f policies/demo.xml
if [ -x "$top_builddir/src/xenplmd" ]; then
    t "xenplmd -n -f policies/demo.xml, no --schema" 0 \
        '^policies/demo.xml: configuration OK$' \
        "$top_builddir/src/xenplmd" -n -f policies/demo.xml
else
    n=$((n + 1))
    echo "ok $n - xenplmd -n # SKIP xenplmd is not built (no Xen libraries)"
fi
t "xenplm-agent --once --dry-run with the README's goals, no --schema" 0 \
    '^would publish:$' \
    "$top_builddir/guest-agent/xenplm-agent" --once --dry-run \
    --root tests/fixtures/agent/busy -f policies/goals/default.xml
t "a missing --schema file is named, and said to come from --schema" 1 \
    'no-such.xsd: schema given by --schema: cannot open' \
    "$top_builddir/src/xenplm" policy-check policies/default.xml --schema "$tmp/no-such.xsd"
t "the agent too" 2 \
    'no-such.xsd: schema given by --schema: cannot open' \
    "$top_builddir/guest-agent/xenplm-agent" --once --dry-run \
    --root tests/fixtures/agent/busy -f policies/goals/default.xml --schema "$tmp/no-such.xsd"
echo "1..$n"
