/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From the pool's records, as the leader decoded them from etcd, to the
 * planner's input (engine/pool_plan.h), and each host's demand by level
 * for `xenplm pool status`, as the
 * leader publishes (pool_plantext.h has the plan's text).  Pure: no I/O,
 * no clock.
 *
 * The hosts come in the order they were read (etcd's key order), each
 * with its decoded host record and its decoded domains, a run of the
 * domain array.  A domain that a host earlier in that order also lists
 * (the two ends of a migration, for a moment) is kept once, on the
 * first.  A domain's cooldown ends at the later of the cooldown key's
 * time (/xenplm/<pool>/cooldown/<uuid>, written when a move is ordered)
 * and its last migration plus the policy's cooldown, so that it survives
 * a change of leader.  A domain with an order not yet finished
 * (/xenplm/<pool>/orders/) is migrating.
 */
#ifndef XENPLM_DAEMON_POOL_INPUT_H
#define XENPLM_DAEMON_POOL_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/endpoint.h"
#include "engine/pool_plan.h"
#include "pool/pool_record.h"

struct pin_host {
    char name[PLM_POOL_NAME_MAX + 1];
    struct prec_host rec;
    size_t first, n; /* its domains: doms[first .. first + n) */
};

struct pin_cooldown {
    char uuid[PREC_UUID_LEN + 1];
    uint64_t until_ms; /* Unix milliseconds */
};

struct pin_input {
    const struct pin_host *hosts;
    size_t nhosts;
    const struct prec_domain *doms;
    size_t ndoms;
    const struct pin_cooldown *cool; /* sorted by uuid */
    size_t ncool;
    uint64_t cooldown_ms; /* after a migration */
    /* Domains with an order not finished (automatic mode), sorted: each is
     * planned as migrating (it stays, and counts against the caps). */
    const char (*busy)[PREC_UUID_LEN + 1];
    size_t nbusy;
    /* Hosts in maintenance (/xenplm/<pool>/drain/<host>), sorted. */
    const char (*drains)[PLM_POOL_NAME_MAX + 1];
    size_t ndrains;
};

/*
 * The planner's hosts and domains (at most max_hosts, max_doms; more is
 * PLM_ETOOMANY); *dups counts domains dropped as listed twice.  0, or
 * PLM_EINVAL (a host's run outside the domains), PLM_ETOOMANY.
 */
int pin_build(const struct pin_input *in, struct pp_host *hosts, size_t max_hosts,
              struct pp_domain *doms, size_t max_doms, size_t *nhosts, size_t *ndoms, size_t *dups);

/*
 * What a host's domains ask, level by level: the sums of their cumulative
 * CPU and memory requests at each level 1..*nlevels (saturating; a
 * domain asking fewer levels counts its last one at the later levels).
 */
void pin_demand(const struct prec_domain *d, size_t n, plm_amt_t cpu[PREC_LEVELS],
                plm_amt_t mem[PREC_LEVELS], unsigned *nlevels);

/*
 * Names said once (hosts whose bad records were logged, kept until they
 * are good again): at most max, name[] the caller's.  Pruned each round
 * to the hosts that still have keys, so that a host gone from the pool
 * is neither kept for ever nor counted as left out.
 */
typedef char pin_name_t[PLM_POOL_NAME_MAX + 1];
struct pin_said {
    pin_name_t *name;
    size_t n, max;
};
/* Add name: true when it was not there (say it now); a full set says it every time. */
bool pin_said_add(struct pin_said *s, const char *name);
/* Remove name: true when it was there (say it is good again). */
bool pin_said_del(struct pin_said *s, const char *name);
/* Forget every name not in seen[0..nseen) (sorted here, in place); how many were forgotten. */
size_t pin_said_prune(struct pin_said *s, pin_name_t *seen, size_t nseen);

/* A cooldown key's value: Unix milliseconds, 1 to 16 decimal digits, nothing else. */
int pin_decode_cooldown(const char *v, size_t len, uint64_t *until_ms);

#endif
