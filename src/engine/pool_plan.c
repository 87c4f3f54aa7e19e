/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool planner's round (pool_plan.h): drains first, then the best
 * balancing move, one at a time, until the caps or the gains run out;
 * then the ping-pong check, which may pin a domain and plan again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/pool_plan.h"

static int cmp_host(const void *a, const void *b)
{
    const struct pp_host *x = *(const struct pp_host *const *)a;
    const struct pp_host *y = *(const struct pp_host *const *)b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x > y) - (x < y);
}

static int cmp_dom(const void *a, const void *b)
{
    const struct pp_domain *x = *(const struct pp_domain *const *)a;
    const struct pp_domain *y = *(const struct pp_domain *const *)b;
    int c = strcmp(x->uuid, y->uuid);
    return c ? c : (x > y) - (x < y);
}

/*
 * A domain's priority (smaller first): the first level it asks CPU at
 * (every domain holds memory, so memory tells nothing), or memory's when
 * it asks no CPU at all.
 */
static unsigned priority(const struct pp_domain *d)
{
    for (unsigned l = 1; l <= PP_LEVELS; l++)
        if (plm_request_at(&d->cpu, l) > 0)
            return l;
    for (unsigned l = 1; l <= PP_LEVELS; l++)
        if (plm_request_at(&d->mem, l) > 0)
            return l;
    return PP_LEVELS + 1;
}

static int cmp_drain(const void *a, const void *b)
{
    const struct pp_domain *x = *(const struct pp_domain *const *)a;
    const struct pp_domain *y = *(const struct pp_domain *const *)b;
    unsigned px = priority(x), py = priority(y);
    if (px != py)
        return px < py ? -1 : 1;
    return cmp_dom(a, b);
}

/* Each host's domains, in uuid order, from where[]. */
static void build_csr(const struct pp_input *in, struct pp_work *w)
{
    size_t *start = w->csr_start;

    memset(start, 0, (in->nhosts + 1) * sizeof(size_t));
    for (size_t d = 0; d < in->ndoms; d++)
        start[w->where[d] + 1]++;
    for (size_t h = 0; h < in->nhosts; h++)
        start[h + 1] += start[h];
    /* Each start[h] as host h's cursor, then shifted back. */
    for (size_t i = 0; i < in->ndoms; i++) {
        size_t d = w->dom_order[i];
        w->csr[start[w->where[d]]++] = d;
    }
    for (size_t h = in->nhosts; h > 0; h--)
        start[h] = start[h - 1];
    start[0] = 0;
    /* Each host's domains' policy tags. */
    for (size_t h = 0; h < in->nhosts; h++) {
        uint64_t anti = 0, aff = 0;
        for (size_t i = start[h]; i < start[h + 1]; i++) {
            anti |= w->anti[w->csr[i]];
            aff |= w->aff[w->csr[i]];
        }
        w->host_anti[h] = anti;
        w->host_aff[h] = aff;
    }
    /* The room past every domain's need, as the arbiter counts the pool (down to the unit). */
    for (size_t h = 0; h < in->nhosts; h++) {
        plm_amt_t cu = in->policy->cpu_unit, mu = in->policy->mem_unit;
        plm_amt_t rc = in->hosts[h].cpu / cu * cu, rm = w->mem_pool[h] / mu * mu;
        for (size_t i = start[h]; i < start[h + 1]; i++) {
            size_t d = w->csr[i];
            rc = w->need_cpu[d] == PLM_AMT_MAX ? -PLM_AMT_MAX : rc - w->need_cpu[d];
            rm = w->need_mem[d] == PLM_AMT_MAX ? -PLM_AMT_MAX : rm - w->need_mem[d];
            if (rc < -PLM_AMT_MAX)
                rc = -PLM_AMT_MAX;
            if (rm < -PLM_AMT_MAX)
                rm = -PLM_AMT_MAX;
        }
        w->room_cpu[h] = rc;
        w->room_mem[h] = rm;
    }
}

/*
 * What meets every level of r: its last level or its floor, whichever is
 * more (the floor rounded up to the unit, as the arbiter does), or
 * PLM_AMT_MAX when its maximum keeps its last level unmet.
 */
static plm_amt_t need_of(const struct plm_request *r, plm_amt_t minimal, plm_amt_t unit)
{
    plm_amt_t want = plm_request_at(r, PP_LEVELS);
    plm_amt_t floor = (minimal > r->min ? minimal : r->min);
    plm_amt_t cap = r->max == PLM_AMT_MAX ? PLM_AMT_MAX / unit * unit : r->max / unit * unit;

    floor = (floor + unit - 1) / unit * unit;
    if (want > cap)
        return PLM_AMT_MAX;
    if (floor > cap)
        floor = cap;
    return want > floor ? want : floor;
}

/* Is the budget spent?  Then the search that asks stops, and says so. */
static bool spent(struct pp_work *w)
{
    if (w->work < w->budget)
        return false;
    w->stopped = true;
    return true;
}

static int64_t *hscore(struct pp_work *w, size_t h)
{
    return w->host_score + h * PP_LEVELS;
}

static int score_host(const struct pp_input *in, struct pp_work *w, size_t h, size_t skip,
                      size_t add, int64_t score[PP_LEVELS])
{
    size_t n = 0;

    for (size_t i = w->csr_start[h]; i < w->csr_start[h + 1]; i++)
        if (w->csr[i] != skip)
            w->members[n++] = w->csr[i];
    if (add != SIZE_MAX)
        w->members[n++] = add;
    return pp_score_members(in, in->hosts[h].cpu, w->mem_pool[h], w->members, n, w, score);
}

static bool host_unmet(const struct pp_work *w, const int64_t *score, size_t h)
{
    int64_t full = (int64_t)(w->csr_start[h + 1] - w->csr_start[h]) * 1000;
    for (unsigned l = 0; l < PP_LEVELS; l++)
        if (score[l] < full)
            return true;
    return false;
}

/* The tags of d that the policy names, as bits. */
static uint64_t tag_bits(const struct pp_domain *d, const char *const *tags, size_t n)
{
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++)
        for (unsigned k = 0; k < d->ntags && k < PP_MAX_TAGS; k++)
            if (strncmp(d->tags[k], tags[i], PP_TAG_MAX) == 0)
                bits |= (uint64_t)1 << i;
    return bits;
}

/*
 * May d go to t now: memory, drain, anti-affinity, affinity (each of its
 * affinity tags that another domain carries must be on t already).
 */
static bool feasible(const struct pp_input *in, const struct pp_work *w, size_t d, size_t t)
{
    if (t == w->where[d] || in->hosts[t].drain)
        return false;
    if (w->free_mib[t] - in->hosts[t].headroom_mib < in->doms[d].mem_mib)
        return false;
    if (w->anti[d] & w->host_anti[t])
        return false;
    return (w->aff_shared[d] & w->host_aff[t]) == w->aff_shared[d];
}

/* Each domain's affinity tags that another domain carries too (moves change no tag). */
static void share_affinity(const struct pp_input *in, struct pp_work *w)
{
    uint64_t once = 0, twice = 0;

    for (size_t d = 0; d < in->ndoms; d++) {
        twice |= once & w->aff[d];
        once |= w->aff[d];
    }
    for (size_t d = 0; d < in->ndoms; d++)
        w->aff_shared[d] = w->aff[d] & twice;
}

/* The first level where after differs from before: its index, or -1. */
static int first_change(const int64_t *delta)
{
    for (int l = 0; l < PP_LEVELS; l++)
        if (delta[l])
            return l;
    return -1;
}

/* a > b, lexicographically from level 1. */
static bool better(const int64_t *a, const int64_t *b)
{
    for (int l = 0; l < PP_LEVELS; l++)
        if (a[l] != b[l])
            return a[l] > b[l];
    return false;
}

static int64_t threshold(const struct pp_policy *p, const struct pp_domain *d)
{
    return p->margin + p->cost_per_gib * (d->mem_mib / PLM_SCALE) / 1024;
}

struct cand {
    bool found;
    size_t d, t;
    plm_amt_t room;
    int64_t delta[PP_LEVELS];
    int64_t src[PP_LEVELS], dst[PP_LEVELS]; /* the two hosts' scores after */
};

/*
 * The best move of d to any host: the largest change (lexicographic) of
 * what its source and destination satisfy.  Fills c when it beats c.
 */
static bool fits(const struct pp_work *w, size_t d, size_t t)
{
    return w->need_cpu[d] != PLM_AMT_MAX && w->need_mem[d] != PLM_AMT_MAX &&
           w->room_cpu[t] >= w->need_cpu[d] && w->room_mem[t] >= w->need_mem[d];
}

/* Is host a roomier than b: more CPU past its domains' needs, then more memory? */
static bool roomier(const struct pp_work *w, size_t a, size_t b)
{
    if (w->room_cpu[a] != w->room_cpu[b])
        return w->room_cpu[a] > w->room_cpu[b];
    return w->room_mem[a] > w->room_mem[b];
}

/*
 * Insert x into the short list top[0..*n) of at most PP_*_TRY entries,
 * kept best first by before(); ties keep the earlier entry ahead.
 */
static void shortlist(size_t *top, size_t *n, size_t max, size_t x,
                      bool (*before)(const void *ctx, size_t a, size_t b), const void *ctx)
{
    size_t i = *n < max ? (*n)++ : max;
    if (i == max && !before(ctx, x, top[max - 1]))
        return;
    if (i == max)
        i = max - 1;
    while (i > 0 && before(ctx, x, top[i - 1])) {
        top[i] = top[i - 1];
        i--;
    }
    top[i] = x;
}

static bool host_before(const void *ctx, size_t a, size_t b)
{
    return roomier(ctx, a, b);
}

static bool listed(const size_t *top, size_t n, size_t x)
{
    for (size_t i = 0; i < n; i++)
        if (top[i] == x)
            return true;
    return false;
}

static int best_dest(const struct pp_input *in, struct pp_work *w, size_t d, const int64_t *without,
                     struct cand *c)
{
    size_t s = w->where[d], top[PP_DEST_TRY], ntop = 0;
    int64_t with[PP_LEVELS], delta[PP_LEVELS];
    bool any_fits = false;
    int rc;

    /*
     * A host where d fits in the room gains exactly d's whole score, the
     * most any host can gain (adding a domain takes from the others);
     * another host could at best tie, and the hosts where d fits are
     * preferred.  So where d fits somewhere, the rest are not asked.
     */
    for (size_t k = 0; k < in->nhosts && !any_fits; k++)
        any_fits = fits(w, d, w->host_order[k]) && feasible(in, w, d, w->host_order[k]);
    /* Where it fits nowhere, the roomiest feasible hosts alone are weighed. */
    for (size_t k = 0; k < in->nhosts && !any_fits; k++)
        if (feasible(in, w, d, w->host_order[k]))
            shortlist(top, &ntop, PP_DEST_TRY, w->host_order[k], host_before, w);
    for (size_t k = 0; k < in->nhosts; k++) {
        size_t t = w->host_order[k];
        if (any_fits ? !fits(w, d, t) || !feasible(in, w, d, t) : !listed(top, ntop, t))
            continue;
        if (any_fits) {
            /* Every domain there met, and d too. */
            for (int l = 0; l < PP_LEVELS; l++)
                with[l] = hscore(w, t)[l] + 1000;
        } else if (spent(w)) {
            return 0;
        } else if ((rc = score_host(in, w, t, SIZE_MAX, d, with))) {
            return rc;
        }
        for (int l = 0; l < PP_LEVELS; l++)
            delta[l] = without[l] + with[l] - hscore(w, s)[l] - hscore(w, t)[l];
        /* Ties: the host with the most CPU left unasked, then the first by name. */
        plm_amt_t room = w->room_cpu[t];
        if (!c->found || better(delta, c->delta) ||
            (c->d == d && !better(c->delta, delta) && room > c->room)) {
            c->found = true;
            c->d = d;
            c->t = t;
            c->room = room;
            memcpy(c->delta, delta, sizeof(delta));
            memcpy(c->src, without, sizeof(c->src));
            memcpy(c->dst, with, sizeof(c->dst));
        }
    }
    return 0;
}

static void commit(const struct pp_input *in, struct pp_work *w, const struct cand *c,
                   enum pp_reason why, struct pp_plan *out)
{
    const struct pp_domain *dom = &in->doms[c->d];
    size_t s = w->where[c->d];
    struct pp_move *m = &out->move[out->nmoves++];
    int l = first_change(c->delta);

    m->dom = c->d;
    m->from = s;
    m->to = c->t;
    m->reason = why;
    m->level = l < 0 ? 0 : (unsigned)l + 1;
    m->gain = l < 0 ? 0 : c->delta[l];
    m->cooldown_until_ms = in->now_ms + in->policy->cooldown_ms;
    memcpy(hscore(w, s), c->src, sizeof(c->src));
    memcpy(hscore(w, c->t), c->dst, sizeof(c->dst));
    w->free_mib[s] += dom->mem_mib;
    w->free_mib[c->t] -= dom->mem_mib;
    w->where[c->d] = c->t;
    w->moved[c->d] = true;
    w->sources[s]++;
    build_csr(in, w);
    /* The domains of both hosts score differently without themselves now. */
    for (size_t i = w->csr_start[s]; i < w->csr_start[s + 1]; i++)
        w->without_ok[w->csr[i]] = false;
    for (size_t i = w->csr_start[c->t]; i < w->csr_start[c->t + 1]; i++)
        w->without_ok[w->csr[i]] = false;
}

static int drain(const struct pp_input *in, struct pp_work *w, unsigned *slots, struct pp_plan *out)
{
    const struct pp_policy *pol = in->policy;
    size_t n = 0;
    int rc;

    for (size_t d = 0; d < in->ndoms; d++)
        if (in->hosts[in->doms[d].host].drain && !in->doms[d].migrating)
            w->sort[n++] = &in->doms[d];
    qsort(w->sort, n, sizeof(*w->sort), cmp_drain);
    for (size_t i = 0; i < n; i++) {
        size_t d = (size_t)((const struct pp_domain *)w->sort[i] - in->doms), s = w->where[d];
        int64_t without[PP_LEVELS];
        struct cand c = {.found = false};
        if (!in->doms[d].migratable) {
            out->stuck++;
            continue;
        }
        if (*slots == 0)
            break;
        if (w->sources[s] >= pol->max_per_source)
            continue;
        if (spent(w))
            break;
        if ((rc = score_host(in, w, s, d, SIZE_MAX, without)) ||
            (rc = best_dest(in, w, d, without, &c)))
            return rc;
        if (!c.found && w->stopped)
            break;
        if (!c.found) {
            out->stuck++;
            continue;
        }
        commit(in, w, &c, PP_DRAIN, out);
        (*slots)--;
    }
    return 0;
}

/* May d move to balance the pool now (not for the ranking of its host's domains)? */
static bool candidate(const struct pp_input *in, const struct pp_work *w, size_t d)
{
    const struct pp_domain *dom = &in->doms[d];
    return !dom->migrating && dom->migratable && !w->moved[d] && !w->pinned[d] &&
           dom->cooldown_until_ms <= in->now_ms;
}

/* Does a's departure leave its host satisfying more than b's (same host)? */
static bool dom_before(const void *ctx, size_t a, size_t b)
{
    const struct pp_work *w = ctx;
    return better(w->without + a * PP_LEVELS, w->without + b * PP_LEVELS);
}

/* Can d go to some host at all (memory, drain, tags)? */
static bool movable(const struct pp_input *in, const struct pp_work *w, size_t d)
{
    for (size_t t = 0; t < in->nhosts; t++)
        if (feasible(in, w, d, t))
            return true;
    return false;
}

/*
 * The domains of s worth weighing: of those that may move and can go
 * somewhere, the PP_SOURCE_TRY whose departure raises what s satisfies
 * the most.
 */
static int sources_of(const struct pp_input *in, struct pp_work *w, size_t s, size_t *top,
                      size_t *ntop)
{
    int rc;

    *ntop = 0;
    for (size_t i = w->csr_start[s]; i < w->csr_start[s + 1]; i++) {
        size_t d = w->csr[i];
        if (!candidate(in, w, d) || !movable(in, w, d))
            continue;
        if (!w->without_ok[d]) {
            if (spent(w))
                return 0;
            if ((rc = score_host(in, w, s, d, SIZE_MAX, w->without + d * PP_LEVELS)))
                return rc;
            w->without_ok[d] = true;
        }
        shortlist(top, ntop, PP_SOURCE_TRY, d, dom_before, w);
    }
    return 0;
}

static int balance(const struct pp_input *in, struct pp_work *w, unsigned *slots,
                   struct pp_plan *out)
{
    const struct pp_policy *pol = in->policy;
    int rc;

    while (*slots > 0 && !w->stopped) {
        struct cand best = {.found = false};
        for (size_t k = 0; k < in->nhosts && !w->stopped; k++) {
            size_t s = w->host_order[k], top[PP_SOURCE_TRY], ntop;
            if (in->hosts[s].drain || w->held[s] || w->sources[s] >= pol->max_per_source ||
                !host_unmet(w, hscore(w, s), s))
                continue;
            if ((rc = sources_of(in, w, s, top, &ntop)))
                return rc;
            for (size_t i = w->csr_start[s]; i < w->csr_start[s + 1] && !w->stopped; i++) {
                size_t d = w->csr[i];
                struct cand c = {.found = false};
                if (!listed(top, ntop, d))
                    continue;
                if ((rc = best_dest(in, w, d, w->without + d * PP_LEVELS, &c)))
                    return rc;
                if (!c.found)
                    continue;
                int l = first_change(c.delta);
                if (l < 0 || c.delta[l] < threshold(pol, &in->doms[d]) || c.delta[l] <= 0)
                    continue;
                if (!best.found || better(c.delta, best.delta))
                    best = c;
            }
        }
        /* Stopped by the budget: the best move found so far still raises the pool. */
        if (!best.found)
            break;
        commit(in, w, &best, PP_BALANCE, out);
        (*slots)--;
    }
    return 0;
}

/* Would the next round move m's domain back?  (Only balancing moves.) */
static int undone(const struct pp_input *in, struct pp_work *w, const struct pp_move *m, bool *yes)
{
    int64_t without[PP_LEVELS], with[PP_LEVELS], delta[PP_LEVELS];
    int rc, l;

    *yes = false;
    if (m->reason != PP_BALANCE || !feasible(in, w, m->dom, m->from))
        return 0;
    if ((rc = score_host(in, w, m->to, m->dom, SIZE_MAX, without)) ||
        (rc = score_host(in, w, m->from, SIZE_MAX, m->dom, with)))
        return rc;
    for (int k = 0; k < PP_LEVELS; k++)
        delta[k] = without[k] + with[k] - hscore(w, m->to)[k] - hscore(w, m->from)[k];
    l = first_change(delta);
    *yes = l >= 0 && delta[l] > 0 && delta[l] >= threshold(in->policy, &in->doms[m->dom]);
    return 0;
}

/* One attempt at the plan, with the domains pinned so far left alone. */
static int attempt(const struct pp_input *in, struct pp_work *w, unsigned inflight,
                   struct pp_plan *out)
{
    const struct pp_policy *pol = in->policy;
    unsigned slots = pol->max_concurrent > inflight ? pol->max_concurrent - inflight : 0;
    int rc;

    out->nmoves = out->stuck = 0;
    memset(w->sources, 0, in->nhosts * sizeof(*w->sources));
    for (size_t h = 0; h < in->nhosts; h++)
        w->free_mib[h] = in->hosts[h].free_mib;
    for (size_t d = 0; d < in->ndoms; d++) {
        w->where[d] = in->doms[d].host;
        w->moved[d] = false;
        w->without_ok[d] = false;
        if (in->doms[d].migrating)
            w->sources[in->doms[d].host]++;
    }
    build_csr(in, w);
    for (size_t h = 0; h < in->nhosts; h++)
        if ((rc = score_host(in, w, h, SIZE_MAX, SIZE_MAX, hscore(w, h))))
            return rc;
    if ((rc = drain(in, w, &slots, out)))
        return rc;
    return balance(in, w, &slots, out);
}

static int check_input(const struct pp_input *in, const struct pp_work *w)
{
    const struct pp_policy *p = in->policy;

    if (in->nhosts > w->max_hosts || in->ndoms > w->max_doms)
        return PLM_ETOOMANY;
    if (!p || p->max_concurrent > PP_MAX_MOVES || p->nanti > PP_MAX_POLICY_TAGS ||
        p->naffinity > PP_MAX_POLICY_TAGS || p->margin < 0 || p->cost_per_gib < 0 ||
        p->cpu_unit <= 0 || p->mem_unit <= 0 || p->max_work == 0)
        return PLM_EINVAL;
    for (size_t h = 0; h < in->nhosts; h++) {
        const struct pp_host *x = &in->hosts[h];
        if (x->cpu < 0 || x->cpu > PLM_AMT_MAX || x->free_mib < 0 || x->free_mib > PLM_AMT_MAX ||
            x->headroom_mib < 0 || x->headroom_mib > PLM_AMT_MAX)
            return PLM_EINVAL;
    }
    for (size_t d = 0; d < in->ndoms; d++)
        if (in->doms[d].host >= in->nhosts || in->doms[d].mem_mib < 0 ||
            in->doms[d].mem_mib > PLM_AMT_MAX)
            return PLM_EINVAL;
    return 0;
}

int pp_plan(const struct pp_input *in, const struct pp_state *prev, struct pp_state *next,
            struct pp_work *w, struct pp_plan *out)
{
    const struct pp_policy *pol = in->policy;
    unsigned inflight = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    next->n = 0;
    if ((rc = check_input(in, w)))
        return rc;
    w->work = 0;
    w->budget = pol->max_work;
    w->stopped = false;
    /* Deterministic order: hosts by name, domains by uuid. */
    for (size_t h = 0; h < in->nhosts; h++)
        w->sort[h] = &in->hosts[h];
    qsort(w->sort, in->nhosts, sizeof(*w->sort), cmp_host);
    for (size_t h = 0; h < in->nhosts; h++)
        w->host_order[h] = (size_t)((const struct pp_host *)w->sort[h] - in->hosts);
    for (size_t d = 0; d < in->ndoms; d++)
        w->sort[d] = &in->doms[d];
    qsort(w->sort, in->ndoms, sizeof(*w->sort), cmp_dom);
    for (size_t d = 0; d < in->ndoms; d++)
        w->dom_order[d] = (size_t)((const struct pp_domain *)w->sort[d] - in->doms);
    for (size_t d = 0; d < in->ndoms; d++) {
        w->anti[d] = tag_bits(&in->doms[d], pol->anti_affinity, pol->nanti);
        w->aff[d] = tag_bits(&in->doms[d], pol->affinity, pol->naffinity);
        w->pinned[d] = false;
        w->need_cpu[d] = need_of(&in->doms[d].cpu, pol->cpu_minimal, pol->cpu_unit);
        w->need_mem[d] = need_of(&in->doms[d].mem, pol->mem_minimal, pol->mem_unit);
        inflight += in->doms[d].migrating;
    }
    share_affinity(in, w);
    for (size_t h = 0; h < in->nhosts; h++)
        w->mem_pool[h] = pp_mem_pool(in, h);

    /* The pool as it is: scores, and the hold of each host with unmet levels. */
    for (size_t d = 0; d < in->ndoms; d++)
        w->where[d] = in->doms[d].host;
    build_csr(in, w);
    for (size_t k = 0; k < in->nhosts; k++) {
        size_t h = w->host_order[k];
        uint64_t hold_now = in->hold_now_ms ? in->hold_now_ms : in->now_ms;
        uint64_t since = hold_now;
        if ((rc = score_host(in, w, h, SIZE_MAX, SIZE_MAX, hscore(w, h))))
            return rc;
        for (int l = 0; l < PP_LEVELS; l++)
            out->score[l] += hscore(w, h)[l];
        w->held[h] = false;
        if (!host_unmet(w, hscore(w, h), h))
            continue;
        for (size_t i = 0; prev && i < prev->n && i < PP_MAX_HOSTS; i++)
            if (strncmp(prev->unmet[i].host, in->hosts[h].name, PP_NAME_MAX) == 0 &&
                prev->unmet[i].since_ms <= hold_now)
                since = prev->unmet[i].since_ms;
        if (next->n < PP_MAX_HOSTS) {
            memcpy(next->unmet[next->n].host, in->hosts[h].name, PP_NAME_MAX);
            next->unmet[next->n].host[PP_NAME_MAX - 1] = '\0';
            next->unmet[next->n++].since_ms = since;
        }
        if (hold_now - since < pol->hold_ms && !in->hosts[h].drain) {
            w->held[h] = true;
            out->held++;
        }
    }

    /*
     * Plan; a move the next round would undo pins its domain, and the
     * plan starts over, unless the budget is spent: then the moves before
     * it are the plan.
     */
    bool again = true;
    for (unsigned round = 0; round <= PP_MAX_MOVES && again; round++) {
        again = false;
        if ((rc = attempt(in, w, inflight, out)))
            return rc;
        for (size_t i = 0; i < out->nmoves && !again; i++) {
            bool yes;
            if ((rc = undone(in, w, &out->move[i], &yes)))
                return rc;
            if (yes && spent(w)) {
                out->nmoves = i;
                out->unwound++;
                break;
            }
            if (yes) {
                w->pinned[out->move[i].dom] = true;
                out->unwound++;
                again = true;
            }
        }
    }
    if (again)
        out->nmoves = 0;
    out->work = w->work;
    out->cut = w->stopped;
    return 0;
}
