/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Arbitration and the reallocation decision.
 *
 * Pools are sized from what the host says now (pCPUs, free memory and the
 * memory the managed guests hold), so a domain created behind the
 * daemon's back shrinks the memory pool instead of being overcommitted.
 * Each resource is arbitrated over the whole table; a domain the daemon
 * does not manage (no agent, no agentless rule, no override) enters with a
 * maximum of 0 and is never touched.
 *
 * The trigger (seed 000, block 315) decides per resource whether the new
 * allocation replaces the one in force.  The decision is global: when any
 * domain's difference fires, every domain moves to the new allocation
 * together, so the allocations in force always come from one arbitration
 * and never add up to more than the pool.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "daemon/daemon.h"
#include "common/log.h"

/* Whether a domain's balloon may have moved since the last tick read it. */
static bool mem_moving(const struct dmn_domain *dom)
{
    const struct bal_dom *b = &dom->mem;
    int64_t gap = b->actual_kib - b->target_kib;

    return b->want_kib != b->target_kib || b->uncooperative || gap > 1024 || gap < -1024;
}

static int read_facts(struct dmn *d)
{
    struct port_host h;

    /* The pool is free memory plus what the managed domains hold.  A
     * domain whose balloon is moving is read again first: its memory as
     * of the last tick, added to free memory as of now, would count the
     * pages moved since then twice or not at all, and the pool would
     * swing by a tick's worth of ballooning, enough (when the headroom
     * binds) to take memory from one guest and give it back at the next
     * arbitration.  Free memory comes after, as in dmn_enforce_mem: a
     * guest growing in between makes the pool look smaller, never larger. */
    for (size_t i = 0; i < d->st.ndom; i++) {
        struct dmn_domain *dom = &d->st.dom[i];
        struct port_domain info;

        if (!dmn_managed(dom) || !mem_moving(dom))
            continue;
        if (port_domain_info(d->port, dom->info.domid, &info) != 0) {
            d->rescan = true; /* gone: the next scan drops it */
            continue;
        }
        dom->info = info;
        dom->mem.actual_kib = (int64_t)info.mem_actual_kib;
    }
    int rc = port_host_info(d->port, &h);
    if (rc) {
        log_warnx("cannot read host facts: %s", plm_strerror(rc));
        return rc;
    }
    struct pol_host_facts *f = &d->st.facts;
    f->pcpus = h.pcpus;
    f->mem_total = dmn_kib_to_amt(h.total_kib);
    f->mem_free = dmn_kib_to_amt(h.free_kib);
    f->mem_domu = 0;
    for (size_t i = 0; i < d->st.ndom; i++) {
        const struct dmn_domain *dom = &d->st.dom[i];
        if (dmn_managed(dom)) {
            plm_amt_t held = dmn_kib_to_amt(dom->info.mem_actual_kib);
            f->mem_domu = f->mem_domu + held > PLM_AMT_MAX ? PLM_AMT_MAX : f->mem_domu + held;
        }
    }
    return 0;
}

static bool ensure_scratch(struct dmn *d, size_t n)
{
    if (n <= d->out_cap && n <= d->work.capacity)
        return true;
    size_t cap = n < 64 ? 64 : n * 2;
    struct plm_outcome *o = realloc(d->out, cap * sizeof(*o));
    if (!o)
        return false;
    d->out = o;
    d->out_cap = cap;
    plm_work_dispose(&d->work);
    return plm_work_init(&d->work, cap) == 0;
}

/* A sentence on why a domain holds what it holds. */
static void describe(const struct dmn_domain *dom, int r, char *buf, size_t len)
{
    const struct plm_outcome *o = &dom->outcome[r];
    char a[PLM_AMT_STRLEN];

    switch (o->why) {
    case PLM_WHY_SATISFIED:
        snprintf(buf, len, "satisfied through level %u", o->satisfied);
        break;
    case PLM_WHY_FLOOR:
        snprintf(buf, len, "held at its floor (asks no more)");
        break;
    case PLM_WHY_STARVED:
        snprintf(buf, len, "pool too small for every floor");
        break;
    case PLM_WHY_MAXIMUM:
        snprintf(buf, len, "held at its policy maximum");
        break;
    case PLM_WHY_LEVELLED:
        snprintf(buf, len, "levelled at level %u (water %s)", o->levelled,
                 plm_amt_format(o->water, a));
        break;
    case PLM_WHY_EXHAUSTED:
        snprintf(buf, len, "pool ran out after level %u", o->satisfied);
        break;
    }
}

static void arbitrate_one(struct dmn *d, int r, uint64_t now)
{
    struct dmn_state *s = &d->st;
    const struct pol_share *sh = &s->policy.host.share[r];
    struct plm_params pp;
    plm_amt_t pool = 0;
    int rc;

    rc = pol_pool_total(&s->policy, (enum pol_resource)r, &s->facts, &pool);
    if (rc) {
        log_warnx("cannot size the %s pool: %s", pol_resource_name((enum pol_resource)r),
                  plm_strerror(rc));
        return;
    }
    s->pool[r] = pool;
    plm_params_init(&pp, pool);
    pp.minimal = sh->minimal;
    pp.unit = sh->unit;
    pp.mode = sh->mode;
    pp.leftover = sh->leftover;
    if (pp.leftover == PLM_LEFTOVER_DEFAULT) {
        pp.leftover = PLM_LEFTOVER_RESERVE;
        for (size_t i = 0; i < s->ndom; i++) {
            if (sh->leftover_domain && dmn_managed(&s->dom[i]) &&
                strcmp(s->dom[i].info.name, sh->leftover_domain) == 0) {
                pp.leftover = PLM_LEFTOVER_DEFAULT;
                pp.default_domain = i;
                break;
            }
        }
    }
    /* Unmanaged domains take no part: a maximum of 0 keeps them at 0. */
    for (size_t i = 0; i < s->ndom; i++) {
        if (!dmn_managed(&s->dom[i])) {
            plm_request_init(&s->dom[i].plm[r]);
            s->dom[i].plm[r].max = 0;
        }
    }
    rc = plm_arbitrate(&pp, &s->dom[0].plm[r], sizeof(s->dom[0]), s->ndom, &d->work, d->out,
                       &s->summary[r]);
    s->stats.arbitrations++;
    if (rc) {
        log_errx("%s arbitration failed: %s", pol_resource_name((enum pol_resource)r),
                 plm_strerror(rc));
        return;
    }

    bool fire = d->force;
    const char *fired_by = d->force ? "domains, overrides or policy changed" : NULL;
    char because[96] = "";
    /* The pool can shrink behind the daemon's back (a domain it does not
     * manage grows, a new one is created): allocations in force that no
     * longer fit are replaced at once, whatever the trigger says. */
    plm_amt_t in_force = 0;
    for (size_t i = 0; i < s->ndom; i++)
        if (dmn_managed(&s->dom[i]))
            in_force += s->dom[i].granted[r];
    if (!fire && in_force > pool) {
        fire = true;
        fired_by = "the pool shrank below the allocations in force";
    }
    for (size_t i = 0; i < s->ndom; i++) {
        struct dmn_domain *dom = &s->dom[i];
        dom->outcome[r] = d->out[i];
        if (!dmn_managed(dom))
            continue;
        struct plm_trigger_why tw;
        if (plm_trigger_sample(&sh->trigger, &dom->trig[r], dom->granted[r], d->out[i].rounded, now,
                               &tw) &&
            !fire) {
            fire = true;
            if (tw.pct100 == UINT32_MAX)
                snprintf(because, sizeof(because), "trigger rule %zu: domain %u from nothing",
                         tw.rule + 1, dom->info.domid);
            else
                snprintf(because, sizeof(because),
                         "trigger rule %zu: domain %u differs by %u.%02u%% (%u sample%s)",
                         tw.rule + 1, dom->info.domid, tw.pct100 / 100, tw.pct100 % 100, tw.samples,
                         tw.samples == 1 ? "" : "s");
            fired_by = because;
        }
    }
    if (!fire)
        return;

    s->stats.reallocations++;
    log_info("%s: reallocating (%s)", pol_resource_name((enum pol_resource)r), fired_by);
    for (size_t i = 0; i < s->ndom; i++) {
        struct dmn_domain *dom = &s->dom[i];
        plm_trigger_state_reset(&dom->trig[r]);
        if (!dmn_managed(dom))
            continue;
        plm_amt_t next = dom->outcome[r].rounded;
        if (next == dom->granted[r])
            continue;
        /* Only changes are explained: the text is "why it last changed". */
        describe(dom, r, dom->why[r], sizeof(dom->why[r]));
        dom->changed = true;
        if (r == POL_MEMORY)
            d->mem_changed = true;
        char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
        log_info("Domain %u: %s %s -> %s %s: %s", dom->info.domid,
                 pol_resource_name((enum pol_resource)r), plm_amt_format(dom->granted[r], a),
                 plm_amt_format(next, b), r == POL_CPU ? "pct" : "MiB", dom->why[r]);
        dom->granted[r] = next;
        d->table_serial++;
    }
}

void dmn_allocate(struct dmn *d, uint64_t now)
{
    struct dmn_state *s = &d->st;

    if (s->ndom == 0) {
        d->dirty = d->force = false;
        return;
    }
    if (!ensure_scratch(d, s->ndom)) {
        log_errx("out of memory arbitrating %zu domains", s->ndom);
        return;
    }
    if (read_facts(d) != 0)
        return;
    uint64_t serial = d->table_serial;
    for (int r = 0; r < DMN_NRES; r++)
        arbitrate_one(d, r, now);
    s->last_arbitration_ms = now;
    d->dirty = d->force = false;

    if (serial == d->table_serial)
        return;
    for (size_t i = 0; i < s->ndom; i++) {
        struct dmn_domain *dom = &s->dom[i];
        if (!dmn_managed(dom))
            continue;
        /* Only the domains whose grant changed cost a call or a write. */
        if (!dom->changed)
            continue;
        dom->changed = false;
        dmn_enforce_cpu(d, dom);
        dmn_write_grant(d, dom);
    }
}
