/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arbiter's outcome in JSON; see jw_arbiter.h.
 */
#include "config.h"

#include "json/jw_arbiter.h"

void jw_water(struct jw *w, bool levelling, unsigned levelled, plm_amt_t water)
{
    if (levelling && levelled != 0)
        jw_amt(w, water);
    else
        jw_null(w);
}

void jw_outcome_members(struct jw *w, const struct plm_outcome *o, bool levelling)
{
    jw_key(w, "extra");
    jw_amt(w, o->extra);
    jw_key(w, "satisfied");
    jw_uint(w, o->satisfied);
    jw_key(w, "levelled");
    jw_uint(w, o->levelled);
    jw_key(w, "water");
    jw_water(w, levelling, o->levelled, o->water);
    jw_key(w, "why");
    jw_string(w, plm_why_name(o->why));
}
