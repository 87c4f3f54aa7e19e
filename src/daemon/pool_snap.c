/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The report step's part in pool mode (pool.h): this host's records as
 * the turn leaves it (what its guests share, its free memory and
 * headroom; per domain its uuid, name, per-level requests, grant and
 * memory), handed to the publisher when they changed since the last
 * offer.  Only reads the daemon's state: no port call.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "core/error.h"
#include "daemon/daemon.h"
#include "daemon/pool.h"

static plm_amt_t kib_to_mib(int64_t kib)
{
    if (kib <= 0)
        return 0;
    plm_amt_t a = (plm_amt_t)(kib / 1024) * PLM_SCALE + (plm_amt_t)(kib % 1024) * PLM_SCALE / 1024;
    return a > PLM_AMT_MAX ? PLM_AMT_MAX : a;
}

/* The cumulative request, level by level, as the arbiter reads it. */
static void levels(const struct plm_request *r, plm_amt_t *out, unsigned *n)
{
    *n = r->nlevels < PREC_LEVELS ? r->nlevels : PREC_LEVELS;
    for (unsigned l = 0; l < *n; l++) {
        plm_amt_t a = plm_request_at(r, l + 1);
        out[l] = a < 0 ? 0 : a > PLM_AMT_MAX ? PLM_AMT_MAX : a;
    }
}

static plm_amt_t clamp(plm_amt_t a)
{
    return a < 0 ? 0 : a > PLM_AMT_MAX ? PLM_AMT_MAX : a;
}

size_t dmn_pool_records(const struct dmn *d, struct prec_host *h, struct prec_domain *out,
                        size_t max)
{
    const struct pol_pool *mem = &d->st.policy.host.share[POL_MEMORY].pool;
    size_t n = 0;

    memset(h, 0, sizeof(*h));
    h->cpu = clamp(d->st.eng.pool[POL_CPU]);
    h->memory = clamp(d->st.eng.pool[POL_MEMORY]);
    h->free = kib_to_mib(d->st.host.free_kib);
    h->headroom = clamp(mem->headroom);
    for (size_t i = 0; i < d->st.ndom && n < max; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        struct prec_domain *x = &out[n];
        /* dom0, the dying and what no uuid names are not the pool's to move. */
        if (dom->info.domid == 0 || dom->info.dying || !dom->present ||
            !prec_uuid_ok(dom->info.uuid) || !dom->info.name[0])
            continue;
        memset(x, 0, sizeof(*x));
        memcpy(x->uuid, dom->info.uuid, PREC_UUID_LEN + 1);
        snprintf(x->name, sizeof(x->name), "%s", dom->info.name);
        levels(&dom->eng.plm[POL_CPU], x->cpu, &x->ncpu);
        levels(&dom->eng.plm[POL_MEMORY], x->mem, &x->nmem);
        x->grant_cpu = clamp(dom->eng.granted[POL_CPU]);
        x->grant_mem = clamp(dom->eng.granted[POL_MEMORY]);
        x->memory = kib_to_mib((int64_t)dom->info.mem_actual_kib);
        /* Nothing tells a guest that cannot move yet (a passed-through
         * device, a policy rule): every guest is taken as migratable. */
        x->migratable = true;
        n++;
    }
    return n;
}

void dmn_pool_report(struct dmn *d)
{
    struct prec_host h;
    size_t n;

    if (!d->pool)
        return;
    if (d->pool_cap < d->st.ndom) {
        size_t cap = d->st.ndom < PREC_MAX_DOMAINS ? d->st.ndom : PREC_MAX_DOMAINS;
        struct prec_domain *a = realloc(d->pool_doms, 2 * cap * sizeof(*a));
        if (!a)
            return;
        d->pool_doms = a;
        d->pool_cap = cap;
    }
    /* Built into the second half, compared with the last offer in the first. */
    n = dmn_pool_records(d, &h, d->pool_doms + d->pool_cap, d->pool_cap);
    if (d->pool_offered && n == d->pool_n && memcmp(&h, &d->pool_host, sizeof(h)) == 0 &&
        memcmp(d->pool_doms, d->pool_doms + d->pool_cap, n * sizeof(*d->pool_doms)) == 0)
        return;
    memcpy(d->pool_doms, d->pool_doms + d->pool_cap, n * sizeof(*d->pool_doms));
    d->pool_host = h;
    d->pool_n = n;
    d->pool_offered = true;
    dmn_pool_offer(d->pool, &h, d->pool_doms, n);
}

void dmn_pool_summarize(struct dmn *d)
{
    if (d->pool)
        dmn_pool_summary(d->pool, &d->st.pool);
    else
        memset(&d->st.pool, 0, sizeof(d->st.pool));
    d->st.pool.on = d->pool != NULL || d->st.policy.pool.mode != POL_POOL_OFF;
    d->st.pool.migrating = d->st.mig.running;
}
