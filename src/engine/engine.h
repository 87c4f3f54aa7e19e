/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decision step: one pure function from what the daemon knows now to
 * what it should do next.
 *
 *   eng_decide(snapshot of the host and of every domain, the accepted
 *              requests, the policy, the remembered state, now)
 *       -> actions (scheduler parameters, online vcpus, vcpu affinity,
 *          memory targets, grants and status answers for the guests), each
 *          with a reason,
 *          and notes for the log
 *
 * It holds everything that turns requests into enforcement: building the
 * arbiter's request of each domain from its agent's request, its policy
 * rule, an operator's override or a measured CPU use; sizing the pools;
 * the arbiter and the reallocation trigger; the CPU mapping onto the
 * credit scheduler; the memory mover's parameters and its step.  It makes
 * no port call, reads no clock and touches no global: time is an input,
 * the host is a snapshot, and whatever must be remembered from one turn to
 * the next lives in struct eng_dom and struct eng_state, which it updates.
 *
 * The daemon's loop around it reads in one direction:
 *
 *   events -> snapshot (port reads) -> eng_decide -> apply (port writes,
 *   then eng_confirm_* for what Xen accepted) -> report (log, answers)
 *
 * Units: CPU in hundredths of a pCPU, as plm_amt_t amounts.  Memory is
 * counted in KiB wherever it is measured or enforced (the snapshot, the
 * mover, the targets) and in MiB amounts only inside arbitration, whose
 * policy is written in MiB; eng_kib_to_mib and eng_mib_to_kib, below, are
 * the one crossing point.
 */
#ifndef XENPLM_ENGINE_ENGINE_H
#define XENPLM_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arbiter.h"
#include "core/balloon.h"
#include "core/cpumap.h"
#include "core/trigger.h"
#include "engine/anticip.h"
#include "policy/policy.h"
#include "protocol/boost.h"
#include "protocol/feature.h"
#include "protocol/request.h"

#define ENG_NRES POL_NRES

/* Xen's credit scheduler: the weight range, and the default weight that
 * one pCPU's worth of allocation maps to. */
#define ENG_WEIGHT_MIN 1
#define ENG_WEIGHT_MAX 65535
#define ENG_WEIGHT_DEFAULT 256

/* KiB round down to whole MiB and saturate at PLM_AMT_MAX. */
static inline plm_amt_t eng_kib_to_mib(int64_t kib)
{
    uint64_t mib = kib > 0 ? (uint64_t)kib / 1024 : 0;
    return mib > (uint64_t)(PLM_AMT_MAX / PLM_SCALE) ? PLM_AMT_MAX : PLM_UNITS(mib);
}

/* Whole MiB of an amount, in KiB (fractions of a MiB are dropped). */
static inline int64_t eng_mib_to_kib(plm_amt_t mib)
{
    return mib / PLM_SCALE * 1024;
}

/* Where a domain's arbiter request comes from. */
enum eng_source {
    ENG_SRC_NONE = 0,  /* no request yet: the domain holds its floor */
    ENG_SRC_AGENT,     /* the guest agent's request */
    ENG_SRC_AGENTLESS, /* synthesized from measured CPU use */
    ENG_SRC_OVERRIDE,  /* `xenplm set`, until it expires */
};
const char *eng_source_name(enum eng_source src);

/*
 * What sets the most a domain may be granted of a resource: nothing, its
 * policy maximum, its vcpus (max_vcpus x 100) or its maxmem.
 */
enum eng_max_by {
    ENG_MAX_NONE = 0,
    ENG_MAX_POLICY,
    ENG_MAX_VCPUS,
    ENG_MAX_MAXMEM,
};
const char *eng_max_by_name(enum eng_max_by by);

/* A manual override from `xenplm set DOM ...`. */
struct eng_override {
    bool active[ENG_NRES];
    plm_amt_t amount[ENG_NRES]; /* fixed allocation while active */
    uint64_t until_ms;          /* 0 = until cleared */
};

/* What this turn's snapshot says of one domain: filled by the daemon
 * before every eng_decide, read-only to the engine. */
struct eng_view {
    uint32_t domid;
    const char *name;
    const struct pol_domain *rule; /* never NULL */
    unsigned max_vcpus;
    int64_t mem_max_kib;
    int64_t mem_actual_kib;
    /* The guest's accepted request (NULL: none yet) and when it came. */
    const struct proto_request *req;
    uint64_t req_at_ms;
    /* Something that shapes its request changed since the last turn (a
     * new request, its rule, an override): build it again. */
    bool changed;
    /* A request read since the last turn, to be answered "ok" (with its
     * seq) once enforced.  (The intake answers a refusal itself.) */
    bool answer_due;
    /* A CPU time reading taken this turn (agentless sampling). */
    bool cpu_read;
    uint64_t cpu_time_ns;
    /* Its cumulative network bytes (received and sent, every vif) and
     * disk requests (read and write, every vbd), read this turn through
     * libxenstat (agentless sampling; io_read false: not read). */
    bool io_read;
    uint64_t io_net_bytes, io_disk_reqs;
    /* What its control/feature-balloon says ("1": a balloon driver; any
     * other value: none; no key or an empty one: unsaid), and whether it
     * is a PV guest (kinds.c: an unsaid PV guest has one). */
    enum proto_feature balloon_key;
    bool pv;
    /* Its memory was due to be read this turn and could not be (its
     * domain info refused, or still in backoff): what the engine holds of
     * it is stale (the guest may have grown past its target since), so
     * the mover leaves its target alone until a reading comes. */
    bool mem_unread;
    /* Its online vcpus as Xen counts them, read back this turn. */
    bool online_read;
    unsigned online_vcpus;
    /* It is leaving by live migration: its memory target stays where it
     * is (the transfer copies what it holds; a balloon moving under it
     * would only make more pages to send again). */
    bool migrating;
    /* The boost value read with its request (NULL: none, or the key held
     * none), or the intake's refusal of it (NULL: none).  Looked at in a
     * turn whose answer_due is set, once per request seq. */
    const struct proto_boost *boost;
    const char *boost_err;
};

/*
 * The most the domain in may be granted of resource r: its rule's maximum
 * and what it can hold (max_vcpus x 100 for the CPU, its maxmem), the
 * lower; PLM_AMT_MAX when neither is known.  *by (may be NULL) says which
 * sets it, the policy at a tie.  Every allocation and override is held to
 * it.
 */
plm_amt_t eng_max(const struct eng_view *in, int r, enum eng_max_by *by);
/* The same for a guest whose vcpus are fixed (no vcpu hotplug) with
 * fixed_vcpus online (0: not fixed): the CPU it can use is those vcpus. */
plm_amt_t eng_max_fixed(const struct eng_view *in, unsigned fixed_vcpus, int r,
                        enum eng_max_by *by);

/* Grants of a boost remembered for the hour's budget, at most: a guest
 * gets no more boosts than this in an hour, however short. */
#define ENG_BOOST_SLOTS 16
#define ENG_BOOST_HOUR_MS 3600000u

/* A domain's time-critical boost (boost.c). */
struct eng_boost {
    /* The running boost (until_ms 0: none): when it began, when it ends
     * and the CPU marked time-critical (cumulative, ticks). */
    uint64_t since_ms, until_ms;
    plm_amt_t cpu;
    /* No new boost before this (the cooldown after the last one). */
    uint64_t cooldown_until_ms;
    /* The boosts granted in the last hour: when each began and how long
     * it ran or may run (0: a free slot). */
    uint64_t slot_at_ms[ENG_BOOST_SLOTS], slot_ms[ENG_BOOST_SLOTS];
    /* The request seq whose boost was last looked at (seen: one was). */
    uint64_t seq;
    bool seen;
    /* What the answer to this turn's request says of its boost. */
    bool note_due;
    char note[112];
    uint64_t granted, refused; /* since the domain was first seen */
};

/* The engine's record of one domain, kept between turns. */
struct eng_dom {
    struct eng_view in;

    enum eng_source source;
    struct eng_override override;
    struct plm_request plm[ENG_NRES];     /* what the arbiter sees */
    struct plm_outcome outcome[ENG_NRES]; /* the last arbitration */
    plm_amt_t granted[ENG_NRES];          /* the allocation in force */
    struct plm_trigger_state trig[ENG_NRES];
    bool fired[ENG_NRES];   /* its own difference fired the trigger this turn */
    char why[ENG_NRES][96]; /* why the allocation last changed */

    /* Enforced, as Xen last accepted it. */
    int weight, cap; /* -1: unknown, send again */
    unsigned vcpus;
    /* A CPU setting was refused or put off: the next turn sends what
     * still differs, whether or not the allocation changed. */
    bool cpu_owed;
    struct bal_dom mem; /* the mover's record */
    /* While its balloon is marked as not moving: when it is next asked,
     * until when the current ask lasts (0: none), the backoff. */
    uint64_t probe_at_ms, probe_until_ms, probe_wait_ms;
    /* Its balloon was on its way at the last step; one more reading is
     * owed once it stops, so that what is shown is what Xen holds. */
    bool mem_moving, mem_reread;

    /* Agentless sampling. */
    uint64_t cpu_time_prev_ns, cpu_sample_ms;
    plm_amt_t cpu_used_pct;
    bool cpu_sampled;

    /* Host-side activity (io.c): the counters at the last sample and when
     * (io_based: there is one), the rates over the last sampling period
     * (io_rated: measured at least once), and whether they make it busy
     * with I/O. */
    uint64_t io_prev_net_bytes, io_prev_disk_reqs, io_sample_ms;
    uint64_t net_kib_s, disk_req_s;
    bool io_based, io_rated, io_busy;

    /* Guest kinds (kinds.c).  Its balloon driver as the engine last took
     * it (balloon; kind_known once a turn has seen it): without one its
     * memory is fixed.  Its vcpus: while a check runs (vcpus_asked_ms),
     * the count set and when; fixed when the guest's count did not follow
     * (no vcpu hotplug), then read again at vcpus_recheck_ms; the count
     * last read back.  answer_again: its status must be written again. */
    bool balloon, kind_known;
    bool vcpus_fixed, answer_again;
    unsigned vcpus_asked, vcpus_online;
    uint64_t vcpus_asked_ms, vcpus_recheck_ms;

    /* Anticipation (ahead.c): its request history, kept by the daemon
     * (NULL: none, and nothing is anticipated); per resource the need its
     * request is raised by (found: one is), and the second of the day it
     * began; the minute of the local day last looked at. */
    struct ant_hist *hist;
    struct ant_need ahead[ENG_NRES];
    uint32_t ahead_from_sec[ENG_NRES];
    int64_t ahead_minute;
    /* Its balloon's growth as measured (ahead.c): the last sample (when,
     * what it held, whether its target was above it) and the rate it
     * last grew at, KiB/s (0: not measured yet). */
    uint64_t bal_seen_ms;
    int64_t bal_seen_kib, bal_rate_kib_s;
    bool bal_growing;

    /* vcpu affinity (affinity.c), per side (ENG_AFF_HARD, ENG_AFF_SOFT):
     * what this turn wants (an ENG_ACT_AFFINITY points at it), and what
     * Xen last accepted from xenplm (aff_set: xenplm set that side since
     * the domain appeared); the online vcpus it was set at (a hotplug
     * since sets it again); aff_stale: set it again whatever it holds (a
     * reload or a resync); what is wrong with the rule's lists on this
     * host ("" when nothing), noted once when it changes. */
    struct plm_cpumap aff_want[2], aff_done[2];
    bool aff_set[2], aff_stale;
    unsigned aff_vcpus;
    char aff_problem[160];
    /* The time-critical boost (boost.c). */
    struct eng_boost boost;
    /* The answer's note, composed for this turn (kinds.c and boost.c). */
    char answer_note[224];
};

/* The two sides of vcpu affinity, indexing eng_dom.aff_*. */
enum eng_aff_side { ENG_AFF_HARD = 0, ENG_AFF_SOFT = 1 };

/* The host as the snapshot read it. */
struct eng_host {
    bool ok; /* false: the host facts could not be read this turn */
    unsigned pcpus;
    unsigned cpu_ids; /* pCPU numbers run 0..cpu_ids-1 (0: as pcpus) */
    int64_t total_kib, free_kib;
};

/* The engine's record of the host, kept between turns. */
struct eng_state {
    plm_amt_t pool[ENG_NRES];
    struct plm_summary summary[ENG_NRES];
    struct pol_host_facts facts;
    unsigned cpu_ids; /* the host's pCPU numbers as last read (0: not yet) */
    uint64_t last_arbitration_ms;
    uint64_t last_tick_ms, next_tick_ms;
    bool mem_moving;     /* some target or balloon is still on its way */
    bool timed;          /* an override's expiry, agentless sampling or a
                            trigger's streak waits for the tick */
    bool rearbitrate;    /* an arbitration is owed (it could not run) */
    const char *pending; /* a forced reallocation is owed, and why */
    uint64_t arbitrations, reallocations, serial;
    /* The local time of day at the last turn it was read, and when on the
     * monotonic clock (tod.c); the jumps found. */
    bool tod_seen_ok;
    struct ant_clock tod_seen;
    uint64_t tod_seen_ms;
    uint64_t tod_jumps;
};

/* What happened since the last turn. */
struct eng_input {
    const struct pol_policy *policy;
    struct eng_host host;
    uint64_t now_ms;
    bool paused;       /* watch and arbitrate, but do not enforce */
    bool arbitrate;    /* something changed: arbitrate */
    const char *force; /* reallocate whatever the trigger says, and why */
    bool resync_cpu;   /* bring every domain's CPU settings in line */
    bool tick_now;     /* run the time-based step now (after a resume) */
    /* The local time of day (anticipation): tod_ok when it could be read. */
    bool tod_ok;
    struct ant_clock tod;
};

enum eng_act_kind {
    ENG_ACT_SCHED,    /* weight and/or cap (-1: leave unchanged) */
    ENG_ACT_VCPUS,    /* online vcpus */
    ENG_ACT_TARGET,   /* memory target */
    ENG_ACT_AFFINITY, /* hard and/or soft vcpu affinity (NULL: leave that side) */
    ENG_ACT_GRANT,    /* the allocation in force, for the guest to read */
    ENG_ACT_ANSWER,   /* the status and seq of the guest's last request */
};

struct eng_action {
    enum eng_act_kind kind;
    size_t dom; /* index into the table eng_decide was given */
    int weight, cap;
    unsigned vcpus;
    int64_t target_kib;
    /* ENG_ACT_AFFINITY: the maps, in the domain's record (NULL: that side
     * is left as it is), set on every vcpu below vcpus (its max_vcpus). */
    const struct plm_cpumap *hard, *soft;
    const char *why;  /* the reason, for the log (static, or in the record) */
    const char *note; /* ENG_ACT_ANSWER: NULL for "ok", else "ok: <note>" (static, or in the
                         domain's record, unchanged until its next turn) */
};

/* A line for the log, with the domain it is about (-1: the host). */
struct eng_note {
    int64_t domid;
    bool warning;
    char text[192];
};

struct eng_plan {
    struct eng_action *act;
    size_t nact, act_cap;
    struct eng_action *act_spare; /* act_cap more: the ordering's scratch */
    struct eng_note *note;
    size_t nnote, note_cap;
    bool table_changed; /* an allocation in force changed */
    bool host_unreadable;
    uint64_t wake_at_ms; /* the next turn due without any event (0: none) */
};

/* The domains of one decision, in a fixed order (by domid): n records
 * stride bytes apart, so that they may sit inside the caller's own. */
struct eng_table {
    struct eng_dom *first;
    size_t stride;
    size_t n;
};

static inline struct eng_dom *eng_at(struct eng_table t, size_t i)
{
    return (struct eng_dom *)(void *)((char *)t.first + i * t.stride);
}

/* Scratch the engine reuses between turns (no allocation inside decide
 * but through eng_reserve, which the daemon calls first). */
struct eng_scratch {
    struct plm_work work;
    struct plm_outcome *out;
    struct bal_dom *bal;
    bool *changed;    /* per domain: an allocation changed this turn */
    plm_amt_t *held;  /* per domain: memory it could keep (allot.c) */
    plm_amt_t *kept;  /* per domain: memory it keeps (core/keep.h) */
    bool mem_changed; /* some memory allocation changed this turn */
    size_t cap;
};

void eng_state_init(struct eng_state *st, uint64_t now_ms);
/* Start a record for a newly seen domain, from its snapshot and what Xen
 * says is in force (target, online vcpus) and its CPU time. */
void eng_dom_init(struct eng_dom *e, const struct eng_view *v, int64_t target_kib,
                  unsigned online_vcpus, uint64_t cpu_time_ns, uint64_t now_ms);

/* Room for n domains in the scratch and the plan: 0 or PLM_ENOMEM. */
int eng_reserve(struct eng_scratch *s, struct eng_plan *plan, size_t n);
void eng_scratch_dispose(struct eng_scratch *s);
void eng_plan_dispose(struct eng_plan *plan);
/* After a turn has been applied and reported: a plan with room for more
 * than ENG_PLAN_KEEP actions or notes gives it back (a turn that changed
 * every domain of a large host would otherwise hold its peak for good);
 * the next eng_reserve makes room again. */
#define ENG_PLAN_KEEP 256
void eng_plan_trim(struct eng_plan *plan);

/* Whether the domain is managed (has a source of requests). */
bool eng_managed(const struct eng_dom *e);
/* Whether this turn's snapshot should measure the domain's memory: its
 * balloon may have moved since it was last read. */
bool eng_wants_memory(const struct eng_dom *e);
/* Whether this turn's snapshot should read its online vcpus back (a
 * hotplug check runs, or a fixed guest's count is due to be read again). */
bool eng_wants_vcpus(const struct eng_dom *e, uint64_t now_ms);
/* Whether its memory is fixed: no balloon driver, or one that does not
 * move (uncooperative).  Its allocation is then what it holds. */
bool eng_mem_fixed(const struct eng_dom *e);
/* Whether a guest so seen has a balloon driver: its key says "1", or says
 * nothing and it is PV (a PV guest carries one; Linux does not write the
 * key). */
bool eng_balloon_in(const struct eng_view *v);
/* The vcpus it holds, as its grant says: the count Xen last accepted, or
 * the guest's own when its vcpus are fixed. */
static inline unsigned eng_vcpus_held(const struct eng_dom *e)
{
    return e->vcpus_fixed && e->vcpus_online ? e->vcpus_online : e->vcpus;
}
/* The agentless sampling period: CPU time, network and disk counters are
 * read at most this often (on the tick). */
#define ENG_SAMPLE_MS 1000
/* Whether this turn's snapshot should read its CPU time (agentless). */
bool eng_wants_cpu_time(const struct eng_dom *e, uint64_t now_ms);
/* Whether this turn's snapshot should read its network and disk
 * counters (agentless, with the I/O signal on). */
bool eng_wants_io(const struct eng_dom *e, uint64_t now_ms);
/* Whether a turn is due now without any event (the tick). */
bool eng_tick_due(const struct eng_state *st, uint64_t now_ms);
/* A memory measurement taken by the snapshot. */
void eng_measured_memory(struct eng_dom *e, int64_t actual_kib);

/*
 * The decision.  dom[0..n-1] are the domains, in a fixed order (by
 * domid); each one's in holds this turn's snapshot.  Fills plan (emptied
 * first) and updates st and every eng_at(dom, i).  Pure.
 */
void eng_decide(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                struct eng_scratch *scratch, struct eng_plan *plan);

/* What Xen accepted, from apply: only then does the engine count it as
 * in force. */
void eng_confirm(struct eng_dom *e, const struct eng_action *a);

/* What Xen refused, or what apply put off (a retry not yet due): a CPU
 * setting is then owed and sent again at the next turn; a memory target
 * keeps the mover going (st->mem_moving). */
void eng_refused(struct eng_state *st, struct eng_dom *e, const struct eng_action *a);

/* Forget what was sent to Xen for CPU (vcpu affinity included), so that
 * the next turn sends it all again (after a reload: something else may
 * have reset it). */
void eng_forget_cpu(struct eng_dom *e);

/* Internal pieces, one file each, exported for their table-driven tests. */

/* build.c: the arbiter's request of one domain; returns a bit (1 << r)
 * for each resource whose request the policy refused (left at the floor). */
unsigned eng_build(const struct eng_input *in, struct eng_dom *e);
/* cpu.c: the scheduler settings and online vcpus an allocation maps to. */
struct eng_cpu {
    int weight, cap; /* -1: not enforced this way */
    int vcpus;       /* -1: no hotplug */
};
struct eng_cpu eng_cpu_map(const struct pol_domain *rule, plm_amt_t granted_pct,
                           unsigned max_vcpus);
/* ahead.c: record the guest's request in its history and work out the
 * needs to anticipate now; true when they changed (build it again). */
bool eng_ahead(const struct eng_input *in, struct eng_dom *e);
/* allot.c: every managed domain's grant held to eng_max, for a turn whose
 * arbitration cannot run (the host unreadable) after what a domain can
 * hold fell (its vcpus or maxmem, behind the daemon's back): giving back
 * needs no host facts, and a grant above it would be enforced as is. */
void eng_clamp(struct eng_state *st, struct eng_table dom, struct eng_scratch *scratch,
               struct eng_plan *plan);
/* tod.c: how far the time of day moved beyond (or short of) the
 * monotonic clock between two readings, in ms. */
#define ENG_TOD_JUMP_MS 60000 /* a jump, not a reading's rounding or a clock's drift */
int64_t eng_tod_jump_ms(struct ant_clock was, uint64_t was_ms, struct ant_clock now,
                        uint64_t now_ms);
/* tod.c: this turn's time of day against the last: a jump of at least
 * ENG_TOD_JUMP_MS either way is noted for the host, and after one back
 * the histories forget what they hold after the new time. */
void eng_tod_turn(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                  struct eng_plan *plan);
/* ahead.c: raise the guest's levels of resource r by what is anticipated. */
void eng_ahead_raise(const struct eng_dom *e, int r, plm_amt_t guest[PLM_MAX_LEVELS], unsigned *n);
/* affinity.c: the vcpu affinity action the domain needs this turn, if
 * any (after its CPU actions, so that vcpus brought online in the same
 * plan are covered). */
void eng_affinity(const struct eng_input *in, const struct eng_state *st, struct eng_dom *e,
                  size_t i, struct eng_plan *plan);
/* io.c: the rates over the last period from this turn's reading of the
 * counters (a counter that went down, reset or wrapped, starts a new
 * period and keeps the last rates; counters unread for ENG_IO_STALE_MS
 * are forgotten); true when whether it is busy with I/O changed (build
 * it again). */
#define ENG_IO_STALE_MS 10000
bool eng_sample_io(const struct eng_input *in, struct eng_dom *e);
/* io.c: whether those rates make a guest under rule busy with I/O. */
bool eng_io_busy(const struct pol_domain *rule, uint64_t net_kib_s, uint64_t disk_req_s);
/* io.c: what an agentless guest asks of the CPU: what it used plus the
 * rule's headroom, and no less than the rule's io-cpu while busy with
 * I/O. */
plm_amt_t eng_agentless_cpu(const struct pol_domain *rule, plm_amt_t used, bool io_busy);
/* boost.c: look at the boost asked with a request read this turn and end
 * one whose time is up; true when the domain's request must be built
 * again and the allocations replaced (a boost began or ended). */
bool eng_boost_turn(const struct eng_input *in, struct eng_dom *e);
/* boost.c: whether a boost runs at now. */
static inline bool eng_boost_running(const struct eng_dom *e, uint64_t now_ms)
{
    return e->boost.until_ms > now_ms;
}
/* boost.c: raise the built CPU request pq by the running boost, served at
 * the host level of the guest's first level (the rule's host_level[0]). */
void eng_boost_raise(const struct eng_dom *e, uint64_t now_ms, struct plm_request *pq);
/* boost.c: the boost time granted in the hour before now, ms. */
uint64_t eng_boost_used_ms(const struct eng_boost *b, uint64_t now_ms);
/* memory.c: the mover's parameters from the policy. */
struct bal_params eng_mover_params(const struct pol_host *h);

#endif
