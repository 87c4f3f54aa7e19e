/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a domain anticipates, for show and status (anticipation, engine
 * ahead.c): "the 09:00 peak: 3072 from 08:52", with the level and the
 * days it was missed when there are any.  Shown only for a domain whose
 * rule says <anticipate>, so that other views stay as they were.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "daemon/render_int.h"

static void hhmm(char out[6], uint32_t sec)
{
    snprintf(out, 6, "%02u:%02u", (unsigned)(sec / 3600 % 24), (unsigned)(sec / 60 % 60));
}

void rnd_ahead_format(char *buf, size_t size, const struct dmn_domain *d, int r)
{
    const struct ant_need *n = &d->eng.ahead[r];
    char peak[6], from[6];

    if (!d->eng.hist) {
        snprintf(buf, size, "no history (out of memory)");
        return;
    }
    if (!n->found) {
        snprintf(buf, size, "nothing due");
        return;
    }
    hhmm(peak, n->peak_sec);
    hhmm(from, d->eng.ahead_from_sec[r]);
    int k = snprintf(buf, size, "the %s peak: %" PRId64 " from %s, level %u", peak, n->total, from,
                     n->level);
    if (n->misses && k > 0 && (size_t)k < size)
        snprintf(buf + k, size - (size_t)k, ", %u day%s without it", n->misses,
                 n->misses == 1 ? "" : "s");
}

void rnd_ahead_json(struct jw *w, const struct dmn_domain *d, int r)
{
    const struct ant_need *n = &d->eng.ahead[r];
    char peak[6], from[6];

    if (!n->found) {
        jw_null(w);
        return;
    }
    hhmm(peak, n->peak_sec);
    hhmm(from, d->eng.ahead_from_sec[r]);
    jw_object(w);
    jw_kstring(w, "peak", peak);
    jw_kamt(w, "amount", PLM_UNITS(n->total));
    jw_kuint(w, "level", n->level);
    jw_kstring(w, "from", from);
    jw_kuint(w, "days_without", n->misses);
    jw_object_end(w);
}

/* Status: the domains whose rule anticipates, and what each anticipates
 * now (at most RND_AHEAD_LIST named); nothing when no rule does. */
#define RND_AHEAD_LIST 4

void rnd_ahead_status_text(FILE *f, const struct dmn_state *s)
{
    size_t on = 0, now = 0;
    for (size_t i = 0; i < s->ndom; i++) {
        const struct dmn_domain *d = &s->dom[i];
        if (!d->rule->anticipate)
            continue;
        on++;
        now += d->eng.ahead[POL_CPU].found || d->eng.ahead[POL_MEMORY].found;
    }
    if (!on)
        return;
    rnd_key(f, 0, "anticipation");
    fprintf(f, "%zu domain%s, %zu anticipating now\n", on, on == 1 ? "" : "s", now);
    size_t shown = 0;
    for (size_t i = 0; i < s->ndom && shown < RND_AHEAD_LIST; i++) {
        const struct dmn_domain *d = &s->dom[i];
        for (int r = 0; r < DMN_NRES && d->rule->anticipate; r++) {
            char cell[CELL_MAX];
            if (!d->eng.ahead[r].found)
                continue;
            rnd_ahead_format(cell, sizeof(cell), d, r);
            fputs("    ", f);
            rnd_put_safe(f, d->info.name);
            fprintf(f, " %s %s\n", rnd_res_name(r), cell);
            shown++;
        }
    }
    if (now > shown)
        fprintf(f, "    and %zu more\n", now - shown);
}

void rnd_ahead_status_json(struct jw *w, const struct dmn_state *s)
{
    bool any = false;
    for (size_t i = 0; i < s->ndom && !any; i++)
        any = s->dom[i].rule->anticipate;
    if (!any)
        return;
    jw_key(w, "anticipating");
    jw_array(w);
    for (size_t i = 0; i < s->ndom; i++) {
        const struct dmn_domain *d = &s->dom[i];
        for (int r = 0; r < DMN_NRES && d->rule->anticipate; r++) {
            if (!d->eng.ahead[r].found)
                continue;
            jw_object(w);
            jw_kstring(w, "domain", d->info.name);
            jw_kstring(w, "resource", rnd_res_name(r));
            jw_key(w, "what");
            rnd_ahead_json(w, d, r);
            jw_object_end(w);
        }
    }
    jw_array_end(w);
}
