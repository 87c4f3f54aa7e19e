/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Leases: grant, keepalive, revoke (etcd.h).  A keepalive is one round of
 * the gateway's keepalive stream: one request, one reply.
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "pool/etcd_int.h"

/* A lease's TTL: etcd's bounds (a lease of more than 9e9 s is refused there too). */
#define LEASE_TTL_MAX 9000000000LL

int etcd_lease_grant(struct etcd_client *c, int64_t ttl_s, int64_t *id_out, int64_t *ttl_out)
{
    struct ebuf b;
    int64_t id = 0, ttl = 0;
    int rc;

    *id_out = 0;
    if (ttl_out)
        *ttl_out = 0;
    if (ttl_s <= 0 || ttl_s > LEASE_TTL_MAX)
        return etcd_fail(c, PLM_EINVAL, "etcd: a lease's TTL must be positive");
    ebuf_init(&b, 0);
    ebuf_str(&b, "{\"TTL\":");
    ebuf_i64(&b, ttl_s);
    ebuf_str(&b, "}");
    rc = etcd_post(c, "lease/grant", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_lease(c->reply.p, c->reply.len, false, &id, &ttl, c->err, sizeof(c->err));
    if (rc == 0 && (id == 0 || ttl <= 0))
        rc = etcd_fail(c, PLM_EIO, "etcd: a lease granted without an ID or a TTL");
    if (rc == 0) {
        *id_out = id;
        if (ttl_out)
            *ttl_out = ttl;
    }
    return rc;
}

static void body_id(struct ebuf *b, int64_t id)
{
    ebuf_str(b, "{\"ID\":");
    ebuf_i64(b, id);
    ebuf_str(b, "}");
}

int etcd_lease_keepalive(struct etcd_client *c, int64_t id, int64_t *ttl_out)
{
    struct ebuf b;
    int64_t rid = 0, ttl = 0;
    int rc;

    if (ttl_out)
        *ttl_out = 0;
    ebuf_init(&b, 0);
    body_id(&b, id);
    rc = etcd_post(c, "lease/keepalive", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_lease(c->reply.p, c->reply.len, true, &rid, &ttl, c->err, sizeof(c->err));
    if (rc)
        return rc;
    if (rid != id)
        return etcd_fail(c, PLM_EIO, "etcd: a keepalive answered for another lease");
    /* An unknown or expired lease is answered with no TTL. */
    if (ttl <= 0)
        return etcd_fail(c, PLM_ENOENT, "etcd: lease %lld has expired", (long long)id);
    if (ttl_out)
        *ttl_out = ttl;
    return 0;
}

int etcd_lease_revoke(struct etcd_client *c, int64_t id)
{
    struct ebuf b;
    int64_t rev;
    int rc;

    ebuf_init(&b, 0);
    body_id(&b, id);
    rc = etcd_post(c, "lease/revoke", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_header(c->reply.p, c->reply.len, &rev, c->err, sizeof(c->err));
    return rc;
}
