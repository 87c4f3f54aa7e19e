#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Build and run the libFuzzer targets (tests/fuzz/fuzz_*.c), one for each
# parser of outside input.
#
#   tests/fuzz/fuzz.sh all SRCDIR BUILDDIR OUTDIR SECONDS [TARGET ...]
#       What `make fuzz` runs: build, selftest, then run every target (or
#       those named) for SECONDS each.
#
#   tests/fuzz/fuzz.sh build SRCDIR BUILDDIR OUTDIR
#       Compile the parsers' sources with clang, -fsanitize=fuzzer-no-link,
#       address and undefined, into one archive per module under OUTDIR,
#       and link every target against them.  BUILDDIR holds the configured
#       tree's config.h.  The product's own build is not involved: its
#       configure never needs clang.  FUZZ_CC (default clang) and
#       FUZZ_CFLAGS (added last) override the compiler and flags.
#       FUZZ_JOBS (default: the number of CPUs) compilers run at a time.
#
#   tests/fuzz/fuzz.sh selftest SRCDIR OUTDIR
#       Check that `run` fails, with a reproducer, on each kind of finding:
#       a heap overflow, a leak, undefined behaviour, an abort, a hang
#       (the planted defects of fuzz_canary.c).  About 15 s.
#
#   tests/fuzz/fuzz.sh run SRCDIR OUTDIR SECONDS [TARGET ...]
#       Run each target (all by default; FUZZ_JOBS at a time, one process
#       each) for SECONDS, starting from its seed corpus
#       (SRCDIR/tests/fuzz/corpus/TARGET, read only) and a working corpus
#       in OUTDIR/corpus/TARGET.  Prints one summary line per target
#       (executions, coverage, corpus size).  On a crash, a leak, a
#       sanitizer report, a timeout (FUZZ_TIMEOUT s for one input, default
#       10) or running out of memory it prints the report, the reproducer
#       (path and bytes) and how to replay it, and exits 1 after the
#       remaining targets ran.
#
# Every step stops at its first error (die, or a function's return status:
# set -e does not apply inside a function called with ||).
# Exit status: 0, 1 on a finding, 2 on a usage or build error, 77 when
# fuzzing cannot run here (no clang, or no libFuzzer runtime: the reason is
# printed).  `all` turns 77 into a skip (status 0) unless CI=true or
# XENPLM_FUZZ_REQUIRE=1, where it is a failure.
set -eu

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

# The targets and, for each, the longest input worth trying (its parser's
# own limit, or a size past which only speed is lost).
targets="request ctl_request ctl_reply reqfile mon_parse scenario goals policy etcd_reply pool_record pool_order"
max_len() {
    case "$1" in
    request) echo 2100 ;;     # PROTO_VALUE_MAX (2048) and a little beyond
    ctl_request) echo 4200 ;; # CTL_REQUEST_MAX (4096) and a little beyond
    ctl_reply) echo 9000 ;;   # the client's 8 KiB status-line buffer and beyond
    reqfile | mon_parse) echo 8192 ;;
    scenario | goals | policy) echo 16384 ;; # 1 MiB allowed; the parse is what is tested
    etcd_reply) echo 65536 ;; # pool mode's etcd replies (bounded by max_reply, 4 MiB)
    pool_record) echo 4200 ;; # PREC_VALUE_MAX (4096) and a little beyond
    pool_order) echo 2100 ;;  # PORD_VALUE_MAX (2048) and a little beyond
    canary) echo 64 ;;
    *) die "unknown target $1" ;;
    esac
}

# Archives in link order, each with its sources (relative to SRCDIR).
modules="cli agent sim policy xml gen proto pool common core"
module_sources() {
    case "$1" in
    cli) echo src/cli/reqfile.c src/cli/options.c ;;
    # The agent without its main() and its libxenstore store.
    agent) except guest-agent/main.c guest-agent/store_xen.c -- guest-agent/*.c ;;
    # The simulator without xenplmd-sim's main() (the daemon's code).
    sim) except src/sim/sim_daemon.c -- src/sim/*.c ;;
    policy) echo src/policy/*.c ;;
    xml) echo src/xml/*.c ;;
    # The schemas built into the loaders: made by make in the build tree.
    gen) echo "$bld/src/xml/gen/policy_xsd.c" "$bld/src/xml/gen/goals_xsd.c" ;;
    proto) echo src/protocol/*.c ;;
    # Pool mode's etcd reply parsers and pool records, without libcurl's transport.
    pool) echo src/pool/etcd_buf.c src/pool/etcd_parse.c src/pool/pool_record.c \
        src/pool/pool_record_decode.c src/pool/pool_order.c ;;
    common) echo src/common/*.c ;;
    core) echo src/core/*.c ;;
    esac
}

# except A B -- FILE...: the files but A and B.
except() {
    skip=""
    while [ "$1" != -- ]; do
        skip="$skip $1"
        shift
    done
    shift
    for f in "$@"; do
        case " $skip " in *" $f "*) ;; *) echo "$f" ;; esac
    done
}

fuzz_cc=${FUZZ_CC:-clang}
san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"

# Can this machine build a libFuzzer program?  Prints the reason when not
# and returns 77.  Debian's clang-14 needs libclang-rt-14-dev for the
# sanitizer and libFuzzer runtimes (scripts/install-deps installs both).
toolchain_check() {
    if ! command -v "$fuzz_cc" >/dev/null 2>&1; then
        echo "fuzz: cannot run here: $fuzz_cc not found (scripts/install-deps installs clang)"
        return 77
    fi
    t=$(mktemp -d)
    printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
        'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
        >"$t/probe.c"
    # shellcheck disable=SC2086
    if ! "$fuzz_cc" -fsanitize=fuzzer $san "$t/probe.c" -o "$t/probe" >"$t/log" 2>&1; then
        echo "fuzz: cannot run here: $fuzz_cc cannot link a libFuzzer program" \
            "(on Debian 12: libclang-rt-14-dev; scripts/install-deps installs it):"
        sed -n '1,5p' "$t/log"
        rm -rf "$t"
        return 77
    fi
    rm -rf "$t"
}

# A pool of FUZZ_JOBS background jobs (default: the number of CPUs):
# spawn CMD... starts one, waiting for the oldest first when the pool is
# full; reap_all waits for them all.  Jobs report failure in files.
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
pids=""
npids=0
spawn() {
    "$@" &
    pids="$pids $!"
    npids=$((npids + 1))
    [ "$npids" -lt "$jobs" ] || reap_one
}
reap_one() {
    # shellcheck disable=SC2086 # a list of pids
    set -- $pids
    wait "$1" || true
    shift
    pids="$*"
    npids=$((npids - 1))
}
reap_all() {
    while [ "$npids" -gt 0 ]; do reap_one; done
}

# src_path FILE: FILE as given when absolute (a generated source in the
# build tree), else under SRCDIR.
src_path() {
    case "$1" in
    /*) echo "$1" ;;
    *) echo "$src/$1" ;;
    esac
}

# compile_one FILE OBJECT FLAGS...: in the background; a failure is noted
# in $out/cc-failed.
compile_one() {
    f=$1 o=$2
    shift 2
    "$fuzz_cc" "$@" -c "$(src_path "$f")" -o "$o" || echo "$f" >>"$out/cc-failed"
}

# link_one TARGET ARGS...: the same for a target's link.
link_one() {
    t=$1
    shift
    "$fuzz_cc" "$@" || echo "fuzz_$t" >>"$out/cc-failed"
}

build() {
    [ $# -eq 3 ] || die "usage: fuzz.sh build SRCDIR BUILDDIR OUTDIR"
    src=$(cd "$1" && pwd)
    bld=$(cd "$2" && pwd)
    mkdir -p "$3"
    out=$(cd "$3" && pwd)
    toolchain_check || return $?
    [ -f "$bld/config.h" ] || die "$bld/config.h missing: configure first"
    xml=$(pkg-config --cflags libxml-2.0) || die "libxml2's pkg-config file not found"
    xml_libs=$(pkg-config --libs libxml-2.0)
    yajl_libs=$(pkg-config --libs yajl 2>/dev/null || echo -lyajl)
    # The tree's path is compiled in so the loaders' targets find the schemas.
    cflags="-std=c11 -g -O1 -Wall -Wextra -Werror $san -I$bld -I$src/src -I$src $xml ${FUZZ_CFLAGS:-}"
    srcdir_def="-DXENPLM_FUZZ_SRCDIR=\"$src\""

    # One object per source, rebuilt when the source is newer; all of them
    # when a header or config.h changed since the last build.
    if [ ! -f "$out/headers.stamp" ] ||
        [ -n "$(find "$src/src" "$src/guest-agent" "$bld/config.h" -name '*.h' \
            -newer "$out/headers.stamp" | head -1)" ]; then
        rm -rf "$out/obj"
    fi
    touch "$out/headers.stamp"
    libs=""
    rm -f "$out/cc-failed"
    for m in $modules; do
        mkdir -p "$out/obj/$m"
        for f in $(cd "$src" && module_sources "$m"); do
            o="$out/obj/$m/$(basename "$f" .c).o"
            # shellcheck disable=SC3013 # dash and bash have -nt
            [ "$o" -nt "$(src_path "$f")" ] && continue
            echo "  CC (fuzz) $f"
            # shellcheck disable=SC2086
            spawn compile_one "$f" "$o" $cflags "$srcdir_def" -fsanitize=fuzzer-no-link
        done
    done
    reap_all
    [ ! -s "$out/cc-failed" ] || die "compiling failed:" "$(tr '\n' ' ' <"$out/cc-failed")"
    libs=""
    for m in $modules; do
        objs=""
        for f in $(cd "$src" && module_sources "$m"); do
            objs="$objs $out/obj/$m/$(basename "$f" .c).o"
        done
        rm -f "$out/lib$m.a"
        # shellcheck disable=SC2086
        ar cr "$out/lib$m.a" $objs || die "ar failed"
        libs="$libs $out/lib$m.a"
    done
    for t in $targets canary; do
        echo "  CCLD (fuzz) fuzz_$t"
        # shellcheck disable=SC2086
        spawn link_one "$t" $cflags "$srcdir_def" -fsanitize=fuzzer \
            "$src/tests/fuzz/fuzz_$t.c" -o "$out/fuzz_$t" \
            -Wl,--start-group $libs -Wl,--end-group $xml_libs $yajl_libs -lm
    done
    reap_all
    [ ! -s "$out/cc-failed" ] || die "linking failed:" "$(tr '\n' ' ' <"$out/cc-failed")"
}

# Print the reproducer a failed run left in $1 (its artifact prefix).
show_reproducer() {
    for f in "$1"*; do
        [ -f "$f" ] || continue
        echo "--- reproducer: $f ($(wc -c <"$f") bytes)"
        od -An -c "$f" | head -20
        echo "--- replay: $2 $f"
    done
}

# run_one NAME OUTDIR BINARY SECONDS WORKDIR SEEDDIR: one target, one
# summary line; 0, or 1 after printing the finding.
run_one() {
    name=$1 out=$2 bin=$3 secs=$4 work=$5 seeds=$6
    art="$out/artifacts/$name/"
    log="$out/fuzz_$name.log"
    mkdir -p "$work" "$art"
    rm -f "$art"*
    # close_fd_mask=3: the parsers' own messages (the reply reader writes
    # to stderr) stay out of the log; libFuzzer's and the sanitizers'
    # reports still come through.  A single input that takes longer than
    # the timeout is a finding (a stalled parser).
    rc=0
    "$bin" -max_total_time="$secs" -max_len="$(max_len "${name%%.*}")" \
        -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix="$art" "$work" "$seeds" >"$log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -E '^#[0-9]+' "$log" | tail -1 |
        sed -n 's/.*cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
    if [ "$rc" -eq 0 ]; then
        printf 'fuzz_%-12s ok   %9s execs in %s s  (%s)\n' "$name" "${execs:-?}" "$secs" "$cov"
        return 0
    fi
    printf 'fuzz_%-12s FAIL (exit %s), log %s\n' "$name" "$rc" "$log"
    grep -E '^==[0-9]+==ERROR|^SUMMARY|runtime error|^==[0-9]+== ERROR: libFuzzer|ALARM' \
        "$log" | head -10 || true
    echo "--- log tail:"
    tail -30 "$log"
    show_reproducer "$art" "$bin"
    return 1
}

run() {
    [ $# -ge 3 ] || die "usage: fuzz.sh run SRCDIR OUTDIR SECONDS [TARGET ...]"
    src=$(cd "$1" && pwd)
    out=$(cd "$2" && pwd)
    secs=$3
    shift 3
    # shellcheck disable=SC2086 # a list of words
    [ $# -gt 0 ] || set -- $targets
    for t in "$@"; do
        max_len "$t" >/dev/null
        [ -x "$out/fuzz_$t" ] || die "$out/fuzz_$t not built (make fuzz-build)"
    done
    # FUZZ_JOBS targets at a time; each one's report is printed in order
    # once all have run.
    for t in "$@"; do
        rm -f "$out/result.$t"
        spawn run_bg "$t" "$out" "$out/fuzz_$t" "$secs" "$out/corpus/$t" \
            "$src/tests/fuzz/corpus/$t"
    done
    reap_all
    failed=""
    for t in "$@"; do
        cat "$out/result.$t.out"
        [ ! -e "$out/result.$t.failed" ] || failed="$failed $t"
        rm -f "$out/result.$t.out" "$out/result.$t.failed"
    done
    if [ -n "$failed" ]; then
        echo "fuzz: FAILED:$failed"
        return 1
    fi
}

# run_one's arguments, in the background: the report in
# $out/result.NAME.out, a failure marked by $out/result.NAME.failed.
run_bg() {
    run_one "$@" >"$2/result.$1.out" 2>&1 || echo >"$2/result.$1.failed"
}

# Each planted defect must fail its run and leave a reproducer; the
# report must name the kind of finding.
selftest() {
    [ $# -eq 2 ] || die "usage: fuzz.sh selftest SRCDIR OUTDIR"
    out=$(cd "$2" && pwd)
    [ -x "$out/fuzz_canary" ] || die "$out/fuzz_canary not built (make fuzz-build)"
    bad=""
    for kind in overflow leak ub abort hang; do
        case $kind in
        overflow) want="AddressSanitizer: heap-buffer-overflow" ;;
        leak) want="LeakSanitizer: detected memory leaks" ;;
        ub) want="runtime error: signed integer overflow" ;;
        abort) want="libFuzzer: deadly signal" ;;
        hang) want="libFuzzer: timeout" ;;
        esac
        seeds="$out/selftest/$kind"
        rm -rf "$seeds" "$out/corpus/canary.$kind"
        mkdir -p "$seeds"
        printf '%s' "$kind" >"$seeds/$kind"
        if FUZZ_TIMEOUT=2 run_one "canary.$kind" "$out" "$out/fuzz_canary" 30 \
            "$out/corpus/canary.$kind" "$seeds" >"$out/selftest/$kind.out" 2>&1; then
            echo "fuzz selftest: $kind: the run passed" && bad="$bad $kind"
        elif ! grep -q "$want" "$out/fuzz_canary.$kind.log"; then
            echo "fuzz selftest: $kind: no '$want' in the report" && bad="$bad $kind"
        elif ! grep -q -e '^--- reproducer: ' "$out/selftest/$kind.out"; then
            echo "fuzz selftest: $kind: no reproducer" && bad="$bad $kind"
        else
            echo "fuzz selftest: $kind: found ($want)"
        fi
    done
    if [ -n "$bad" ]; then
        echo "fuzz selftest: FAILED:$bad"
        return 1
    fi
}

all() {
    [ $# -ge 4 ] || die "usage: fuzz.sh all SRCDIR BUILDDIR OUTDIR SECONDS [TARGET ...]"
    rc=0
    build "$1" "$2" "$3" || rc=$?
    if [ "$rc" -eq 77 ]; then
        if [ "${CI:-}" = true ] || [ "${XENPLM_FUZZ_REQUIRE:-0}" = 1 ]; then
            echo "fuzz: FAILED: fuzzing is required here (CI=true or XENPLM_FUZZ_REQUIRE=1)"
            return 1
        fi
        echo "fuzz: SKIP (the reason is above)"
        return 0
    fi
    [ "$rc" -eq 0 ] || return "$rc"
    selftest "$1" "$3" || return 1
    src=$1 dir=$3 secs=$4
    shift 4
    run "$src" "$dir" "$secs" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
all) all "$@" ;;
build) build "$@" ;;
selftest) selftest "$@" ;;
run) run "$@" ;;
*) die "usage: fuzz.sh all|build|selftest|run ... (see the comment at its top)" ;;
esac
