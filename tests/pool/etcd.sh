#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The etcd client (src/pool/) against a real 3-member etcd cluster started
# here on loopback ports chosen free (tests/pool/etcd-cluster.sh), TAP:
# values both ways with etcdctl, kv, txn compares, lease expiry, watch
# delivery, a member stopped (the client fails over), every member stopped
# (a clear error, no hang past the timeout), the caller's bounds on a call
# (a hook before it, a deadline, a cancel flag).  Skipped, saying why, without
# etcd-server/etcd-client, unless CI=true or XENPLM_ETCD_REQUIRE=1.
# shellcheck disable=SC2317 # the checks run through ok(), which shellcheck cannot see
me=tests/pool/etcd.sh
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
# shellcheck source=tests/pool/etcd-cluster.sh
. "$top_srcdir/tests/pool/etcd-cluster.sh"
etcd_cluster_need
live="$top_builddir/tests/pool/etcd_live"
[ -x "$live" ] || { echo "$me: $live not built" >&2; exit 99; }
work="$top_builddir/tests/pool-work/etcd"
etcd_cluster_start "$work" || { echo "$me: could not start an etcd cluster" >&2; exit 99; }

echo "1..13"
n=0
fail=0
# A value written by etcdctl, read by the client; and the other way.
from_ctl() {
    ctl put /t/ctl "written by etcdctl" >/dev/null &&
        [ "$("$live" "$TEST_ETCD_ENDPOINTS" get /t/ctl)" = "written by etcdctl" ]
}
to_ctl() {
    "$live" "$TEST_ETCD_ENDPOINTS" put /t/client "written by the client" &&
        [ "$(ctl get --print-value-only /t/client)" = "written by the client" ]
}
ok "a value etcdctl put, read by the client" from_ctl
ok "a value the client put, read by etcdctl" to_ctl
ok "kv: put, range (bytes, revisions), prefix, limit, delete" "$live" "$TEST_ETCD_ENDPOINTS" kv
ok "txn: create-if-absent, fencing on mod_revision, value compare" "$live" "$TEST_ETCD_ENDPOINTS" txn
ok "lease: kept alive past its TTL, gone within it after, revoke" "$live" "$TEST_ETCD_ENDPOINTS" lease
ok "watch: puts and a delete under a prefix, in order" "$live" "$TEST_ETCD_ENDPOINTS" watch
ok "election: campaign, a second waits its timeout, proclaim, fencing, resign" \
    "$live" "$TEST_ETCD_ENDPOINTS" election
# Member 1 stopped, and listed first: the client goes on with the others.
etcd_member_stop 1
ok "member 1 stopped: the client fails over" \
    "$live" "$TEST_ETCD_EP1,$TEST_ETCD_EP2,$TEST_ETCD_EP3" failover "$TEST_ETCD_EP1"
ok "member 1 stopped: the watch still delivers" "$live" "$TEST_ETCD_EP1,$TEST_ETCD_EP2,$TEST_ETCD_EP3" watch
# A member that accepts and never answers, listed first: the call goes on
# with the next within its deadline (each endpoint gets its share of it).
etcd_silent_start "$work"
ok "a member that never answers, first: the client fails over in time" \
    "$live" "$TEST_SILENT_EP,$TEST_ETCD_EP2,$TEST_ETCD_EP3" failover "$TEST_SILENT_EP"
# The caller's bounds (the pool thread's: a keepalive due sent first, a
# call cut at the lease's deadline, a stop that does not wait for etcd).
ok "bounds: a hook before each call, a paged range at one revision, a deadline, a cancel" \
    "$live" "$TEST_SILENT_EP,$TEST_ETCD_EP2,$TEST_ETCD_EP3" bounds "$TEST_SILENT_EP"
# All stopped: every call fails within its timeout, saying so.
etcd_member_stop 2
etcd_member_stop 3
ok "every member stopped: a clear error within the 1.5 s timeout" \
    "$live" "$TEST_ETCD_ENDPOINTS" down 1500
ok "only a member that never answers: a clear error at the 1.5 s timeout, not later" \
    "$live" "$TEST_SILENT_EP" down 1500
# The data and logs stay for a look when something failed.
[ $fail = 0 ] && rm -rf "$work"
exit $fail
