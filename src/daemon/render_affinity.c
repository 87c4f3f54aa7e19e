/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's vcpu affinity, for show (engine affinity.c): per side what
 * Xen accepted from xenplm, whether what the rule wants is still on its
 * way (refused, retried), and what is wrong with the rule on this host.
 * Shown only for a domain whose rule has <affinity> or whose affinity
 * xenplm set, so that other views stay as they were.
 */
#include "config.h"

#include <stdio.h>

#include "daemon/render_int.h"

bool rnd_affinity_shown(const struct dmn_domain *d)
{
    return d->rule->affinity_hard || d->rule->affinity_soft || d->eng.aff_set[ENG_AFF_HARD] ||
           d->eng.aff_set[ENG_AFF_SOFT];
}

/* Whether the rule wants something of side that Xen does not hold yet. */
static bool pending(const struct dmn_domain *d, int side)
{
    const struct eng_dom *e = &d->eng;
    bool given = side == ENG_AFF_HARD ? d->rule->affinity_hard : d->rule->affinity_soft;

    if (e->aff_problem[0] && !e->aff_set[side])
        return false; /* not applied, and said so */
    if (!e->aff_set[side])
        return given;
    return !plm_cpumap_equal(&e->aff_want[side], &e->aff_done[side]);
}

/* Whether Xen runs the soft set as it is: with nothing of it in the hard
 * set, Xen uses the hard set as the soft one. */
static bool soft_outside_hard(const struct eng_dom *e)
{
    if (!e->aff_set[ENG_AFF_HARD] || !e->aff_set[ENG_AFF_SOFT])
        return false;
    for (unsigned c = 0; c < PLM_CPUMAP_BITS; c++)
        if (plm_cpumap_test(&e->aff_done[ENG_AFF_HARD], c) &&
            plm_cpumap_test(&e->aff_done[ENG_AFF_SOFT], c))
            return false;
    return true;
}

static const char *side_text(const struct dmn_domain *d, int side, char *buf, size_t len)
{
    if (!d->eng.aff_set[side])
        return "as Xen has it";
    return plm_cpumap_format(&d->eng.aff_done[side], buf, len);
}

void rnd_affinity_text(FILE *f, const struct dmn_domain *d)
{
    char h[PLM_CPUMAP_STRLEN], s[PLM_CPUMAP_STRLEN];
    bool owed = pending(d, ENG_AFF_HARD) || pending(d, ENG_AFF_SOFT);

    rnd_key(f, 1, "affinity");
    fprintf(f, "hard %s, soft %s%s%s\n", side_text(d, ENG_AFF_HARD, h, sizeof(h)),
            side_text(d, ENG_AFF_SOFT, s, sizeof(s)),
            soft_outside_hard(&d->eng) ? " (no soft pCPU is in the hard set: Xen uses the hard set)"
                                       : "",
            owed ? "; the rule's not set yet" : "");
    if (d->eng.aff_problem[0]) {
        rnd_key(f, 1, "");
        rnd_put_safe(f, d->eng.aff_problem);
        fputc('\n', f);
    }
}

void rnd_affinity_json(struct jw *w, const struct dmn_domain *d)
{
    char buf[PLM_CPUMAP_STRLEN];

    jw_object(w);
    for (int side = ENG_AFF_HARD; side <= ENG_AFF_SOFT; side++) {
        jw_key(w, side == ENG_AFF_HARD ? "hard" : "soft");
        jw_string_or_null(w, d->eng.aff_set[side]
                                 ? plm_cpumap_format(&d->eng.aff_done[side], buf, sizeof(buf))
                                 : NULL);
    }
    jw_key(w, "soft_outside_hard");
    jw_bool(w, soft_outside_hard(&d->eng));
    jw_key(w, "pending");
    jw_bool(w, pending(d, ENG_AFF_HARD) || pending(d, ENG_AFF_SOFT));
    jw_key(w, "problem");
    jw_string_or_null(w, d->eng.aff_problem[0] ? d->eng.aff_problem : NULL);
    jw_object_end(w);
}
