/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The <domain> entries: matching by name or UUID, cpu and memory bounds,
 * the level table, the agentless fallback, anticipation, vcpu affinity,
 * the boost's budget; and the checks that need every
 * entry at once (duplicates, entries nobody reaches, the default leftover
 * domain).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "policy/pol_int.h"

/* Bounds the loader checks (the schema only knows the grammar). */
#define AGENTLESS_AFTER_MAX_MS (24ull * 3600 * 1000)
#define AGENTLESS_HEADROOM_MAX_PCT100 100000u   /* 1000% */
#define AGENTLESS_IO_CPU_MAX PLM_UNITS(100000)  /* 1000 pCPUs */
#define AGENTLESS_NET_BUSY_MAX_KIB_S (1u << 30) /* 1 TiB/s */
#define AGENTLESS_DISK_BUSY_MAX_REQ_S 100000000u
#define ANTICIPATE_MARGIN_MAX_MS (3600ull * 1000)
#define ANTICIPATE_LEAD_MAX_MS (6ull * 3600 * 1000) /* ANT_LEAD_MAX_S */
#define BOOST_MAX_MIN_MS 100u
#define BOOST_HOUR_MS (3600ull * 1000)

/* Defaults: conservative, for any host (see xenplm-policy(5)). */
#define DEF_AGENTLESS_AFTER_MS 30000u
#define DEF_AGENTLESS_HEADROOM_PCT100 2000u /* 20% */
#define DEF_AGENTLESS_IO_CPU PLM_UNITS(25)  /* a quarter of a pCPU */
#define DEF_AGENTLESS_NET_BUSY_KIB_S 256u   /* 2 Mbit/s */
#define DEF_AGENTLESS_DISK_BUSY_REQ_S 20u
#define DEF_ANTICIPATE_MARGIN_MS 60000u
#define DEF_ANTICIPATE_LEAD_MS (2ull * 3600 * 1000)
#define DEF_BOOST_MAX_MS 10000u
#define DEF_BOOST_COOLDOWN_MS 60000u
#define DEF_BOOST_PER_HOUR_MS 120000u

void pol_domain_defaults(struct pol_domain *d)
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
    d->agentless_io_cpu = DEF_AGENTLESS_IO_CPU;
    d->agentless_net_busy_kib_s = DEF_AGENTLESS_NET_BUSY_KIB_S;
    d->agentless_disk_busy_req_s = DEF_AGENTLESS_DISK_BUSY_REQ_S;
    d->anticipate_margin_ms = DEF_ANTICIPATE_MARGIN_MS;
    d->anticipate_max_lead_ms = DEF_ANTICIPATE_LEAD_MS;
    d->boost_max_ms = DEF_BOOST_MAX_MS;
    d->boost_cooldown_ms = DEF_BOOST_COOLDOWN_MS;
    d->boost_per_hour_ms = DEF_BOOST_PER_HOUR_MS;
}

static int check_min_max(struct px_loader *ld, const xmlNode *n, plm_amt_t min, plm_amt_t max)
{
    char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];

    if (min <= max)
        return 0;
    return px_fail(ld, n, NULL, PLM_EINVAL, "min %s is above max %s", plm_amt_format(min, a),
                   plm_amt_format(max, b));
}

static int load_domain_cpu(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = 0;

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        if (px_is(c, "min")) {
            rc = px_get_amount(ld, c, NULL, &d->min[POL_CPU], NULL);
        } else if (px_is(c, "max")) {
            rc = px_get_amount(ld, c, NULL, &d->max[POL_CPU], NULL);
        } else if (px_is(c, "enforce")) {
            int e = (int)d->cpu_enforce;
            rc = px_get_choice(ld, c, NULL, pol_enforce_names, POL_ENFORCE_COUNT, &e);
            d->cpu_enforce = (enum pol_enforce)e;
        } else if (px_is(c, "vcpu-hotplug")) {
            rc = px_get_switch(ld, c, NULL, &d->vcpu_hotplug);
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            return rc;
    }
    return check_min_max(ld, n, d->min[POL_CPU], d->max[POL_CPU]);
}

static int load_domain_memory(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = 0;

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        if (px_is(c, "min"))
            rc = px_get_amount(ld, c, NULL, &d->min[POL_MEMORY], NULL);
        else if (px_is(c, "max"))
            rc = px_get_amount(ld, c, NULL, &d->max[POL_MEMORY], NULL);
        else
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
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
static int load_levels(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    static const char *const cap_attr[POL_NRES] = {"cpu-cap", "memory-cap"};
    unsigned listed_host[PLM_MAX_LEVELS] = {0}; /* 0: not listed, or no host given */
    bool listed[PLM_MAX_LEVELS] = {false};
    long entry_line[PLM_MAX_LEVELS] = {0};
    const xmlNode *entry[PLM_MAX_LEVELS] = {NULL};
    unsigned last = 0;
    int rc = 0;

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        unsigned g = 0, h = 0;

        if (!px_is(c, "level"))
            return px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        rc = pol_get_level(ld, c, "guest", &g);
        if (rc == 0 && g == 0)
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "the attribute 'guest' is required");
        if (rc == 0 && g <= last && listed[g - 1])
            rc = px_fail(ld, c, "guest", PLM_EINVAL, "guest level %u is listed twice", g);
        else if (rc == 0 && g <= last)
            rc = px_fail(ld, c, "guest", PLM_EINVAL,
                         "guest level %u comes after level %u: list levels in order", g, last);
        if (rc == 0)
            rc = pol_get_level(ld, c, "host", &h);
        for (int r = 0; rc == 0 && r < POL_NRES; r++)
            rc = px_get_amount(ld, c, cap_attr[r], &d->cap[r][g - 1], NULL);
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
            return px_fail(ld, entry[g - 1], "host", PLM_EINVAL,
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
                return px_fail(ld, entry[g - 1], cap_attr[r], PLM_EINVAL,
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

static int load_agentless(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = pol_get_level(ld, n, "level", &d->agentless_level);

    if (rc == 0 && d->agentless_level == 0)
        rc = px_fail(ld, n, NULL, PLM_EINVAL, "the attribute 'level' is required");
    if (rc == 0)
        rc = pol_get_percent(ld, n, "headroom", 0, AGENTLESS_HEADROOM_MAX_PCT100,
                             &d->agentless_headroom_pct100);
    if (rc == 0)
        rc = px_get_duration(ld, n, "after", 0, AGENTLESS_AFTER_MAX_MS, &d->agentless_after_ms,
                             NULL);
    if (rc == 0)
        rc = px_get_amount(ld, n, "io-cpu", &d->agentless_io_cpu, NULL);
    if (rc == 0 && d->agentless_io_cpu > AGENTLESS_IO_CPU_MAX)
        rc = px_fail(ld, n, "io-cpu", PLM_EINVAL, "above 100000 (hundredths of a pCPU)");
    if (rc == 0)
        rc = pol_get_count(ld, n, "net-busy", 1, AGENTLESS_NET_BUSY_MAX_KIB_S,
                           &d->agentless_net_busy_kib_s);
    if (rc == 0)
        rc = pol_get_count(ld, n, "disk-busy", 1, AGENTLESS_DISK_BUSY_MAX_REQ_S,
                           &d->agentless_disk_busy_req_s);
    if (rc == 0)
        d->agentless = true;
    return rc;
}

static int load_anticipate(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = px_get_duration(ld, n, "margin", 0, ANTICIPATE_MARGIN_MAX_MS, &d->anticipate_margin_ms,
                             NULL);
    if (rc == 0)
        rc = px_get_duration(ld, n, "max-lead", 1000, ANTICIPATE_LEAD_MAX_MS,
                             &d->anticipate_max_lead_ms, NULL);
    if (rc == 0)
        d->anticipate = true;
    return rc;
}

/* One side of <affinity>: a cpu list (core/cpumap.h), if given. */
static int load_cpu_list(struct px_loader *ld, const xmlNode *n, const char *attr, bool *given,
                         struct plm_cpumap *m)
{
    char why[160];
    char *s = NULL;
    int rc = px_value(ld, n, attr, &s);

    if (rc < 0 || !s)
        return rc;
    rc = plm_cpumap_parse(s, m, why, sizeof(why));
    if (rc < 0)
        rc = px_fail(ld, n, attr, PLM_EINVAL, "%s", why);
    else
        *given = true;
    free(s);
    return rc;
}

static int load_affinity(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    int rc = load_cpu_list(ld, n, "hard", &d->affinity_hard, &d->hard);

    if (rc == 0)
        rc = load_cpu_list(ld, n, "soft", &d->affinity_soft, &d->soft);
    if (rc == 0 && !d->affinity_hard && !d->affinity_soft)
        rc = px_fail(ld, n, NULL, PLM_EINVAL, "needs the attribute 'hard', 'soft' or both");
    return rc;
}

/* The boost's budget: a boost longer than the hour's allowance could
 * never be granted whole, so per-hour below max is refused. */
static int load_boost(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    char a[32], b[32];
    int rc = px_get_duration(ld, n, "max", BOOST_MAX_MIN_MS, BOOST_HOUR_MS, &d->boost_max_ms, NULL);
    if (rc == 0)
        rc = px_get_duration(ld, n, "cooldown", 0, BOOST_HOUR_MS, &d->boost_cooldown_ms, NULL);
    if (rc == 0)
        rc = px_get_duration(ld, n, "per-hour", BOOST_MAX_MIN_MS, BOOST_HOUR_MS,
                             &d->boost_per_hour_ms, NULL);
    if (rc == 0 && d->boost_per_hour_ms < d->boost_max_ms)
        rc = px_fail(ld, n, NULL, PLM_EINVAL, "per-hour %s is below max %s",
                     px_duration_format(d->boost_per_hour_ms, a, sizeof(a)),
                     px_duration_format(d->boost_max_ms, b, sizeof(b)));
    if (rc == 0)
        d->boost = true;
    return rc;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Lower-case a UUID into out; false if it is not one. */
bool pol_uuid_normalise(const char *in, char out[37])
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

int pol_load_domain(struct px_loader *ld, const xmlNode *n, struct pol_domain *d)
{
    char *uuid = NULL;
    int rc;

    pol_domain_defaults(d);
    d->line = (unsigned)xmlGetLineNo(n);
    rc = px_value(ld, n, "name", &d->name);
    if (rc == 0)
        rc = px_value(ld, n, "uuid", &uuid);
    if (rc < 0)
        goto out;
    if (!d->name == !uuid) {
        rc = px_fail(ld, n, NULL, PLM_EINVAL,
                     "needs exactly one of the attributes 'name' and 'uuid'");
        goto out;
    }
    if (d->name) {
        d->kind = POL_MATCH_NAME;
        if (d->name[0] == '\0') {
            rc = px_fail(ld, n, "name", PLM_EINVAL, "must not be empty");
            goto out;
        }
    } else {
        d->kind = POL_MATCH_UUID;
        if (!pol_uuid_normalise(uuid, d->uuid)) {
            rc = px_fail(ld, n, "uuid", PLM_EINVAL, "'%s' is not a UUID", uuid);
            goto out;
        }
    }

    for (const xmlNode *c = px_first_child(n); c; c = px_next_sibling(c)) {
        if (px_is(c, "cpu"))
            rc = load_domain_cpu(ld, c, d);
        else if (px_is(c, "memory"))
            rc = load_domain_memory(ld, c, d);
        else if (px_is(c, "levels"))
            rc = load_levels(ld, c, d);
        else if (px_is(c, "agentless"))
            rc = load_agentless(ld, c, d);
        else if (px_is(c, "anticipate"))
            rc = load_anticipate(ld, c, d);
        else if (px_is(c, "affinity"))
            rc = load_affinity(ld, c, d);
        else if (px_is(c, "boost"))
            rc = load_boost(ld, c, d);
        else
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        if (rc < 0)
            goto out;
    }
out:
    free(uuid);
    return rc;
}

/* The checks that need every entry: duplicates and entries nobody reaches. */
int pol_check_domains(struct px_loader *ld, const xmlNode *root, const struct pol_policy *p)
{
    const struct pol_domain *catch_all = NULL;
    size_t i = 0;

    for (const xmlNode *c = px_first_child(root); c; c = px_next_sibling(c)) {
        const struct pol_domain *d;

        if (!px_is(c, "domain"))
            continue;
        d = &p->domain[i++];
        if (catch_all)
            return px_fail(ld, c, NULL, PLM_EINVAL,
                           "never used: the entry at line %u (name '*') matches every domain first",
                           catch_all->line);
        for (const struct pol_domain *e = p->domain; e < d; e++) {
            if (d->kind == POL_MATCH_NAME && e->kind == POL_MATCH_NAME &&
                strcmp(d->name, e->name) == 0)
                return px_fail(ld, c, "name", PLM_EINVAL, "'%s' repeats the entry at line %u",
                               d->name, e->line);
            if (d->kind == POL_MATCH_UUID && e->kind == POL_MATCH_UUID &&
                strcmp(d->uuid, e->uuid) == 0)
                return px_fail(ld, c, "uuid", PLM_EINVAL, "'%s' repeats the entry at line %u",
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
int pol_check_leftovers(struct px_loader *ld, const struct pol_policy *p,
                        const xmlNode *const leftover_node[POL_NRES])
{
    for (int r = 0; r < POL_NRES; r++) {
        const struct pol_share *s = &p->host.share[r];
        bool declared = false;

        if (s->leftover != PLM_LEFTOVER_DEFAULT)
            continue;
        if (has_glob(s->leftover_domain))
            return px_fail(ld, leftover_node[r], "domain", PLM_EINVAL,
                           "'%.256s' must name one domain, not a pattern", s->leftover_domain);
        for (size_t i = 0; i < p->ndomains && !declared; i++)
            declared = p->domain[i].kind == POL_MATCH_NAME &&
                       strcmp(p->domain[i].name, s->leftover_domain) == 0;
        if (!declared)
            return px_fail(ld, leftover_node[r], "domain", PLM_EINVAL,
                           "no <domain name=\"%.256s\"> entry declares the default domain",
                           s->leftover_domain);
    }
    return 0;
}
