/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Anticipation in the decision step (issue 13, point 2): for a domain
 * whose rule says <anticipate>, each turn records what its agent asks in
 * the history the daemon keeps for it (anticip.c), and once a minute of
 * the local day works out, per resource, the recurring need that is due:
 * one whose raise, from what the guest asks now, takes as long as is left
 * before it (memory at the rate its balloon was last measured growing,
 * or the policy's slowest rate before it has been; CPU at once), plus the
 * rule's margin.  Its request is then built with its levels raised to that need
 * (build.c), which the policy caps like any other request.
 *
 * Only the agent's own requests are recorded and only they are raised:
 * an override or an agentless request is left as it is.  The need is
 * never above what the same guest asked at that time of day at that
 * level, so a guest gains nothing through it that it could not ask
 * outright, and its raised request is arbitrated against the others by
 * the same policy.
 */
#include "config.h"

#include <string.h>

#include "engine/engine.h"

static bool same(const struct ant_need *a, const struct ant_need *b)
{
    return a->found == b->found &&
           (!a->found || (a->total == b->total && a->level == b->level && a->misses == b->misses &&
                          a->peak_sec == b->peak_sec));
}

/* The guest's own levels of resource r (0 when it says nothing). */
static unsigned asked(const struct eng_dom *e, int r, plm_amt_t lv[PLM_MAX_LEVELS])
{
    enum proto_resource pr = pol_resource_proto((enum pol_resource)r);
    if (!e->in.req || !(e->in.req->flags & PROTO_REQ_HAS(pr)))
        return 0;
    unsigned n = e->in.req->res[pr].nlevels;
    if (n > PLM_MAX_LEVELS)
        n = PLM_MAX_LEVELS;
    memcpy(lv, e->in.req->res[pr].level, n * sizeof(lv[0]));
    return n;
}

/* Samples at least this far apart measure the balloon's growth. */
#define RATE_SAMPLE_MS 5000
/* A target this far above what it holds asks it to grow. */
#define RATE_ASKED_KIB 1024

/* The balloon's growth: what it gained between two samples while its
 * target was above it.  A guest held back by the mover's own pace, or
 * that reached its target in between, reads slower than it can grow:
 * the lead is then longer, never shorter, than it needs. */
static void measure(const struct eng_input *in, struct eng_dom *e)
{
    int64_t held = e->mem.actual_kib;
    uint64_t dt = in->now_ms - e->bal_seen_ms;
    if (e->bal_seen_ms && dt < RATE_SAMPLE_MS)
        return;
    if (e->bal_seen_ms && e->bal_growing && held > e->bal_seen_kib)
        e->bal_rate_kib_s = (held - e->bal_seen_kib) * 1000 / (int64_t)dt;
    e->bal_seen_ms = in->now_ms;
    e->bal_seen_kib = held;
    e->bal_growing = e->mem.target_kib > held + RATE_ASKED_KIB;
}

static bool clear(struct eng_dom *e)
{
    bool had = false;
    for (int r = 0; r < ENG_NRES; r++) {
        had |= e->ahead[r].found;
        memset(&e->ahead[r], 0, sizeof(e->ahead[r]));
    }
    e->ahead_minute = -1;
    return had;
}

bool eng_ahead(const struct eng_input *in, struct eng_dom *e)
{
    const struct pol_domain *rule = e->in.rule;
    if (!rule->anticipate || !e->hist || !in->tod_ok || e->source != ENG_SRC_AGENT)
        return clear(e);
    measure(in, e);

    plm_amt_t lv[ENG_NRES][PLM_MAX_LEVELS] = {{0}};
    unsigned n[ENG_NRES];
    for (int r = 0; r < ENG_NRES; r++) {
        n[r] = asked(e, r, lv[r]);
        if (n[r])
            ant_record(e->hist, in->tod, r, lv[r][n[r] - 1], n[r]);
    }
    int64_t minute = in->tod.day * 1440 + in->tod.sec / 60;
    if (minute == e->ahead_minute && !e->in.changed)
        return false;
    e->ahead_minute = minute;

    bool changed = false;
    for (int r = 0; r < ENG_NRES; r++) {
        struct ant_lead lead = {
            .held = n[r] ? lv[r][n[r] - 1] / PLM_SCALE : 0,
            .rate_kib_s = 0,
            .margin_s = (uint32_t)(rule->anticipate_margin_ms / 1000),
            .max_s = (uint32_t)(rule->anticipate_max_lead_ms / 1000),
        };
        if (r == POL_MEMORY) {
            int64_t slow = eng_mib_to_kib(in->policy->host.balloon_min_rate);
            lead.rate_kib_s = e->bal_rate_kib_s > 0 ? e->bal_rate_kib_s : slow;
            if (lead.rate_kib_s <= 0)
                lead.rate_kib_s = 1024;
        }
        struct ant_need need = ant_need(e->hist, in->tod, r, &lead);
        /* Kept only when it raises what the guest asks now. */
        plm_amt_t copy[PLM_MAX_LEVELS];
        unsigned cn = n[r];
        memcpy(copy, lv[r], sizeof(copy));
        if (need.found && !ant_raise(copy, &cn, &need))
            memset(&need, 0, sizeof(need));
        if (same(&need, &e->ahead[r]))
            continue;
        if (need.found && !e->ahead[r].found)
            e->ahead_from_sec[r] = in->tod.sec;
        e->ahead[r] = need;
        changed = true;
    }
    return changed;
}

void eng_ahead_raise(const struct eng_dom *e, int r, plm_amt_t guest[PLM_MAX_LEVELS], unsigned *n)
{
    if (r >= 0 && r < ENG_NRES && e->ahead[r].found)
        ant_raise(guest, n, &e->ahead[r]);
}
