/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The dom0 policy: what the daemon may hand out, to whom, and how fast.
 *
 * A policy is an XML file (see xenplm-policy(5) and
 * policies/xenplm-policy.xsd).  This module reads it with libxml2,
 * validates it against the schema, checks what the schema cannot express,
 * and fills plain C structs: nothing here exposes a libxml2 type, so the
 * daemon and the core never see one.
 *
 * Loading never touches the caller's current policy.  pol_load_* fill a
 * struct the caller provides only when the whole file is good, so the
 * daemon loads into a fresh struct and swaps it in on success (or calls
 * pol_reload_file, which does exactly that); a bad file leaves the last
 * good policy in force.  A loaded struct owns its memory and may be moved
 * by plain assignment; pol_policy_dispose releases it.
 *
 * Every failure is reported as one line, "FILE:LINE: problem" (or
 * "FILE: problem" when no line applies), and libxml2 never writes to
 * stderr.  Parsing is closed to the outside world: no network, no DTD
 * (a document type declaration is refused outright, so no entity can be
 * declared, let alone expanded), and files are bounded in size.
 *
 * Loading is not thread-safe with respect to other libxml2 users on the
 * same thread: it installs its own libxml2 error handlers for its duration.
 */
#ifndef XENPLM_POLICY_POLICY_H
#define XENPLM_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/amount.h"
#include "core/arbiter.h"
#include "core/cpumap.h"
#include "core/trigger.h"
#include "protocol/request.h"

/* Largest policy (or schema) file accepted, in bytes. */
#define POL_MAX_FILE_SIZE ((size_t)1 << 20)
/* Most <domain> entries in one policy. */
#define POL_MAX_DOMAIN_RULES 4096
/*
 * Bounds on a policy's shape, checked by a linear scan before the file is
 * parsed (xenplm-policy(5), SECURITY): elements in all, attributes on one
 * element (namespace declarations included) and nesting depth.  Far above
 * what a valid policy holds (at most 4 attributes on an element, 5 levels,
 * POL_MAX_DOMAIN_RULES entries), they bound the parse's time.
 */
#define POL_MAX_ELEMENTS 200000
#define POL_MAX_ATTRIBUTES 64
#define POL_MAX_DEPTH 16
/* Room for any message pol_load_* writes, with its NUL. */
#define POL_ERR_MAX 512

/* The resources a policy governs; index into the per-resource arrays. */
enum pol_resource {
    POL_CPU = 0,    /* hundredths of a pCPU */
    POL_MEMORY = 1, /* MiB */
};
#define POL_NRES 2

/* What a pool is computed from, at run time, from facts about the host. */
enum pol_pool_base {
    POL_BASE_PCPUS = 0,     /* cpu: physical CPUs x 100 */
    POL_BASE_FREE_DOMU = 1, /* memory: free memory + memory held by guests */
    POL_BASE_HOST = 2,      /* memory: all of the host's memory */
};

/*
 * pool = min(limit, base - reserve - headroom), and never below 0.
 * reserve is what dom0 keeps; headroom is kept free for new domains.
 */
struct pol_pool {
    enum pol_pool_base base;
    plm_amt_t reserve;
    plm_amt_t headroom;
    plm_amt_t limit; /* PLM_AMT_MAX for none */
};

/* How one resource is shared on this host. */
struct pol_share {
    struct pol_pool pool;
    plm_amt_t minimal; /* minimal allotment per domain */
    plm_amt_t unit;    /* granularity of allocations, > 0 */
    enum plm_mode mode;
    enum plm_leftover leftover;
    char *leftover_domain; /* PLM_LEFTOVER_DEFAULT: a declared domain name */
    /* Memory: what a domain holds above its new allocation is taken back
     * at once (false, the default) or only when someone needs it (true:
     * <leftover reclaim="needed"/>, core/keep.h). */
    bool reclaim_needed;
    struct plm_trigger trigger; /* passes plm_trigger_check */
};

struct pol_host {
    uint64_t tick_ms; /* how often the daemon re-arbitrates */
    struct pol_share share[POL_NRES];
    /* Balloon rate limits, MiB per second. */
    plm_amt_t balloon_min_rate;
    plm_amt_t balloon_max_rate;
    bool balloon_adaptive; /* slow down when a guest lags behind its target */
    /* Requests a guest may write: a token bucket per guest. */
    plm_amt_t request_rate; /* writes per second, > 0 */
    uint32_t request_burst; /* bucket size, >= 1 */
    /* The node_exporter textfile (xenplmd --metrics-dir wins): its
     * directory (NULL: none) and how often it is written at least. */
    char *metrics_dir;
    uint64_t metrics_interval_ms;
};

enum pol_enforce {
    POL_ENFORCE_WEIGHT = 0, /* credit-scheduler weight only */
    POL_ENFORCE_CAP,        /* cap only */
    POL_ENFORCE_BOTH,       /* weight and cap */
};
#define POL_ENFORCE_COUNT 3

enum pol_match_kind {
    POL_MATCH_NONE = 0, /* the built-in rule for domains no entry matches */
    POL_MATCH_NAME,     /* a glob over domain names (fnmatch) */
    POL_MATCH_UUID,     /* one domain UUID */
};

/* The rule for one <domain> entry. */
struct pol_domain {
    enum pol_match_kind kind;
    char *name;              /* POL_MATCH_NAME: the glob */
    char uuid[37];           /* POL_MATCH_UUID: lower case */
    unsigned line;           /* where the entry starts, 0 for the built-in rule */
    plm_amt_t min[POL_NRES]; /* 0: just the host's minimal allotment */
    plm_amt_t max[POL_NRES]; /* PLM_AMT_MAX for none */
    /*
     * Indexed by guest level - 1: the host level it is served at (never
     * decreasing) and the most the guest may ask, cumulatively, at that
     * level (never decreasing; PLM_AMT_MAX for no cap).
     */
    unsigned host_level[PLM_MAX_LEVELS];
    plm_amt_t cap[POL_NRES][PLM_MAX_LEVELS];
    unsigned nlevels; /* highest guest level the <levels> table lists, 0 for none */
    enum pol_enforce cpu_enforce;
    bool vcpu_hotplug;
    /* Without an agent, the daemon measures CPU use and asks for it. */
    bool agentless;
    unsigned agentless_level;           /* guest level of the synthesized request */
    uint32_t agentless_headroom_pct100; /* added to the measured use */
    uint64_t agentless_after_ms;        /* agent silence before falling back */
    /* Host-side activity (engine/io.c): a guest whose network traffic
     * reaches net_busy_kib_s or whose disk requests reach disk_busy_req_s
     * is busy with I/O, and is asked at least io_cpu (0: the signal is
     * off) whatever CPU time it used. */
    plm_amt_t agentless_io_cpu;
    uint32_t agentless_net_busy_kib_s, agentless_disk_busy_req_s;
    /* Anticipation from request history (<anticipate>; off without it):
     * a recurring need is asked for ahead by its lead plus margin_ms,
     * looking at most max_lead_ms ahead. */
    bool anticipate;
    uint64_t anticipate_margin_ms;
    uint64_t anticipate_max_lead_ms;
    /* vcpu affinity (<affinity>): the pCPUs every vcpu may run on (hard)
     * and prefers (soft), each only where the rule gives it (a side not
     * given is left as Xen has it).  "all" is a full map: the decision
     * step clamps both to the host's pCPUs. */
    bool affinity_hard, affinity_soft;
    struct plm_cpumap hard, soft;
    /* The time-critical boost's budget (<boost>; none without it): the
     * longest boost, the wait after one ends before the next, and the
     * boost time allowed in any hour window. */
    bool boost;
    uint64_t boost_max_ms;
    uint64_t boost_cooldown_ms;
    uint64_t boost_per_hour_ms;
};

/* Pool mode (issue 14): whether and how this host takes part in a pool. */
enum pol_pool_mode {
    POL_POOL_OFF = 0,   /* no pool: this host alone (also without a <pool> section) */
    POL_POOL_ADVISE,    /* publish, and plan, but migrate nothing */
    POL_POOL_AUTOMATIC, /* publish, plan and carry the plan out */
};
#define POL_POOL_MODES 3
#define POL_POOL_MAX_ENDPOINTS 16
/* A pool's or a host's name: [A-Za-z0-9][A-Za-z0-9._-]*, at most this long. */
#define POL_POOL_NAME_MAX 63 /* PLM_POOL_NAME_MAX */

/* The <pool> section; every string malloc'd, NULL when absent. */
struct pol_pool_section {
    enum pol_pool_mode mode;
    unsigned line;     /* of <pool>, 0 when there is none */
    char *name;        /* the pool's */
    char *host;        /* this host's in the pool (default: its hostname) */
    bool host_default; /* host is the hostname, not given */
    char *address;     /* this host's address for migrations (NULL: its name in the pool) */
    char *endpoint[POL_POOL_MAX_ENDPOINTS];
    size_t nendpoints;
    char *ca, *cert, *key; /* absolute paths: https only */
    uint64_t lease_ttl_ms;
    uint64_t publish_interval_ms;
    uint64_t plan_interval_ms; /* the leader plans at most this often */
    uint64_t plan_hold_ms;     /* a move must be wanted this long first */
    /* <migrate>: how this host carries out its orders (the executor). */
    char *mig_transport;     /* xl migrate -s's command (NULL: xl's own ssh) */
    uint64_t mig_timeout_ms; /* one migration's limit, unless its order sets one */
};

struct pol_policy {
    char *source; /* the file name as given to the loader */
    struct pol_host host;
    struct pol_pool_section pool;
    struct pol_domain *domain; /* in document order */
    size_t ndomains;
    struct pol_domain unmatched; /* for domains no entry matches */
};

/* Facts the daemon reads from the host to size the pools. */
struct pol_host_facts {
    unsigned pcpus;
    plm_amt_t mem_total; /* MiB */
    plm_amt_t mem_free;  /* MiB free in Xen */
    plm_amt_t mem_domu;  /* MiB currently held by guest domains */
};

/*
 * Load a policy file and validate it against the schema at schema_path
 * (NULL: the schema built into the program, src/xml/schemas.h).  On success, returns
 * 0, fills *out (which is overwritten, not disposed: pass a struct that
 * holds nothing) and writes "FILE: configuration OK" to err.  On failure,
 * returns a negative PLM_E* code, leaves *out untouched and writes the one
 * line error to err: PLM_EIO (cannot read), PLM_ERANGE (file too large),
 * PLM_EGRAMMAR (not XML, or not valid against the schema), PLM_EINVAL (a
 * rule the schema cannot express), PLM_ENOMEM.  err may be NULL.
 */
int pol_load_file(const char *path, const char *schema_path, struct pol_policy *out, char *err,
                  size_t errlen);

/* The same for a policy held in memory; name stands for the file name. */
int pol_load_memory(const char *buf, size_t len, const char *name, const char *schema_path,
                    struct pol_policy *out, char *err, size_t errlen);

/*
 * What the daemon does on SIGHUP: load path into a fresh policy and, only
 * if it is good, dispose *cur and put the new one in its place.  *cur must
 * be a loaded or zeroed policy.  Returns as pol_load_file.
 */
int pol_reload_file(const char *path, const char *schema_path, struct pol_policy *cur, char *err,
                    size_t errlen);

/* Release a policy; it is left zeroed, so disposing twice is safe. */
void pol_policy_dispose(struct pol_policy *p);

/*
 * The rule for a domain: the first entry, in document order, whose name
 * glob matches name or whose UUID equals uuid (either may be NULL), or
 * &p->unmatched when none does.  Never NULL.
 */
const struct pol_domain *pol_match(const struct pol_policy *p, const char *name, const char *uuid);

/*
 * Size a pool from host facts (see struct pol_pool).  0, or PLM_ERANGE
 * when a fact is negative or beyond PLM_AMT_MAX.
 */
int pol_pool_total(const struct pol_policy *p, enum pol_resource r,
                   const struct pol_host_facts *facts, plm_amt_t *total_out);

/*
 * Turn what a guest asked for one resource (cumulative amounts for its
 * levels 1..nguest) into the arbiter's request: each level is capped,
 * moved to its host level, and the domain's min and max are applied.
 * Host levels no guest level maps to repeat the level below them.  What
 * the caps hold back at the guest's last level is asked at its next
 * levels (as if it had repeated its last amount there), up to their caps
 * and host level PLM_MAX_LEVELS.
 * 0, PLM_ETOOMANY (nguest > PLM_MAX_LEVELS) or PLM_ERANGE (an amount
 * outside 0..PLM_AMT_MAX).
 */
int pol_request_build(const struct pol_domain *d, enum pol_resource r, const plm_amt_t *guest,
                      unsigned nguest, struct plm_request *out);

/* Print a human summary of a loaded policy. */
void pol_describe(const struct pol_policy *p, FILE *f);

/* Where the schema's copy for other tools is installed (not read by pol_load_*). */
const char *pol_default_schema(void);

/* Stable names, as written in policy files. */
const char *pol_resource_name(enum pol_resource r);
/* The guest protocol's resource for a policy resource: the two enums are
 * separate promises, this is the one place they meet. */
static inline enum proto_resource pol_resource_proto(enum pol_resource r)
{
    return r == POL_MEMORY ? PROTO_RES_MEM : PROTO_RES_CPU;
}
const char *pol_enforce_name(enum pol_enforce e);
/* "off", "advise", "automatic". */
const char *pol_pool_mode_name(enum pol_pool_mode m);
/* Is s a good pool or host name (charset and length)? */
bool pol_pool_name_ok(const char *s);
/* The names of the enforcements, indexed by enum pol_enforce, as the policy spells them. */
extern const char *const pol_enforce_names[POL_ENFORCE_COUNT];

/*
 * Free libxml2's global state.  Call once, at exit, when nothing else in
 * the process uses libxml2 any more (it keeps valgrind quiet).
 */
void pol_cleanup(void);

#endif
