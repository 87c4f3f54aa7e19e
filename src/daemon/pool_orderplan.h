/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The orders' pure decisions (issue 14, automatic mode), beside the
 * planner's input (pool_input.h): which of the leader's planned moves
 * become orders, which finished orders the leader clears, and whether a
 * host takes an order it reads.  No I/O, no clock: what etcd holds and
 * the time come in as arguments (pool_orders.c reads and writes).
 */
#ifndef XENPLM_DAEMON_POOL_ORDERPLAN_H
#define XENPLM_DAEMON_POOL_ORDERPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/pool_plan.h"
#include "pool/pool_order.h"

/* A finished order stays in etcd this long after its final state was
 * written (for `xenplm pool plan` and whoever looks), then the leader
 * deletes it with its state; its cooldown key stays. */
#define POP_KEEP_MS 300000

/* How many publish intervals after an order was done from a host the
 * leader trusts that host's records to show the domain gone (pop_new). */
#define POP_SETTLE_INTERVALS 2

/* An order etcd holds, as read (any source). */
struct pop_known {
    char uuid[PREC_UUID_LEN + 1];
    char source[PLM_POOL_NAME_MAX + 1];
    bool have_order; /* an order that decodes (else refused by its source) */
    struct pord_order order;
    bool have_state; /* a state that decodes */
    struct pord_state state;
    int64_t state_mod; /* the state key's mod revision (0: none) */
};

/*
 * The moves of plan to order, from the orders in known (sorted by uuid):
 * a move is held by an order of its domain not finished, or failed or
 * refused (until the leader clears it, POP_KEEP_MS after: the backoff
 * after a failure), but not by one done (the cooldown key written with
 * it holds a balancing move; a drain ignores cooldowns), except one done
 * from the move's source (hosts[move.from]) less than settle_ms before
 * now_ms (Unix ms): that source's records may not show the domain gone
 * yet (they are published at most once per publish interval), and the
 * next round plans from newer ones.  A done order of the domain from the
 * move's source holds the new order's key: the caller clears it first
 * (pop_finished_at).  pick[] receives indices into plan->move, in the
 * plan's order; their count.
 */
size_t pop_new(const struct pp_plan *plan, const struct pp_host *hosts, size_t nhosts,
               const struct pp_domain *doms, size_t ndoms, const struct pop_known *known,
               size_t nknown, uint64_t now_ms, uint64_t settle_ms, size_t *pick);

/* Whether an order holds its domain: no final state yet (none at all,
 * accepted or running).  An order whose state does not decode holds it. */
bool pop_live(const struct pop_known *k);

/* Whether an order is orphaned: not finished, and its source is none of
 * the hosts read this round (its records went with its lease: the host
 * died or lost etcd while it held the order).  The leader then writes it
 * failed, so that nothing counts it in flight for ever. */
bool pop_orphan(const struct pop_known *k, const struct pp_host *hosts, size_t nhosts);

/*
 * A source host of orphaned orders, missing from the pool since since_ms
 * (Unix ms, the leader's clock), kept by the leader from round to round:
 * the leader fails an orphaned order only once its source has been
 * missing for a grace (pop_orphan_due), as a host starved of CPU or cut
 * from etcd for longer than its lease comes back and carries on with the
 * order it holds (its migration never stopped).
 */
struct pop_missing {
    char name[PLM_POOL_NAME_MAX + 1];
    uint64_t since_ms;
};
#define POP_MISSING_MAX 64

/*
 * The sources of this round's orphaned orders (pop_orphan) into out (at
 * most POP_MISSING_MAX, each once): since when each was missing, from
 * prev (nprev entries, the last round's) where it was already, now_ms
 * where it is newly missing; a source back in the pool, or with no
 * orphaned order left, is dropped.  Their count.
 */
size_t pop_missing_update(const struct pop_known *known, size_t nknown, const struct pp_host *hosts,
                          size_t nhosts, const struct pop_missing *prev, size_t nprev,
                          uint64_t now_ms, struct pop_missing *out);

/* Whether was, a source missing last round, is back: no longer in m (nm
 * entries, this round's), and among the hosts read. */
bool pop_missing_back(const struct pop_missing *was, const struct pop_missing *m, size_t nm,
                      const struct pp_host *hosts, size_t nhosts);

/*
 * Whether the leader writes an orphaned order failed now: its source has
 * been missing (in m, nm entries: pop_missing_update's) for grace_ms or
 * more at now_ms, or is not in m at all (more missing sources than
 * POP_MISSING_MAX: failed at once, as before the grace).
 */
bool pop_orphan_due(const struct pop_known *k, const struct pop_missing *m, size_t nm,
                    uint64_t now_ms, uint64_t grace_ms);

/* Whether the leader clears it now: final, written more than POP_KEEP_MS
 * before now_ms (Unix ms). */
bool pop_expired(const struct pop_known *k, uint64_t now_ms);
/* The same for a state alone (a manual move's answer). */
bool pop_state_over(const struct pord_state *s, uint64_t now_ms);

/* Whether the leader deletes a cooldown key ending at until_ms (Unix
 * ms): over by POP_KEEP_MS at now_ms, and no order holds the domain (an
 * order's cooldown goes with it, once it is cleared). */
bool pop_cooldown_over(const char *uuid, uint64_t until_ms, uint64_t now_ms,
                       const struct pop_known *known, size_t nknown);
/* Cooldown keys deleted per round at most (the rest in later rounds). */
#define POP_COOL_CLEAR_MAX 64

/*
 * What the executing host does with its loop's report on the order in
 * flight, given the order's state as etcd holds it now (state_there: the
 * state key is there; decoded: its value decodes, phase then its phase)
 * and whether the order's own key is there.  The executing host knows
 * how its migration goes, so its report is written over the state,
 * whatever it is (WRITE); over a final state it did not write, the
 * leader's failed for a source missing two lease TTLs, which had only
 * lost its lease and comes back with its migration going on: OVER,
 * written and said (the leader then counts the domain as migrating
 * again, and a done releases it).  An order cleared (its key gone: the
 * leader deletes a finished order POP_KEEP_MS on, with its state) is not
 * written again: GONE.  A state key deleted alone is written again.
 */
enum pop_report { POP_REPORT_WRITE, POP_REPORT_OVER, POP_REPORT_GONE };
enum pop_report pop_report_to(bool state_there, bool decoded, enum pord_phase phase,
                              bool order_there);

/* What the executing host knows when it reads an order for itself. */
/* A host of the pool as an order's destination: its name, and the
 * address it publishes for migrations ("" when none: its name serves). */
struct pop_dest {
    char name[PLM_POOL_NAME_MAX + 1];
    char address[PLM_MIG_ADDR_MAX + 1];
};

struct pop_host {
    const char *self;        /* this host's name in the pool */
    bool automatic;          /* its mode: only an automatic host executes */
    bool leader_known;       /* etcd named a leader at the last answer */
    int64_t leader_rev;      /* that leader's election revision */
    const char *leader_host; /* and its host's name */
    bool holds;              /* the domain is among this host's records */
    /* The hosts of the pool as last read (sorted by name): a destination
     * must be one of them, and an order's address the one it publishes. */
    const struct pop_dest *hosts;
    size_t nhosts;
};

/*
 * Whether a host takes an order (decoded from the key under
 * orders/<source>/): 0, or PLM_EINVAL with why the order is refused
 * (written back as its state).  Not the current leader's revision, a
 * source other than this host, a destination that is this host or not a
 * host of the pool, an address other than the one the destination
 * publishes (its name when it publishes none), a domain
 * it does not hold, or a host not in automatic mode: refused.  No
 * leader known: PLM_ENOENT (not refused; looked at again next round).
 */
int pop_check(const struct pord_order *o, const char *key_source, const struct pop_host *h,
              char *why, size_t whylen);

/*
 * The memory already bound for each host (incoming_mib, nhosts entries)
 * before a round's manual moves, which its published free memory does
 * not show yet: the domains of live orders in known (sorted by uuid) to
 * that host, unless the records already place the domain there, and the
 * plan's moves picked this round (pick, npick: indices into plan->move,
 * as pop_new gives them; none of them has an order in known).  Each
 * manual move ordered adds its domain to its destination's.
 */
void pop_incoming(const struct pp_plan *plan, const size_t *pick, size_t npick, size_t nhosts,
                  const struct pp_domain *doms, size_t ndoms, const struct pop_known *known,
                  size_t nknown, const struct pp_host *hosts, plm_amt_t *incoming_mib);

/*
 * A manual move (`xenplm pool migrate DOM HOST`) checked against the
 * pool as the leader read it: DOM a uuid or a name only one domain has,
 * HOST a host in the pool other than the domain's, not draining, whose
 * free memory past its headroom and past what is already bound for it
 * (incoming_mib, per host as pop_incoming counts it; NULL: nothing)
 * holds the whole domain; the domain
 * migratable and without a live order in known (sorted by uuid: one
 * not finished; a finished one not yet cleared does not hold a manual
 * move, see pop_finished_at).  0 and
 * *dom_out, *to_out (indices), or PLM_EINVAL / PLM_ENOENT with why (the
 * answer written back).  Manual moves ignore hold, margin and cooldown.
 */
int pop_manual(const struct pp_host *hosts, size_t nhosts, const struct pp_domain *doms,
               size_t ndoms, const struct pop_known *known, size_t nknown,
               const plm_amt_t *incoming_mib, const char *dom, const char *to, size_t *dom_out,
               size_t *to_out, char *why, size_t whylen);

/* The finished order of uuid from source in known (sorted by uuid), or
 * NULL: a new order from there takes its key, so the leader clears it
 * first. */
const struct pop_known *pop_finished_at(const struct pop_known *known, size_t nknown,
                                        const char *uuid, const char *source);

#endif
