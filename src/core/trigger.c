/* SPDX-License-Identifier: GPL-2.0-only */
#include "config.h"

#include <string.h>

#include "error.h"
#include "trigger.h"

void plm_trigger_init_default(struct plm_trigger *t)
{
    memset(t, 0, sizeof(*t));
    t->rule[0] = (struct plm_trigger_rule){.pct100 = 1000, .samples = 1};
    t->rule[1] = (struct plm_trigger_rule){.pct100 = 900, .samples = 2};
    t->rule[2] = (struct plm_trigger_rule){.pct100 = 800, .samples = 3};
    t->nrules = 3;
    t->min_delta = 0;
}

int plm_trigger_check(const struct plm_trigger *t)
{
    if (t->nrules < 1 || t->nrules > PLM_TRIGGER_MAX_RULES || t->min_delta < 0)
        return PLM_EINVAL;
    for (size_t i = 0; i < t->nrules; i++) {
        const struct plm_trigger_rule *r = &t->rule[i];
        if (r->pct100 < 1 || r->pct100 > 1000000)
            return PLM_EINVAL;
        if (r->samples == 0 && r->duration_ms == 0)
            return PLM_EINVAL;
    }
    return 0;
}

void plm_trigger_state_reset(struct plm_trigger_state *s)
{
    memset(s, 0, sizeof(*s));
}

uint32_t plm_trigger_diff_pct100(plm_amt_t current, plm_amt_t proposed)
{
    plm_amt_t d = proposed > current ? proposed - current : current - proposed;
    if (d == 0)
        return 0;
    if (current <= 0)
        return UINT32_MAX;
    /* d and current are at most PLM_AMT_MAX (10^12): d * 10000 fits. */
    plm_amt_t pct = d * 10000 / current;
    return pct > (plm_amt_t)UINT32_MAX ? UINT32_MAX : (uint32_t)pct;
}

bool plm_trigger_sample(const struct plm_trigger *t, struct plm_trigger_state *s, plm_amt_t current,
                        plm_amt_t proposed, uint64_t now_ms, struct plm_trigger_why *why_out)
{
    plm_amt_t d = proposed - current;
    uint32_t pct = plm_trigger_diff_pct100(current, proposed);
    int dir = d > 0 ? 1 : (d < 0 ? -1 : 0);

    if (dir == 0 || (d > 0 ? d : -d) < t->min_delta) {
        plm_trigger_state_reset(s);
        return false;
    }
    if (dir != s->direction) {
        /* A change of direction is a new story: no streak carries over. */
        plm_trigger_state_reset(s);
        s->direction = dir;
    }

    for (size_t i = 0; i < t->nrules; i++) {
        const struct plm_trigger_rule *r = &t->rule[i];
        if (pct < r->pct100) {
            s->streak[i] = 0;
            continue;
        }
        if (s->streak[i]++ == 0)
            s->since_ms[i] = now_ms;
        uint64_t held = now_ms - s->since_ms[i];
        bool by_count = r->samples && s->streak[i] >= r->samples;
        bool by_time = r->duration_ms && held >= r->duration_ms;
        if (by_count || by_time) {
            if (why_out) {
                why_out->rule = i;
                why_out->pct100 = pct;
                why_out->samples = s->streak[i];
                why_out->held_ms = held;
            }
            plm_trigger_state_reset(s);
            return true;
        }
    }
    return false;
}
