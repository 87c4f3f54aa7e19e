/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool thread's election (pool.h, pool_int.h): stand under the
 * host's lease for /xenplm/<pool>/leader, keep the election revision as
 * the fencing token, and step down at once when etcd, the lease or the
 * leadership is lost.  Runs on the pool thread only; what the loop and
 * the control socket see of it is p->view, under p->mu.
 *
 * The candidacy is a key created if absent in a txn, not the gateway's
 * campaign call: a campaign that times out at the client is cancelled at
 * the member, which then resigns (deletes) the candidate's key; with one
 * key per lease, a campaign cut short that way while etcd was regaining
 * its quorum removed a leader's key behind its back (seen in
 * tests/pool/leader.sh).  A key written in a txn goes only with the lease.
 */
#include "config.h"

#include <string.h>

#include "common/log.h"
#include "core/error.h"
#include "daemon/pool_int.h"
#include "pool/pool_leader.h"

int dmn_pool_lead_init(struct dmn_pool *p)
{
    return plead_name(p->pool, p->lname, sizeof(p->lname));
}

static void set_view(struct dmn_pool *p, bool known, const char *host, int64_t rev)
{
    pthread_mutex_lock(&p->mu);
    p->view.known = known;
    p->view.self = p->elected;
    snprintf(p->view.host, sizeof(p->view.host), "%s", host);
    p->view.rev = rev;
    p->view.until_ms =
        p->elected ? plead_until(p->keepalive_sent_ms, p->granted_ttl_s, p->ttl_ms) : 0;
    pthread_mutex_unlock(&p->mu);
}

void dmn_pool_step_down(struct dmn_pool *p, const char *why)
{
    if (p->elected)
        log_warnx("pool '%s': host '%s' is no longer the leader (election revision %lld): %s",
                  p->pool, p->host, (long long)p->myrev, why);
    p->elected = false;
    p->nmissing = 0; /* a later term counts its own grace */
    set_view(p, false, "", 0);
}

/* Our candidate key, created under the lease if absent; its creation revision in p->myrev. */
static int stand(struct dmn_pool *p)
{
    struct etcd_cmp absent = {.target = ETCD_CMP_CREATE, .result = ETCD_CMP_EQUAL};
    struct etcd_op put = {.kind = ETCD_OP_PUT, .value = p->host, .value_len = strlen(p->host)};
    struct etcd_op get = {.kind = ETCD_OP_RANGE};
    struct etcd_txn_result r;
    int rc;

    if (plead_candidate_key(p->lname, p->lease, p->mykey, sizeof(p->mykey)))
        return PLM_EINVAL;
    absent.key = p->mykey;
    absent.key_len = strlen(p->mykey);
    put.keys = etcd_key(p->mykey);
    put.lease = p->lease;
    get.keys = etcd_key(p->mykey);
    struct etcd_txn t = {
        .cmp = &absent, .ncmp = 1, .success = &put, .nsuccess = 1, .failure = &get, .nfailure = 1};
    if ((rc = etcd_txn(p->etcd, &t, &r)))
        return rc;
    if (r.succeeded)
        p->myrev = r.revision; /* the put's revision: the key's creation */
    else if (r.nranges == 1 && r.ranges[0].n == 1 && r.ranges[0].kvs[0].lease == p->lease)
        p->myrev = r.ranges[0].kvs[0].create_revision;
    else
        rc = PLM_EIO; /* our key under another lease: not ours to lead with */
    etcd_txn_result_free(&r);
    return rc;
}

int dmn_pool_campaign(struct dmn_pool *p)
{
    struct etcd_kv kv;
    char host[PLM_POOL_NAME_MAX + 1] = "";
    int rc;

    if (p->elected || !p->lease)
        return 0;
    if ((rc = stand(p)))
        return rc;
    /* The oldest candidate leads: are we it? */
    if ((rc = etcd_election_leader(p->etcd, p->lname, strlen(p->lname), &kv)))
        return rc == PLM_ENOENT ? 0 : rc;
    bool same =
        plead_same(kv.key, kv.key_len, kv.create_revision, p->mykey, strlen(p->mykey), p->myrev);
    if (plead_decode_value(kv.value, kv.value_len, host) != 0)
        log_debug("pool '%s': the leader key's value is not a host name", p->pool);
    int64_t rev = kv.create_revision;
    etcd_kv_free(&kv);
    if (!same ||
        dmn_pool_mono_ms() >= plead_until(p->keepalive_sent_ms, p->granted_ttl_s, p->ttl_ms)) {
        /* Another leads (or our lease is past vouching for: the next keepalive decides). */
        set_view(p, true, host, rev);
        return 0;
    }
    p->elected = true;
    dmn_pool_plan_reset(p);
    pthread_mutex_lock(&p->mu);
    p->view.elected++;
    pthread_mutex_unlock(&p->mu);
    set_view(p, true, p->host, p->myrev);
    log_info("pool '%s': host '%s' is the leader (election revision %lld)", p->pool, p->host,
             (long long)p->myrev);
    return 0;
}

int dmn_pool_check_leader(struct dmn_pool *p)
{
    struct etcd_kv kv;
    char host[PLM_POOL_NAME_MAX + 1] = "";
    int rc = etcd_election_leader(p->etcd, p->lname, strlen(p->lname), &kv);

    if (rc == PLM_ENOENT) {
        dmn_pool_step_down(p, "etcd names no leader");
        set_view(p, true, "", 0);
        return 0;
    }
    if (rc)
        return rc;
    if (p->elected &&
        !plead_same(kv.key, kv.key_len, kv.create_revision, p->mykey, strlen(p->mykey), p->myrev))
        dmn_pool_step_down(p, "etcd names another leader");
    if (plead_decode_value(kv.value, kv.value_len, host) != 0)
        log_debug("pool '%s': the leader key's value is not a host name", p->pool);
    set_view(p, true, host, kv.create_revision);
    etcd_kv_free(&kv);
    return 0;
}

void dmn_pool_lead_dispose(struct dmn_pool *p)
{
    p->elected = false;
}
