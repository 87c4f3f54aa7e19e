/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy loader.
 *
 * A load goes: read the file (bounded), parse it with a parser that refuses
 * any DOCTYPE and never touches the network, check the root, validate the
 * document against the schema (all of that in src/xml/, shared with the
 * guest agent's goals), then walk the tree into a fresh struct pol_policy
 * and run the checks the schema cannot express.  The first problem found,
 * from libxml2 or from us, becomes the one-line error; the caller's struct
 * is written only at the very end, when everything passed.
 */
#include "config.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/error.h"
#include "policy/policy.h"
#include "xml/xmlload.h"

#ifndef POL_DEFAULT_SCHEMA
#define POL_DEFAULT_SCHEMA "/usr/local/share/xenplm/xenplm-policy.xsd"
#endif

/* The schema spells the level bound out as a number; keep the two in step. */
_Static_assert(PLM_MAX_LEVELS == 16, "update the 'level' type in policies/xenplm-policy.xsd");
_Static_assert(PLM_TRIGGER_MAX_RULES == 8, "update maxOccurs of 'rule' in the schema");

#define ROOT_NAME "xenplm-policy"

/* Bounds the loader checks (the schema only knows the grammar). */
#define TICK_MIN_MS 100ull
#define TICK_MAX_MS (3600ull * 1000)
#define TRIGGER_DURATION_MAX_MS (7ull * 24 * 3600 * 1000)
#define AGENTLESS_AFTER_MAX_MS (24ull * 3600 * 1000)
#define AGENTLESS_HEADROOM_MAX_PCT100 100000u /* 1000% */
#define TRIGGER_PCT_MAX_PCT100 1000000u       /* 10000%, plm_trigger_check's bound */
#define REQUEST_BURST_MAX 1000000u

/* Defaults: conservative, for any host (see xenplm-policy(5)). */
#define DEF_TICK_MS 5000u
#define DEF_AGENTLESS_AFTER_MS 30000u
#define DEF_AGENTLESS_HEADROOM_PCT100 2000u /* 20% */

_Static_assert(POL_ERR_MAX == XL_MSG_MAX, "messages are cut where they always were");

/* What a schema pattern stands for, in words an operator can act on. */
static const char *pattern_hint(const char *pattern)
{
    if (strstr(pattern, "(ms|s|min|h)"))
        return "expected a duration such as 500ms, 5s, 15min or 2h";
    if (strstr(pattern, "{12}"))
        return "expected a UUID such as 6f1c2a9e-0d3b-4c57-8e21-5a7b9c0d1e2f";
    if (strncmp(pattern, "[0-9]+", 6) == 0)
        return "expected a number such as 12 or 6.5";
    return NULL;
}

static const struct xl_format policy_format = {
    .max_size = POL_MAX_FILE_SIZE,
    .quote_max = INT_MAX,
    .duration_m = false,
    .duration_number_max = 1000000000000ull,
    .duration_examples = "500ms, 5s, 15min or 2h",
    .pattern_hint = pattern_hint,
    .max_length_in_words = false,
    .trim_every_stop = false,
};

/* A percentage, in hundredths of a percent, within lo..hi. */
static int get_percent(struct xl_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                       uint32_t hi, uint32_t *v)
{
    plm_amt_t a = 0;
    char *s;
    int rc = xl_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    rc = xl_amount(ld, n, attr, s, &a);
    if (rc < 0)
        goto out;
    /* An amount counts thousandths of a percent here; keep two places. */
    if (a % 10) {
        rc = xl_fail(ld, n, attr, PLM_EINVAL, "'%s' has more than two decimal places", s);
        goto out;
    }
    if (a / 10 < (plm_amt_t)lo || a / 10 > (plm_amt_t)hi) {
        char los[PLM_AMT_STRLEN], his[PLM_AMT_STRLEN];
        rc = xl_fail(ld, n, attr, PLM_EINVAL, "'%s' is outside %s..%s (percent)", s,
                     plm_amt_format((plm_amt_t)lo * 10, los),
                     plm_amt_format((plm_amt_t)hi * 10, his));
        goto out;
    }
    *v = (uint32_t)(a / 10);
out:
    free(s);
    return rc;
}

/* A whole number within lo..hi. */
static int get_count(struct xl_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                     uint32_t hi, uint32_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    char *s;
    int rc = xl_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    for (; s[i] >= '0' && s[i] <= '9' && x <= UINT32_MAX; i++)
        x = x * 10 + (uint64_t)(s[i] - '0');
    if (i == 0 || s[i] != '\0')
        rc = xl_fail(ld, n, attr, PLM_EINVAL, "'%s' is not a whole number", s);
    else if (x < lo || x > hi)
        rc = xl_fail(ld, n, attr, PLM_EINVAL, "'%s' is outside %lu..%lu", s, (unsigned long)lo,
                     (unsigned long)hi);
    else
        *v = (uint32_t)x;
    free(s);
    return rc;
}

static int get_level(struct xl_loader *ld, const xmlNode *n, const char *attr, unsigned *v)
{
    uint32_t x = *v;
    int rc = get_count(ld, n, attr, 1, PLM_MAX_LEVELS, &x);

    *v = x;
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Defaults                                                                 */

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

static void domain_defaults(struct pol_domain *d)
{
    memset(d, 0, sizeof(*d));
    for (int r = 0; r < POL_NRES; r++) {
        d->max[r] = PLM_AMT_MAX;
        for (int g = 0; g < PLM_MAX_LEVELS; g++)
            d->cap[r][g] = PLM_AMT_MAX;
    }
    for (unsigned g = 0; g < PLM_MAX_LEVELS; g++)
        d->host_level[g] = g + 1;
    d->cpu_enforce = POL_ENFORCE_WEIGHT;
    d->agentless_headroom_pct100 = DEF_AGENTLESS_HEADROOM_PCT100;
    d->agentless_after_ms = DEF_AGENTLESS_AFTER_MS;
}

static void policy_defaults(struct pol_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->host.tick_ms = DEF_TICK_MS;
    share_defaults(&p->host.share[POL_CPU], POL_CPU);
    share_defaults(&p->host.share[POL_MEMORY], POL_MEMORY);
    p->host.balloon_min_rate = PLM_UNITS(16);
    p->host.balloon_max_rate = PLM_UNITS(256);
    p->host.balloon_adaptive = true;
    p->host.request_rate = PLM_UNITS(1);
    p->host.request_burst = 10;
    domain_defaults(&p->unmatched);
}

/* ------------------------------------------------------------------------ */
/* The host                                                                 */

static int load_trigger(struct xl_loader *ld, const xmlNode *n, struct plm_trigger *t)
{
    int rc = 0;
    size_t nrules = 0;

    rc = xl_get_amount(ld, n, "min-delta", &t->min_delta, NULL);
    if (rc < 0)
        return rc;
    /* A table given in the file replaces the default one, it does not extend it. */
    memset(t->rule, 0, sizeof(t->rule));
    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        struct plm_trigger_rule rule = {0};
        bool has_duration = false;

        if (!xl_is(c, "rule"))
            return xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        if (nrules == PLM_TRIGGER_MAX_RULES)
            return xl_fail(ld, c, NULL, PLM_EINVAL, "a trigger has at most %d rules",
                           PLM_TRIGGER_MAX_RULES);
        rc = get_percent(ld, c, "pct", 1, TRIGGER_PCT_MAX_PCT100, &rule.pct100);
        if (rc == 0)
            rc = get_count(ld, c, "samples", 0, UINT32_MAX, &rule.samples);
        if (rc == 0)
            rc = xl_get_duration(ld, c, "duration", 1, TRIGGER_DURATION_MAX_MS, &rule.duration_ms,
                                 NULL);
        if (rc < 0)
            return rc;
        if (rule.pct100 == 0)
            return xl_fail(ld, c, NULL, PLM_EINVAL, "the attribute 'pct' is required");
        has_duration = rule.duration_ms != 0;
        if (rule.samples == 0 && !has_duration)
            return xl_fail(ld, c, NULL, PLM_EINVAL,
                           "a rule needs samples (at least 1) or a duration, or both");
        t->rule[nrules++] = rule;
    }
    t->nrules = nrules;
    /* The core's own check is the last word on what the trigger accepts. */
    if (plm_trigger_check(t) < 0)
        return xl_fail(ld, n, NULL, PLM_EINVAL, "not a valid trigger table");
    return 0;
}

static int load_share(struct xl_loader *ld, const xmlNode *n, enum pol_resource r,
                      struct pol_share *s, const xmlNode **leftover_node)
{
    static const char *const bases[] = {"pcpus", "free+domu", "host"};
    static const char *const leftovers[] = {"reserve", "split", "default"};
    bool delta_given = false;
    int rc = 0;

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "pool")) {
            int base = (int)s->pool.base;
            if (r == POL_MEMORY) {
                rc = xl_get_choice(ld, c, "base", bases, 3, &base);
                if (rc == 0 && base == POL_BASE_PCPUS)
                    rc = xl_fail(ld, c, "base", PLM_EINVAL, "'pcpus' is for the cpu pool");
                s->pool.base = (enum pol_pool_base)base;
            }
            if (rc == 0)
                rc = xl_get_amount(ld, c, "reserve", &s->pool.reserve, NULL);
            if (rc == 0)
                rc = xl_get_amount(ld, c, "headroom", &s->pool.headroom, NULL);
            if (rc == 0)
                rc = xl_get_amount(ld, c, "limit", &s->pool.limit, NULL);
        } else if (xl_is(c, "minimal")) {
            rc = xl_get_amount(ld, c, NULL, &s->minimal, NULL);
        } else if (xl_is(c, "unit")) {
            rc = xl_get_amount(ld, c, NULL, &s->unit, NULL);
            if (rc == 0 && s->unit <= 0)
                rc = xl_fail(ld, c, NULL, PLM_EINVAL, "the unit must be above 0");
        } else if (xl_is(c, "mode")) {
            char *v;
            rc = xl_value(ld, c, NULL, &v);
            if (rc == 0 && plm_mode_parse(v, &s->mode) < 0)
                rc = xl_fail(ld, c, NULL, PLM_EINVAL,
                             "'%s' is not one of 'levelling', 'proportional', 'max-satisfied'", v);
            free(v);
        } else if (xl_is(c, "leftover")) {
            int rule = (int)s->leftover;
            rc = xl_get_choice(ld, c, "rule", leftovers, 3, &rule);
            if (rc == 0)
                rc = xl_value(ld, c, "domain", &s->leftover_domain);
            if (rc < 0)
                break;
            s->leftover = (enum plm_leftover)rule;
            *leftover_node = c;
            if (s->leftover == PLM_LEFTOVER_DEFAULT && !s->leftover_domain)
                rc = xl_fail(ld, c, NULL, PLM_EINVAL,
                             "rule 'default' needs a 'domain' attribute naming the domain");
            else if (s->leftover != PLM_LEFTOVER_DEFAULT && s->leftover_domain)
                rc = xl_fail(ld, c, "domain", PLM_EINVAL, "only meaningful with rule 'default'");
        } else if (xl_is(c, "trigger")) {
            delta_given = xmlHasProp(c, (const xmlChar *)"min-delta") != NULL;
            rc = load_trigger(ld, c, &s->trigger);
        } else {
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
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
static int load_host(struct xl_loader *ld, const xmlNode *n, struct pol_host *h,
                     const xmlNode *leftover_node[POL_NRES])
{
    int rc = 0;

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "tick")) {
            rc = xl_get_duration(ld, c, NULL, TICK_MIN_MS, TICK_MAX_MS, &h->tick_ms, NULL);
        } else if (xl_is(c, "cpu")) {
            rc = load_share(ld, c, POL_CPU, &h->share[POL_CPU], &leftover_node[POL_CPU]);
        } else if (xl_is(c, "memory")) {
            rc = load_share(ld, c, POL_MEMORY, &h->share[POL_MEMORY], &leftover_node[POL_MEMORY]);
        } else if (xl_is(c, "balloon")) {
            rc = xl_get_amount(ld, c, "min-rate", &h->balloon_min_rate, NULL);
            if (rc == 0)
                rc = xl_get_amount(ld, c, "max-rate", &h->balloon_max_rate, NULL);
            if (rc == 0)
                rc = xl_get_switch(ld, c, "adaptive", &h->balloon_adaptive);
            if (rc == 0 && h->balloon_max_rate <= 0)
                rc = xl_fail(ld, c, "max-rate", PLM_EINVAL, "must be above 0");
            if (rc == 0 && h->balloon_min_rate > h->balloon_max_rate) {
                char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
                rc = xl_fail(ld, c, NULL, PLM_EINVAL, "min-rate %s is above max-rate %s",
                             plm_amt_format(h->balloon_min_rate, a),
                             plm_amt_format(h->balloon_max_rate, b));
            }
        } else if (xl_is(c, "requests")) {
            rc = xl_get_amount(ld, c, "rate", &h->request_rate, NULL);
            if (rc == 0)
                rc = get_count(ld, c, "burst", 1, REQUEST_BURST_MAX, &h->request_burst);
            if (rc == 0 && h->request_rate <= 0)
                rc = xl_fail(ld, c, "rate", PLM_EINVAL, "must be above 0");
        } else {
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            break;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The domains                                                              */

static int check_min_max(struct xl_loader *ld, const xmlNode *n, plm_amt_t min, plm_amt_t max)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];

    if (min <= max)
        return 0;
    return xl_fail(ld, n, NULL, PLM_EINVAL, "min %s is above max %s", plm_amt_format(min, a),
                   plm_amt_format(max, b));
}

static int load_domain_cpu(struct xl_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    static const char *const enforcements[] = {"weight", "cap", "both"};
    int rc = 0;

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "min")) {
            rc = xl_get_amount(ld, c, NULL, &d->min[POL_CPU], NULL);
        } else if (xl_is(c, "max")) {
            rc = xl_get_amount(ld, c, NULL, &d->max[POL_CPU], NULL);
        } else if (xl_is(c, "enforce")) {
            int e = (int)d->cpu_enforce;
            rc = xl_get_choice(ld, c, NULL, enforcements, 3, &e);
            d->cpu_enforce = (enum pol_enforce)e;
        } else if (xl_is(c, "vcpu-hotplug")) {
            rc = xl_get_switch(ld, c, NULL, &d->vcpu_hotplug);
        } else {
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            return rc;
    }
    return check_min_max(ld, n, d->min[POL_CPU], d->max[POL_CPU]);
}

static int load_domain_memory(struct xl_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = 0;

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "min"))
            rc = xl_get_amount(ld, c, NULL, &d->min[POL_MEMORY], NULL);
        else if (xl_is(c, "max"))
            rc = xl_get_amount(ld, c, NULL, &d->max[POL_MEMORY], NULL);
        else
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        if (rc < 0)
            return rc;
    }
    return check_min_max(ld, n, d->min[POL_MEMORY], d->max[POL_MEMORY]);
}

/*
 * The level table.  A listed guest level goes to its host level (or, with
 * no host attribute, to the one after the previous guest level's); an
 * unlisted level goes to the host level after the previous one's.  So with
 * no table the mapping is the identity, and one entry shifts every level
 * after it.  Mappings may merge levels but never reverse them, and caps
 * never shrink from one level to the next: requests are cumulative, so a
 * smaller cap further down would contradict the one above it.
 */
static int load_levels(struct xl_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    static const char *const cap_attr[POL_NRES] = {"cpu-cap", "memory-cap"};
    unsigned listed_host[PLM_MAX_LEVELS] = {0}; /* 0: not listed, or no host given */
    bool listed[PLM_MAX_LEVELS] = {false};
    long entry_line[PLM_MAX_LEVELS] = {0};
    const xmlNode *entry[PLM_MAX_LEVELS] = {NULL};
    unsigned last = 0;
    int rc = 0;

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        unsigned g = 0, h = 0;

        if (!xl_is(c, "level"))
            return xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        rc = get_level(ld, c, "guest", &g);
        if (rc == 0 && g == 0)
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "the attribute 'guest' is required");
        if (rc == 0 && g <= last && listed[g - 1])
            rc = xl_fail(ld, c, "guest", PLM_EINVAL, "guest level %u is listed twice", g);
        else if (rc == 0 && g <= last)
            rc = xl_fail(ld, c, "guest", PLM_EINVAL,
                         "guest level %u comes after level %u: list levels in order", g, last);
        if (rc == 0)
            rc = get_level(ld, c, "host", &h);
        for (int r = 0; rc == 0 && r < POL_NRES; r++)
            rc = xl_get_amount(ld, c, cap_attr[r], &d->cap[r][g - 1], NULL);
        if (rc < 0)
            return rc;
        listed[g - 1] = true;
        listed_host[g - 1] = h;
        entry_line[g - 1] = xmlGetLineNo(c);
        entry[g - 1] = c;
        last = g;
    }
    d->nlevels = last;

    for (unsigned g = 1; g <= PLM_MAX_LEVELS; g++) {
        unsigned prev = g == 1 ? 0 : d->host_level[g - 2];
        unsigned h = listed_host[g - 1];

        if (h == 0)
            h = prev < PLM_MAX_LEVELS ? prev + 1 : PLM_MAX_LEVELS;
        else if (h < prev)
            return xl_fail(ld, entry[g - 1], "host", PLM_EINVAL,
                           "guest level %u goes to host level %u, ahead of guest level %u at host "
                           "level %u: mappings must not reverse priorities",
                           g, h, g - 1, prev);
        d->host_level[g - 1] = h;
    }

    for (int r = 0; r < POL_NRES; r++) {
        /* Listed caps must not shrink going down the levels. */
        unsigned from = 0;
        for (unsigned g = 1; g <= PLM_MAX_LEVELS; g++) {
            if (d->cap[r][g - 1] == PLM_AMT_MAX)
                continue;
            if (from && d->cap[r][g - 1] < d->cap[r][from - 1]) {
                char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];
                return xl_fail(ld, entry[g - 1], cap_attr[r], PLM_EINVAL,
                               "%s at guest level %u is below the %s at guest level %u (line %ld): "
                               "caps must not decrease",
                               plm_amt_format(d->cap[r][g - 1], a), g,
                               plm_amt_format(d->cap[r][from - 1], b), from, entry_line[from - 1]);
            }
            from = g;
        }
        /*
         * Requests are cumulative, so asking at most C through level g means
         * asking at most C through every level before it too: carry each cap
         * back to the lower-numbered levels, so the table says it outright.
         */
        for (unsigned g = PLM_MAX_LEVELS - 1; g > 0; g--)
            if (d->cap[r][g - 1] > d->cap[r][g])
                d->cap[r][g - 1] = d->cap[r][g];
    }
    return 0;
}

static int load_agentless(struct xl_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = get_level(ld, n, "level", &d->agentless_level);

    if (rc == 0 && d->agentless_level == 0)
        rc = xl_fail(ld, n, NULL, PLM_EINVAL, "the attribute 'level' is required");
    if (rc == 0)
        rc = get_percent(ld, n, "headroom", 0, AGENTLESS_HEADROOM_MAX_PCT100,
                         &d->agentless_headroom_pct100);
    if (rc == 0)
        rc = xl_get_duration(ld, n, "after", 0, AGENTLESS_AFTER_MAX_MS, &d->agentless_after_ms,
                             NULL);
    if (rc == 0)
        d->agentless = true;
    return rc;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Lower-case a UUID into out; false if it is not one. */
static bool uuid_normalise(const char *in, char out[37])
{
    size_t i = 0;

    for (; in[i] && i < 36; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (i == 8 || i == 13 || i == 18 || i == 23 ? c != '-' : !is_hex(c))
            return false;
        out[i] = c;
    }
    out[i] = '\0';
    return i == 36 && in[i] == '\0';
}

static int load_domain(struct xl_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    char *uuid = NULL;
    int rc;

    domain_defaults(d);
    d->line = (unsigned)xmlGetLineNo(n);
    rc = xl_value(ld, n, "name", &d->name);
    if (rc == 0)
        rc = xl_value(ld, n, "uuid", &uuid);
    if (rc < 0)
        goto out;
    if (!d->name == !uuid) {
        rc = xl_fail(ld, n, NULL, PLM_EINVAL,
                     "needs exactly one of the attributes 'name' and 'uuid'");
        goto out;
    }
    if (d->name) {
        d->kind = POL_MATCH_NAME;
        if (d->name[0] == '\0') {
            rc = xl_fail(ld, n, "name", PLM_EINVAL, "must not be empty");
            goto out;
        }
    } else {
        d->kind = POL_MATCH_UUID;
        if (!uuid_normalise(uuid, d->uuid)) {
            rc = xl_fail(ld, n, "uuid", PLM_EINVAL, "'%s' is not a UUID", uuid);
            goto out;
        }
    }

    for (const xmlNode *c = xl_first_child(n); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "cpu"))
            rc = load_domain_cpu(ld, c, d);
        else if (xl_is(c, "memory"))
            rc = load_domain_memory(ld, c, d);
        else if (xl_is(c, "levels"))
            rc = load_levels(ld, c, d);
        else if (xl_is(c, "agentless"))
            rc = load_agentless(ld, c, d);
        else
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        if (rc < 0)
            goto out;
    }
out:
    free(uuid);
    return rc;
}

/* The checks that need every entry: duplicates and entries nobody reaches. */
static int check_domains(struct xl_loader *ld, const xmlNode *root, const struct pol_policy *p)
{
    const struct pol_domain *catch_all = NULL;
    size_t i = 0;

    for (const xmlNode *c = xl_first_child(root); c; c = xl_next_sibling(c)) {
        const struct pol_domain *d;

        if (!xl_is(c, "domain"))
            continue;
        d = &p->domain[i++];
        if (catch_all)
            return xl_fail(ld, c, NULL, PLM_EINVAL,
                           "never used: the entry at line %u (name '*') matches every domain first",
                           catch_all->line);
        for (const struct pol_domain *e = p->domain; e < d; e++) {
            if (d->kind == POL_MATCH_NAME && e->kind == POL_MATCH_NAME &&
                strcmp(d->name, e->name) == 0)
                return xl_fail(ld, c, "name", PLM_EINVAL, "'%s' repeats the entry at line %u",
                               d->name, e->line);
            if (d->kind == POL_MATCH_UUID && e->kind == POL_MATCH_UUID &&
                strcmp(d->uuid, e->uuid) == 0)
                return xl_fail(ld, c, "uuid", PLM_EINVAL, "'%s' repeats the entry at line %u",
                               d->uuid, e->line);
        }
        if (d->kind == POL_MATCH_NAME && strcmp(d->name, "*") == 0)
            catch_all = d;
    }
    return 0;
}

static bool has_glob(const char *s)
{
    return strpbrk(s, "*?[]\\") != NULL;
}

/* A default leftover domain must be one name that an entry declares as such. */
static int check_leftovers(struct xl_loader *ld, const struct pol_policy *p,
                           const xmlNode *const leftover_node[POL_NRES])
{
    for (int r = 0; r < POL_NRES; r++) {
        const struct pol_share *s = &p->host.share[r];
        bool declared = false;

        if (s->leftover != PLM_LEFTOVER_DEFAULT)
            continue;
        if (has_glob(s->leftover_domain))
            return xl_fail(ld, leftover_node[r], "domain", PLM_EINVAL,
                           "'%.256s' must name one domain, not a pattern", s->leftover_domain);
        for (size_t i = 0; i < p->ndomains && !declared; i++)
            declared = p->domain[i].kind == POL_MATCH_NAME &&
                       strcmp(p->domain[i].name, s->leftover_domain) == 0;
        if (!declared)
            return xl_fail(ld, leftover_node[r], "domain", PLM_EINVAL,
                           "no <domain name=\"%.256s\"> entry declares the default domain",
                           s->leftover_domain);
    }
    return 0;
}

static int load_root(struct xl_loader *ld, const xmlNode *root, struct pol_policy *p)
{
    /* Where things were, for checks made after the walk (the tree is still there). */
    const xmlNode *leftover_node[POL_NRES] = {NULL};
    size_t cap = 0;
    int rc = 0;

    for (const xmlNode *c = xl_first_child(root); c; c = xl_next_sibling(c)) {
        if (xl_is(c, "host")) {
            rc = load_host(ld, c, &p->host, leftover_node);
        } else if (xl_is(c, "domain")) {
            if (p->ndomains == POL_MAX_DOMAIN_RULES)
                return xl_fail(ld, c, NULL, PLM_EINVAL, "too many <domain> entries (at most %d)",
                               POL_MAX_DOMAIN_RULES);
            if (p->ndomains == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct pol_domain *nd = realloc(p->domain, ncap * sizeof(*nd));
                if (!nd)
                    return xl_fail(ld, c, NULL, PLM_ENOMEM, "out of memory");
                p->domain = nd;
                cap = ncap;
            }
            /* Counted before it is filled, so a failure still frees its strings. */
            rc = load_domain(ld, c, &p->domain[p->ndomains++]);
        } else {
            rc = xl_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            return rc;
    }
    rc = check_domains(ld, root, p);
    if (rc == 0)
        rc = check_leftovers(ld, p, leftover_node);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The API                                                                  */

struct load_args {
    const char *schema_path;
    struct pol_policy *out;
};

static int load(struct xl_loader *ld, const char *buf, size_t len, void *arg)
{
    const struct load_args *a = arg;
    struct pol_policy fresh;
    xmlDoc *doc;
    int rc;

    policy_defaults(&fresh);
    doc = xl_open(ld, buf, len, ROOT_NAME, a->schema_path ? a->schema_path : pol_default_schema());
    if (!doc)
        goto out;
    fresh.source = strdup(ld->file);
    if (!fresh.source) {
        xl_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
        goto out;
    }
    load_root(ld, xmlDocGetRootElement(doc), &fresh);
out:
    rc = ld->rc;
    if (rc == 0)
        *a->out = fresh;
    else
        pol_policy_dispose(&fresh);
    xmlFreeDoc(doc);
    return rc;
}

int pol_load_memory(const char *buf, size_t len, const char *name, const char *schema_path,
                    struct pol_policy *out, char *err, size_t errlen)
{
    struct load_args a = {schema_path, out};

    return xl_load_memory(&policy_format, buf, len, name, load, &a, err, errlen);
}

int pol_load_file(const char *path, const char *schema_path, struct pol_policy *out, char *err,
                  size_t errlen)
{
    struct load_args a = {schema_path, out};

    return xl_load_file(&policy_format, path, load, &a, err, errlen);
}

int pol_reload_file(const char *path, const char *schema_path, struct pol_policy *cur, char *err,
                    size_t errlen)
{
    struct pol_policy fresh;
    int rc = pol_load_file(path, schema_path, &fresh, err, errlen);

    if (rc == 0) {
        pol_policy_dispose(cur);
        *cur = fresh;
    }
    return rc;
}

void pol_policy_dispose(struct pol_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ndomains; i++)
        free(p->domain[i].name);
    free(p->domain);
    for (int r = 0; r < POL_NRES; r++)
        free(p->host.share[r].leftover_domain);
    free(p->source);
    memset(p, 0, sizeof(*p));
}

const struct pol_domain *pol_match(const struct pol_policy *p, const char *name, const char *uuid)
{
    char want[37];
    bool have_uuid = uuid && uuid_normalise(uuid, want);

    for (size_t i = 0; i < p->ndomains; i++) {
        const struct pol_domain *d = &p->domain[i];
        if (d->kind == POL_MATCH_NAME && name && fnmatch(d->name, name, 0) == 0)
            return d;
        if (d->kind == POL_MATCH_UUID && have_uuid && strcmp(d->uuid, want) == 0)
            return d;
    }
    return &p->unmatched;
}

int pol_pool_total(const struct pol_policy *p, enum pol_resource r, const struct pol_host_facts *f,
                   plm_amt_t *total_out)
{
    const struct pol_pool *pool = &p->host.share[r].pool;
    plm_amt_t base;

    switch (pool->base) {
    case POL_BASE_PCPUS:
        if (f->pcpus > PLM_AMT_MAX / PLM_UNITS(100))
            return PLM_ERANGE;
        base = (plm_amt_t)f->pcpus * PLM_UNITS(100);
        break;
    case POL_BASE_HOST:
        if (f->mem_total < 0 || f->mem_total > PLM_AMT_MAX)
            return PLM_ERANGE;
        base = f->mem_total;
        break;
    case POL_BASE_FREE_DOMU:
        if (f->mem_free < 0 || f->mem_free > PLM_AMT_MAX || f->mem_domu < 0 ||
            f->mem_domu > PLM_AMT_MAX)
            return PLM_ERANGE;
        base = f->mem_free + f->mem_domu;
        break;
    default:
        return PLM_EINVAL;
    }
    /* Every term is at most PLM_AMT_MAX (10^12 ticks): no overflow below. */
    base -= pool->reserve + pool->headroom;
    if (base > pool->limit)
        base = pool->limit;
    if (base > PLM_AMT_MAX)
        base = PLM_AMT_MAX;
    *total_out = base > 0 ? base : 0;
    return 0;
}

int pol_request_build(const struct pol_domain *d, enum pol_resource r, const plm_amt_t *guest,
                      unsigned nguest, struct plm_request *out)
{
    plm_amt_t want = 0, prev = 0;
    unsigned top = 0;

    if (nguest > PLM_MAX_LEVELS)
        return PLM_ETOOMANY;
    for (unsigned g = 0; g < nguest; g++)
        if (guest[g] < 0 || guest[g] > PLM_AMT_MAX)
            return PLM_ERANGE;

    plm_request_init(out);
    out->min = d->min[r];
    out->max = d->max[r];
    for (unsigned g = 0; g < nguest; g++) {
        unsigned h = d->host_level[g];
        /* Cumulative: a level never asks less than the one before it. */
        if (guest[g] > want)
            want = guest[g];
        plm_amt_t capped = want < d->cap[r][g] ? want : d->cap[r][g];
        /* Host levels skipped over repeat what was asked below them. */
        for (unsigned k = top; k + 1 < h; k++)
            out->level[k] = prev;
        /* Caps and mappings never decrease, so the last guest level to land wins. */
        out->level[h - 1] = capped;
        prev = capped;
        if (h > top)
            top = h;
    }
    out->nlevels = top;
    return 0;
}

const char *pol_default_schema(void)
{
    return POL_DEFAULT_SCHEMA;
}

const char *pol_resource_name(enum pol_resource r)
{
    return r == POL_CPU ? "cpu" : r == POL_MEMORY ? "memory" : "?";
}

const char *pol_enforce_name(enum pol_enforce e)
{
    switch (e) {
    case POL_ENFORCE_WEIGHT:
        return "weight";
    case POL_ENFORCE_CAP:
        return "cap";
    case POL_ENFORCE_BOTH:
        return "both";
    }
    return "?";
}

const char *pol_leftover_name(enum plm_leftover l)
{
    switch (l) {
    case PLM_LEFTOVER_RESERVE:
        return "reserve";
    case PLM_LEFTOVER_SPLIT:
        return "split";
    case PLM_LEFTOVER_DEFAULT:
        return "default";
    }
    return "?";
}

/* ------------------------------------------------------------------------ */
/* pol_describe                                                             */

static const char *amt_or_none(plm_amt_t a, char buf[PLM_AMT_STRLEN])
{
    if (a == PLM_AMT_MAX) {
        snprintf(buf, PLM_AMT_STRLEN, "none");
        return buf;
    }
    return plm_amt_format(a, buf);
}

static void describe_share(const struct pol_share *s, enum pol_resource r, FILE *f)
{
    static const char *const base_text[] = {"pCPUs x 100", "free + guests' memory", "host memory"};
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], c[PLM_AMT_STRLEN], d[32];

    fprintf(f, "  %s (%s):\n", pol_resource_name(r), r == POL_CPU ? "hundredths of a pCPU" : "MiB");
    fprintf(f, "    pool      %s - reserve %s - headroom %s, limit %s\n", base_text[s->pool.base],
            plm_amt_format(s->pool.reserve, a), plm_amt_format(s->pool.headroom, b),
            amt_or_none(s->pool.limit, c));
    fprintf(f, "    minimal   %s, unit %s, mode %s\n", plm_amt_format(s->minimal, a),
            plm_amt_format(s->unit, b), plm_mode_name(s->mode));
    if (s->leftover == PLM_LEFTOVER_DEFAULT)
        fprintf(f, "    leftover  to domain %s\n", s->leftover_domain);
    else
        fprintf(f, "    leftover  %s\n", pol_leftover_name(s->leftover));
    fprintf(f, "    trigger   ignore changes below %s;", plm_amt_format(s->trigger.min_delta, a));
    for (size_t i = 0; i < s->trigger.nrules; i++) {
        const struct plm_trigger_rule *rule = &s->trigger.rule[i];
        fprintf(f, "%s %s%%", i ? "," : "", plm_amt_format((plm_amt_t)rule->pct100 * 10, a));
        if (rule->samples)
            fprintf(f, " x%lu", (unsigned long)rule->samples);
        if (rule->duration_ms)
            fprintf(f, "%s for %s", rule->samples ? " or" : "",
                    xl_duration_format(rule->duration_ms, d, sizeof(d)));
    }
    fputc('\n', f);
}

static void describe_domain(const struct pol_domain *d, FILE *f)
{
    /* One buffer per value printed by a single call: they are all live at once. */
    char cmin[PLM_AMT_STRLEN], cmax[PLM_AMT_STRLEN], mmin[PLM_AMT_STRLEN], mmax[PLM_AMT_STRLEN];
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], t[32];

    fprintf(f, "    cpu %s..%s, enforced by %s, vcpu hotplug %s; memory %s..%s\n",
            plm_amt_format(d->min[POL_CPU], cmin), amt_or_none(d->max[POL_CPU], cmax),
            pol_enforce_name(d->cpu_enforce), d->vcpu_hotplug ? "on" : "off",
            plm_amt_format(d->min[POL_MEMORY], mmin), amt_or_none(d->max[POL_MEMORY], mmax));
    if (d->nlevels) {
        fprintf(f, "    levels   ");
        for (unsigned g = 1; g <= d->nlevels; g++) {
            fprintf(f, " %u->%u", g, d->host_level[g - 1]);
            if (d->cap[POL_CPU][g - 1] != PLM_AMT_MAX || d->cap[POL_MEMORY][g - 1] != PLM_AMT_MAX)
                fprintf(f, " (cpu <= %s, memory <= %s)", amt_or_none(d->cap[POL_CPU][g - 1], a),
                        amt_or_none(d->cap[POL_MEMORY][g - 1], b));
        }
        fprintf(f, "%s\n",
                d->nlevels < PLM_MAX_LEVELS ? ", then one host level per guest level" : "");
    }
    if (d->agentless)
        fprintf(
            f, "    agentless: after %s without an agent, measured cpu + %s%% at guest level %u\n",
            xl_duration_format(d->agentless_after_ms, t, sizeof(t)),
            plm_amt_format((plm_amt_t)d->agentless_headroom_pct100 * 10, a), d->agentless_level);
}

void pol_describe(const struct pol_policy *p, FILE *f)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN], t[32];
    const struct pol_host *h = &p->host;

    fprintf(f, "policy %s\n", p->source ? p->source : "(built-in defaults)");
    fprintf(f, "host:\n  tick every %s\n", xl_duration_format(h->tick_ms, t, sizeof(t)));
    describe_share(&h->share[POL_CPU], POL_CPU, f);
    describe_share(&h->share[POL_MEMORY], POL_MEMORY, f);
    fprintf(f, "  balloon   %s..%s MiB/s%s\n", plm_amt_format(h->balloon_min_rate, a),
            plm_amt_format(h->balloon_max_rate, b), h->balloon_adaptive ? ", adaptive" : "");
    fprintf(f, "  requests  %s per second per guest, bursts of %lu\n",
            plm_amt_format(h->request_rate, a), (unsigned long)h->request_burst);
    fprintf(f, "domains (%zu entries, first match wins):\n", p->ndomains);
    for (size_t i = 0; i < p->ndomains; i++) {
        const struct pol_domain *d = &p->domain[i];
        if (d->kind == POL_MATCH_NAME)
            fprintf(f, "  %zu. name '%s' (line %u)\n", i + 1, d->name, d->line);
        else
            fprintf(f, "  %zu. uuid %s (line %u)\n", i + 1, d->uuid, d->line);
        describe_domain(d, f);
    }
    fprintf(f, "  any other domain:\n");
    describe_domain(&p->unmatched, f);
}

void pol_cleanup(void)
{
    xmlCleanupParser();
}
