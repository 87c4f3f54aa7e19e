/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Elections: campaign, leader, proclaim, resign (etcd.h).
 */
#include "config.h"

#include <string.h>

#include "core/error.h"
#include "pool/etcd_int.h"

static int check_name(struct etcd_client *c, size_t name_len, size_t value_len)
{
    if (name_len == 0 || name_len > ETCD_KEY_MAX || value_len > ETCD_VALUE_MAX)
        return etcd_fail(c, PLM_EINVAL, "election: a name of 1 to %d bytes, a bounded value",
                         ETCD_KEY_MAX);
    return 0;
}

int etcd_campaign(struct etcd_client *c, const void *name, size_t name_len, int64_t lease,
                  const void *value, size_t value_len, unsigned timeout_ms, struct etcd_leader *out)
{
    struct ebuf b;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_name(c, name_len, value_len)))
        return rc;
    if (lease == 0 || timeout_ms == 0)
        return etcd_fail(c, PLM_EINVAL, "election: a campaign needs a lease and a timeout");
    ebuf_init(&b, 0);
    ebuf_str(&b, "{\"name\":");
    ebuf_b64(&b, name, name_len);
    ebuf_str(&b, ",\"lease\":");
    ebuf_i64(&b, lease);
    ebuf_str(&b, ",\"value\":");
    ebuf_b64(&b, value, value_len);
    ebuf_str(&b, "}");
    rc = etcd_post_ex(c, "election/campaign", &b, timeout_ms, true);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_leader(c->reply.p, c->reply.len, out, c->err, sizeof(c->err));
    return rc;
}

int etcd_election_leader(struct etcd_client *c, const void *name, size_t name_len,
                         struct etcd_kv *out)
{
    struct ebuf b;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = check_name(c, name_len, 0)))
        return rc;
    ebuf_init(&b, 0);
    ebuf_str(&b, "{\"name\":");
    ebuf_b64(&b, name, name_len);
    ebuf_str(&b, "}");
    rc = etcd_post(c, "election/leader", &b);
    ebuf_free(&b);
    /* etcd answers "no leader" as an error (ErrElectionNoLeader), code 2 or 5. */
    if (rc && strstr(c->err, "no leader"))
        return etcd_fail(c, PLM_ENOENT, "election: no leader");
    if (rc == 0)
        rc = etcd_parse_kv(c->reply.p, c->reply.len, out, c->err, sizeof(c->err));
    return rc;
}

/* {"leader":{...}} as a request, and what follows it. */
static void body_leader(struct ebuf *b, const struct etcd_leader *l)
{
    ebuf_str(b, "{\"leader\":{\"name\":");
    ebuf_b64(b, l->name, l->name_len);
    ebuf_str(b, ",\"key\":");
    ebuf_b64(b, l->key, l->key_len);
    ebuf_str(b, ",\"rev\":");
    ebuf_i64(b, l->rev);
    ebuf_str(b, ",\"lease\":");
    ebuf_i64(b, l->lease);
    ebuf_str(b, "}");
}

int etcd_proclaim(struct etcd_client *c, const struct etcd_leader *l, const void *value,
                  size_t value_len)
{
    struct ebuf b;
    int64_t rev;
    int rc;

    if ((rc = check_name(c, l->name_len, value_len)))
        return rc;
    ebuf_init(&b, 0);
    body_leader(&b, l);
    ebuf_str(&b, ",\"value\":");
    ebuf_b64(&b, value, value_len);
    ebuf_str(&b, "}");
    rc = etcd_post(c, "election/proclaim", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_header(c->reply.p, c->reply.len, &rev, c->err, sizeof(c->err));
    return rc;
}

int etcd_resign(struct etcd_client *c, const struct etcd_leader *l)
{
    struct ebuf b;
    int64_t rev;
    int rc;

    if ((rc = check_name(c, l->name_len, 0)))
        return rc;
    ebuf_init(&b, 0);
    body_leader(&b, l);
    ebuf_str(&b, "}");
    rc = etcd_post(c, "election/resign", &b);
    ebuf_free(&b);
    if (rc == 0)
        rc = etcd_parse_header(c->reply.p, c->reply.len, &rev, c->err, sizeof(c->err));
    return rc;
}
