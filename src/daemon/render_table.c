/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The allocation table xenplmd prints on its standard output when it
 * changes (--table, and always on the simulated host): one line per
 * domain with what it is granted, its memory target and actual memory
 * (MiB, rounded to the nearest as everywhere else) and the reason of the
 * last CPU change.  See render.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "core/amount.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "policy/policy.h"

int render_table(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], ta[48], name[17];
    uint64_t t = rnd_age_ms(now_ms, s->started_ms);

    fprintf(f,
            "[%6" PRIu64 ".%03" PRIu64 "s] allocation #%" PRIu64
            "  (cpu pool %s pct, memory pool %s MiB)\n",
            t / 1000, t % 1000, s->stats.allocations, plm_amt_format(s->eng.pool[POL_CPU], a),
            plm_amt_format(s->eng.pool[POL_MEMORY], b));
    fprintf(f, "  %-16s %4s %9s %5s %9s %15s  %s\n", "Name", "ID", "CPU(pct)", "VCPUs", "Mem(MiB)",
            "Target/Actual", "Why (cpu)");
    for (size_t i = 0; i < s->ndom; i++) {
        const struct dmn_domain *dom = &s->dom[i];

        rnd_copy_safe(name, sizeof(name), dom->info.name);
        snprintf(ta, sizeof(ta), "%" PRId64 "/%" PRId64, rnd_mib_of_kib(dom->eng.mem.target_kib),
                 rnd_mib_of_kib((int64_t)dom->info.mem_actual_kib));
        if (dom->eng.source == ENG_SRC_NONE) {
            fprintf(f, "  %-16s %4" PRIu32 " %9s %5u %9s %15s  unmanaged\n", name, dom->info.domid,
                    "-", dom->info.online_vcpus, "-", ta);
            continue;
        }
        fprintf(f, "  %-16s %4" PRIu32 " %9s %5u %9s %15s  ", name, dom->info.domid,
                plm_amt_format(dom->eng.granted[POL_CPU], a), dom->eng.vcpus,
                plm_amt_format(dom->eng.granted[POL_MEMORY], b), ta);
        rnd_put_safe(f, dom->eng.why[POL_CPU]);
        fputc('\n', f);
    }
    return rnd_finish(f);
}
