/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The most a domain may be granted of each resource, and what sets it
 * (engine.h, eng_max: the policy, its vcpus, its maxmem), for `xenplm
 * show`; and an override as asked against the same limit, for show and
 * for the reply to `xenplm set`, which says what was clamped.  See
 * render_int.h and render.h.
 */
#include "config.h"

#include <stdio.h>

#include "core/amount.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "engine/engine.h"

/* Its online vcpus when they are fixed (no vcpu hotplug), else 0. */
static unsigned fixed_vcpus(const struct dmn_domain *d)
{
    return d->eng.vcpus_fixed ? d->eng.vcpus_online : 0;
}

plm_amt_t rnd_max(const struct dmn_domain *d, int r, enum eng_max_by *by)
{
    /* As the next decision will see the domain (snapshot.c). */
    struct eng_view v = {
        .rule = d->rule,
        .max_vcpus = d->info.max_vcpus,
        .mem_max_kib = (int64_t)d->info.mem_max_kib,
    };

    /* Vcpus that did not follow hotplug cap it at those online, as the
     * arbiter caps it (build.c). */
    return eng_max_fixed(&v, fixed_vcpus(d), r, by);
}

void rnd_max_format(char *buf, size_t size, const struct dmn_domain *d, int r)
{
    char a[PLM_AMT_STRLEN];
    enum eng_max_by by;
    plm_amt_t max = rnd_max(d, r, &by);

    switch (by) {
    case ENG_MAX_NONE:
        snprintf(buf, size, "none");
        break;
    case ENG_MAX_POLICY:
        snprintf(buf, size, "%s, its policy maximum", plm_amt_format(max, a));
        break;
    case ENG_MAX_VCPUS:
        if (fixed_vcpus(d) && fixed_vcpus(d) < d->info.max_vcpus)
            snprintf(buf, size, "%s, its online vcpus (%u x 100; no vcpu hotplug)",
                     plm_amt_format(max, a), fixed_vcpus(d));
        else
            snprintf(buf, size, "%s, its vcpus (%u x 100)", plm_amt_format(max, a),
                     d->info.max_vcpus ? d->info.max_vcpus : 1);
        break;
    case ENG_MAX_MAXMEM:
        snprintf(buf, size, "%s, its maxmem", plm_amt_format(max, a));
        break;
    }
}

plm_amt_t rnd_override_effective(const struct dmn_domain *d, int r)
{
    plm_amt_t max = rnd_max(d, r, NULL);

    return d->eng.override.amount[r] > max ? max : d->eng.override.amount[r];
}

int render_override(FILE *f, const struct dmn_domain *d)
{
    char a[PLM_AMT_STRLEN], why[CELL_MAX];

    rnd_put_safe(f, d->info.name);
    fputs(rnd_has_override(d) ? ": override set\n" : ": override cleared\n", f);
    for (int r = 0; r < DMN_NRES; r++) {
        if (!d->eng.override.active[r] || rnd_override_effective(d, r) == d->eng.override.amount[r])
            continue;
        rnd_max_format(why, sizeof(why), d, r);
        fprintf(f, "  %s=%s clamped to %s\n", rnd_res_name(r),
                plm_amt_format(d->eng.override.amount[r], a), why);
    }
    return rnd_finish(f);
}
