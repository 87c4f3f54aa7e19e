/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the policy loader: what policy.c (the walk's top and the API),
 * pol_host.c, pol_domain.c, pol_value.c and pol_describe.c share.  Not
 * for other modules: it names libxml2's types, which policy.h keeps out.
 */
#ifndef XENPLM_POLICY_POL_INT_H
#define XENPLM_POLICY_POL_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "policy/policy.h"
#include "xml/xmlload.h"

/* Values (pol_value.c); as px_get_*, *v is left alone when the value is absent. */
/* A percentage, in hundredths of a percent, within lo..hi. */
int pol_get_percent(struct px_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                    uint32_t hi, uint32_t *v);
/* A whole number within lo..hi. */
int pol_get_count(struct px_loader *ld, const xmlNode *n, const char *attr, uint32_t lo,
                  uint32_t hi, uint32_t *v);
/* A level, 1..PLM_MAX_LEVELS. */
int pol_get_level(struct px_loader *ld, const xmlNode *n, const char *attr, unsigned *v);

/* <host> (pol_host.c): the defaults, and the section over them. */
void pol_host_defaults(struct pol_host *h);
/* Where each share's <leftover> element is goes to leftover_node[], for pol_check_leftovers. */
int pol_load_host(struct px_loader *ld, const xmlNode *n, struct pol_host *h,
                  const xmlNode *leftover_node[POL_NRES]);

/* <pool> (pol_pool.c): the defaults (no pool), the section; hostname is
 * this host's, for the default host name (NULL: none could be read). */
void pol_pool_defaults(struct pol_pool_section *p);
int pol_load_pool(struct px_loader *ld, const xmlNode *n, const char *hostname,
                  struct pol_pool_section *p);
void pol_pool_dispose(struct pol_pool_section *p);

/* <domain> (pol_domain.c): the defaults (also those of unmatched domains), one entry. */
void pol_domain_defaults(struct pol_domain *d);
int pol_load_domain(struct px_loader *ld, const xmlNode *n, struct pol_domain *d);
/* The checks that need every entry: duplicates and entries nobody reaches. */
int pol_check_domains(struct px_loader *ld, const xmlNode *root, const struct pol_policy *p);
/* A default leftover domain must be one name that an entry declares as such. */
int pol_check_leftovers(struct px_loader *ld, const struct pol_policy *p,
                        const xmlNode *const leftover_node[POL_NRES]);
/* Lower-case a UUID into out; false if it is not one. */
bool pol_uuid_normalise(const char *in, char out[37]);

#endif
