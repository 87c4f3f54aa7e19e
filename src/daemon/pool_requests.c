/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xenplm pool drain` and `xenplm pool migrate` (pool.h): the control
 * command queues the request for the pool thread (never a call to etcd
 * from the loop), which writes it under /xenplm/<pool>/drain/ or
 * /xenplm/<pool>/moves/ (pool_order.h) at its next round, keeping it
 * while etcd does not answer; and the drains every host reads each round.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "common/walltime.h"
#include "core/error.h"
#include "daemon/pool_int.h"
#include "pool/pool_order.h"

static int queue(struct dmn_pool *p, const struct dmn_pool_req *r, char *err, size_t errlen)
{
    int rc = 0;

    pthread_mutex_lock(&p->mu);
    if (p->nreqs == DMN_POOL_REQS_MAX)
        rc = plm_errf(err, errlen, PLM_ETOOMANY,
                      "%d requests already wait for etcd; try again later", DMN_POOL_REQS_MAX);
    else
        p->reqs[p->nreqs++] = *r;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return rc;
}

int dmn_pool_drain(struct dmn_pool *p, const char *host, bool off, char *err, size_t errlen)
{
    struct dmn_pool_req r = {.move = false, .off = off};

    if (!plm_pool_name_ok(host, PLM_POOL_NAME_MAX))
        return plm_errf(err, errlen, PLM_EINVAL, "'%.80s' is not a host name", host);
    snprintf(r.host, sizeof(r.host), "%s", host);
    return queue(p, &r, err, errlen);
}

int dmn_pool_migrate(struct dmn_pool *p, const char *dom, const char *host, char *err,
                     size_t errlen)
{
    struct dmn_pool_req r = {.move = true};

    if (!p->automatic)
        return plm_errf(err, errlen, PLM_EINVAL,
                        "this host's pool mode is not automatic: nothing migrates");
    if (!pord_dom_ok(dom))
        return plm_errf(err, errlen, PLM_EINVAL,
                        "'%.80s' is neither a uuid nor a name a move can give (letters, "
                        "digits, '.', '_', '-'; at most %d bytes)",
                        dom, PLM_POOL_NAME_MAX);
    if (!plm_pool_name_ok(host, PLM_POOL_NAME_MAX))
        return plm_errf(err, errlen, PLM_EINVAL, "'%.80s' is not a host name", host);
    snprintf(r.dom, sizeof(r.dom), "%s", dom);
    snprintf(r.host, sizeof(r.host), "%s", host);
    return queue(p, &r, err, errlen);
}

static int write_one(struct dmn_pool *p, const struct dmn_pool_req *q)
{
    struct pord_request r = {.move = q->move, .at_ms = plm_wall_ms()};
    char key[PREC_KEY_MAX], akey[PREC_KEY_MAX], val[PORD_VALUE_MAX], err[256] = "";
    size_t len = 0;
    struct etcd_txn_result res;
    int rc;

    snprintf(r.by, sizeof(r.by), "%s", p->host);
    if (q->move)
        snprintf(r.to, sizeof(r.to), "%s", q->host);
    if ((q->move ? pord_move_key(p->pool, q->dom, false, key, sizeof(key)) ||
                       pord_move_key(p->pool, q->dom, true, akey, sizeof(akey))
                 : pord_drain_key(p->pool, q->host, key, sizeof(key))) ||
        pord_encode_request(&r, val, sizeof(val), &len, err, sizeof(err))) {
        log_errx("pool '%s': cannot write a request: %s", p->pool, err);
        return 0; /* checked when queued: not to be kept */
    }
    /* A move replaces the answer to an earlier one; a drain off deletes the key. */
    struct etcd_op ops[2] = {{.kind = q->off ? ETCD_OP_DELETE : ETCD_OP_PUT,
                              .keys = etcd_key(key),
                              .value = q->off ? NULL : val,
                              .value_len = q->off ? 0 : len},
                             {.kind = ETCD_OP_DELETE, .keys = etcd_key(akey)}};
    struct etcd_txn t = {.success = ops, .nsuccess = q->move ? 2 : 1};
    if ((rc = etcd_txn(p->etcd, &t, &res)))
        return rc;
    etcd_txn_result_free(&res);
    if (q->move)
        log_info("pool '%s': manual move of '%s' to '%s' asked", p->pool, q->dom, q->host);
    else
        log_info("pool '%s': host '%s' %s", p->pool, q->host,
                 q->off ? "no longer drains" : "drains: everything moves off it");
    return 0;
}

int dmn_pool_requests_write(struct dmn_pool *p)
{
    for (;;) {
        struct dmn_pool_req q;
        pthread_mutex_lock(&p->mu);
        bool have = p->nreqs > 0;
        if (have)
            q = p->reqs[0];
        pthread_mutex_unlock(&p->mu);
        if (!have)
            return 0;
        int rc = write_one(p, &q);
        if (rc)
            return rc; /* kept: written when etcd answers */
        pthread_mutex_lock(&p->mu);
        memmove(p->reqs, p->reqs + 1, (p->nreqs - 1) * sizeof(*p->reqs));
        p->nreqs--;
        pthread_mutex_unlock(&p->mu);
    }
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

int dmn_pool_drains_read(struct dmn_pool *p, char (**out)[PLM_POOL_NAME_MAX + 1], size_t *n)
{
    char prefix[PREC_KEY_MAX];
    struct etcd_range r;
    struct etcd_range_opts o = {.keys_only = true, .page = DMN_POOL_PAGE};
    int rc;

    *out = NULL;
    *n = 0;
    if (pord_drain_key(p->pool, NULL, prefix, sizeof(prefix)))
        return PLM_EINVAL;
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    if (!(*out = calloc(r.n + 1, sizeof(**out)))) {
        etcd_range_free(&r);
        return PLM_ENOMEM;
    }
    /* The key says it all; a key not naming a host is skipped. */
    for (size_t i = 0; i < r.n; i++)
        if (pord_parse_drain_key(r.kvs[i].key, r.kvs[i].key_len, p->pool, (*out)[*n]) == 0)
            (*n)++;
    etcd_range_free(&r);
    qsort(*out, *n, sizeof(**out), cmp_name);
    return 0;
}

int dmn_pool_moves_read(struct dmn_pool *p)
{
    char prefix[PREC_KEY_MAX], err[256];
    struct etcd_range r;
    struct etcd_range_opts o = {.page = DMN_POOL_PAGE};
    struct dmn_pool_move *m;
    size_t n = 0;
    int rc;

    if (pord_move_key(p->pool, NULL, false, prefix, sizeof(prefix)))
        return PLM_EINVAL;
    struct etcd_keys k = etcd_prefix(prefix);
    if ((rc = etcd_range(p->etcd, &k, &o, &r)))
        return rc;
    if (!(m = calloc(r.n + 1, sizeof(*m)))) {
        etcd_range_free(&r);
        return PLM_ENOMEM;
    }
    /* What does not read is left out: the leader refuses a bad request. */
    for (size_t i = 0; i < r.n; i++) {
        const struct etcd_kv *kv = &r.kvs[i];
        struct dmn_pool_move *x = &m[n];
        if (pord_parse_move_key(kv->key, kv->key_len, p->pool, x->dom, &x->refused))
            continue;
        if (x->refused
                ? pord_decode_state(kv->value, kv->value_len, &x->answer, err, sizeof(err))
                : pord_decode_request(kv->value, kv->value_len, true, &x->req, err, sizeof(err)))
            continue;
        n++;
    }
    etcd_range_free(&r);
    pthread_mutex_lock(&p->mu);
    free(p->pview.moves);
    p->pview.moves = m;
    p->pview.nmoves = n;
    pthread_mutex_unlock(&p->mu);
    return 0;
}
