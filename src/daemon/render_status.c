/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `xenplm status`: the daemon as a whole, as text or JSON; see render.h.
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

static size_t count_present(const struct dmn_state *s)
{
    size_t n = 0;

    for (size_t i = 0; i < s->ndom; i++)
        n += s->dom[i].present;
    return n;
}

static void status_pool_text(FILE *f, const struct dmn_state *s, int r)
{
    const struct plm_summary *m = &s->eng.summary[r];
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN], d[PLM_AMT_STRLEN];
    char label[32];

    snprintf(label, sizeof(label), "%s pool", rnd_res_name(r));
    rnd_key(f, 0, label);
    fprintf(f, "%s: allocated %s (rounded %s), reserve %s", plm_amt_format(s->eng.pool[r], a),
            plm_amt_format(m->allocated, b), plm_amt_format(m->rounded_allocated, c),
            plm_amt_format(m->reserve, d));
    if (m->starved)
        fputs(", starved: floors not covered\n", f);
    else if (m->levelled)
        fprintf(f, ", ran out at level %u, water %s\n", m->levelled, plm_amt_format(m->water, a));
    else
        fputs(", every level met\n", f);
}

static int status_text(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    const struct dmn_stats *st = &s->stats;
    char dur[RENDER_DURATION_MAX], a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN];

    fprintf(f, "xenplmd %s\n", PACKAGE_VERSION);
    rnd_key(f, 0, "policy");
    rnd_put_safe(f, *rnd_policy_file(s) ? rnd_policy_file(s) : "-");
    fputc('\n', f);
    rnd_key(f, 0, "enforcement");
    fputs(s->paused ? "paused (arbitrating, not enforcing)\n" : "on\n", f);
    rnd_key(f, 0, "uptime");
    fprintf(f, "%s\n", render_duration(rnd_age_ms(now_ms, s->started_ms), dur));
    rnd_key(f, 0, "arbitrated");
    if (s->eng.last_arbitration_ms || s->stats.arbitrations)
        fprintf(f, "%s ago\n",
                render_duration(rnd_age_ms(now_ms, s->eng.last_arbitration_ms), dur));
    else
        fputs("never\n", f);
    rnd_key(f, 0, "tick");
    fprintf(f, "%s\n", render_duration(s->policy.host.tick_ms, dur));
    rnd_key(f, 0, "host");
    fprintf(f, "%u pCPUs, %s MiB, %s MiB free, %s MiB held by guests\n", s->eng.facts.pcpus,
            plm_amt_format(s->eng.facts.mem_total, a), plm_amt_format(s->eng.facts.mem_free, b),
            plm_amt_format(s->eng.facts.mem_domu, c));
    rnd_key(f, 0, "domains");
    fprintf(f, "%zu known, %zu present\n", s->ndom, count_present(s));
    rnd_ahead_status_text(f, s);
    for (int r = 0; r < DMN_NRES; r++)
        status_pool_text(f, s, r);
    rnd_key(f, 0, "activity");
    fprintf(f, "%" PRIu64 " events, %" PRIu64 " arbitrations, %" PRIu64 " reallocations\n",
            st->events, st->arbitrations, st->reallocations);
    rnd_key(f, 0, "xenstore");
    fprintf(f, "%" PRIu64 " reads, %" PRIu64 " writes, %" PRIu64 " watch events lost\n",
            st->xs_reads, st->xs_writes, st->watch_missed);
    rnd_key(f, 0, "enforce calls");
    fprintf(f, "%" PRIu64 ", %" PRIu64 " failed\n", st->enforce_calls, st->enforce_errors);
    rnd_pool_status_text(f, s);
    return rnd_finish(f);
}

static void json_pool(struct jw *w, const struct dmn_state *s, int r)
{
    const struct plm_summary *m = &s->eng.summary[r];

    jw_object(w);
    jw_kamt(w, "pool", s->eng.pool[r]);
    jw_kamt(w, "usable", m->total);
    jw_kamt(w, "allocated", m->allocated);
    jw_kamt(w, "rounded_allocated", m->rounded_allocated);
    jw_kamt(w, "reserve", m->reserve);
    jw_kuint(w, "levelled", m->levelled);
    jw_kamt(w, "water", m->water);
    jw_kbool(w, "starved", m->starved);
    jw_object_end(w);
}

static int status_json(FILE *f, const struct dmn_state *s, uint64_t now_ms)
{
    const struct dmn_stats *st = &s->stats;
    struct jw w;
    int rc = jw_begin(&w, f);

    if (rc)
        return rc;
    jw_object(&w);
    jw_key(&w, "version");
    jw_string(&w, PACKAGE_VERSION);
    jw_key(&w, "policy");
    jw_string(&w, rnd_policy_file(s));
    jw_key(&w, "paused");
    jw_bool(&w, s->paused);
    jw_key(&w, "uptime_ms");
    jw_uint(&w, rnd_age_ms(now_ms, s->started_ms));
    jw_key(&w, "last_arbitration_ms_ago");
    if (s->eng.last_arbitration_ms || s->stats.arbitrations)
        jw_uint(&w, rnd_age_ms(now_ms, s->eng.last_arbitration_ms));
    else
        jw_null(&w);
    jw_key(&w, "tick_ms");
    jw_uint(&w, s->policy.host.tick_ms);
    jw_key(&w, "host");
    jw_object(&w);
    jw_key(&w, "pcpus");
    jw_uint(&w, s->eng.facts.pcpus);
    jw_key(&w, "mem_total");
    jw_amt(&w, s->eng.facts.mem_total);
    jw_key(&w, "mem_free");
    jw_amt(&w, s->eng.facts.mem_free);
    jw_key(&w, "mem_domu");
    jw_amt(&w, s->eng.facts.mem_domu);
    jw_object_end(&w);
    jw_key(&w, "domains");
    jw_object(&w);
    jw_key(&w, "known");
    jw_uint(&w, s->ndom);
    jw_key(&w, "present");
    jw_uint(&w, count_present(s));
    jw_object_end(&w);
    rnd_ahead_status_json(&w, s);
    jw_key(&w, "pools");
    jw_object(&w);
    for (int r = 0; r < DMN_NRES; r++) {
        jw_key(&w, rnd_res_name(r));
        json_pool(&w, s, r);
    }
    jw_object_end(&w);
    rnd_pool_status_json(&w, s);
    jw_key(&w, "stats");
    jw_object(&w);
    jw_key(&w, "events");
    jw_uint(&w, st->events);
    jw_key(&w, "arbitrations");
    jw_uint(&w, st->arbitrations);
    jw_key(&w, "reallocations");
    jw_uint(&w, st->reallocations);
    jw_key(&w, "xs_reads");
    jw_uint(&w, st->xs_reads);
    jw_key(&w, "xs_writes");
    jw_uint(&w, st->xs_writes);
    jw_key(&w, "watch_missed");
    jw_uint(&w, st->watch_missed);
    jw_key(&w, "enforce_calls");
    jw_uint(&w, st->enforce_calls);
    jw_key(&w, "enforce_errors");
    jw_uint(&w, st->enforce_errors);
    jw_object_end(&w);
    jw_object_end(&w);
    rc = jw_end(&w);
    return rc ? rc : rnd_finish(f);
}

int render_status(FILE *f, const struct dmn_state *s, uint64_t now_ms, bool json)
{
    return json ? status_json(f, s, now_ms) : status_text(f, s, now_ms);
}
