/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The <host> section: the tick, the cpu and memory shares (pools,
 * minimal, unit, mode, leftover, trigger), balloon rates and the guests'
 * request rate, with their defaults.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/pol_int.h"

/* Bounds the loader checks (the schema only knows the grammar). */
#define TICK_MIN_MS 100ull
#define TICK_MAX_MS (3600ull * 1000)
#define TRIGGER_DURATION_MAX_MS (7ull * 24 * 3600 * 1000)
#define TRIGGER_PCT_MAX_PCT100 1000000u /* 10000%, plm_trigger_check's bound */
#define REQUEST_BURST_MAX 1000000u
#define METRICS_INTERVAL_MIN_MS 1000ull
#define METRICS_INTERVAL_MAX_MS (3600ull * 1000)

/* Defaults: conservative, for any host (see xenplm-policy(5)). */
#define DEF_TICK_MS 5000u
#define DEF_METRICS_INTERVAL_MS 15000u

static void share_defaults(struct pol_share *s, enum pol_resource r)
{
    memset(s, 0, sizeof(*s));
    s->pool.limit = PLM_AMT_MAX;
    if (r == POL_CPU) {
        s->pool.base = POL_BASE_PCPUS;
        s->pool.reserve = PLM_UNITS(100); /* one pCPU for dom0 */
        s->minimal = PLM_UNITS(10);
        s->unit = PLM_UNITS(1);
    } else {
        s->pool.base = POL_BASE_FREE_DOMU;
        s->pool.headroom = PLM_UNITS(512);
        s->minimal = PLM_UNITS(256);
        s->unit = PLM_UNITS(16);
    }
    s->mode = PLM_MODE_LEVELLING;
    s->leftover = PLM_LEFTOVER_RESERVE;
    plm_trigger_init_default(&s->trigger);
    s->trigger.min_delta = s->unit;
}

void pol_host_defaults(struct pol_host *h)
{
    memset(h, 0, sizeof(*h));
    h->tick_ms = DEF_TICK_MS;
    share_defaults(&h->share[POL_CPU], POL_CPU);
    share_defaults(&h->share[POL_MEMORY], POL_MEMORY);
    h->balloon_min_rate = PLM_UNITS(16);
    h->balloon_max_rate = PLM_UNITS(256);
    h->balloon_adaptive = true;
    h->request_rate = PLM_UNITS(1);
    h->request_burst = 10;
    h->metrics_interval_ms = DEF_METRICS_INTERVAL_MS;
}

static int load_metrics(struct px_loader *ld, const xmlNode *c, struct pol_host *h)
{
    int rc = px_value(ld, c, "dir", &h->metrics_dir);
    if (rc == 0 && h->metrics_dir)
        for (const char *p = h->metrics_dir; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return px_fail(ld, c, "dir", PLM_EINVAL, "a control character in a directory");
    if (rc == 0)
        rc = px_get_duration(ld, c, "interval", METRICS_INTERVAL_MIN_MS, METRICS_INTERVAL_MAX_MS,
                             &h->metrics_interval_ms, NULL);
    return rc;
}

static int load_trigger(struct px_loader *ld, const xmlNode *n, struct plm_trigger *t)
{
    int rc = 0;
    size_t nrules = 0;

    rc = px_get_amount(ld, n, "min-delta", &t->min_delta, NULL);
    if (rc < 0)
        return rc;
    /* A table given in the file replaces the default one, it does not extend it. */
    memset(t->rule, 0, sizeof(t->rule));
    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        struct plm_trigger_rule rule = {0};
        bool has_duration = false;

        if (!px_is(c, "rule"))
            return px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        if (nrules == PLM_TRIGGER_MAX_RULES)
            return px_fail(ld, c, NULL, PLM_EINVAL, "a trigger has at most %d rules",
                           PLM_TRIGGER_MAX_RULES);
        rc = pol_get_percent(ld, c, "pct", 1, TRIGGER_PCT_MAX_PCT100, &rule.pct100);
        if (rc == 0)
            rc = pol_get_count(ld, c, "samples", 0, UINT32_MAX, &rule.samples);
        if (rc == 0)
            rc = px_get_duration(ld, c, "duration", 1, TRIGGER_DURATION_MAX_MS, &rule.duration_ms,
                                 NULL);
        if (rc < 0)
            return rc;
        if (rule.pct100 == 0)
            return px_fail(ld, c, NULL, PLM_EINVAL, "the attribute 'pct' is required");
        has_duration = rule.duration_ms != 0;
        if (rule.samples == 0 && !has_duration)
            return px_fail(ld, c, NULL, PLM_EINVAL,
                           "a rule needs samples (at least 1) or a duration, or both");
        t->rule[nrules++] = rule;
    }
    t->nrules = nrules;
    /* The core's own check is the last word on what the trigger accepts. */
    if (plm_trigger_check(t) < 0)
        return px_fail(ld, n, NULL, PLM_EINVAL, "not a valid trigger table");
    return 0;
}

static int load_share(struct px_loader *ld, const xmlNode *n, enum pol_resource r,
                      struct pol_share *s, const xmlNode **leftover_node)
{
    static const char *const bases[] = {"pcpus", "free+domu", "host"};
    static const char *const reclaims[] = {"at-once", "needed"};
    bool delta_given = false;
    int rc = 0;

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        if (px_is(c, "pool")) {
            int base = (int)s->pool.base;
            if (r == POL_MEMORY) {
                rc = px_get_choice(ld, c, "base", bases, 3, &base);
                if (rc == 0 && base == POL_BASE_PCPUS)
                    rc = px_fail(ld, c, "base", PLM_EINVAL, "'pcpus' is for the cpu pool");
                s->pool.base = (enum pol_pool_base)base;
            }
            if (rc == 0)
                rc = px_get_amount(ld, c, "reserve", &s->pool.reserve, NULL);
            if (rc == 0)
                rc = px_get_amount(ld, c, "headroom", &s->pool.headroom, NULL);
            if (rc == 0)
                rc = px_get_amount(ld, c, "limit", &s->pool.limit, NULL);
        } else if (px_is(c, "minimal")) {
            rc = px_get_amount(ld, c, NULL, &s->minimal, NULL);
        } else if (px_is(c, "unit")) {
            rc = px_get_amount(ld, c, NULL, &s->unit, NULL);
            if (rc == 0 && s->unit <= 0)
                rc = px_fail(ld, c, NULL, PLM_EINVAL, "the unit must be above 0");
        } else if (px_is(c, "mode")) {
            char *v;
            rc = px_value(ld, c, NULL, &v);
            if (rc == 0 && plm_mode_parse(v, &s->mode) < 0)
                rc = px_fail(ld, c, NULL, PLM_EINVAL,
                             "'%s' is not one of 'levelling', 'proportional', 'max-satisfied'", v);
            free(v);
        } else if (px_is(c, "leftover")) {
            int rule = (int)s->leftover;
            rc = px_get_choice(ld, c, "rule", plm_leftover_names, PLM_LEFTOVER_COUNT, &rule);
            if (rc == 0)
                rc = px_value(ld, c, "domain", &s->leftover_domain);
            int reclaim = s->reclaim_needed ? 1 : 0;
            if (rc == 0)
                rc = px_get_choice(ld, c, "reclaim", reclaims, 2, &reclaim);
            if (rc == 0 && r == POL_CPU && xmlHasProp(c, (const xmlChar *)"reclaim"))
                rc = px_fail(ld, c, "reclaim", PLM_EINVAL, "only meaningful for memory");
            if (rc < 0)
                break;
            s->reclaim_needed = reclaim == 1;
            s->leftover = (enum plm_leftover)rule;
            *leftover_node = c;
            if (s->leftover == PLM_LEFTOVER_DEFAULT && !s->leftover_domain)
                rc = px_fail(ld, c, NULL, PLM_EINVAL,
                             "rule 'default' needs a 'domain' attribute naming the domain");
            else if (s->leftover != PLM_LEFTOVER_DEFAULT && s->leftover_domain)
                rc = px_fail(ld, c, "domain", PLM_EINVAL, "only meaningful with rule 'default'");
        } else if (px_is(c, "trigger")) {
            delta_given = xmlHasProp(c, (const xmlChar *)"min-delta") != NULL;
            rc = load_trigger(ld, c, &s->trigger);
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            break;
    }
    /* Changes smaller than one unit cannot be enforced anyway. */
    if (rc == 0 && !delta_given)
        s->trigger.min_delta = s->unit;
    return rc;
}

/* Where each <leftover> element is goes to leftover_node[], for check_leftovers. */
int pol_load_host(struct px_loader *ld, const xmlNode *n, struct pol_host *h,
                  const xmlNode *leftover_node[POL_NRES])
{
    int rc = 0;

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        if (px_is(c, "tick")) {
            rc = px_get_duration(ld, c, NULL, TICK_MIN_MS, TICK_MAX_MS, &h->tick_ms, NULL);
        } else if (px_is(c, "metrics")) {
            rc = load_metrics(ld, c, h);
        } else if (px_is(c, "cpu")) {
            rc = load_share(ld, c, POL_CPU, &h->share[POL_CPU], &leftover_node[POL_CPU]);
        } else if (px_is(c, "memory")) {
            rc = load_share(ld, c, POL_MEMORY, &h->share[POL_MEMORY], &leftover_node[POL_MEMORY]);
        } else if (px_is(c, "balloon")) {
            rc = px_get_amount(ld, c, "min-rate", &h->balloon_min_rate, NULL);
            if (rc == 0)
                rc = px_get_amount(ld, c, "max-rate", &h->balloon_max_rate, NULL);
            if (rc == 0)
                rc = px_get_switch(ld, c, "adaptive", &h->balloon_adaptive);
            if (rc == 0 && h->balloon_max_rate <= 0)
                rc = px_fail(ld, c, "max-rate", PLM_EINVAL, "must be above 0");
            if (rc == 0 && h->balloon_min_rate > h->balloon_max_rate) {
                char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
                rc = px_fail(ld, c, NULL, PLM_EINVAL, "min-rate %s is above max-rate %s",
                             plm_amt_format(h->balloon_min_rate, a),
                             plm_amt_format(h->balloon_max_rate, b));
            }
        } else if (px_is(c, "requests")) {
            rc = px_get_amount(ld, c, "rate", &h->request_rate, NULL);
            if (rc == 0)
                rc = pol_get_count(ld, c, "burst", 1, REQUEST_BURST_MAX, &h->request_burst);
            if (rc == 0 && h->request_rate <= 0)
                rc = px_fail(ld, c, "rate", PLM_EINVAL, "must be above 0");
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            break;
    }
    return rc;
}
