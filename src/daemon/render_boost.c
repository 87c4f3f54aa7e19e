/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's time-critical boost, for show (engine boost.c): the one
 * running (the CPU marked, the time left), the cooldown, the boost time
 * used of the hour's budget and the asks granted and refused.  Shown only
 * for a domain whose rule says <boost>, so that other views stay as they
 * were.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "daemon/render.h"
#include "daemon/render_int.h"

static uint64_t left(uint64_t until_ms, uint64_t now_ms)
{
    return until_ms > now_ms ? until_ms - now_ms : 0;
}

void rnd_boost_text(FILE *f, const struct dmn_domain *d, uint64_t now_ms)
{
    const struct eng_boost *b = &d->eng.boost;
    char a[PLM_AMT_STRLEN], t[RENDER_DURATION_MAX], u[RENDER_DURATION_MAX];

    rnd_key(f, 0, "boost");
    if (eng_boost_running(&d->eng, now_ms))
        fprintf(f, "cpu %s for %s more; ", plm_amt_format(b->cpu, a),
                render_duration(left(b->until_ms, now_ms), t));
    else if (b->cooldown_until_ms > now_ms)
        fprintf(f, "none, cooldown %s more; ",
                render_duration(left(b->cooldown_until_ms, now_ms), t));
    else
        fputs("none; ", f);
    fprintf(f, "%s of %s used this hour; %" PRIu64 " granted, %" PRIu64 " refused\n",
            render_duration(eng_boost_used_ms(b, now_ms), t),
            render_duration(d->rule->boost_per_hour_ms, u), b->granted, b->refused);
}

void rnd_boost_json(struct jw *w, const struct dmn_domain *d, uint64_t now_ms)
{
    const struct eng_boost *b = &d->eng.boost;
    bool on = eng_boost_running(&d->eng, now_ms);

    jw_object(w);
    jw_key(w, "running");
    jw_bool(w, on);
    jw_key(w, "cpu");
    if (on)
        jw_amt(w, b->cpu);
    else
        jw_null(w);
    jw_key(w, "remaining_ms");
    if (on)
        jw_uint(w, left(b->until_ms, now_ms));
    else
        jw_null(w);
    jw_kuint(w, "cooldown_ms", on ? 0 : left(b->cooldown_until_ms, now_ms));
    jw_kuint(w, "used_ms", eng_boost_used_ms(b, now_ms));
    jw_kuint(w, "per_hour_ms", d->rule->boost_per_hour_ms);
    jw_kuint(w, "granted", b->granted);
    jw_kuint(w, "refused", b->refused);
    jw_object_end(w);
}
