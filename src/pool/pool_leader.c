/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leadership in a pool, the pure part (pool_leader.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "pool/pool_leader.h"

int plead_name(const char *pool, char *buf, size_t len)
{
    if (!plm_pool_name_ok(pool, PLM_POOL_NAME_MAX))
        return PLM_EINVAL;
    int n = snprintf(buf, len, "/xenplm/%s/leader", pool);
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

int plead_candidate_key(const char *name, int64_t lease, char *buf, size_t len)
{
    if (!name || lease == 0)
        return PLM_EINVAL;
    int n = snprintf(buf, len, "%s/%llx", name, (unsigned long long)lease);
    return n < 0 || (size_t)n >= len ? PLM_EINVAL : 0;
}

uint64_t plead_until(uint64_t sent_ms, int64_t granted_ttl_s, uint64_t cfg_ttl_ms)
{
    if (granted_ttl_s <= 0)
        return 0;
    uint64_t ttl =
        (uint64_t)granted_ttl_s <= UINT64_MAX / 1000 ? (uint64_t)granted_ttl_s * 1000 : UINT64_MAX;
    if (cfg_ttl_ms < ttl)
        ttl = cfg_ttl_ms;
    uint64_t span = ttl / 3 * 2;
    return sent_ms > UINT64_MAX - span ? UINT64_MAX : sent_ms + span;
}

int plead_decode_value(const char *v, size_t len, char host[PLM_POOL_NAME_MAX + 1])
{
    if (!v || len == 0 || len > PLM_POOL_NAME_MAX || memchr(v, '\0', len))
        return PLM_EINVAL;
    memcpy(host, v, len);
    host[len] = '\0';
    if (!plm_pool_name_ok(host, PLM_POOL_NAME_MAX)) {
        host[0] = '\0';
        return PLM_EINVAL;
    }
    return 0;
}

bool plead_same(const char *key, size_t key_len, int64_t rev, const char *ours, size_t ours_len,
                int64_t our_rev)
{
    return key && ours && rev > 0 && rev == our_rev && key_len == ours_len &&
           memcmp(key, ours, key_len) == 0;
}
