/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Arbitration and the reallocation decision.
 *
 * Pools are sized from what the host says now (pCPUs, free memory and the
 * memory the managed guests hold), so a domain created behind the
 * daemon's back shrinks the memory pool instead of being overcommitted.
 * Each resource is arbitrated over the whole table; a domain the daemon
 * does not manage enters with a maximum of 0 and is never touched.
 *
 * The trigger decides per resource whether the new allocation replaces
 * the one in force: a large difference at once, a smaller one only when
 * it persists.  When a domain's difference fires, the domains whose
 * difference reaches the smallest rule's percentage move to the new
 * allocation, and so does every memory grow (a guest waits for it); the
 * others keep what they hold (their differences keep persisting toward
 * their own firing), except that a domain the new allocation shrinks gives
 * way when the movers need it to stay within the pool.  So one domain's
 * real change does not move every levelled neighbour by a rounding's worth
 * (a weight change each), and the allocations in force never add up to
 * more than the pool.  A pool that shrank below the
 * allocations in force, or a forced reallocation (domains, overrides or
 * the policy changed), moves every domain at once, whatever the trigger
 * says.  Without the host's facts there is no arbitration, but a grant
 * above what its domain can now hold is lowered to it (eng_clamp).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/keep.h"
#include "engine/engine_int.h"

static void read_facts(const struct eng_input *in, struct eng_state *st, struct eng_table dom)
{
    size_t n = dom.n;
    struct pol_host_facts *f = &st->facts;

    f->pcpus = in->host.pcpus;
    f->mem_total = eng_kib_to_mib(in->host.total_kib);
    f->mem_free = eng_kib_to_mib(in->host.free_kib);
    f->mem_domu = 0;
    for (size_t i = 0; i < n; i++) {
        if (!eng_managed(eng_at(dom, i)))
            continue;
        const struct eng_dom *e = eng_at(dom, i);
        plm_amt_t held = eng_kib_to_mib(e->in.mem_actual_kib);
        /* A guest without a balloon, or whose balloon does not move,
         * holds memory nobody can be given: what it holds above its
         * allocation stays out of the pool. */
        if (eng_mem_fixed(e) && held > e->plm[POL_MEMORY].max)
            held = e->plm[POL_MEMORY].max;
        f->mem_domu = f->mem_domu + held > PLM_AMT_MAX ? PLM_AMT_MAX : f->mem_domu + held;
    }
}

/* A sentence on why a domain holds what it holds. */
static void describe(const struct plm_outcome *o, char *buf, size_t len)
{
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
    /* What the leftover rule added, and what it keeps, are part of the
     * reason too. */
    if (o->extra > 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, ", +%s leftover", plm_amt_format(o->extra, a));
    }
    if (o->kept > 0) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, ", keeps %s it holds until needed",
                 plm_amt_format(o->kept, a));
    }
}

static void params_of(const struct pol_share *sh, plm_amt_t pool, struct eng_table dom,
                      struct plm_params *pp)
{
    size_t n = dom.n;
    plm_params_init(pp, pool);
    pp->minimal = sh->minimal;
    pp->unit = sh->unit;
    pp->mode = sh->mode;
    pp->leftover = sh->leftover;
    if (pp->leftover != PLM_LEFTOVER_DEFAULT)
        return;
    /* The named domain, when it is here and managed; else keep it. */
    pp->leftover = PLM_LEFTOVER_RESERVE;
    for (size_t i = 0; sh->leftover_domain && i < n; i++) {
        if (eng_managed(eng_at(dom, i)) &&
            strcmp(eng_at(dom, i)->in.name, sh->leftover_domain) == 0) {
            pp->leftover = PLM_LEFTOVER_DEFAULT;
            pp->default_domain = i;
            return;
        }
    }
}

/*
 * A reallocation fired by some domains' own differences: a domain moves
 * too (fired set) when its difference reaches the smallest rule's
 * percentage or its memory grows; every other domain keeps what it holds,
 * unless the movers need what it would give back: then the shrinking ones
 * move too, in table order, until the allocations fit in the pool.
 * Keeping a domain that grows only leaves room.
 */
static void keep_unfired(const struct plm_trigger *t, int r, plm_amt_t pool, struct eng_table dom)
{
    plm_amt_t total = 0;
    uint32_t least = UINT32_MAX;

    for (size_t k = 0; k < t->nrules; k++)
        if (t->rule[k].pct100 < least)
            least = t->rule[k].pct100;
    for (size_t i = 0; i < dom.n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (eng_managed(e) &&
            (plm_trigger_diff_pct100(e->granted[r], e->outcome[r].rounded) >= least ||
             (r == POL_MEMORY && e->outcome[r].rounded > e->granted[r])))
            e->fired[r] = true;
    }

    for (size_t i = 0; i < dom.n; i++) {
        const struct eng_dom *e = eng_at(dom, i);
        if (eng_managed(e))
            total += e->fired[r] ? e->outcome[r].rounded : e->granted[r];
    }
    for (size_t i = 0; i < dom.n && total > pool; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!eng_managed(e) || e->fired[r] || e->outcome[r].rounded >= e->granted[r])
            continue;
        total -= e->granted[r] - e->outcome[r].rounded;
        e->fired[r] = true;
    }
}

/* What domain e could keep of its memory (lazy reclaim): its allocation
 * in force (before its first, the target Xen has), within its maximum;
 * nothing for a domain whose memory does not move (its allocation is what
 * it holds already) or that is not managed. */
static plm_amt_t mem_held(const struct eng_dom *e, plm_amt_t unit)
{
    if (!eng_managed(e) || !e->balloon || eng_mem_fixed(e) || e->in.migrating)
        return 0;
    plm_amt_t held = e->granted[POL_MEMORY];
    if (held <= 0)
        held = eng_kib_to_mib(e->mem.target_kib) / unit * unit;
    if (held > e->plm[POL_MEMORY].max)
        held = e->plm[POL_MEMORY].max;
    return held > 0 ? held : 0;
}

/* Memory a domain holds above its new allocation stays with it while the
 * pool has room for it beside everyone's new allocation (core/keep.h);
 * the outcomes then say what it keeps. */
static void keep_memory(const struct pol_share *sh, plm_amt_t pool, struct eng_table dom,
                        struct eng_scratch *scratch)
{
    size_t n = dom.n;

    for (size_t i = 0; i < n; i++)
        scratch->held[i] = mem_held(eng_at(dom, i), sh->unit);
    if (plm_keep(pool, sh->unit, &scratch->out[0].rounded, sizeof(scratch->out[0]), scratch->held,
                 scratch->kept, n) <= 0)
        return;
    for (size_t i = 0; i < n; i++) {
        scratch->out[i].kept = scratch->kept[i];
        scratch->out[i].rounded += scratch->kept[i];
    }
}

/* Size resource r's pool on the facts read (st->pool[r]); false, with a
 * note, when the policy cannot. */
static bool size_pool(const struct eng_input *in, int r, struct eng_state *st,
                      struct eng_plan *plan)
{
    plm_amt_t pool = 0;
    int rc = pol_pool_total(in->policy, (enum pol_resource)r, &st->facts, &pool);

    if (rc) {
        eng_plan_note(plan, -1, true, "cannot size the %s pool: %s",
                      pol_resource_name((enum pol_resource)r), plm_strerror(rc));
        return false;
    }
    st->pool[r] = pool;
    return true;
}

static void allot_one(const struct eng_input *in, const char *force, int r, struct eng_state *st,
                      struct eng_table dom, struct eng_scratch *scratch, struct eng_plan *plan)
{
    size_t n = dom.n;
    const struct pol_share *sh = &in->policy->host.share[r];
    const char *res = pol_resource_name((enum pol_resource)r);
    struct plm_params pp;
    plm_amt_t pool;
    int rc;

    if (!size_pool(in, r, st, plan))
        return;
    pool = st->pool[r];
    params_of(sh, pool, dom, &pp);
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!eng_managed(e)) {
            /* Unmanaged domains take no part: a maximum of 0 keeps them at
             * 0.  (Their request is built again once they are managed.) */
            plm_request_init(&e->plm[r]);
            e->plm[r].max = 0;
        }
    }
    rc = plm_arbitrate(&pp, &dom.first->plm[r], dom.stride, n, &scratch->work, scratch->out,
                       &st->summary[r]);
    st->arbitrations++;
    if (rc) {
        eng_plan_note(plan, -1, true, "%s arbitration failed: %s", res, plm_strerror(rc));
        return;
    }
    if (r == POL_MEMORY && sh->reclaim_needed)
        keep_memory(sh, pool, dom, scratch);

    bool fire = force != NULL;
    const char *fired_by = force;
    char because[96] = "";
    plm_amt_t in_force = 0;
    for (size_t i = 0; i < n; i++)
        if (eng_managed(eng_at(dom, i)))
            in_force += eng_at(dom, i)->granted[r];
    if (!fire && in_force > pool) {
        fire = true;
        fired_by = "the pool shrank below the allocations in force";
    }
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        e->outcome[r] = scratch->out[i];
        if (!eng_managed(e))
            continue;
        struct plm_trigger_why tw;
        e->fired[r] = plm_trigger_sample(&sh->trigger, &e->trig[r], e->granted[r],
                                         scratch->out[i].rounded, in->now_ms, &tw);
        if (e->fired[r] && !fire) {
            fire = true;
            if (tw.pct100 == UINT32_MAX)
                snprintf(because, sizeof(because), "trigger rule %zu: domain %u from nothing",
                         tw.rule + 1, e->in.domid);
            else
                snprintf(because, sizeof(because),
                         "trigger rule %zu: domain %u differs by %u.%02u%% (%u sample%s)",
                         tw.rule + 1, e->in.domid, tw.pct100 / 100, tw.pct100 % 100, tw.samples,
                         tw.samples == 1 ? "" : "s");
            fired_by = because;
        }
    }
    if (!fire)
        return;

    st->reallocations++;
    eng_plan_note(plan, -1, false, "%s: reallocating (%s)", res, fired_by);
    /* Forced, or the pool shrank: everyone moves.  Else the domains
     * whose own difference fired, and those that must make room. */
    bool everyone = fired_by != because;
    if (!everyone)
        keep_unfired(&sh->trigger, r, pool, dom);
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!eng_managed(e))
            continue;
        plm_amt_t next = e->outcome[r].rounded;
        if (!everyone && !e->fired[r])
            continue; /* kept: what it holds stays, its streak goes on */
        plm_trigger_state_reset(&e->trig[r]);
        if (next == e->granted[r])
            continue;
        /* Only changes are explained: the text is "why it last changed". */
        describe(&e->outcome[r], e->why[r], sizeof(e->why[r]));
        char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
        eng_plan_note(plan, e->in.domid, false, "%s %s -> %s %s: %s", res,
                      plm_amt_format(e->granted[r], a), plm_amt_format(next, b),
                      r == POL_CPU ? "pct" : "MiB", e->why[r]);
        e->granted[r] = next;
        scratch->changed[i] = true;
        if (r == POL_MEMORY)
            scratch->mem_changed = true;
        plan->table_changed = true;
        st->serial++;
    }
}

void eng_size_pools(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                    struct eng_plan *plan)
{
    read_facts(in, st, dom);
    for (int r = 0; r < ENG_NRES; r++)
        size_pool(in, r, st, plan);
}

void eng_allot(const struct eng_input *in, const char *force, const char *force_cpu,
               struct eng_state *st, struct eng_table dom, struct eng_scratch *scratch,
               struct eng_plan *plan)
{
    read_facts(in, st, dom);
    for (int r = 0; r < ENG_NRES; r++)
        allot_one(in, force ? force : r == POL_CPU ? force_cpu : NULL, r, st, dom, scratch, plan);
    st->last_arbitration_ms = in->now_ms;
}

void eng_clamp(struct eng_state *st, struct eng_table dom, struct eng_scratch *scratch,
               struct eng_plan *plan)
{
    for (size_t i = 0; i < dom.n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!eng_managed(e))
            continue;
        for (int r = 0; r < ENG_NRES; r++) {
            enum eng_max_by by;
            plm_amt_t most = eng_max(&e->in, r, &by);
            if (e->granted[r] <= most)
                continue;
            char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
            snprintf(e->why[r], sizeof(e->why[r]),
                     "held at its %s until the host can be read to arbitrate",
                     by == ENG_MAX_VCPUS    ? "vcpus"
                     : by == ENG_MAX_MAXMEM ? "maxmem"
                                            : "maximum");
            eng_plan_note(plan, e->in.domid, false, "%s %s -> %s %s: %s",
                          pol_resource_name((enum pol_resource)r), plm_amt_format(e->granted[r], a),
                          plm_amt_format(most, b), r == POL_CPU ? "pct" : "MiB", e->why[r]);
            e->granted[r] = most;
            scratch->changed[i] = true;
            if (r == POL_MEMORY)
                scratch->mem_changed = true;
            plan->table_changed = true;
            st->serial++;
        }
    }
}
