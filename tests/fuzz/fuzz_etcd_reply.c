/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for pool mode's etcd client: every reply parser of
 * src/pool/etcd_parse.c (range, txn, delete, lease, watch, error, election
 * leader and kv) on the
 * same input, as an etcd member (or whatever answers at its address) may
 * send it.  Each parser must refuse or accept without a crash, a leak or
 * a sanitizer report, and leave nothing allocated when it refuses.
 * Built and run by tests/fuzz/fuzz.sh (`make fuzz`).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool/etcd_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    char err[ETCD_ERR_MAX];
    struct etcd_range r;
    struct etcd_txn_result t;
    struct etcd_event ev[8];
    int64_t a, b;
    size_t n = 0;
    bool x, y;

    if (etcd_parse_range(buf, size, &r, err, sizeof(err)) == 0)
        etcd_range_free(&r);
    else if (r.kvs || r.n)
        abort();
    if (etcd_parse_txn(buf, size, &t, err, sizeof(err)) == 0)
        etcd_txn_result_free(&t);
    else if (t.ranges || t.nranges)
        abort();
    etcd_parse_delete(buf, size, &a, &b, err, sizeof(err));
    etcd_parse_header(buf, size, &a, err, sizeof(err));
    etcd_parse_lease(buf, size, false, &a, &b, err, sizeof(err));
    etcd_parse_lease(buf, size, true, &a, &b, err, sizeof(err));
    etcd_parse_error(buf, size, &x, err, sizeof(err));
    if (etcd_parse_watch(buf, size, &x, &y, &a, ev, 8, &n, err, sizeof(err)) != 0 && n != 0)
        abort();
    etcd_events_free(ev, n);
    struct etcd_leader l;
    struct etcd_kv kv;
    if (etcd_parse_leader(buf, size, &l, err, sizeof(err)) == 0)
        etcd_leader_free(&l);
    else if (l.name || l.key)
        abort();
    if (etcd_parse_kv(buf, size, &kv, err, sizeof(err)) == 0)
        etcd_kv_free(&kv);
    else if (kv.key || kv.value)
        abort();
    return 0;
}
