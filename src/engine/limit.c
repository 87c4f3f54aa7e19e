/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The most a domain may be granted of a resource (engine.h, eng_max):
 * its policy maximum, and what it could ever use, all its vcpus busy
 * (max_vcpus x 100) or its maxmem, whichever is lower.  The arbiter's
 * maximum and an operator's override are both held to it (build.c); and
 * when that falls while the host cannot be read to arbitrate, a grant
 * above it is lowered to it at once (eng_clamp, allot.c).
 */
#include "config.h"

#include "engine/engine.h"

/* What the domain could ever use: all its vcpus busy, its maxmem. */
static plm_amt_t most_of(const struct eng_view *in, int r)
{
    if (r == POL_CPU)
        return PLM_UNITS(100) * (plm_amt_t)(in->max_vcpus ? in->max_vcpus : 1);
    return eng_kib_to_mib(in->mem_max_kib);
}

plm_amt_t eng_max(const struct eng_view *in, int r, enum eng_max_by *by)
{
    return eng_max_fixed(in, 0, r, by);
}

plm_amt_t eng_max_fixed(const struct eng_view *in, unsigned fixed_vcpus, int r, enum eng_max_by *by)
{
    plm_amt_t policy = in->rule ? in->rule->max[r] : PLM_AMT_MAX;
    plm_amt_t most = most_of(in, r);

    /* Vcpus that do not follow hotplug: what it has online is all it can use. */
    if (r == POL_CPU && fixed_vcpus > 0 && PLM_UNITS(100) * (plm_amt_t)fixed_vcpus < most)
        most = PLM_UNITS(100) * (plm_amt_t)fixed_vcpus;
    enum eng_max_by set_by = policy == PLM_AMT_MAX ? ENG_MAX_NONE : ENG_MAX_POLICY;

    /* A maxmem not known (0) caps nothing; at a tie the policy is named. */
    if (most > 0 && most < policy) {
        policy = most;
        set_by = r == POL_CPU ? ENG_MAX_VCPUS : ENG_MAX_MAXMEM;
    }
    if (by)
        *by = set_by;
    return policy;
}

const char *eng_max_by_name(enum eng_max_by by)
{
    switch (by) {
    case ENG_MAX_NONE:
        return "none";
    case ENG_MAX_POLICY:
        return "policy";
    case ENG_MAX_VCPUS:
        return "vcpus";
    case ENG_MAX_MAXMEM:
        return "maxmem";
    }
    return "?";
}
