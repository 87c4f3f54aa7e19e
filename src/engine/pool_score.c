/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What one host's domains satisfy, per level, as the host's own arbiter
 * grants them CPU and memory (pool_plan.h); and the planner's scratch.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/pool_plan.h"

void pp_policy_init(struct pp_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->hold_ms = 60000;
    p->margin = 100;
    p->cooldown_ms = 30 * 60000;
    p->max_concurrent = 2;
    p->max_per_source = 1;
    p->mode = PLM_MODE_LEVELLING;
    p->cpu_minimal = PLM_UNITS(1);
    p->cpu_unit = PLM_UNITS(1);
    p->mem_minimal = PLM_UNITS(256);
    p->mem_unit = PLM_UNITS(16);
    p->max_work = PP_WORK_DEFAULT;
}

const char *pp_reason_name(enum pp_reason r)
{
    return r == PP_DRAIN ? "drain" : "balance";
}

void pp_work_dispose(struct pp_work *w)
{
    plm_work_dispose(&w->arb);
    free(w->req);
    free(w->out);
    free(w->members);
    free(w->host_order);
    free(w->dom_order);
    free(w->where);
    free(w->free_mib);
    free(w->mem_pool);
    free(w->sources);
    free(w->moved);
    free(w->pinned);
    free(w->held);
    free(w->host_score);
    free(w->csr_start);
    free(w->csr);
    free(w->sort);
    free(w->anti);
    free(w->aff);
    free(w->need_cpu);
    free(w->need_mem);
    free(w->room_cpu);
    free(w->room_mem);
    free(w->without);
    free(w->without_ok);
    free(w->host_anti);
    free(w->host_aff);
    free(w->aff_shared);
    memset(w, 0, sizeof(*w));
}

int pp_work_init(struct pp_work *w, size_t max_hosts, size_t max_doms)
{
    size_t most = max_hosts > max_doms ? max_hosts : max_doms;

    memset(w, 0, sizeof(*w));
    if (max_hosts == 0 || max_hosts > PP_MAX_HOSTS || max_doms > PP_MAX_DOMAINS)
        return PLM_ETOOMANY;
    w->max_hosts = max_hosts;
    w->max_doms = max_doms;
    /* One host may hold every domain, and one more arriving. */
    if (plm_work_init(&w->arb, max_doms + 1) ||
        !(w->req = calloc(2 * (max_doms + 1), sizeof(*w->req))) ||
        !(w->out = calloc(2 * (max_doms + 1), sizeof(*w->out))) ||
        !(w->members = calloc(max_doms + 1, sizeof(*w->members))) ||
        !(w->host_order = calloc(max_hosts, sizeof(size_t))) ||
        !(w->dom_order = calloc(max_doms + 1, sizeof(size_t))) ||
        !(w->where = calloc(max_doms + 1, sizeof(size_t))) ||
        !(w->free_mib = calloc(max_hosts, sizeof(plm_amt_t))) ||
        !(w->mem_pool = calloc(max_hosts, sizeof(plm_amt_t))) ||
        !(w->sources = calloc(max_hosts, sizeof(unsigned))) ||
        !(w->moved = calloc(max_doms + 1, sizeof(bool))) ||
        !(w->pinned = calloc(max_doms + 1, sizeof(bool))) ||
        !(w->held = calloc(max_hosts, sizeof(bool))) ||
        !(w->host_score = calloc(max_hosts * PP_LEVELS, sizeof(int64_t))) ||
        !(w->csr_start = calloc(max_hosts + 1, sizeof(size_t))) ||
        !(w->csr = calloc(max_doms + 1, sizeof(size_t))) ||
        !(w->sort = calloc(most + 1, sizeof(void *))) ||
        !(w->anti = calloc(max_doms + 1, sizeof(uint64_t))) ||
        !(w->aff = calloc(max_doms + 1, sizeof(uint64_t))) ||
        !(w->need_cpu = calloc(max_doms + 1, sizeof(plm_amt_t))) ||
        !(w->need_mem = calloc(max_doms + 1, sizeof(plm_amt_t))) ||
        !(w->room_cpu = calloc(max_hosts, sizeof(plm_amt_t))) ||
        !(w->room_mem = calloc(max_hosts, sizeof(plm_amt_t))) ||
        !(w->without = calloc((max_doms + 1) * PP_LEVELS, sizeof(int64_t))) ||
        !(w->without_ok = calloc(max_doms + 1, sizeof(bool))) ||
        !(w->host_anti = calloc(max_hosts, sizeof(uint64_t))) ||
        !(w->host_aff = calloc(max_hosts, sizeof(uint64_t))) ||
        !(w->aff_shared = calloc(max_doms + 1, sizeof(uint64_t)))) {
        pp_work_dispose(w);
        return PLM_ENOMEM;
    }
    return 0;
}

/* Thousandths of want that got meets (1000 when nothing is wanted). */
static int64_t permille(plm_amt_t got, plm_amt_t want)
{
    if (want <= 0 || got >= want)
        return 1000;
    if (got <= 0)
        return 0;
    return got * 1000 / want;
}

int pp_score_members(const struct pp_input *in, plm_amt_t cpu, plm_amt_t mem, const size_t *members,
                     size_t n, struct pp_work *w, int64_t score[PP_LEVELS])
{
    const struct pp_policy *pol = in->policy;
    struct plm_params p;
    struct plm_request *rc_ = w->req, *rm = w->req + n;
    struct plm_outcome *oc = w->out, *om = w->out + n;
    int rc;

    memset(score, 0, sizeof(int64_t) * PP_LEVELS);
    if (n == 0)
        return 0;
    if (n > w->max_doms + 1)
        return PLM_ETOOMANY;
    w->work++;
    for (size_t i = 0; i < n; i++) {
        rc_[i] = in->doms[members[i]].cpu;
        rm[i] = in->doms[members[i]].mem;
    }
    plm_params_init(&p, cpu < 0 ? 0 : cpu);
    p.mode = pol->mode;
    p.minimal = pol->cpu_minimal;
    p.unit = pol->cpu_unit;
    if ((rc = plm_arbitrate(&p, rc_, 0, n, &w->arb, oc, NULL)))
        return rc;
    plm_params_init(&p, mem < 0 ? 0 : mem);
    p.mode = pol->mode;
    p.minimal = pol->mem_minimal;
    p.unit = pol->mem_unit;
    if ((rc = plm_arbitrate(&p, rm, 0, n, &w->arb, om, NULL)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        /* The cumulative requests level by level (as plm_request_at reads
         * them); past both requests' last level, the score repeats. */
        plm_amt_t wc = 0, wm = 0;
        unsigned last = rc_[i].nlevels > rm[i].nlevels ? rc_[i].nlevels : rm[i].nlevels;
        int64_t s = 1000;
        for (unsigned l = 0; l < PP_LEVELS; l++) {
            if (l < last || l == 0) {
                if (l < rc_[i].nlevels && rc_[i].level[l] > wc)
                    wc = rc_[i].level[l];
                if (l < rm[i].nlevels && rm[i].level[l] > wm)
                    wm = rm[i].level[l];
                int64_t c = permille(oc[i].raw, wc), m = permille(om[i].raw, wm);
                s = c < m ? c : m;
            }
            score[l] += s;
        }
    }
    return 0;
}

plm_amt_t pp_mem_pool(const struct pp_input *in, size_t h)
{
    plm_amt_t pool = in->hosts[h].free_mib - in->hosts[h].headroom_mib;

    for (size_t d = 0; d < in->ndoms; d++)
        if (in->doms[d].host == h)
            pool += in->doms[d].mem_mib;
    return pool < 0 ? 0 : pool > PLM_AMT_MAX ? PLM_AMT_MAX : pool;
}

int pp_host_score(const struct pp_input *in, size_t host, const size_t *members, size_t n,
                  struct pp_work *w, int64_t score[PP_LEVELS])
{
    if (host >= in->nhosts)
        return PLM_EINVAL;
    return pp_score_members(in, in->hosts[host].cpu, pp_mem_pool(in, host), members, n, w, score);
}
