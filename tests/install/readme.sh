#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The README's commands, read from README.md and run as written from the
# build tree (issue 11): every indented line that starts with src/ or
# guest-agent/ (a line ending in '\' goes on to the next), or that ends a
# setup chain ("... && make && src/..."), the chain's setup left out.  A
# trailing "# comment" is dropped.  Commands that talk to a control socket
# run against the README's own interactive simulated host, started here as
# the README starts it; the socket's path is moved into a scratch
# directory.  What cannot run here is skipped with the reason: xenplmd
# itself (it needs a Xen dom0), a bare `src/xenplm list` (it needs a
# running daemon on the default socket) and `top` (it runs until Ctrl-C).
# Then the XML examples of xenplm-policy(5) and xenplm-goals(5) are loaded.
# TAP; run from the source tree, as the README's commands are.
top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-readme.XXXXXX") || exit 99
sim=
cleanup() {
    [ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
cd "$top_srcdir" || exit 99
n=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    echo "not ok $n - $1"
    sed 's/^/#   /' "$tmp/out" | head -20
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}

# The commands, one a line, continuation lines joined.
awk '
    /^    / {
        line = substr($0, 5)
        if (cont != "") { line = cont " " line; cont = "" }
        if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1); next }
        sub(/[ \t]+#.*$/, "", line)
        k = index(line, "&& src/")
        if (k > 0) line = substr(line, k + 3)
        gsub(/[ \t]+/, " ", line)
        # (the layout table names directories: "src/core/   pure C...")
        if (line ~ /^(src|guest-agent)\// && line !~ /^[^ ]*\/ /) print line
        next
    }
    { cont = "" }' README.md >"$tmp/commands"
if [ "$(wc -l <"$tmp/commands")" -lt 8 ]; then
    cp "$tmp/commands" "$tmp/out"
    not_ok "README.md holds the commands this test runs (found $(wc -l <"$tmp/commands"))"
fi

# run CMD: the README's command, with the build tree's programs and the
# scratch socket; exit status 0 wanted.
run() {
    cmd=$(printf '%s\n' "$1" | sed -e "s#/tmp/plm.sock#$tmp/plm.sock#g" -e "s#/tmp/plm-metrics#$tmp#g" \
        -e "s#^src/#$top_builddir/src/#" -e "s#^guest-agent/#$top_builddir/guest-agent/#")
    if sh -c "$cmd" >"$tmp/out" 2>&1 </dev/null; then
        ok "$1"
    else
        echo "exit status $?" >>"$tmp/out"
        not_ok "$1"
    fi
}

while IFS= read -r c; do
    case "$c" in
    "src/xenplmd -F"*)
        skip "$c" "xenplmd needs a Xen dom0"
        ;;
    "src/xenplm list")
        skip "$c" "needs a running xenplmd on the default socket"
        ;;
    *" top")
        skip "$c" "runs until Ctrl-C"
        ;;
    "src/xenplmd-sim "*" -s /tmp/plm.sock"*)
        # The interactive host: started as written, in the background, for
        # the commands that follow; its socket waited for.
        cmd=$(printf '%s\n' "$c" | sed -e "s#/tmp/plm.sock#$tmp/plm.sock#g" -e "s#^src/#$top_builddir/src/#")
        sh -c "exec $cmd" >"$tmp/sim.out" 2>&1 </dev/null &
        sim=$!
        i=0
        while [ ! -S "$tmp/plm.sock" ] && [ $i -lt 100 ] && kill -0 "$sim" 2>/dev/null; do
            sleep 0.1
            i=$((i + 1))
        done
        # It runs in real time: let the demo's guests start and ask.
        sleep 3
        if [ -S "$tmp/plm.sock" ] && kill -0 "$sim" 2>/dev/null; then
            ok "$c (running, its socket open)"
        else
            cp "$tmp/sim.out" "$tmp/out"
            not_ok "$c (running, its socket open)"
        fi
        ;;
    *)
        run "$c"
        ;;
    esac
done <"$tmp/commands"

# What the interactive commands said, as a reader would check it.
if [ -n "$sim" ]; then
    if "$top_builddir/src/xenplm" -s "$tmp/plm.sock" show web1 >"$tmp/out" 2>&1 &&
        grep -q web1 "$tmp/out"; then
        ok "show web1 names web1"
    else
        not_ok "show web1 names web1"
    fi
    kill "$sim" 2>/dev/null
    wait "$sim" 2>/dev/null
    sim=
fi
# The XML documents of the EXAMPLES sections of xenplm-policy(5) and
# xenplm-goals(5), taken out of their roff (\- is -, \e is \, \& is
# nothing): each one loads as written.
for page in xenplm-policy.5 xenplm-goals.5; do
    awk -v out="$tmp/$page" '
        /^\.SH / { ex = ($0 ~ /EXAMPLES?$/) }
        ex && /^\.(nf|EX)/ { p = 1; buf = ""; next }
        ex && /^\.(fi|EE)/ {
            if (p && buf ~ /<\/xenplm/) { k++; fn = out "." k ".xml"; printf "%s", buf > fn; close(fn) }
            p = 0; next
        }
        p && !/^\.(RS|RE|PP)/ { gsub(/\\-/, "-"); gsub(/\\e/, "\\"); gsub(/\\&/, ""); buf = buf $0 "\n" }
    ' "man/$page"
done
for x in "$tmp"/xenplm-policy.5.*.xml; do
    [ -e "$x" ] || { echo "no example" >"$tmp/out"; not_ok "xenplm-policy(5) has an example"; break; }
    if "$top_builddir/src/xenplm" policy-check "$x" >"$tmp/out" 2>&1; then
        ok "xenplm-policy(5), EXAMPLES: ${x##*/} passes policy-check"
    else
        not_ok "xenplm-policy(5), EXAMPLES: ${x##*/} passes policy-check"
    fi
done
for x in "$tmp"/xenplm-goals.5.*.xml; do
    [ -e "$x" ] || { echo "no example" >"$tmp/out"; not_ok "xenplm-goals(5) has an example"; break; }
    if "$top_builddir/guest-agent/xenplm-agent" --once --dry-run --root tests/fixtures/agent/busy \
        -f "$x" >"$tmp/out" 2>&1; then
        ok "xenplm-goals(5), EXAMPLES: ${x##*/} loads in the agent"
    else
        not_ok "xenplm-goals(5), EXAMPLES: ${x##*/} loads in the agent"
    fi
done
echo "1..$n"
