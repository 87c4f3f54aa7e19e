/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter's request of one domain, from whichever source speaks for
 * it: an operator's override wins; then the guest agent's request, unless
 * the rule falls back to measuring a silent agent's guest; then, for an
 * agentless rule, the CPU it was measured using plus headroom (at least
 * the rule's io-cpu while it is busy with network or disk I/O, io.c); else
 * nothing, and the domain is left alone.  The policy rule then caps and
 * maps the levels and applies its min and max (pol_request_build).
 *
 * On top of the policy, what the domain could never use is not asked for:
 * more CPU than all its vcpus, more memory than its maxmem.  A managed
 * guest that says nothing about memory keeps what it has (silence is not
 * a request to shrink); a guest without a balloon driver, or whose
 * balloon does not move, is allocated what it holds (within its maximum),
 * since it cannot be taken; one whose vcpus do not follow hotplug asks
 * no more CPU than its online vcpus can use (kinds.c); and an operator's
 * override is held to the same limits (and moves no memory that has no
 * balloon).  With anticipation on, the agent's levels are first raised to
 * the recurring need due now (ahead.c); a running boost raises the built
 * CPU request at the level the guest's first level is served at
 * (boost.c), past the level table's caps but within its maximum.
 */
#include "config.h"

#include <string.h>

#include "engine/engine.h"

bool eng_managed(const struct eng_dom *e)
{
    return e->source != ENG_SRC_NONE;
}

static bool agent_silent(const struct eng_dom *e, uint64_t now_ms)
{
    return !e->in.req || now_ms - e->in.req_at_ms >= e->in.rule->agentless_after_ms;
}

static enum eng_source source_of(const struct eng_dom *e, uint64_t now_ms)
{
    const struct pol_domain *rule = e->in.rule;

    if (e->override.active[POL_CPU] || e->override.active[POL_MEMORY])
        return ENG_SRC_OVERRIDE;
    if (e->in.req && !(rule->agentless && agent_silent(e, now_ms)))
        return ENG_SRC_AGENT;
    if (rule->agentless && e->cpu_sampled)
        return ENG_SRC_AGENTLESS;
    return ENG_SRC_NONE;
}

/* The guest's cumulative amounts for one resource, before the policy. */
static unsigned guest_levels(const struct eng_dom *e, int r, plm_amt_t *guest)
{
    const struct pol_domain *rule = e->in.rule;
    enum proto_resource pr = pol_resource_proto((enum pol_resource)r);

    if (e->source == ENG_SRC_AGENT) {
        unsigned n = 0;
        if (e->in.req->flags & PROTO_REQ_HAS(pr)) {
            n = e->in.req->res[pr].nlevels;
            memcpy(guest, e->in.req->res[pr].level, n * sizeof(guest[0]));
        }
        /* A recurring need due now raises it (ahead.c). */
        eng_ahead_raise(e, r, guest, &n);
        if (n)
            return n;
    }
    if (e->source == ENG_SRC_AGENTLESS && r == POL_CPU) {
        /* At the configured level: what it used plus headroom, or more
         * while busy with I/O (io.c). */
        unsigned lvl = rule->agentless_level ? rule->agentless_level : 1;
        if (lvl > PLM_MAX_LEVELS)
            lvl = PLM_MAX_LEVELS;
        guest[lvl - 1] = eng_agentless_cpu(rule, e->cpu_used_pct, e->io_busy);
        return lvl;
    }
    return 0;
}

unsigned eng_build(const struct eng_input *in, struct eng_dom *e)
{
    unsigned failed = 0;

    e->source = source_of(e, in->now_ms);
    for (int r = 0; r < ENG_NRES; r++) {
        plm_amt_t guest[PLM_MAX_LEVELS] = {0};
        unsigned n = guest_levels(e, r, guest);
        struct plm_request *pq = &e->plm[r];

        /* A request pol_request_build refuses (levels the policy cannot
         * hold) leaves the domain at its floor rather than at its last
         * request: the arbiter never sees half-built input. */
        if (pol_request_build(e->in.rule, (enum pol_resource)r, guest, n, pq) != 0) {
            plm_request_init(pq);
            failed |= 1u << r;
        }
        if (r == POL_CPU)
            eng_boost_raise(e, in->now_ms, pq);
        plm_amt_t most = eng_max_fixed(&e->in, e->vcpus_fixed ? e->vcpus_online : 0, r, NULL);
        if (pq->max > most)
            pq->max = most;
        if (pq->min > pq->max)
            pq->min = pq->max;
        if (r == POL_MEMORY && n == 0 && e->source != ENG_SRC_NONE) {
            plm_amt_t hold =
                eng_kib_to_mib(e->mem.target_kib > 0 ? e->mem.target_kib : e->in.mem_actual_kib);
            if (hold > pq->min)
                pq->min = hold > pq->max ? pq->max : hold;
        }
        if (r == POL_MEMORY && eng_mem_fixed(e)) {
            /* It has no balloon, or one that does not move: its
             * allocation is what it holds, never above its maximum (what
             * it holds beyond that is kept out of the pool instead,
             * allot.c).  Without a balloon the mover never measures it:
             * what the host last said it holds. */
            plm_amt_t held = eng_kib_to_mib(e->balloon ? e->mem.actual_kib : e->in.mem_actual_kib);
            pq->min = pq->max = held < pq->max ? held : pq->max;
        }
        /* No override moves memory that has no balloon to move it. */
        if (e->override.active[r] && (r != POL_MEMORY || e->balloon)) {
            /* An operator's amount, within what the domain can hold and
             * its policy maximum (pq->max is both by now). */
            plm_amt_t a = e->override.amount[r];
            pq->min = pq->max = a > pq->max ? pq->max : a;
        }
    }
    return failed;
}
