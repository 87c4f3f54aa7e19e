#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The include rules of the tree, checked on the sources (TAP, one test per
# rule).  Includes are followed through the project's own headers, so a
# rule cannot be dodged by going through a header of an allowed module.
#
#   guest-agent/   nothing under src/daemon/ or src/port/
#   src/port/      nothing under src/daemon/
#   src/core/      nothing outside src/core/ (pure C at the bottom)
#   src/common/    src/core/ and src/common/ only
#   src/protocol/  src/core/, src/common/ and src/protocol/ only (the agent
#                  and the daemon share it)
#   src/engine/    src/core/, src/policy/, src/protocol/ (and what they
#                  include) only: the decision depends on no port, daemon
#                  or simulator (tests/lint/engine-pure.sh checks the rest)
#   src/pool/      src/core/ and src/common/ only (pool mode's etcd client)
#
# Run by hand:  top_srcdir=. sh tests/lint/include-rules.sh

top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
cd "$top_srcdir" || exit 99

# Every project file and what it includes, as "FILE NAME" lines.
files=$(ls src/*/*.[ch] guest-agent/*.[ch] tests/unit/*.h 2>/dev/null)
# shellcheck disable=SC2086
edges=$(grep -H '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $files |
    sed 's/^\([^:]*\):[^"]*"\([^"]*\)".*/\1 \2/')

# Rules: "DESC|DIR|MODE|PREFIX ...".  deny: no file under DIR may reach a
# file under a PREFIX; allow: files under DIR may reach only files under
# DIR and the PREFIXes.
rules='the agent includes nothing of the daemon or the port|guest-agent|deny|src/daemon/ src/port/
the port includes nothing of the daemon|src/port|deny|src/daemon/
the core includes nothing from other modules|src/core|allow|
common includes only the core|src/common|allow|src/core/
the protocol includes only the core and common|src/protocol|allow|src/core/ src/common/
the engine includes only the core, the policy and the protocol|src/engine|allow|src/core/ src/policy/ src/protocol/ src/common/
the pool mode etcd client includes only the core and common|src/pool|allow|src/core/ src/common/'

# A name "x/y.h" is looked up beside the including file, then in src/,
# then at the top (the -I flags of Makefile.am); what is found nowhere
# (system headers, the generated config.h) is not followed.  Includes are
# followed through headers; a violation is shown with the chain that
# reaches it (a>b>c).
{
    echo "$files" | sed 's/^/F /'
    echo "$edges" | sed 's/^/E /'
    echo "$rules" | sed 's/^/R /'
} | awk '
function resolve(file, name,   d, c) {
    d = file
    sub(/\/[^\/]*$/, "", d)
    c = d "/" name
    if (c in exists) return c
    if (("src/" name) in exists) return "src/" name
    if (name in exists) return name
    return ""
}
function permitted(path, dir, mode, prefixes,   n, p, i, hit) {
    n = split(prefixes, p, " ")
    hit = 0
    for (i = 1; i <= n; i++)
        if (index(path, p[i]) == 1) hit = 1
    if (mode == "deny") return !hit
    return hit || index(path, dir "/") == 1
}
$1 == "F" { exists[$2] = 1; order[++nfiles] = $2; next }
$1 == "E" { inc[$2] = inc[$2] SUBSEP $3; next }
$1 == "R" { sub(/^R /, ""); rule[++nrules] = $0; next }
END {
    for (r = 1; r <= nrules; r++) {
        split(rule[r], f, "|")
        desc = f[1]; dir = f[2]; mode = f[3]; prefixes = f[4]
        nwhy = 0
        for (k = 1; k <= nfiles; k++) {
            start = order[k]
            rest = substr(start, length(dir) + 2)
            if (index(start, dir "/") != 1 || index(rest, "/") > 0) continue
            delete chain
            chain[start] = start
            qn = 1; q[1] = start; qi = 1
            while (qi <= qn) {
                cur = q[qi++]
                m = split(inc[cur], names, SUBSEP)
                for (j = 2; j <= m; j++) {
                    path = resolve(cur, names[j])
                    if (path == "" || (path in chain)) continue
                    chain[path] = chain[cur] ">" path
                    q[++qn] = path
                    if (!permitted(path, dir, mode, prefixes))
                        why[++nwhy] = start " includes " path " (" chain[path] ")"
                }
            }
        }
        if (nwhy) {
            failed = 1
            print "not ok " r " - " desc
            for (w = 1; w <= nwhy; w++) print "#   " why[w]
        } else {
            print "ok " r " - " desc
        }
    }
    print "1.." nrules
    exit failed
}'
