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
 *
 * This file is the walk's top and the API; the sections have their own
 * files: pol_host.c (<host>), pol_pool.c (<pool>), pol_domain.c (<domain> and the checks across
 * entries), pol_value.c (the policy's kinds of values), pol_describe.c.
 */
#include "config.h"
#include "paths.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/duration.h"
#include "core/error.h"
#include "policy/pol_int.h"

/* The schema spells the level bound out as a number; keep the two in step. */
_Static_assert(PLM_MAX_LEVELS == 16, "update the 'level' type in policies/xenplm-policy.xsd");
_Static_assert(PLM_TRIGGER_MAX_RULES == 8, "update maxOccurs of 'rule' in the schema");

#define ROOT_NAME "xenplm-policy"

_Static_assert(POL_ERR_MAX == PX_MSG_MAX, "messages are cut where they always were");

/* What a schema pattern stands for, in words an operator can act on. */
static const char *pattern_hint(const char *pattern)
{
    if (strstr(pattern, "(ms|s|m|min|h|d)"))
        return "expected a duration such as " PLM_DURATION_EXAMPLES;
    if (strstr(pattern, "{12}"))
        return "expected a UUID such as 6f1c2a9e-0d3b-4c57-8e21-5a7b9c0d1e2f";
    if (strncmp(pattern, "[0-9]+", 6) == 0)
        return "expected a number such as 12 or 6.5";
    if (strcmp(pattern, "/.*") == 0)
        return "expected an absolute path";
    if (strncmp(pattern, "https?://", 9) == 0)
        return "expected https://host:port (http:// only to a loopback address)";
    if (strncmp(pattern, "[0-9A-Za-z.:", 12) == 0)
        return "expected a host name, an IPv4 or an IPv6 address";
    if (strncmp(pattern, "[A-Za-z0-9][A-Za-z0-9._", 23) == 0)
        return "expected letters, digits, '.', '_' and '-' (at most 63, the first a letter or "
               "digit)";
    return NULL;
}

static const struct px_format policy_format = {
    .max_size = POL_MAX_FILE_SIZE,
    .quote_max = INT_MAX,
    .duration_examples = PLM_DURATION_EXAMPLES,
    .pattern_hint = pattern_hint,
    .max_length_in_words = false,
    .trim_every_stop = false,
    .max_elements = POL_MAX_ELEMENTS,
    .max_attributes = POL_MAX_ATTRIBUTES,
    .max_depth = POL_MAX_DEPTH,
};

static void policy_defaults(struct pol_policy *p)
{
    memset(p, 0, sizeof(*p));
    pol_host_defaults(&p->host);
    pol_pool_defaults(&p->pool);
    pol_domain_defaults(&p->unmatched);
}

/* This host's name, for the pool section's default; NULL when unreadable. */
static const char *host_name(char *buf, size_t len)
{
    if (gethostname(buf, len) != 0)
        return NULL;
    buf[len - 1] = '\0';
    return buf[0] ? buf : NULL;
}

static int load_root(struct px_loader *ld, const xmlNode *root, struct pol_policy *p)
{
    /* Where things were, for checks made after the walk (the tree is still there). */
    const xmlNode *leftover_node[POL_NRES] = {NULL};
    size_t cap = 0;
    int rc = 0;

    for (const xmlNode *c = px_first_child(root); c; c = px_next_sibling(c)) {
        if (px_is(c, "host")) {
            rc = pol_load_host(ld, c, &p->host, leftover_node);
        } else if (px_is(c, "pool")) {
            char name[256];
            rc = pol_load_pool(ld, c, host_name(name, sizeof(name)), &p->pool);
        } else if (px_is(c, "domain")) {
            if (p->ndomains == POL_MAX_DOMAIN_RULES)
                return px_fail(ld, c, NULL, PLM_EINVAL, "too many <domain> entries (at most %d)",
                               POL_MAX_DOMAIN_RULES);
            if (p->ndomains == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct pol_domain *nd = realloc(p->domain, ncap * sizeof(*nd));
                if (!nd)
                    return px_fail(ld, c, NULL, PLM_ENOMEM, "out of memory");
                p->domain = nd;
                cap = ncap;
            }
            /* Counted before it is filled, so a failure still frees its strings. */
            rc = pol_load_domain(ld, c, &p->domain[p->ndomains++]);
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
        if (rc < 0)
            return rc;
    }
    rc = pol_check_domains(ld, root, p);
    if (rc == 0)
        rc = pol_check_leftovers(ld, p, leftover_node);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The API                                                                  */

struct load_args {
    const char *schema_path;
    struct pol_policy *out;
};

static int load(struct px_loader *ld, const char *buf, size_t len, void *arg)
{
    const struct load_args *a = arg;
    struct pol_policy fresh;
    xmlDoc *doc;
    int rc;

    policy_defaults(&fresh);
    doc = px_open(ld, buf, len, ROOT_NAME, a->schema_path, &px_policy_xsd);
    if (!doc)
        goto out;
    fresh.source = strdup(ld->file);
    if (!fresh.source) {
        px_fail(ld, NULL, NULL, PLM_ENOMEM, "out of memory");
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

    return px_load_memory(&policy_format, buf, len, name, load, &a, err, errlen);
}

int pol_load_file(const char *path, const char *schema_path, struct pol_policy *out, char *err,
                  size_t errlen)
{
    struct load_args a = {schema_path, out};

    return px_load_file(&policy_format, path, load, &a, err, errlen);
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
    free(p->host.metrics_dir);
    pol_pool_dispose(&p->pool);
    free(p->source);
    memset(p, 0, sizeof(*p));
}

const struct pol_domain *pol_match(const struct pol_policy *p, const char *name, const char *uuid)
{
    char want[37];
    bool have_uuid = uuid && pol_uuid_normalise(uuid, want);

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
    /*
     * Past the guest's last level the request carries on as cumulative
     * requests do (its levels after the last ask no more than the last),
     * so what a cap held back at the last level is asked at the guest's
     * next levels, where their own caps allow: it competes after every
     * domain's capped levels instead of being dropped.
     */
    for (unsigned g = 0; g < PLM_MAX_LEVELS && (g < nguest || prev < want); g++) {
        unsigned h = d->host_level[g];
        /* Cumulative: a level never asks less than the one before it. */
        if (g < nguest && guest[g] > want)
            want = guest[g];
        plm_amt_t capped = want < d->cap[r][g] ? want : d->cap[r][g];
        if (g >= nguest && capped == prev)
            continue; /* this level's cap holds it back too: try the next */
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
    return XENPLM_PKGDATADIR "/xenplm-policy.xsd";
}

const char *pol_resource_name(enum pol_resource r)
{
    return r == POL_CPU ? "cpu" : r == POL_MEMORY ? "memory" : "?";
}

const char *const pol_enforce_names[POL_ENFORCE_COUNT] = {
    [POL_ENFORCE_WEIGHT] = "weight",
    [POL_ENFORCE_CAP] = "cap",
    [POL_ENFORCE_BOTH] = "both",
};

const char *pol_enforce_name(enum pol_enforce e)
{
    return (unsigned)e < POL_ENFORCE_COUNT ? pol_enforce_names[e] : "?";
}

void pol_cleanup(void)
{
    xmlCleanupParser();
}
