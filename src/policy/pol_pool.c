/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The <pool> section (pool mode, issue 14): the pool's name, this host's
 * name in it, the mode, the etcd endpoints, the TLS files, the lease's
 * TTL, the publishing interval, the leader's planning and how this
 * host migrates (<migrate>), with their defaults and the checks
 * the schema cannot make (endpoints, TLS, names, ranges).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/endpoint.h"
#include "core/error.h"
#include "policy/pol_int.h"

/* Bounds and defaults (xenplm-policy(5), POOL). */
#define TTL_MIN_MS 3000ull
#define TTL_MAX_MS (3600ull * 1000)
#define PUBLISH_MIN_MS 1000ull
#define PUBLISH_MAX_MS (3600ull * 1000)
#define DEF_TTL_MS 10000u
#define DEF_PUBLISH_MS 5000u
#define PLAN_MIN_MS 1000ull
#define PLAN_MAX_MS (3600ull * 1000)
#define HOLD_MAX_MS (3600ull * 1000)
#define DEF_PLAN_MS 10000u
#define DEF_HOLD_MS 60000u
#define MIG_TIMEOUT_MIN_MS 10000ull
#define MIG_TIMEOUT_MAX_MS (24ull * 3600 * 1000)
#define DEF_MIG_TIMEOUT_MS (10u * 60 * 1000)

_Static_assert(POL_POOL_NAME_MAX == PLM_POOL_NAME_MAX, "one name rule for the policy and etcd");

static const char *const mode_names[POL_POOL_MODES] = {
    [POL_POOL_OFF] = "off",
    [POL_POOL_ADVISE] = "advise",
    [POL_POOL_AUTOMATIC] = "automatic",
};

const char *pol_pool_mode_name(enum pol_pool_mode m)
{
    return (unsigned)m < POL_POOL_MODES ? mode_names[m] : "?";
}

bool pol_pool_name_ok(const char *s)
{
    return plm_pool_name_ok(s, POL_POOL_NAME_MAX);
}

void pol_pool_defaults(struct pol_pool_section *p)
{
    memset(p, 0, sizeof(*p));
    p->mode = POL_POOL_OFF;
    p->lease_ttl_ms = DEF_TTL_MS;
    p->publish_interval_ms = DEF_PUBLISH_MS;
    p->plan_interval_ms = DEF_PLAN_MS;
    p->plan_hold_ms = DEF_HOLD_MS;
    p->mig_timeout_ms = DEF_MIG_TIMEOUT_MS;
}

void pol_pool_dispose(struct pol_pool_section *p)
{
    free(p->name);
    free(p->host);
    free(p->address);
    for (size_t i = 0; i < p->nendpoints; i++)
        free(p->endpoint[i]);
    free(p->ca);
    free(p->cert);
    free(p->key);
    free(p->mig_transport);
    pol_pool_defaults(p);
}

static int load_endpoint(struct px_loader *ld, const xmlNode *c, struct pol_pool_section *p)
{
    char err[POL_ERR_MAX], *url = NULL;
    int rc;

    if (p->nendpoints == POL_POOL_MAX_ENDPOINTS)
        return px_fail(ld, c, NULL, PLM_EINVAL, "a pool has at most %d endpoints",
                       POL_POOL_MAX_ENDPOINTS);
    if ((rc = px_value(ld, c, NULL, &url)) < 0)
        return rc;
    if (!url || !*url) {
        free(url);
        return px_fail(ld, c, NULL, PLM_EINVAL, "an empty endpoint");
    }
    if (plm_endpoint_check(url, err, sizeof(err)) < 0) {
        rc = px_fail(ld, c, NULL, PLM_EINVAL, "%s", err);
        free(url);
        return rc;
    }
    for (size_t i = 0; i < p->nendpoints; i++)
        if (strcmp(p->endpoint[i], url) == 0) {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "endpoint '%s' is listed twice", url);
            free(url);
            return rc;
        }
    p->endpoint[p->nendpoints++] = url;
    return 0;
}

/* A file named by attr: absolute, no control character (the schema checks the first). */
static int load_path(struct px_loader *ld, const xmlNode *c, const char *attr, char **out)
{
    int rc = px_value(ld, c, attr, out);

    if (rc < 0 || !*out)
        return rc;
    for (const char *s = *out; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return px_fail(ld, c, attr, PLM_EINVAL, "a control character in a file name");
    if ((*out)[0] != '/')
        return px_fail(ld, c, attr, PLM_EINVAL, "'%s' is not an absolute path", *out);
    return 0;
}

static int load_tls(struct px_loader *ld, const xmlNode *c, struct pol_pool_section *p)
{
    int rc = load_path(ld, c, "ca", &p->ca);

    if (rc == 0)
        rc = load_path(ld, c, "cert", &p->cert);
    if (rc == 0)
        rc = load_path(ld, c, "key", &p->key);
    if (rc == 0 && !p->cert != !p->key)
        rc = px_fail(ld, c, NULL, PLM_EINVAL,
                     "a client certificate and its key go together: give both 'cert' and 'key'");
    return rc;
}

/* <migrate transport="..." timeout="...">: the transport is a command
 * line xl runs through the shell (`TRANSPORT ADDR xl migrate-receive`),
 * the operator's own as ssh is; only a control character is refused. */
static int load_migrate(struct px_loader *ld, const xmlNode *c, struct pol_pool_section *p)
{
    int rc = px_value(ld, c, "transport", &p->mig_transport);

    if (rc < 0)
        return rc;
    if (p->mig_transport) {
        if (!p->mig_transport[0])
            return px_fail(ld, c, "transport", PLM_EINVAL,
                           "an empty transport (leave it out for xl's own ssh)");
        for (const char *s = p->mig_transport; *s; s++)
            if ((unsigned char)*s < 0x20 || *s == 0x7f)
                return px_fail(ld, c, "transport", PLM_EINVAL, "a control character");
    }
    return px_get_duration(ld, c, "timeout", MIG_TIMEOUT_MIN_MS, MIG_TIMEOUT_MAX_MS,
                           &p->mig_timeout_ms, NULL);
}

/* Each of <tls>, <lease>, <publish>, <plan> and <migrate> at most once. */
static int once(struct px_loader *ld, const xmlNode *c, const xmlNode **seen)
{
    if (*seen)
        return px_fail(ld, c, NULL, PLM_EINVAL, "given twice (first on line %ld)",
                       (long)xmlGetLineNo(*seen));
    *seen = c;
    return 0;
}

/* The checks across the section, once it is read. */
static int check_pool(struct px_loader *ld, const xmlNode *n, const xmlNode *tls,
                      const char *hostname, struct pol_pool_section *p)
{
    bool https = false;

    if (p->nendpoints == 0)
        return px_fail(ld, n, NULL, PLM_EINVAL, "a pool needs at least one <endpoint>");
    for (size_t i = 0; i < p->nendpoints; i++)
        https |= strncmp(p->endpoint[i], "https://", 8) == 0;
    if (https && !p->cert)
        return px_fail(ld, n, NULL, PLM_EINVAL,
                       "an https endpoint needs this host's client certificate: "
                       "<tls cert=\"...\" key=\"...\"/> (etcd authenticates hosts by it)");
    if (!https && tls)
        return px_fail(ld, tls, NULL, PLM_EINVAL,
                       "TLS files with no https endpoint: they would not be used");
    if (!pol_pool_name_ok(p->name))
        return px_fail(ld, n, "name", PLM_EINVAL,
                       "'%s' is not a pool name (letters, digits, '.', '_', '-', at most %d, "
                       "starting with a letter or digit)",
                       p->name ? p->name : "", POL_POOL_NAME_MAX);
    if (!p->host) {
        if (!hostname)
            return px_fail(ld, n, "host", PLM_EINVAL,
                           "this host's name could not be read: give it with 'host'");
        if (!(p->host = strdup(hostname)))
            return px_fail(ld, n, NULL, PLM_ENOMEM, "out of memory");
        p->host_default = true;
    }
    if (!pol_pool_name_ok(p->host))
        return px_fail(ld, n, "host", PLM_EINVAL,
                       "'%s'%s is not a host name in a pool (letters, digits, '.', '_', '-', at "
                       "most %d, starting with a letter or digit)%s",
                       p->host, p->host_default ? " (this host's name)" : "", POL_POOL_NAME_MAX,
                       p->host_default ? ": give one with 'host'" : "");
    char why[PLM_MIG_ADDR_MAX + 128];
    if (p->address && plm_mig_address_check(p->address, why, sizeof(why)))
        return px_fail(ld, n, "address", PLM_EINVAL,
                       "%s (the address other hosts migrate to this one at: a host name, an "
                       "IPv4 or an IPv6 address)",
                       why);
    return 0;
}

int pol_load_pool(struct px_loader *ld, const xmlNode *n, const char *hostname,
                  struct pol_pool_section *p)
{
    const xmlNode *tls = NULL, *lease = NULL, *publish = NULL, *plan = NULL, *migrate = NULL;
    int mode = POL_POOL_ADVISE, rc;

    p->line = (unsigned)xmlGetLineNo(n);
    rc = px_get_choice(ld, n, "mode", mode_names, POL_POOL_MODES, &mode);
    if (rc == 0)
        rc = px_value(ld, n, "name", &p->name);
    if (rc == 0)
        rc = px_value(ld, n, "host", &p->host);
    if (rc == 0)
        rc = px_value(ld, n, "address", &p->address);
    if (rc < 0)
        return rc;
    p->mode = (enum pol_pool_mode)mode;
    for (const xmlNode *c = px_first_child(n); c && rc == 0; c = px_next_sibling(c)) {
        if (px_is(c, "endpoint")) {
            rc = load_endpoint(ld, c, p);
        } else if (px_is(c, "tls")) {
            rc = once(ld, c, &tls);
            if (rc == 0)
                rc = load_tls(ld, c, p);
        } else if (px_is(c, "lease")) {
            rc = once(ld, c, &lease);
            if (rc == 0)
                rc = px_get_duration(ld, c, "ttl", TTL_MIN_MS, TTL_MAX_MS, &p->lease_ttl_ms, NULL);
        } else if (px_is(c, "publish")) {
            rc = once(ld, c, &publish);
            if (rc == 0)
                rc = px_get_duration(ld, c, "interval", PUBLISH_MIN_MS, PUBLISH_MAX_MS,
                                     &p->publish_interval_ms, NULL);
        } else if (px_is(c, "plan")) {
            rc = once(ld, c, &plan);
            if (rc == 0)
                rc = px_get_duration(ld, c, "interval", PLAN_MIN_MS, PLAN_MAX_MS,
                                     &p->plan_interval_ms, NULL);
            if (rc == 0)
                rc = px_get_duration(ld, c, "hold", 0, HOLD_MAX_MS, &p->plan_hold_ms, NULL);
        } else if (px_is(c, "migrate")) {
            rc = once(ld, c, &migrate);
            if (rc == 0)
                rc = load_migrate(ld, c, p);
        } else {
            rc = px_fail(ld, c, NULL, PLM_EINVAL, "not expected here");
        }
    }
    if (rc < 0)
        return rc;
    return check_pool(ld, n, tls, hostname, p);
}
