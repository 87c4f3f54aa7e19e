/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vcpu affinity: from the rule's cpu lists and the host's pCPUs, the hard
 * and soft maps each domain should have, and the one action that sets
 * them when they differ from what Xen last accepted.
 *
 * Per side (hard, soft), what is wanted is:
 *   - the rule's list, clamped to the pCPUs the host has ("all" becomes
 *     exactly those), when the rule gives that side;
 *   - every pCPU, when the rule does not give it but xenplm set it before
 *     (the rule changed: undo what it did, as xl's default has it);
 *   - nothing (left as Xen has it) otherwise.
 * The host's pCPUs are its numbers, 0 to physinfo's max_cpu_id (Xen
 * itself leaves out those offline).  A clamped list that keeps no pCPU is
 * not applied; the problem is noted
 * once (and kept for `xenplm show`), never fatal.
 *
 * The action carries both sides and is set on every vcpu up to the
 * domain's max_vcpus, online or not, so a vcpu brought online later runs
 * where its siblings do.  It is emitted only when a wanted map differs
 * from what Xen accepted (a new domain has nothing accepted), when the
 * domain's online vcpus changed since (hotplug: set again, so that Xen and
 * xenplm agree for every vcpu whatever happened to them meanwhile), or
 * after a reload or resync (aff_stale).  A refused call is confirmed
 * nothing, so the next turn wants it again; apply spaces the tries.
 *
 * Feedback risk: none within xenplm (affinity shapes where vcpus run, not
 * what is allocated), but a hard map narrower than the CPU allocation
 * leaves the domain unable to use it all; the policy page says so.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine/engine_int.h"

static const char *side_name(int side)
{
    return side == ENG_AFF_HARD ? "hard" : "soft";
}

static const struct plm_cpumap *rule_map(const struct pol_domain *rule, int side)
{
    if (side == ENG_AFF_HARD)
        return rule->affinity_hard ? &rule->hard : NULL;
    return rule->affinity_soft ? &rule->soft : NULL;
}

/* What the domain's rule wants of one side on a host whose pCPU numbers
 * run 0..cpu_ids-1: true and *want, or false (leave it); a problem goes
 * to why unless one is there already (the hard side's comes first). */
static bool wanted(const struct eng_dom *e, int side, unsigned cpu_ids, struct plm_cpumap *want,
                   char *why, size_t whylen)
{
    const struct plm_cpumap *m = rule_map(e->in.rule, side);

    if (!m) {
        if (!e->aff_set[side])
            return false;
        plm_cpumap_first(want, cpu_ids);
        return true;
    }
    *want = *m;
    plm_cpumap_clamp(want, cpu_ids);
    if (!plm_cpumap_empty(want))
        return true;
    char list[48];
    if (why[0])
        return false;
    plm_cpumap_format(m, list, sizeof(list));
    snprintf(why, whylen, "%s affinity %s names no pCPU this host has (0-%u): not applied",
             side_name(side), list, cpu_ids - 1);
    return false;
}

void eng_affinity(const struct eng_input *in, const struct eng_state *st, struct eng_dom *e,
                  size_t i, struct eng_plan *plan)
{
    const struct pol_domain *rule = e->in.rule;
    char problem[sizeof(e->aff_problem)] = "";
    bool want[2], differ = false;
    unsigned cpu_ids = st->cpu_ids; /* the host's, as last read */

    if (in->paused || cpu_ids == 0)
        return;
    if (!rule->affinity_hard && !rule->affinity_soft && !e->aff_set[ENG_AFF_HARD] &&
        !e->aff_set[ENG_AFF_SOFT]) {
        e->aff_problem[0] = '\0';
        return;
    }
    if (cpu_ids > PLM_CPUMAP_BITS) {
        snprintf(problem, sizeof(problem),
                 "the host numbers its pCPUs up to %u, beyond the %u affinity can name: not "
                 "applied",
                 cpu_ids - 1, PLM_CPUMAP_BITS);
        want[ENG_AFF_HARD] = want[ENG_AFF_SOFT] = false;
    } else {
        for (int s = 0; s < 2; s++) {
            want[s] = wanted(e, s, cpu_ids, &e->aff_want[s], problem, sizeof(problem));
            differ |=
                want[s] && (!e->aff_set[s] || !plm_cpumap_equal(&e->aff_want[s], &e->aff_done[s]));
        }
    }
    if (strcmp(problem, e->aff_problem) != 0) {
        snprintf(e->aff_problem, sizeof(e->aff_problem), "%s", problem);
        if (problem[0])
            eng_plan_note(plan, e->in.domid, true, "%s", problem);
    }
    if (!want[ENG_AFF_HARD] && !want[ENG_AFF_SOFT])
        return;

    const char *why = "its affinity rule changed";
    if (!differ && e->aff_stale)
        why = "its affinity is set again";
    else if (!differ && e->aff_vcpus != e->vcpus)
        why = "its vcpus were hot-plugged";
    else if (!differ)
        return;
    else if (!e->aff_set[ENG_AFF_HARD] && !e->aff_set[ENG_AFF_SOFT])
        why = "its affinity rule applies";

    struct eng_action *a = eng_plan_act(plan, ENG_ACT_AFFINITY, i);
    if (!a)
        return;
    a->hard = want[ENG_AFF_HARD] ? &e->aff_want[ENG_AFF_HARD] : NULL;
    a->soft = want[ENG_AFF_SOFT] ? &e->aff_want[ENG_AFF_SOFT] : NULL;
    a->vcpus = e->in.max_vcpus ? e->in.max_vcpus : 1;
    a->why = why;
}

void eng_affinity_confirm(struct eng_dom *e, const struct eng_action *a)
{
    const struct plm_cpumap *m[2] = {a->hard, a->soft};

    for (int s = 0; s < 2; s++) {
        if (!m[s])
            continue;
        e->aff_done[s] = *m[s];
        e->aff_set[s] = true;
    }
    /* The vcpus action of the same plan comes first: what is online now
     * is covered. */
    e->aff_vcpus = e->vcpus;
    e->aff_stale = false;
}
