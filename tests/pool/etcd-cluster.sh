# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=sh
# A real 3-member etcd cluster on loopback ports chosen free, for the pool
# tests.  Sourced, never run:
#
#   . tests/pool/etcd-cluster.sh
#   etcd_cluster_need         # exits 77 (skip) without etcd/etcdctl,
#                             # 1 instead under CI=true or XENPLM_ETCD_REQUIRE=1
#   etcd_cluster_start DIR    # data dirs and logs under DIR; sets TEST_ETCD_ENDPOINTS
#                             # (comma-separated) and TEST_ETCD_EP1..3; kills the
#                             # members on exit
#   etcd_member_stop N        # stop member N (1..3) and wait until it is gone
#   etcd_member_start N       # start it again (same ports and data)
#   etcd_silent_start DIR     # a listener that never answers: TEST_SILENT_EP
#   etcd_cluster_stop         # stop every member (and the listener), and
#                             # kill what pool_sim_started recorded
#   pool_sim_started PID      # a daemon the test started, killed at exit
#   ok DESC CMD...            # one TAP result: CMD's success, its output as
#                             # comments (counts in n; sets fail=1 on failure)
#   ctl ARGS...               # etcdctl against the cluster, with timeouts
#
# Members are started with etcd's own heartbeat and election timeouts
# (100 and 1000 ms), so that a stopped leader is replaced within a second
# or two.  (At 50 and 500 ms, a loaded 2-core CI machine starved a
# member's heartbeats long enough for Raft to change its leader in the
# middle of a test, failing the call under way with "leader changed".)
: "${me:=tests/pool}"
# ok DESC CMD...: one TAP result, numbered from n, with what CMD printed
# as comments; a failure sets fail=1.
ok() { # description, command...
    n=$((n + 1))
    d=$1
    shift
    if out=$("$@" 2>&1); then
        echo "ok $n - $d"
    else
        echo "not ok $n - $d"
        # shellcheck disable=SC2034 # read by the script that sources this
        fail=1
    fi
    [ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/# /'
}

# pool_sims_setup NAME: what a test of xenplmd-sim hosts needs: etcd (or
# the skip), $sim and $cli built, $work (tests/pool-work/NAME), and the
# cluster started there.
# shellcheck disable=SC2154,SC2034 # top_builddir comes from, and cli goes to, the sourcing script
pool_sims_setup() {
    etcd_cluster_need
    sim="$top_builddir/src/xenplmd-sim"
    cli="$top_builddir/src/xenplm"
    [ -x "$sim" ] || { echo "$me: $sim not built" >&2; exit 99; }
    work="$top_builddir/tests/pool-work/$1"
    etcd_cluster_start "$work" || { echo "$me: could not start an etcd cluster" >&2; exit 99; }
}

# pool_sim_started PID: a daemon the test started, killed at exit
# (etcd_cluster_stop) if it still runs.
pool_sim_started() {
    TEST_SIM_PIDS="${TEST_SIM_PIDS:-} $1"
}

# pool_policy HOST MODE [LINE...]: "$work/HOST.xml", a policy joining the
# pool "test" as HOST in MODE at the cluster's three members, with a 3 s
# lease and publishing every second, and each LINE inside <pool>.  $pool_attrs,
# when set, goes into <pool> as more attributes.
# shellcheck disable=SC2154 # $work: set by the script that sources this
pool_policy() {
    _h=$1
    _m=$2
    shift 2
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<xenplm-policy version="1">'
        echo "  <pool name=\"test\" host=\"$_h\" mode=\"$_m\"${pool_attrs:+ $pool_attrs}>"
        echo "    <endpoint>$TEST_ETCD_EP1</endpoint>"
        echo "    <endpoint>$TEST_ETCD_EP2</endpoint>"
        echo "    <endpoint>$TEST_ETCD_EP3</endpoint>"
        echo '    <lease ttl="3s"/>'
        echo '    <publish interval="1s"/>'
        for _l in "$@"; do echo "    $_l"; done
        echo '  </pool>'
        echo '</xenplm-policy>'
    } >"$work/$_h.xml"
}

# ctl ARGS...: etcdctl against the cluster started here.
ctl() {
    etcdctl --endpoints="$TEST_ETCD_ENDPOINTS" --dial-timeout=2s --command-timeout=3s "$@"
}

# etcd_history PREFIX: every event etcd still holds under PREFIX, oldest
# first, one JSON object a line: {"rev", "type" ("put" or "delete"), "key",
# "value"}.  Checks read the order of events from it by etcd's revisions,
# not by a clock.  (A watch from revision 1, which never ends by itself:
# stopped after 3 s.)
etcd_history() {
    timeout 3 etcdctl --endpoints="$TEST_ETCD_ENDPOINTS" --dial-timeout=2s \
        watch --rev=1 --prefix "$1" -w json 2>/dev/null | python3 -c '
import base64, json, sys
text, dec, i = sys.stdin.read(), json.JSONDecoder(), 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    r, i = dec.raw_decode(text, i)
    for e in r.get("Events") or []:
        kv = e["kv"]
        print(json.dumps({"rev": kv["mod_revision"], "type": "delete" if e.get("type") == 1 else "put",
                          "key": base64.b64decode(kv["key"]).decode(errors="replace"),
                          "value": base64.b64decode(kv.get("value", "")).decode(errors="replace")}))'
}

etcd_cluster_need() {
    missing=""
    command -v etcd >/dev/null 2>&1 || missing="etcd (Debian: etcd-server)"
    command -v etcdctl >/dev/null 2>&1 || missing="${missing:+$missing, }etcdctl (Debian: etcd-client)"
    command -v python3 >/dev/null 2>&1 || missing="${missing:+$missing, }python3 (to find free ports)"
    [ -z "$missing" ] && return 0
    if [ "${CI:-}" = true ] || [ "${XENPLM_ETCD_REQUIRE:-0}" = 1 ]; then
        echo "$me: FAIL: $missing not installed, and CI=true or XENPLM_ETCD_REQUIRE=1 requires it (scripts/install-deps)" >&2
        exit 1
    fi
    echo "$me: SKIP: $missing not installed (scripts/install-deps installs them)" >&2
    exit 77
}

# Six ports free now on 127.0.0.1 (bound together, so all distinct).
etcd_free_ports() {
    python3 -c '
import socket
s = [socket.socket() for _ in range(6)]
for x in s:
    x.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
for x in s:
    x.close()'
}

etcd_cluster_stop() {
    # The daemons a test started (pool_sim_started), whatever became of
    # its checks: one left running would take over the next run's files.
    for _p in ${TEST_SIM_PIDS:-}; do kill -9 "$_p" 2>/dev/null; done
    TEST_SIM_PIDS=
    [ -z "${TEST_SILENT_PID:-}" ] || { kill "$TEST_SILENT_PID" 2>/dev/null; wait "$TEST_SILENT_PID" 2>/dev/null; TEST_SILENT_PID=; }
    for _m in 1 2 3; do
        etcd_member_stop "$_m"
    done
}

etcd_member_stop() {
    eval "_pid=\${TEST_ETCD_PID$1:-}"
    [ -n "$_pid" ] || return 0
    kill "$_pid" 2>/dev/null
    _i=0
    while kill -0 "$_pid" 2>/dev/null && [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    kill -9 "$_pid" 2>/dev/null
    wait "$_pid" 2>/dev/null
    eval "TEST_ETCD_PID$1="
}

# A listener on a free loopback port that accepts connections and never
# answers (a member hung, or a black hole): sets TEST_SILENT_EP and
# TEST_SILENT_PID; stopped by etcd_cluster_stop.
etcd_silent_start() {
    _f="$1/silent.port"
    rm -f "$_f"
    python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write("%d\n" % s.getsockname()[1])
time.sleep(600)' "$_f" </dev/null >/dev/null 2>&1 &
    TEST_SILENT_PID=$!
    _i=0
    while [ ! -s "$_f" ] && [ $_i -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    TEST_SILENT_EP=http://127.0.0.1:$(cat "$_f")
    export TEST_SILENT_EP
}

# Start member N (1..3) of the cluster etcd_cluster_start made, on its
# ports and data directory (again, after etcd_member_stop: it rejoins).
etcd_member_start() {
    c='' p=''
    eval "c=\$c$1 p=\$p$1"
    etcd --name "m$1" --data-dir "$dir/m$1" \
        --listen-client-urls "http://127.0.0.1:$c" \
        --advertise-client-urls "http://127.0.0.1:$c" \
        --listen-peer-urls "http://127.0.0.1:$p" \
        --initial-advertise-peer-urls "http://127.0.0.1:$p" \
        --initial-cluster "$initial" --initial-cluster-state new \
        --initial-cluster-token "xenplm-test-$$" \
        --heartbeat-interval 100 --election-timeout 1000 \
        </dev/null >>"$dir/m$1.log" 2>&1 &
    eval "TEST_ETCD_PID$1=$!"
}

etcd_cluster_start() {
    dir=$1
    _try=0
    while [ $_try -lt 3 ]; do
        _try=$((_try + 1))
        rm -rf "$dir"
        mkdir -p "$dir" || return 1
        # shellcheck disable=SC2046
        set -- $(etcd_free_ports)
        c1=$1 c2=$2 c3=$3 p1=$4 p2=$5 p3=$6
        TEST_ETCD_EP1=http://127.0.0.1:$c1 TEST_ETCD_EP2=http://127.0.0.1:$c2 TEST_ETCD_EP3=http://127.0.0.1:$c3
        TEST_ETCD_ENDPOINTS=$TEST_ETCD_EP1,$TEST_ETCD_EP2,$TEST_ETCD_EP3
        export TEST_ETCD_ENDPOINTS TEST_ETCD_EP1 TEST_ETCD_EP2 TEST_ETCD_EP3
        initial=m1=http://127.0.0.1:$p1,m2=http://127.0.0.1:$p2,m3=http://127.0.0.1:$p3
        trap 'etcd_cluster_stop' EXIT
        trap 'etcd_cluster_stop; exit 1' INT TERM
        for _m in 1 2 3; do
            etcd_member_start "$_m"
        done
        # Healthy: every member answers and the cluster has a leader.
        i=0
        while [ $i -lt 100 ]; do
            alive=1
            for _m in 1 2 3; do
                eval "kill -0 \$TEST_ETCD_PID$_m" 2>/dev/null || alive=0
            done
            [ $alive = 1 ] || break
            if etcdctl --endpoints="$TEST_ETCD_ENDPOINTS" --dial-timeout=1s --command-timeout=2s \
                endpoint health >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.2
            i=$((i + 1))
        done
        echo "$me: the etcd cluster did not become healthy (attempt $_try); its logs:" >&2
        tail -n 5 "$dir"/m*.log >&2 2>/dev/null
        etcd_cluster_stop
    done
    return 1
}
