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
#include <stdbool.h>
#include <stdio.h>

#include "core/amount.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "policy/policy.h"

enum table_col { T_NAME, T_ID, T_CPU, T_VCPUS, T_MEM, T_TGT_ACT, T_WHY, T_NCOLS };

static const struct rnd_col table_cols[T_NCOLS] = {
    [T_NAME] = {"Name", false},     [T_ID] = {"ID", true},
    [T_CPU] = {"CPU(pct)", true},   [T_VCPUS] = {"VCPUs", true},
    [T_MEM] = {"Mem(MiB)", true},   [T_TGT_ACT] = {"Target/Actual(MiB)", true},
    [T_WHY] = {"Why (cpu)", false},
};

/* An rnd_cell_fn: ctx is the state, row a domain. */
static void table_cell(const void *ctx, size_t row, size_t col, char *buf, size_t size)
{
    const struct dmn_state *s = ctx;
    const struct dmn_domain *dom = &s->dom[row];
    bool managed = dom->eng.source != ENG_SRC_NONE;
    char a[PLM_AMT_STRLEN];

    switch ((enum table_col)col) {
    case T_NAME:
        rnd_copy_safe(buf, size, dom->info.name);
        break;
    case T_ID:
        snprintf(buf, size, "%" PRIu32, dom->info.domid);
        break;
    case T_CPU:
    case T_MEM:
        snprintf(buf, size, "%s",
                 managed ? plm_amt_format(dom->eng.granted[col == T_CPU ? POL_CPU : POL_MEMORY], a)
                         : "-");
        break;
    case T_VCPUS:
        snprintf(buf, size, "%u", managed ? eng_vcpus_held(&dom->eng) : dom->info.online_vcpus);
        break;
    case T_TGT_ACT:
        snprintf(buf, size, "%" PRId64 "/%" PRId64, rnd_mib_of_kib(dom->eng.mem.target_kib),
                 rnd_mib_of_kib((int64_t)dom->info.mem_actual_kib));
        break;
    case T_WHY:
        rnd_copy_safe(buf, size, managed ? dom->eng.why[POL_CPU] : "unmanaged");
        break;
    case T_NCOLS:
        buf[0] = '\0';
        break;
    }
}

int render_table(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
    uint64_t t = rnd_age_ms(now_ms, s->started_ms);

    fprintf(f,
            "[%6" PRIu64 ".%03" PRIu64 "s] allocation #%" PRIu64
            "  (cpu pool %s pct, memory pool %s MiB)\n",
            t / 1000, t % 1000, s->stats.allocations, plm_amt_format(s->eng.pool[POL_CPU], a),
            plm_amt_format(s->eng.pool[POL_MEMORY], b));
    rnd_grid(f, "  ", table_cols, T_NCOLS, s->ndom, table_cell, s);
    return rnd_finish(f);
}
