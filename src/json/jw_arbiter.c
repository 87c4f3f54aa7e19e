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
    jw_kamt(w, "extra", o->extra);
    jw_kuint(w, "satisfied", o->satisfied);
    jw_kuint(w, "levelled", o->levelled);
    jw_key(w, "water");
    jw_water(w, levelling, o->levelled, o->water);
    jw_kstring(w, "why", plm_why_name(o->why));
}
