/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MOM-style: a model of oVirt's Memory Overcommitment Manager (oVirt
 * mom and the policies vdsm gives it, static/etc/vdsm/mom.d/: the
 * auto-balloon rules and 04-cputune.policy), from the rules as issue 13
 * summarises them; the auto-balloon rules (their constants, shrink_guest,
 * grow_guest and the main script) were checked against MOM's policy text,
 * and the CPU limit's default (vcpuUserLimit 100) against its vdsm
 * interface:
 *
 *  - guests and host sampled every 5 s, the policy run every 10 s;
 *  - the host is under pressure while its free memory is below 20 %
 *    (pressure_threshold) of its total, critical below 5 %
 *    (pressure_critical);
 *  - under pressure every guest is shrunk toward keeping a free share of
 *    min_guest_free_percent (20 %) scaled by the host's pressure (under
 *    critical pressure a negative share: the guest is made to swap), by
 *    at most max_balloon_change_percent (5 %) of its balloon per run;
 *    a shrink never raises a target; otherwise every guest not at its
 *    maximum grows by 5 % per run (capped at its maximum), and at least to
 *    what it uses plus 20 % of its maximum;
 *  - a change under min_balloon_change_percent (0.25 %) of the balloon is
 *    skipped;
 *  - the rules set no floor: a guest is shrunk to what it uses plus its
 *    free share, whatever its minimum (the harness counts a target under
 *    the scenario's minmem as below-minimum);
 *  - CPU: the cputune rules set a quota from each VM's CPU limit (its
 *    QoS profile, 100 % when none), so with no profile no cap is set and
 *    the weights stay equal.
 *
 * Departures: MOM averages its samples (StatAvg), the model takes the
 * latest; the guest's free memory MOM reads (StatUnused / its
 * balloon driver's statistics) is the model's MemAvailable; MOM was
 * written for KVM, where a grown balloon is given back at once, whereas
 * on the model's Xen a grow takes only free memory.
 */
#include <math.h>
#include <stdlib.h>

#include "bench/quality/mgr.h"

#define MOM_PERIOD 10.0
#define MOM_PRESSURE 0.20
#define MOM_CRITICAL 0.05
#define MOM_GUEST_FREE 0.20
#define MOM_MAX_CHANGE 0.05
#define MOM_MIN_CHANGE 0.0025

struct st_mom {
    double next;
};

static void *open_mom(const struct qm_world *w, const char *srcdir)
{
    (void)srcdir;
    struct st_mom *s = calloc(1, sizeof(*s));
    if (s)
        s->next = w->t;
    return s;
}

static void step_mom(void *p, struct qm_world *w)
{
    struct st_mom *s = p;
    if (w->t + 1e-9 < s->next)
        return;
    s->next = w->t + MOM_PERIOD;

    double host_free = w->free_mib / w->sc->host_mib;
    for (size_t i = 0; i < w->n; i++) {
        struct qm_guest *g = &w->g[i];
        double cur = g->actual, used = g->actual - qm_mem_available(g), size;
        if (host_free < MOM_PRESSURE) {
            /* shrink_guest: never a grow. */
            double gfp = host_free <= MOM_CRITICAL ? host_free - 0.05
                                                   : MOM_GUEST_FREE * host_free / MOM_PRESSURE;
            double least = used + gfp * cur;
            size = cur * (1.0 - MOM_MAX_CHANGE);
            if (size < least)
                size = least;
            if (size > cur)
                continue;
        } else {
            /* grow_guest: the free share is of balloon_max. */
            if (cur >= g->s->maxmem)
                continue;
            double least = used + MOM_GUEST_FREE * g->s->maxmem;
            size = cur * (1.0 + MOM_MAX_CHANGE);
            if (size > g->s->maxmem)
                size = g->s->maxmem;
            if (size < least)
                size = least;
        }
        if (size < 0)
            size = 0;
        if (fabs(size - cur) > MOM_MIN_CHANGE * cur)
            g->target = floor(size);
    }
}

const struct qm_mgr qm_mgr_mom = {"mom", false, open_mom, step_mom, free, false, false};
