/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the renderers share (render_int.h): names, units, the conversion of
 * the port's KiB, safe text, levels, flags, and the JSON forms of the
 * values they have in common.  Each view is a file of its own:
 * render_list.c, render_show.c, render_status.c and render_table.c.
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
#include "policy/policy.h"

/* Short names, as in the guest protocol and the JSON keys. */
const char *rnd_res_name(int r)
{
    return proto_resource_name(pol_resource_proto((enum pol_resource)r));
}

const char *const rnd_res_unit[DMN_NRES] = {
    [POL_CPU] = "hundredths of a pCPU",
    [POL_MEMORY] = "MiB",
};

/* ------------------------------------------------------------------------ */
/* Small formatting helpers                                                 */

int rnd_finish(FILE *f)
{
    return ferror(f) ? PLM_EIO : 0;
}

/* Printable ASCII as is, anything else as '?'. */
void rnd_put_safe(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c >= 0x20 && c <= 0x7e ? c : '?', f);
    }
}

/* The same into a buffer (cut to fit). */
void rnd_copy_safe(char *buf, size_t size, const char *s)
{
    size_t i = 0;

    for (; s[i] && i + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (char)(c >= 0x20 && c <= 0x7e ? c : '?');
    }
    buf[i] = '\0';
}

char *render_duration(uint64_t ms, char buf[RENDER_DURATION_MAX])
{
    uint64_t s = ms / 1000;

    if (ms < 1000)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "ms", ms);
    else if (s < 60)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "s", s);
    else if (s < 3600)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
    else
        snprintf(buf, RENDER_DURATION_MAX, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
    return buf;
}

/* How long ago `then` was; a time in the future counts as now. */
uint64_t rnd_age_ms(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;
}

/* KiB to whole MiB, rounded to the nearest. */
int64_t rnd_mib_of_kib(int64_t kib)
{
    return kib >= 0 ? (kib + 512) / 1024 : -((-kib + 512) / 1024);
}

/* KiB to an exact-to-the-thousandth MiB amount (balloon rates may be small). */
plm_amt_t rnd_mib_amt_of_kib(int64_t kib)
{
    return (kib * PLM_SCALE + 512) / 1024;
}

/* "50/120/200", or "-" for no levels. */
void rnd_levels_format(char *buf, size_t size, const plm_amt_t *lv, unsigned n)
{
    char a[PLM_AMT_STRLEN];
    size_t len = 0;

    if (n == 0) {
        snprintf(buf, size, "-");
        return;
    }
    buf[0] = '\0';
    for (unsigned i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? "/" : "", plm_amt_format(lv[i], a));
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

/*
 * The levels a domain asked for one resource: the agent's request when it
 * has one for the resource, the synthesized request when the daemon
 * measures the domain instead; nothing otherwise.
 */
unsigned rnd_requested(const struct dmn_domain *d, int r, const plm_amt_t **lv)
{
    enum proto_resource pr = pol_resource_proto((enum pol_resource)r);
    const struct proto_levels *pl = &d->req.res[pr];

    if (d->have_req && (d->req.flags & PROTO_REQ_HAS(pr)) && pl->nlevels > 0) {
        *lv = pl->level;
        return pl->nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : pl->nlevels;
    }
    if (d->eng.source == ENG_SRC_AGENTLESS && d->eng.plm[r].nlevels > 0) {
        *lv = d->eng.plm[r].level;
        return d->eng.plm[r].nlevels > PLM_MAX_LEVELS ? PLM_MAX_LEVELS : d->eng.plm[r].nlevels;
    }
    *lv = NULL;
    return 0;
}

bool rnd_has_override(const struct dmn_domain *d)
{
    for (int r = 0; r < DMN_NRES; r++) {
        if (d->eng.override.active[r])
            return true;
    }
    return false;
}

/* A domain's flags, in a fixed order. */
size_t rnd_domain_flags(const struct dmn_state *s, const struct dmn_domain *d,
                        const char *names[RND_NFLAGS])
{
    size_t n = 0;

    if (rnd_has_override(d))
        names[n++] = "override";
    if (strncmp(d->status, "rejected", 8) == 0)
        names[n++] = "rejected";
    if (!d->eng.balloon)
        names[n++] = "no balloon";
    if (d->eng.vcpus_fixed)
        names[n++] = "no vcpu hotplug";
    if (d->eng.mem.uncooperative)
        names[n++] = "uncooperative";
    if (d->pending_read)
        names[n++] = "limited";
    if (d->info.dying)
        names[n++] = "dying";
    if (!d->present)
        names[n++] = "gone";
    if (s->paused)
        names[n++] = "paused";
    return n;
}

/* The policy file the state was loaded from, for people. */
const char *rnd_policy_file(const struct dmn_state *s)
{
    if (s->policy_path[0])
        return s->policy_path;
    if (s->policy.source)
        return s->policy.source;
    return "";
}

/* "  key            " or "    key          ": the two depths of `show`
 * and `status`, values aligned on one column. */
void rnd_key(FILE *f, int depth, const char *k)
{
    if (depth == 0)
        fprintf(f, "  %-15s", k);
    else
        fprintf(f, "    %-13s", k);
}

void rnd_json_levels(struct jw *w, const plm_amt_t *lv, unsigned n)
{
    if (!lv) {
        jw_null(w);
        return;
    }
    jw_array(w);
    for (unsigned i = 0; i < n; i++)
        jw_amt(w, lv[i]);
    jw_array_end(w);
}

void rnd_json_names(struct jw *w, const char *const *names, size_t n)
{
    jw_array(w);
    for (size_t i = 0; i < n; i++)
        jw_string(w, names[i]);
    jw_array_end(w);
}

void rnd_json_int_or_null(struct jw *w, int v)
{
    if (v < 0)
        jw_null(w);
    else
        jw_int(w, v);
}

void rnd_json_sched(struct jw *w, const struct dmn_domain *d)
{
    jw_key(w, "weight");
    rnd_json_int_or_null(w, d->eng.weight);
    jw_key(w, "cap");
    rnd_json_int_or_null(w, d->eng.cap);
}

void rnd_json_amt_or_null(struct jw *w, plm_amt_t v)
{
    if (v == PLM_AMT_MAX)
        jw_null(w);
    else
        jw_amt(w, v);
}
