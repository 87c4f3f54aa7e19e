/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pool planner: which guests to live-migrate between the hosts of a
 * pool, as a pure function beside the single-host decision step (issue
 * 14).  No I/O, no clock, no global: the pool's published state, the
 * policy, the previous round's state and the time go in; the planned
 * moves, each with its reason and expected gain, and the next round's
 * state come out.
 *
 * What a pool satisfies is what the core arbiter (src/core/arbiter.c)
 * grants on each host: every host arbitrates its own domains' CPU and
 * memory requests exactly as xenplmd does, and the planner counts, level
 * by level from priority 1, how much of each domain's level is met (in
 * thousandths of the level, the lesser of CPU and memory: pp_score).  A
 * move is worth planning when it raises that count at the first level it
 * changes, whatever it does to later levels (so priority 1 comes first),
 * by at least the policy's margin plus its cost per GiB moved.
 *
 * The rules, each tested in tests/unit/check_pool_plan.c:
 *   - balance: from a host where some domain's level goes unmet, the
 *     move of one of its domains to another host that raises what the
 *     pool satisfies the most (ties: the domain, then the host, first by
 *     uuid and by name, so the plan does not depend on input order);
 *   - hold: a host's unmet levels must have lasted hold_ms (first seen in
 *     the previous state) before anything moves off it: a passing spike
 *     moves nothing;
 *   - margin: a gain under margin + cost_per_gib x GiB moves nothing;
 *   - cooldown: a domain whose cooldown_until is after now stays (each
 *     move's cooldown_until, now + cooldown_ms, is in the plan for the
 *     caller to keep where it survives restarts: etcd);
 *   - a cap on migrations in flight and planned, in all and per source;
 *   - anti-affinity: no move to a host holding another domain with one of
 *     its anti-affinity tags; affinity: a domain with an affinity tag
 *     moves only to a host holding another domain with that tag, or not
 *     at all while such a domain exists (the planner never separates
 *     them);
 *   - drain: every domain of a host in maintenance moves off, in priority
 *     order (its first level asking for anything, then uuid), regardless
 *     of hold, margin and cooldown, to the host where the pool satisfies
 *     most;
 *   - the destination's free memory after its headroom must hold the
 *     whole domain;
 *   - no ping-pong: a planned move that the next round would undo (moving
 *     the domain back would pass the margin once the whole plan is done)
 *     is dropped and the domain held for this round;
 *   - bounded work: the unit of work is one arbitration of a host (its
 *     CPU and its memory, for some set of domains).  Where a domain fits
 *     in some host's room it costs none; where it fits nowhere, only the
 *     PP_DEST_TRY feasible hosts with the most CPU room, then memory
 *     room, are weighed, and of each host with unmet levels only the
 *     PP_SOURCE_TRY domains that can go somewhere and whose departure
 *     raises what it satisfies the most (ties by uuid).  A balancing round then costs about one
 *     arbitration per candidate domain plus PP_SOURCE_TRY x PP_DEST_TRY
 *     per overloaded host, not domains x hosts.  Past that, the policy's
 *     max_work caps the arbitrations of a plan: when it is spent the
 *     planner stops looking, keeps the moves it has (and the best one
 *     found so far in the search under way), and says so (cut); each of
 *     them raises what the pool satisfies as the ones before left it.
 */
#ifndef XENPLM_ENGINE_POOL_PLAN_H
#define XENPLM_ENGINE_POOL_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arbiter.h"

#define PP_NAME_MAX 64
#define PP_UUID_MAX 40
#define PP_MAX_TAGS 8
#define PP_TAG_MAX 32
#define PP_MAX_HOSTS 1024
#define PP_MAX_DOMAINS 65536
#define PP_MAX_MOVES 64
/* Destinations weighed per domain that fits nowhere; domains per source. */
#define PP_DEST_TRY 8
#define PP_SOURCE_TRY 8
/* The default work cap: host arbitrations per plan. */
#define PP_WORK_DEFAULT 40000
/* Tags the policy may name as affinity, and as anti-affinity. */
#define PP_MAX_POLICY_TAGS 64
/* The levels scored: those of the arbiter. */
#define PP_LEVELS PLM_MAX_LEVELS

struct pp_host {
    char name[PP_NAME_MAX];
    plm_amt_t cpu;          /* CPU the host's guests share, hundredths of a pCPU */
    plm_amt_t free_mib;     /* memory free now, MiB */
    plm_amt_t headroom_mib; /* kept free on the host, MiB */
    bool drain;             /* in maintenance: move everything off */
};

struct pp_domain {
    char uuid[PP_UUID_MAX];
    char name[PP_NAME_MAX];
    size_t host;                 /* index into the hosts */
    struct plm_request cpu, mem; /* per-level requests, as the host's arbiter sees them */
    plm_amt_t mem_mib;           /* memory it holds: all of it moves */
    bool migratable;
    bool migrating; /* a migration in flight: counts against the caps, stays */
    char tags[PP_MAX_TAGS][PP_TAG_MAX];
    unsigned ntags;
    uint64_t cooldown_until_ms; /* no move before then (0: none) */
};

struct pp_policy {
    uint64_t hold_ms;
    int64_t margin;       /* the least gain, thousandths of a domain's level */
    int64_t cost_per_gib; /* added to the margin per GiB moved */
    uint64_t cooldown_ms; /* after a move */
    unsigned max_concurrent;
    unsigned max_per_source;
    const char *const *anti_affinity; /* tags */
    size_t nanti;
    const char *const *affinity;
    size_t naffinity;
    /* The hosts' arbiter: how each host shares CPU and memory. */
    enum plm_mode mode;
    plm_amt_t cpu_minimal, cpu_unit, mem_minimal, mem_unit;
    /* Host arbitrations a plan may make before it stops looking (>= 1). */
    size_t max_work;
};

/* Defaults: hold 60 s, margin 100 (a tenth of a level), no cost per GiB,
 * cooldown 30 min, 2 concurrent, 1 per source, no tags, levelling, CPU
 * minimal 1 and unit 1, memory minimal 256 MiB and unit 16 MiB, work
 * PP_WORK_DEFAULT. */
void pp_policy_init(struct pp_policy *p);

/* The state kept from one round to the next: since when each host has had
 * unmet levels (by name, so a reordered host list changes nothing). */
struct pp_state {
    size_t n;
    struct {
        char host[PP_NAME_MAX];
        uint64_t since_ms;
    } unmet[PP_MAX_HOSTS];
};

enum pp_reason { PP_BALANCE = 0, PP_DRAIN };
const char *pp_reason_name(enum pp_reason r);

struct pp_move {
    size_t dom, from, to;
    enum pp_reason reason;
    unsigned level; /* the first level the move changes (0: none, a drain's) */
    int64_t gain;   /* at that level, thousandths of a domain's level */
    uint64_t cooldown_until_ms;
};

struct pp_plan {
    struct pp_move move[PP_MAX_MOVES];
    size_t nmoves;
    size_t held;              /* hosts with unmet levels still inside their hold */
    size_t stuck;             /* domains of draining hosts that no host can take now */
    size_t unwound;           /* moves dropped as ping-pong */
    int64_t score[PP_LEVELS]; /* what the pool satisfies before the plan, per level */
    size_t work;              /* host arbitrations made */
    bool cut;                 /* max_work was spent: the plan stopped looking early */
};

struct pp_input {
    const struct pp_host *hosts;
    size_t nhosts;
    const struct pp_domain *doms;
    size_t ndoms;
    const struct pp_policy *policy;
    /* The wall clock, in ms since the epoch: cooldowns and migration
     * times, which hosts share through their records. */
    uint64_t now_ms;
    /* The caller's monotonic clock, in ms: holds, which one host times
     * from one plan to the next, so that a step of the wall clock neither
     * ends a hold early nor starts it again.  0: now_ms serves. */
    uint64_t hold_now_ms;
};

/* Scratch space, sized once for the largest pool the caller will pass. */
struct pp_work {
    size_t max_hosts, max_doms;
    struct plm_work arb;
    struct plm_request *req; /* one host's requests, cpu then mem */
    struct plm_outcome *out; /* their outcomes */
    size_t *members;         /* one host's domains */
    size_t *host_order, *dom_order;
    size_t *where;       /* each domain's host as the plan goes */
    plm_amt_t *free_mib; /* each host's free memory as the plan goes */
    plm_amt_t *mem_pool; /* what each host's domains share */
    unsigned *sources;   /* migrations from each host, in flight and planned */
    bool *moved, *pinned, *held;
    int64_t *host_score;     /* PP_LEVELS per host */
    size_t *csr_start, *csr; /* each host's domains, in uuid order */
    const void **sort;       /* sorting scratch */
    uint64_t *anti, *aff;    /* each domain's policy tags, as bits */
    /* What meets every level of a domain (PLM_AMT_MAX: nothing does), and
     * what each host has past its domains' needs: where a domain fits in
     * that room, every level there is met without asking the arbiter. */
    plm_amt_t *need_cpu, *need_mem, *room_cpu, *room_mem;
    /* Each domain's source host's score without it, while its host is unchanged. */
    int64_t *without;
    bool *without_ok;
    /* Each host's domains' policy tags, as bits; each domain's affinity
     * tags that another domain carries too. */
    uint64_t *host_anti, *host_aff, *aff_shared;
    size_t work, budget; /* host arbitrations made, and allowed */
    bool stopped;        /* the budget stopped a search */
};
int pp_work_init(struct pp_work *w, size_t max_hosts, size_t max_doms);
void pp_work_dispose(struct pp_work *w);

/*
 * Plan one round.  prev may be NULL (a first round: every imbalance is
 * new); next receives this round's state.  0, PLM_EINVAL (a domain on no
 * host, a policy out of range), PLM_ETOOMANY (more than the work holds).
 */
int pp_plan(const struct pp_input *in, const struct pp_state *prev, struct pp_state *next,
            struct pp_work *w, struct pp_plan *out);

/*
 * What the domains of one host satisfy, per level, when they are those
 * of members[0..n): the sum over them of the thousandths of each level
 * met (pp_plan's measure, for tests and for `xenplm pool status`).
 */
int pp_host_score(const struct pp_input *in, size_t host, const size_t *members, size_t n,
                  struct pp_work *w, int64_t score[PP_LEVELS]);

/* The planner's own, shared by its two files: the score of members[0..n)
 * sharing cpu and mem; what the domains of host h share of memory (what
 * they hold, and what is free past the headroom). */
int pp_score_members(const struct pp_input *in, plm_amt_t cpu, plm_amt_t mem, const size_t *members,
                     size_t n, struct pp_work *w, int64_t score[PP_LEVELS]);
plm_amt_t pp_mem_pool(const struct pp_input *in, size_t h);

#endif
