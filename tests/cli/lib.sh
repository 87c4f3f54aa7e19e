# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the command-line tests: run the built xenplm, compare what it
# prints with the expected files in tests/cli/cases/, and report in TAP.
#
# Sourced by the test scripts, which `make check` runs with top_srcdir and
# top_builddir in the environment (see AM_TESTS_ENVIRONMENT).  Run by hand:
#     top_srcdir=. top_builddir=. sh tests/cli/arbitrate.sh
# Set XENPLM_REGEN=1 to rewrite the expected .out/.err files from the
# current output instead of comparing (then review the diff!).

top_srcdir=$(cd "${top_srcdir:-.}" && pwd) || exit 99
top_builddir=$(cd "${top_builddir:-.}" && pwd) || exit 99
# A script testing another program sets XENPLM_PROGRAM and XENPLM_CASES
# (relative to the build and source trees) before sourcing this file.
XENPLM="$top_builddir/${XENPLM_PROGRAM:-src/xenplm}"
CASES="$top_srcdir/${XENPLM_CASES:-tests/cli/cases}"
EXAMPLES="$top_srcdir/examples"

if [ ! -x "$XENPLM" ]; then
    echo "Bail out! $XENPLM is not built"
    exit 99
fi

tmpdir=$(mktemp -d "${TMPDIR:-/tmp}/xenplm-cli.XXXXXX") || exit 99
trap 'rm -rf "$tmpdir"' EXIT
trap 'exit 99' HUP INT TERM

tap_count=0

tap_ok() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1"
}

# tap_not_ok DESC: the details are in $tmpdir/why, shown as TAP comments.
tap_not_ok() {
    tap_count=$((tap_count + 1))
    echo "not ok $tap_count - $1"
    sed 's/^/#   /' "$tmpdir/why"
}

tap_skip() {
    tap_count=$((tap_count + 1))
    echo "ok $tap_count - $1 # SKIP $2"
}

done_testing() {
    echo "1..$tap_count"
}

# run ARGS...: run xenplm inside the cases directory, so that file names in
# messages are short and the same in every build tree, with standard input
# from $STDIN (default /dev/null).  Sets $rc; output in $tmpdir/out, err.
run() {
    (cd "$CASES" && exec "$XENPLM" "$@") <"${STDIN:-/dev/null}" >"$tmpdir/out" 2>"$tmpdir/err"
    rc=$?
}

# expect DESC RC OUT ERR: the last run's exit status and its standard
# output and error, given as text ('' for nothing).
expect() {
    e_desc=$1 e_rc=$2
    : >"$tmpdir/why"
    e_good=yes
    if [ "$rc" != "$e_rc" ]; then
        echo "exit status $rc, expected $e_rc" >>"$tmpdir/why"
        e_good=no
    fi
    if [ -n "$3" ]; then printf '%s\n' "$3" >"$tmpdir/want"; else : >"$tmpdir/want"; fi
    same stdout "$tmpdir/out" "$tmpdir/want" || e_good=no
    if [ -n "$4" ]; then printf '%s\n' "$4" >"$tmpdir/want"; else : >"$tmpdir/want"; fi
    same stderr "$tmpdir/err" "$tmpdir/want" || e_good=no
    if [ $e_good = yes ]; then tap_ok "$e_desc"; else tap_not_ok "$e_desc"; fi
}

# same WHAT GOT WANT: append a diff to $tmpdir/why when the files differ.
same() {
    if ! cmp -s "$2" "$3"; then
        echo "$1 differs (- expected, + got):" >>"$tmpdir/why"
        diff -u "$3" "$2" | tail -n +3 >>"$tmpdir/why"
        return 1
    fi
    return 0
}

# check DESC RC BASE ARGS...: run xenplm ARGS; expect exit status RC,
# standard output equal to cases/BASE.out and standard error equal to
# cases/BASE.err (a missing file means "nothing").
check() {
    c_desc=$1 c_rc=$2 c_base=$3
    shift 3
    run "$@"
    if [ -n "${XENPLM_REGEN:-}" ]; then
        for c_s in out err; do
            if [ -s "$tmpdir/$c_s" ]; then
                cp "$tmpdir/$c_s" "$CASES/$c_base.$c_s"
            else
                rm -f "$CASES/$c_base.$c_s"
            fi
        done
    fi
    : >"$tmpdir/why"
    c_good=yes
    if [ "$rc" != "$c_rc" ]; then
        echo "exit status $rc, expected $c_rc" >>"$tmpdir/why"
        c_good=no
    fi
    for c_s in out err; do
        if [ -f "$CASES/$c_base.$c_s" ]; then
            cp "$CASES/$c_base.$c_s" "$tmpdir/want"
        else
            : >"$tmpdir/want"
        fi
        same "std$c_s" "$tmpdir/$c_s" "$tmpdir/want" || c_good=no
    done
    if [ $c_good = yes ]; then tap_ok "$c_desc"; else tap_not_ok "$c_desc"; fi
}

# check_alloc DESC "A1 A2 ..." ARGS...: the allocations column, in order.
check_alloc() {
    a_desc=$1 a_want=$2
    shift 2
    run "$@"
    a_got=$(awk '{ printf "%s%s", sep, $2; sep = " " }' "$tmpdir/out")
    : >"$tmpdir/why"
    if [ "$rc" = 0 ] && [ "$a_got" = "$a_want" ] && [ ! -s "$tmpdir/err" ]; then
        tap_ok "$a_desc"
    else
        {
            echo "exit status $rc, allocations '$a_got', expected '$a_want'"
            cat "$tmpdir/err"
        } >>"$tmpdir/why"
        tap_not_ok "$a_desc"
    fi
}

# check_usage DESC "MESSAGE" ARGS...: a bad command line: exit status 2,
# nothing on standard output, MESSAGE then a usage line on standard error.
check_usage() {
    u_desc=$1 u_want=$2
    shift 2
    run "$@"
    u_first=$(sed -n 1p "$tmpdir/err")
    u_second=$(sed -n 2p "$tmpdir/err")
    : >"$tmpdir/why"
    if [ "$rc" = 2 ] && [ ! -s "$tmpdir/out" ] && [ "$u_first" = "$u_want" ] &&
        [ "${u_second#usage: xenplm }" != "$u_second" ]; then
        tap_ok "$u_desc"
    else
        {
            echo "exit status $rc (expected 2); standard error:"
            cat "$tmpdir/err"
            echo "expected first line: $u_want"
        } >>"$tmpdir/why"
        tap_not_ok "$u_desc"
    fi
}

# check_json DESC ARGS...: the output parses as JSON (needs python3).
check_json() {
    j_desc=$1
    shift
    if ! command -v python3 >/dev/null 2>&1; then
        tap_skip "$j_desc" "python3 not found"
        return
    fi
    run "$@"
    : >"$tmpdir/why"
    if [ "$rc" = 0 ] && python3 -m json.tool "$tmpdir/out" >/dev/null 2>"$tmpdir/why"; then
        tap_ok "$j_desc"
    else
        tap_not_ok "$j_desc"
    fi
}
