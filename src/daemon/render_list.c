/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xenplm list`: a row per domain, as text or JSON; see render.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/amount.h"
#include "core/arbiter.h"
#include "core/error.h"
#include "daemon/render.h"
#include "daemon/render_int.h"
#include "json/jw.h"
#include "policy/policy.h"

enum list_col {
    COL_NAME,
    COL_ID,
    COL_SOURCE,
    COL_REQ_CPU,
    COL_REQ_MEM,
    COL_CPU,
    COL_VCPUS,
    COL_MEM,
    COL_TGT_ACT,
    COL_WEIGHT_CAP,
    COL_FLAGS,
    NCOLS,
};

static const struct rnd_col list_cols[NCOLS] = {
    [COL_NAME] = {"Name", false},
    [COL_ID] = {"ID", true},
    [COL_SOURCE] = {"Source", false},
    [COL_REQ_CPU] = {"Req cpu(pct)", false},
    [COL_REQ_MEM] = {"Req mem(MiB)", false},
    [COL_CPU] = {"CPU(pct)", true},
    [COL_VCPUS] = {"VCPUs", true},
    [COL_MEM] = {"Mem(MiB)", true},
    [COL_TGT_ACT] = {"Target/Actual(MiB)", true},
    [COL_WEIGHT_CAP] = {"Weight/Cap", true},
    [COL_FLAGS] = {"Flags", false},
};

static void int_or_dash(char *buf, size_t size, int v)
{
    if (v < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%d", v);
}

/* An rnd_cell_fn: ctx is the state, row a domain. */
static void list_cell(const void *ctx, size_t row, size_t col, char *buf, size_t size)
{
    const struct dmn_state *s = ctx;
    const struct dmn_domain *d = &s->dom[row];
    char a[PLM_AMT_STRLEN], w[16], c[16];
    const char *names[RND_NFLAGS];
    const plm_amt_t *lv;
    unsigned n;
    size_t nflags, len = 0;

    switch ((enum list_col)col) {
    case COL_NAME:
        rnd_copy_safe(buf, size, d->info.name);
        break;
    case COL_ID:
        snprintf(buf, size, "%" PRIu32, d->info.domid);
        break;
    case COL_SOURCE:
        snprintf(buf, size, "%s", eng_source_name(d->eng.source));
        break;
    case COL_REQ_CPU:
    case COL_REQ_MEM:
        n = rnd_requested(d, col == COL_REQ_CPU ? POL_CPU : POL_MEMORY, &lv);
        rnd_levels_format(buf, size, lv, n);
        break;
    case COL_CPU:
        snprintf(buf, size, "%s", plm_amt_format(d->eng.granted[POL_CPU], a));
        break;
    case COL_VCPUS:
        if (eng_vcpus_held(&d->eng))
            snprintf(buf, size, "%u", eng_vcpus_held(&d->eng));
        else
            snprintf(buf, size, "-");
        break;
    case COL_MEM:
        snprintf(buf, size, "%s", plm_amt_format(d->eng.granted[POL_MEMORY], a));
        break;
    case COL_TGT_ACT:
        snprintf(buf, size, "%" PRId64 "/%" PRId64, rnd_mib_of_kib((int64_t)d->info.mem_target_kib),
                 rnd_mib_of_kib((int64_t)d->info.mem_actual_kib));
        break;
    case COL_WEIGHT_CAP:
        int_or_dash(w, sizeof(w), d->eng.weight);
        int_or_dash(c, sizeof(c), d->eng.cap);
        snprintf(buf, size, "%s/%s", w, c);
        break;
    case COL_FLAGS:
        nflags = rnd_domain_flags(s, d, names);
        snprintf(buf, size, "-");
        for (size_t i = 0; i < nflags && len < size; i++) {
            int k = snprintf(buf + len, size - len, "%s%s", i ? "," : "", names[i]);
            if (k < 0)
                break;
            len += (size_t)k;
        }
        break;
    case NCOLS:
        buf[0] = '\0';
        break;
    }
}

static int list_text(FILE *f, const struct dmn_state *s)
{
    rnd_grid(f, "", list_cols, NCOLS, s->ndom, list_cell, s);
    return rnd_finish(f);
}

static void json_list_domain(struct jw *w, const struct dmn_state *s, const struct dmn_domain *d)
{
    const char *names[RND_NFLAGS];
    const plm_amt_t *lv;
    unsigned n;
    size_t nflags = rnd_domain_flags(s, d, names);

    jw_object(w);
    jw_kstring(w, "name", d->info.name);
    jw_kuint(w, "domid", d->info.domid);
    jw_kstring(w, "source", eng_source_name(d->eng.source));
    jw_key(w, "requested");
    jw_object(w);
    for (int r = 0; r < DMN_NRES; r++) {
        n = rnd_requested(d, r, &lv);
        jw_key(w, rnd_res_name(r));
        rnd_json_levels(w, lv, n);
    }
    jw_object_end(w);
    jw_key(w, "granted");
    jw_object(w);
    jw_kamt(w, "cpu", d->eng.granted[POL_CPU]);
    jw_kuint(w, "vcpus", eng_vcpus_held(&d->eng));
    jw_kamt(w, "mem", d->eng.granted[POL_MEMORY]);
    jw_object_end(w);
    jw_key(w, "balloon");
    jw_bool(w, d->eng.balloon);
    jw_key(w, "vcpu_hotplug");
    jw_bool(w, !d->eng.vcpus_fixed);
    jw_key(w, "memory");
    jw_object(w);
    jw_kint(w, "target", rnd_mib_of_kib((int64_t)d->info.mem_target_kib));
    jw_kint(w, "actual", rnd_mib_of_kib((int64_t)d->info.mem_actual_kib));
    jw_object_end(w);
    rnd_json_sched(w, d);
    jw_key(w, "flags");
    rnd_json_names(w, names, nflags);
    jw_object_end(w);
}

static int list_json(FILE *f, const struct dmn_state *s)
{
    struct jw w;
    int rc = jw_begin(&w, f);

    if (rc)
        return rc;
    jw_object(&w);
    jw_key(&w, "paused");
    jw_bool(&w, s->paused);
    jw_key(&w, "domains");
    jw_array(&w);
    for (size_t i = 0; i < s->ndom; i++)
        json_list_domain(&w, s, &s->dom[i]);
    jw_array_end(&w);
    jw_object_end(&w);
    rc = jw_end(&w);
    return rc ? rc : rnd_finish(f);
}

int render_list(FILE *f, const struct dmn_state *s, bool json)
{
    return json ? list_json(f, s) : list_text(f, s);
}
