#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `xenplm arbitrate` end to end: the worked examples, every option,
# every kind of bad input, and the general command-line behaviour.
# Expected outputs live in tests/cli/cases/ (BASE.out, BASE.err).

. "${top_srcdir:-.}/tests/cli/lib.sh"

# --- the worked examples ------------------------------------------------
check_alloc "FIG. 4A, --total 19: 3 4 4 3 4 1" "3 4 4 3 4 1" \
    arbitrate --total 19 "$EXAMPLES/fig4a.req"
check_alloc "FIG. 4B, --total 24: 7 6 5 2 4" "7 6 5 2 4" \
    arbitrate --total 24 "$EXAMPLES/fig4b.req"
check_alloc "FIG. 4B, --raw: 6.5 6.5 5 2 4" "6.5 6.5 5 2 4" \
    arbitrate --total 24 --raw "$EXAMPLES/fig4b.req"
check "FIG. 4A, names in file order" 0 fig4a arbitrate --total 19 "$EXAMPLES/fig4a.req"
check "FIG. 4A, --trace" 0 fig4a-trace arbitrate --total 19 --trace "$EXAMPLES/fig4a.req"
check "FIG. 4B, --trace" 0 fig4b-trace arbitrate --trace --total 24 "$EXAMPLES/fig4b.req"
check "FIG. 4B, --trace --raw" 0 fig4b-trace-raw \
    arbitrate --trace --raw --total 24 "$EXAMPLES/fig4b.req"
check "FIG. 4B, --json" 0 fig4b-json arbitrate --total 24 --json "$EXAMPLES/fig4b.req"
check_json "FIG. 4B, --json is valid JSON" arbitrate --total 24 --json "$EXAMPLES/fig4b.req"
check "FIG. 4B, -j" 0 fig4b-json arbitrate --total 24 -j "$EXAMPLES/fig4b.req"
check "FIG. 4B, -j before the command" 0 fig4b-json -j arbitrate --total 24 "$EXAMPLES/fig4b.req"
check "FIG. 4B, --json --trace" 0 fig4b-json-trace \
    arbitrate --total 24 --json --trace "$EXAMPLES/fig4b.req"
check_json "FIG. 4B, --json --trace is valid JSON" \
    arbitrate --total 24 --json --trace "$EXAMPLES/fig4b.req"

# --- standard input -----------------------------------------------------
STDIN="$EXAMPLES/fig4b.req"
check_alloc "FILE '-' reads standard input" "7 6 5 2 4" arbitrate --total 24 -
check_alloc "no FILE reads standard input" "7 6 5 2 4" arbitrate --total 24
sed 's/$/\r/' "$EXAMPLES/fig4b.req" >"$tmpdir/crlf.req"
STDIN="$tmpdir/crlf.req"
check_alloc "CRLF line ends" "7 6 5 2 4" arbitrate --total 24
STDIN=

# --- options --------------------------------------------------------------
check "--mode proportional" 0 fig4b-proportional \
    arbitrate --total 24 --mode proportional --trace "$EXAMPLES/fig4b.req"
check "--mode max-satisfied" 0 fig4b-max-satisfied \
    arbitrate --total 24 --mode max-satisfied --trace "$EXAMPLES/fig4b.req"
check_alloc "--mode levelling is the default" "7 6 5 2 4" \
    arbitrate --mode levelling --total 24 "$EXAMPLES/fig4b.req"
check "--leftover reserve (the default)" 0 spare-reserve arbitrate --total 20 --json spare.req
check "--leftover split" 0 spare-split arbitrate --total 20 --leftover split --trace spare.req
check "--leftover default=c" 0 spare-default-c \
    arbitrate --total 20 --leftover default=c --trace spare.req
check "--leftover default=b stops at b's max" 0 spare-default-b \
    arbitrate --total 20 --leftover default=b --json spare.req
check_json "--leftover default=b, valid JSON" arbitrate --total 20 --leftover default=b --json spare.req
check "min=, max=, fractions, missing levels" 0 limits arbitrate --total 40 --trace limits.req
check "min= and max= in JSON" 0 limits-json arbitrate --total 40 --json limits.req
check "--minimum 0" 0 fig4a-minimum-0 arbitrate --total 19 --minimum 0 --trace "$EXAMPLES/fig4a.req"
check "--minimum 2.5 --unit 0.5" 0 fig4a-minimum-2.5 arbitrate --total 19 --minimum 2.5 --unit 0.5 --trace \
    "$EXAMPLES/fig4a.req"
check "a pool short of the floors" 0 fig4a-starved arbitrate --total 4 --json "$EXAMPLES/fig4a.req"
check "--unit 2" 0 fig4b-unit-2 arbitrate --total 24 --unit 2 --trace "$EXAMPLES/fig4b.req"
check "--unit 0.5 and a fractional total" 0 fig4b-unit-0.5 \
    arbitrate --total 23.75 --unit 0.5 --trace "$EXAMPLES/fig4b.req"
check "the CPU pool example" 0 cpu-pool \
    arbitrate --total 800 --minimum 10 --unit 5 "$EXAMPLES/cpu-pool.req"
check "the CPU pool example, --trace" 0 cpu-pool-trace \
    arbitrate --total 800 --minimum 10 --unit 5 --trace "$EXAMPLES/cpu-pool.req"
check_alloc "options after FILE" "7 6 5 2 4" arbitrate "$EXAMPLES/fig4b.req" --total 24
check_alloc "--total=N and abbreviations" "6.5 6.5 5 2 4" \
    arbitrate --tot=24 --ra "$EXAMPLES/fig4b.req"
check_alloc "the last --total wins" "7 6 5 2 4" \
    arbitrate --total 3 --total 24 "$EXAMPLES/fig4b.req"

# --- bad request files: exit status 2, FILE:LINE: message ---------------
check "'x1' is not a number" 2 bad-number arbitrate --total 10 bad-number.req
check "duplicate name" 2 bad-duplicate arbitrate --total 10 bad-duplicate.req
check "too many levels" 2 bad-levels arbitrate --total 10 bad-levels.req
check "max below min" 2 bad-maxmin arbitrate --total 10 bad-maxmin.req
check "no domains" 2 bad-empty arbitrate --total 10 bad-empty.req
check "bad name" 2 bad-name arbitrate --total 10 bad-name.req
check "negative amount" 2 bad-negative arbitrate --total 10 bad-negative.req
check "four decimal places" 2 bad-precision arbitrate --total 10 bad-precision.req
check "amount too large" 2 bad-range arbitrate --total 10 bad-range.req
check "unknown setting" 2 bad-setting arbitrate --total 10 bad-setting.req
check "setting without a value" 2 bad-novalue arbitrate --total 10 bad-novalue.req
check "missing file" 2 bad-missing arbitrate --total 10 no-such-file.req
check "a directory" 2 bad-directory arbitrate --total 10 .
printf 'a 1\nb\0002\n' >"$tmpdir/nul.req"
STDIN="$tmpdir/nul.req"
check "a NUL byte, on standard input" 2 bad-nul arbitrate --total 10
STDIN=/dev/null
check "an empty standard input" 2 bad-stdin-empty arbitrate --total 10 -
STDIN=
head -c 67108865 /dev/zero >"$tmpdir/huge.req"
STDIN="$tmpdir/huge.req"
check "a file over 64 MiB" 2 bad-huge arbitrate --total 10
STDIN=
rm -f "$tmpdir/huge.req"
awk 'BEGIN { for (i = 0; i < 1001; i++) print "d" i, i % 7 }' >"$tmpdir/wide.req"
STDIN="$tmpdir/wide.req"
check "--trace refuses more than 1000 domains" 2 bad-trace-wide arbitrate --total 5000 --trace
check_alloc "1001 domains without --trace" \
    "$(awk 'BEGIN { for (i = 0; i < 1001; i++) printf("%s%d", (i ? " " : ""), (i % 7 > 1 ? i % 7 : 1)) }')" \
    arbitrate --total 5000
STDIN=

# --- bad command lines: exit status 2, a message and a usage line -------
check_usage "no --total" "xenplm arbitrate: --total is required" arbitrate spare.req
check_usage "--total without a value" "xenplm arbitrate: option '--total' needs a value" \
    arbitrate --total
check_usage "--total x" "xenplm arbitrate: --total: 'x' is not a number" \
    arbitrate --total x spare.req
check_usage "--total -1" "xenplm arbitrate: --total: '-1' is negative" \
    arbitrate --total -1 spare.req
check_usage "--total too large" "xenplm arbitrate: --total: '2000000000' is too large (at most 1000000000)" \
    arbitrate --total 2000000000 spare.req
check_usage "--minimum 0.0001" \
    "xenplm arbitrate: --minimum: '0.0001' has more than three decimal places" \
    arbitrate --total 1 --minimum 0.0001 spare.req
check_usage "--unit 0" "xenplm arbitrate: --unit: must be greater than 0" \
    arbitrate --total 1 --unit 0 spare.req
check_usage "--unit abc" "xenplm arbitrate: --unit: 'abc' is not a number" \
    arbitrate --total 1 --unit abc spare.req
check_usage "--mode unknown" \
    "xenplm arbitrate: --mode: 'fair' is not levelling, proportional or max-satisfied" \
    arbitrate --total 1 --mode fair spare.req
check_usage "--leftover unknown" \
    "xenplm arbitrate: --leftover: 'keep' is not reserve, split or default=NAME" \
    arbitrate --total 1 --leftover keep spare.req
check_usage "--leftover default= without a name" \
    "xenplm arbitrate: --leftover: default= needs a domain name" \
    arbitrate --total 1 --leftover default= spare.req
check_usage "--leftover default= an unknown domain" \
    "xenplm arbitrate: --leftover: no domain named 'zz'" \
    arbitrate --total 1 --leftover default=zz spare.req
check_usage "unknown option" "xenplm arbitrate: unknown option '--fast'" \
    arbitrate --total 1 --fast spare.req
check_usage "unknown short option" "xenplm arbitrate: unknown option '-x'" \
    arbitrate --total 1 -x spare.req
check_usage "ambiguous option" "xenplm arbitrate: ambiguous option '--t'" \
    arbitrate --t 1 spare.req
check_usage "a value for a flag" "xenplm arbitrate: option '--json' takes no value" \
    arbitrate --total 1 --json=yes spare.req
check_usage "two files" "xenplm arbitrate: more than one FILE" \
    arbitrate --total 1 spare.req limits.req

# --- help, the command table, the output stream ---------------------------
check "xenplm --help" 0 help-main --help
check "xenplm help" 0 help-main help
check "xenplm help arbitrate" 0 help-arbitrate help arbitrate
check "xenplm arbitrate --help" 0 help-arbitrate arbitrate --help
check "xenplm arbitrate -h, among other arguments" 0 help-arbitrate arbitrate --raw -h no-such-file
check "xenplm help help" 0 help-help help help
check "xenplm help nosuch" 2 help-unknown help nosuch
check "xenplm without a command" 2 no-command
check "unknown command" 2 unknown-command frobnicate
check "unknown option before the command" 2 unknown-main-option --frobnicate arbitrate
run --version
: >"$tmpdir/why"
if [ "$rc" = 0 ] && grep -q '^xenplm [0-9]' "$tmpdir/out"; then
    tap_ok "xenplm --version"
else
    echo "exit status $rc" >"$tmpdir/why"
    tap_not_ok "xenplm --version"
fi
if [ -w /dev/full ]; then
    (cd "$CASES" && exec "$XENPLM" arbitrate --total 20 spare.req) >/dev/full 2>"$tmpdir/err"
    rc=$?
    if [ "$rc" = 1 ] && grep -q '^xenplm: cannot write output' "$tmpdir/err"; then
        tap_ok "a write error exits 1"
    else
        { echo "exit status $rc"; cat "$tmpdir/err"; } >"$tmpdir/why"
        tap_not_ok "a write error exits 1"
    fi
else
    tap_skip "a write error exits 1" "no /dev/full"
fi

done_testing
