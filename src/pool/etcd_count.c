/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The etcd client's traffic counters (etcd.h): which kind of call a
 * gateway path is, and the sums.  Pure: the transport (etcd_client.c,
 * etcd_watch.c) measures, this adds up.
 */
#include "config.h"

#include <string.h>

#include "pool/etcd_int.h"

static const struct {
    const char *path;
    enum etcd_call kind;
} paths[] = {
    {"kv/range", ETCD_CALL_RANGE},
    {"kv/put", ETCD_CALL_PUT},
    {"kv/deleterange", ETCD_CALL_DELETE},
    {"kv/txn", ETCD_CALL_TXN},
    {"lease/grant", ETCD_CALL_LEASE_GRANT},
    {"lease/keepalive", ETCD_CALL_LEASE_KEEPALIVE},
    {"lease/revoke", ETCD_CALL_LEASE_REVOKE},
    {"watch", ETCD_CALL_WATCH},
};

enum etcd_call etcd_call_of(const char *path)
{
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (strcmp(path, paths[i].path) == 0)
            return paths[i].kind;
    if (strncmp(path, "election/", 9) == 0 && path[9])
        return ETCD_CALL_ELECTION;
    return ETCD_CALLS;
}

void etcd_count_bytes(struct etcd_counters *s, enum etcd_call k, uint64_t sent_bytes,
                      uint64_t received_bytes)
{
    if ((unsigned)k >= ETCD_CALLS)
        return;
    s->call[k].sent_bytes = etcd_count_sat(s->call[k].sent_bytes, sent_bytes);
    s->call[k].received_bytes = etcd_count_sat(s->call[k].received_bytes, received_bytes);
}

void etcd_count_keys(struct etcd_counters *s, enum etcd_call k, uint64_t n)
{
    if ((unsigned)k < ETCD_CALLS)
        s->call[k].keys = etcd_count_sat(s->call[k].keys, n);
}

void etcd_count_call(struct etcd_counters *s, enum etcd_call k, uint64_t sent_bytes,
                     uint64_t received_bytes, bool failed)
{
    if ((unsigned)k >= ETCD_CALLS)
        return;
    s->call[k].calls = etcd_count_sat(s->call[k].calls, 1);
    s->call[k].failures = etcd_count_sat(s->call[k].failures, failed);
    etcd_count_bytes(s, k, sent_bytes, received_bytes);
}

void etcd_counters_add(struct etcd_counters *a, const struct etcd_counters *b)
{
    for (int k = 0; k < ETCD_CALLS; k++) {
        a->call[k].calls = etcd_count_sat(a->call[k].calls, b->call[k].calls);
        a->call[k].failures = etcd_count_sat(a->call[k].failures, b->call[k].failures);
        a->call[k].sent_bytes = etcd_count_sat(a->call[k].sent_bytes, b->call[k].sent_bytes);
        a->call[k].received_bytes =
            etcd_count_sat(a->call[k].received_bytes, b->call[k].received_bytes);
        a->call[k].keys = etcd_count_sat(a->call[k].keys, b->call[k].keys);
    }
}

void etcd_client_counters(const struct etcd_client *c, struct etcd_counters *out)
{
    *out = c->count;
}
