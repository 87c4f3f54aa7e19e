/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leadership in a pool (issue 14), the pure part: the election's name in
 * etcd, what a leader's key holds (its host's name), and how long a
 * leader may go on acting as one after its lease was last kept alive.
 * No I/O, no clock: times are passed in, in milliseconds.
 *
 * A daemon stands under its lease for /xenplm/<pool>/leader: it creates
 * its candidate key under that prefix (if absent, in a txn, as etcd's own
 * election does); the leader is the oldest candidate, and the creation
 * revision of its key is the fencing token every plan and order carries.  A leader stops acting as
 * one when a keepalive fails, when etcd names another leader, and in any case once two thirds of
 * the lease's TTL have passed since its last keepalive was sent: a keepalive is due every third of
 * the TTL, so that deadline falls before the lease could have expired at etcd, whatever etcd did
 * meanwhile.
 */
#ifndef XENPLM_POOL_POOL_LEADER_H
#define XENPLM_POOL_POOL_LEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"

/* "/xenplm/<pool>/leader" into buf; PLM_EINVAL for a bad pool name or a short buf. */
int plead_name(const char *pool, char *buf, size_t len);

/* A candidate's key: "<name>/<lease in lower-case hex>" (etcd's own
 * election layout); PLM_EINVAL for lease 0 or a short buf. */
int plead_candidate_key(const char *name, int64_t lease, char *buf, size_t len);

/*
 * Until when (exclusive) a leader may act: sent_ms, when its last
 * successful keepalive was sent, plus two thirds of the lesser of the TTL
 * etcd granted (seconds; <= 0: expired) and the one configured.  0 when
 * the lease is expired.
 */
uint64_t plead_until(uint64_t sent_ms, int64_t granted_ttl_s, uint64_t cfg_ttl_ms);

/* Does it lead at now_ms, elected and within until? */
static inline bool plead_acting(bool elected, uint64_t until_ms, uint64_t now_ms)
{
    return elected && now_ms < until_ms;
}

/*
 * The host named by a leader key's value, read from etcd (untrusted):
 * a host name as the pool section has it, nothing else (no newline, no
 * NUL).  0 with host filled (PLM_POOL_NAME_MAX + 1 bytes), or PLM_EINVAL.
 */
int plead_decode_value(const char *v, size_t len, char host[PLM_POOL_NAME_MAX + 1]);

/*
 * Is the leader etcd names (its key and that key's creation revision)
 * the leadership we hold (our key, our revision)?
 */
bool plead_same(const char *key, size_t key_len, int64_t rev, const char *ours, size_t ours_len,
                int64_t our_rev);

#endif
