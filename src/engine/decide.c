/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eng_decide: one turn of the decision, in the order the effects depend
 * on each other.
 *
 *   1. Requests whose inputs changed (a new request, a rule, an override)
 *      are built again.
 *   2. On a tick (the time-based part, every tick_ms while anything
 *      time-based is pending): overrides expire, agentless domains' CPU
 *      use and network and disk rates are measured (io.c), the memory
 *      mover takes one step; a balloon that stops (or starts again)
 *      moving changes what its domain can give, so its request is built
 *      again.
 *   3. When anything above changed, or the caller says so, the pools are
 *      sized and every resource arbitrated; the trigger decides whether
 *      the new allocations replace those in force.
 *   4. Domains whose allocation changed get their CPU settings and their
 *      grant; a changed memory allocation starts the mover at once (the
 *      next turn is due now).  Every domain, managed or not, gets the vcpu
 *      affinity its rule wants when it differs from what Xen accepted
 *      (affinity.c), after its vcpus.
 *   5. Guests whose request was read this turn get their answer (status
 *      and seq) last, once what they asked is enforced.
 *
 * A boost (boost.c) goes with step 1 too: one asked with a request read
 * this turn may begin, one whose time is up ends; either way the
 * domain's request is built again and the CPU allocations replaced at
 * once (memory keeps its trigger's damping: a boost is CPU alone), and
 * while one runs the loop is woken at its end.
 *
 * Anticipation (ahead.c) goes with step 1: a domain whose recurring need
 * comes due or goes has its request built again; while any domain
 * anticipates, the loop is woken at least once a minute of the day.
 *
 * Everything it decides is in the plan; everything it must remember is in
 * the state.  It never calls the port, never reads a clock, and logs
 * nothing itself: the notes in the plan are for the caller's log.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "engine/engine_int.h"

#define FORCE_CHANGED "domains, overrides or policy changed"
#define FORCE_KIND "a guest's balloon driver or vcpu hotplug changed"
#define FORCE_BOOST "a time-critical boost began or ended"

void eng_state_init(struct eng_state *st, uint64_t now_ms)
{
    memset(st, 0, sizeof(*st));
    st->last_tick_ms = st->next_tick_ms = now_ms;
}

void eng_dom_init(struct eng_dom *e, const struct eng_view *v, int64_t target_kib,
                  unsigned online_vcpus, uint64_t cpu_time_ns, uint64_t now_ms)
{
    memset(e, 0, sizeof(*e));
    e->in = *v;
    e->weight = e->cap = -1;
    e->vcpus = online_vcpus;
    e->mem.target_kib = target_kib;
    e->mem.actual_kib = v->mem_actual_kib;
    e->cpu_time_prev_ns = cpu_time_ns;
    e->cpu_sample_ms = now_ms;
    e->ahead_minute = -1;
    for (int r = 0; r < ENG_NRES; r++)
        plm_request_init(&e->plm[r]);
}

int eng_reserve(struct eng_scratch *s, struct eng_plan *plan, size_t n)
{
    /* At most: per domain a sched, vcpus, target, affinity, grant and
     * answer action; per domain a note per resource and one for its
     * balloon, one per resource anticipated, one for its affinity, one
     * for its I/O, one for its boost; a few for the host. */
    size_t acts = 6 * n + 4, notes = (2 * ENG_NRES + 6) * n + 8;

    if (n > s->cap || !s->out) {
        size_t cap = n < 64 ? 64 : n * 2;
        struct plm_outcome *out = realloc(s->out, cap * sizeof(*out));
        if (out)
            s->out = out;
        struct bal_dom *bal = realloc(s->bal, cap * sizeof(*bal));
        if (bal)
            s->bal = bal;
        bool *ch = realloc(s->changed, cap * sizeof(*ch));
        if (ch)
            s->changed = ch;
        plm_amt_t *held = realloc(s->held, cap * sizeof(*held));
        if (held)
            s->held = held;
        plm_amt_t *kept = realloc(s->kept, cap * sizeof(*kept));
        if (kept)
            s->kept = kept;
        if (!out || !bal || !ch || !held || !kept)
            return PLM_ENOMEM;
        plm_work_dispose(&s->work);
        if (plm_work_init(&s->work, cap) != 0)
            return PLM_ENOMEM;
        s->cap = cap;
    }
    if (acts > plan->act_cap || !plan->act_spare) {
        struct eng_action *a = realloc(plan->act, acts * sizeof(*a));
        if (!a)
            return PLM_ENOMEM;
        plan->act = a;
        struct eng_action *spare = realloc(plan->act_spare, acts * sizeof(*spare));
        if (!spare)
            return PLM_ENOMEM;
        plan->act_spare = spare;
        plan->act_cap = acts;
    }
    if (notes > plan->note_cap) {
        struct eng_note *nt = realloc(plan->note, notes * sizeof(*nt));
        if (!nt)
            return PLM_ENOMEM;
        plan->note = nt;
        plan->note_cap = notes;
    }
    return 0;
}

void eng_scratch_dispose(struct eng_scratch *s)
{
    plm_work_dispose(&s->work);
    free(s->out);
    free(s->bal);
    free(s->changed);
    free(s->held);
    free(s->kept);
    memset(s, 0, sizeof(*s));
}

void eng_plan_dispose(struct eng_plan *plan)
{
    free(plan->act);
    free(plan->act_spare);
    free(plan->note);
    memset(plan, 0, sizeof(*plan));
}

void eng_plan_trim(struct eng_plan *plan)
{
    if (plan->act_cap > ENG_PLAN_KEEP) {
        free(plan->act);
        free(plan->act_spare);
        plan->act = plan->act_spare = NULL;
        plan->nact = plan->act_cap = 0;
    }
    if (plan->note_cap > ENG_PLAN_KEEP) {
        free(plan->note);
        plan->note = NULL;
        plan->nnote = plan->note_cap = 0;
    }
}

struct eng_action *eng_plan_act(struct eng_plan *plan, enum eng_act_kind kind, size_t i)
{
    if (plan->nact >= plan->act_cap)
        return NULL;
    struct eng_action *a = &plan->act[plan->nact++];
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->dom = i;
    a->weight = a->cap = -1;
    return a;
}

void eng_plan_note(struct eng_plan *plan, int64_t domid, bool warning, const char *fmt, ...)
{
    va_list ap;

    if (plan->nnote >= plan->note_cap)
        return;
    struct eng_note *nt = &plan->note[plan->nnote++];
    nt->domid = domid;
    nt->warning = warning;
    va_start(ap, fmt);
    vsnprintf(nt->text, sizeof(nt->text), fmt, ap);
    va_end(ap);
}

void eng_cpu_actions(const struct eng_input *in, struct eng_dom *e, size_t i, struct eng_plan *plan)
{
    e->cpu_owed = false; /* what is still owed is sent below */
    if (in->paused || !eng_managed(e))
        return;
    struct eng_cpu m = eng_cpu_map(e->in.rule, e->granted[POL_CPU], e->in.max_vcpus);
    if ((m.weight >= 0 && m.weight != e->weight) || (m.cap >= 0 && m.cap != e->cap)) {
        struct eng_action *a = eng_plan_act(plan, ENG_ACT_SCHED, i);
        if (a) {
            a->weight = m.weight == e->weight ? -1 : m.weight;
            a->cap = m.cap == e->cap ? -1 : m.cap;
            a->why = e->why[POL_CPU];
        }
    }
    /* Vcpus that do not follow hotplug are not asked to (kinds.c). */
    if (m.vcpus >= 0 && (unsigned)m.vcpus != e->vcpus && !e->vcpus_fixed) {
        struct eng_action *a = eng_plan_act(plan, ENG_ACT_VCPUS, i);
        if (a) {
            a->vcpus = (unsigned)m.vcpus;
            a->why = e->why[POL_CPU];
            eng_vcpus_asked(e, a->vcpus, in->now_ms);
        }
    }
}

void eng_confirm(struct eng_dom *e, const struct eng_action *a)
{
    switch (a->kind) {
    case ENG_ACT_SCHED:
        if (a->weight >= 0)
            e->weight = a->weight;
        if (a->cap >= 0)
            e->cap = a->cap;
        break;
    case ENG_ACT_VCPUS:
        e->vcpus = a->vcpus;
        break;
    case ENG_ACT_TARGET:
        e->mem.target_kib = a->target_kib;
        break;
    case ENG_ACT_AFFINITY:
        eng_affinity_confirm(e, a);
        break;
    case ENG_ACT_GRANT:
    case ENG_ACT_ANSWER:
        break;
    }
}

void eng_refused(struct eng_state *st, struct eng_dom *e, const struct eng_action *a)
{
    if (a->kind == ENG_ACT_VCPUS)
        e->vcpus_asked_ms = 0; /* not set: nothing for the guest to follow */
    if (a->kind == ENG_ACT_SCHED || a->kind == ENG_ACT_VCPUS)
        e->cpu_owed = true;
    else if (a->kind == ENG_ACT_TARGET)
        st->mem_moving = true; /* not there yet: keep ticking */
}

void eng_forget_cpu(struct eng_dom *e)
{
    e->weight = e->cap = -1;
    e->aff_stale = true;
}

bool eng_wants_cpu_time(const struct eng_dom *e, uint64_t now_ms)
{
    return e->in.rule->agentless && now_ms - e->cpu_sample_ms >= ENG_SAMPLE_MS;
}

bool eng_tick_due(const struct eng_state *st, uint64_t now_ms)
{
    return now_ms >= st->next_tick_ms;
}

/* Whether the domain has anything time-based (besides moving memory)
 * that needs the tick. */
static bool timed(const struct eng_dom *e)
{
    if (e->override.until_ms || e->in.rule->agentless)
        return true;
    for (int r = 0; r < ENG_NRES; r++)
        for (size_t k = 0; k < PLM_TRIGGER_MAX_RULES; k++)
            if (e->trig[r].streak[k])
                return true;
    return false;
}

static void build(const struct eng_input *in, struct eng_dom *e, struct eng_plan *plan)
{
    unsigned failed = eng_build(in, e);
    for (int r = 0; r < ENG_NRES; r++)
        if (failed & (1u << r))
            eng_plan_note(plan, e->in.domid, true, "cannot build its %s request",
                          pol_resource_name((enum pol_resource)r));
}

/* CPU use over the last interval, from a reading the snapshot took;
 * true when the measurement changed what an agentless request asks. */
static bool sample_cpu(const struct eng_input *in, struct eng_dom *e)
{
    uint64_t dt_ms = in->now_ms - e->cpu_sample_ms;
    if (!e->in.cpu_read || dt_ms == 0)
        return false;
    uint64_t used_ns = e->in.cpu_time_ns - e->cpu_time_prev_ns;
    /* hundredths of a pCPU, in thousandths: ns / (ms * 1e6) * 100 * 1000 */
    plm_amt_t pct = (plm_amt_t)(used_ns / 10 / dt_ms);
    e->cpu_time_prev_ns = e->in.cpu_time_ns;
    e->cpu_sample_ms = in->now_ms;
    if (pct == e->cpu_used_pct && e->cpu_sampled)
        return false;
    e->cpu_sampled = true;
    e->cpu_used_pct = pct;
    return e->source == ENG_SRC_AGENTLESS || e->source == ENG_SRC_NONE;
}

/* The time-based part; true when something in it calls for arbitration,
 * and *force set when the allocations must be replaced. */
static bool tick(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                 struct eng_scratch *scratch, struct eng_plan *plan, const char **force)
{
    size_t n = dom.n;
    bool again = false;

    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (e->override.until_ms && in->now_ms >= e->override.until_ms) {
            memset(&e->override, 0, sizeof(e->override));
            eng_plan_note(plan, e->in.domid, false, "manual override expired");
            build(in, e, plan);
            *force = FORCE_CHANGED;
            again = true;
        }
        bool cpu = sample_cpu(in, e);
        bool was_busy = e->io_busy;
        bool io = eng_sample_io(in, e);
        if (io && !e->io_based)
            eng_plan_note(plan, e->in.domid, false,
                          "network and disk activity unread for %llu s: judged by CPU time alone",
                          (unsigned long long)(ENG_IO_STALE_MS / 1000));
        else if (io)
            eng_plan_note(plan, e->in.domid, false,
                          was_busy ? "no longer busy with I/O (net %llu KiB/s, disk %llu req/s)"
                                   : "busy with I/O (net %llu KiB/s, disk %llu req/s)",
                          (unsigned long long)e->net_kib_s, (unsigned long long)e->disk_req_s);
        if ((cpu || io) && (e->source == ENG_SRC_AGENTLESS || e->source == ENG_SRC_NONE)) {
            build(in, e, plan);
            again = true;
        }
    }
    if (eng_step_memory(in, st, dom, scratch, plan))
        again = true;
    st->last_tick_ms = in->now_ms;
    st->next_tick_ms = in->now_ms + in->policy->host.tick_ms;
    /* While anything time-based is pending, every tick arbitrates (as of
     * the last turn: only an arbitration changes it, and that comes after). */
    return again || st->timed;
}

/* What the answer says besides "ok": the guest's kind, and what became
 * of the boost it asked with this request. */
static const char *answer_note(struct eng_dom *e)
{
    const char *kind = eng_answer_note(e);

    if (!e->boost.note_due)
        return kind;
    e->boost.note_due = false;
    snprintf(e->answer_note, sizeof(e->answer_note), "%s%s%s", e->boost.note, kind ? "; " : "",
             kind ? kind : "");
    return e->answer_note;
}

/* The class of an action in the order the host acts (order_plan). */
static unsigned act_class(enum eng_act_kind k)
{
    switch (k) {
    case ENG_ACT_SCHED:
    case ENG_ACT_VCPUS:
    case ENG_ACT_AFFINITY:
        return 0;
    case ENG_ACT_TARGET:
        return 1;
    case ENG_ACT_GRANT:
        return 2;
    case ENG_ACT_ANSWER:
        return 3;
    }
    return 3;
}

/*
 * The plan in the order the host is to act, what the guests wait on
 * soonest first: every domain's CPU settings (a few hypercalls each),
 * then the memory targets (a libxl call each, tens of milliseconds on a
 * slow host), then the grants and last the answers (xenstore
 * transactions).  Within a class the order is kept: a domain's sched
 * before its vcpus, the mover's shrinks before its grows.  So no CPU
 * reaction waits for another domain's grant or for a balloon step, and a
 * domain's grant still follows its own enforcement.
 */
static void order_plan(struct eng_plan *plan)
{
    size_t start[4] = {0}, n = plan->nact;

    if (n < 2 || !plan->act_spare)
        return;
    for (size_t k = 0; k < n; k++) {
        unsigned c = act_class(plan->act[k].kind);
        for (unsigned later = c + 1; later < 4; later++)
            start[later]++;
    }
    for (size_t k = 0; k < n; k++)
        plan->act_spare[start[act_class(plan->act[k].kind)]++] = plan->act[k];
    memcpy(plan->act, plan->act_spare, n * sizeof(*plan->act));
}

void eng_decide(const struct eng_input *in, struct eng_state *st, struct eng_table dom,
                struct eng_scratch *scratch, struct eng_plan *plan)
{
    size_t n = dom.n;
    const char *force = in->force ? in->force : st->pending;
    bool arbitrate = in->arbitrate || st->rearbitrate || force;
    bool ahead = false;           /* some domain anticipates: look again each minute */
    const char *force_cpu = NULL; /* a boost began or ended: the CPU alone */

    if (in->host.ok)
        st->cpu_ids = in->host.cpu_ids ? in->host.cpu_ids : in->host.pcpus;
    plan->nact = plan->nnote = 0;
    plan->table_changed = plan->host_unreadable = false;
    plan->wake_at_ms = 0;
    scratch->mem_changed = false;
    if (n > 0)
        memset(scratch->changed, 0, n * sizeof(*scratch->changed));
    /* Before anything is recorded at this turn's time of day. */
    eng_tod_turn(in, st, dom, plan);

    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        /* A balloon driver that came or went, vcpus found fixed or
         * movable again: what it can give or use changed at once. */
        bool kind = eng_kinds(in, e, plan);
        if (kind) {
            force = force ? force : FORCE_KIND;
            scratch->changed[i] = true; /* its grant, even if unchanged */
        }
        if (e->in.changed || kind) {
            build(in, e, plan);
            arbitrate = true;
        }
        /* A recurring need coming due, or gone: built again with it. */
        if (eng_ahead(in, e)) {
            build(in, e, plan);
            arbitrate = true;
            for (int r = 0; r < ENG_NRES; r++)
                if (e->ahead[r].found)
                    eng_plan_note(plan, e->in.domid, false,
                                  "anticipating the %02u:%02u %s peak: %lld %s",
                                  e->ahead[r].peak_sec / 3600, e->ahead[r].peak_sec / 60 % 60,
                                  r == POL_MEMORY ? "memory" : "cpu", (long long)e->ahead[r].total,
                                  r == POL_MEMORY ? "MiB" : "pct");
        }
        if (e->hist && e->in.rule->anticipate && in->tod_ok)
            ahead = true;
        /* A boost asked, or its time up: built again, and in force now. */
        if (eng_boost_turn(in, e)) {
            build(in, e, plan);
            arbitrate = true;
            force_cpu = FORCE_BOOST;
            if (eng_boost_running(e, in->now_ms))
                eng_plan_note(plan, e->in.domid, false, "%s", e->boost.note);
            else
                eng_plan_note(plan, e->in.domid, false, "boost over");
        } else if (e->boost.note_due) {
            eng_plan_note(plan, e->in.domid, false, "%s", e->boost.note);
        }
    }
    if (in->tick_now)
        st->next_tick_ms = in->now_ms;
    if (eng_tick_due(st, in->now_ms) && tick(in, st, dom, scratch, plan, &force))
        arbitrate = true;

    if (arbitrate && n > 0) {
        if (!in->host.ok) {
            /* Owed, and tried again at the next tick; meanwhile no grant
             * stays above what its domain can now hold. */
            plan->host_unreadable = true;
            st->rearbitrate = true;
            st->pending = force;
            eng_clamp(st, dom, scratch, plan);
        } else {
            eng_allot(in, force, force_cpu, st, dom, scratch, plan);
            st->rearbitrate = false;
            st->pending = NULL;
        }
    } else if (n == 0) {
        st->rearbitrate = false;
        st->pending = NULL;
        /* Nothing to share, but the pools are sized all the same: an
         * empty host is the best place for a pool's migration, and its
         * records must say what it could give. */
        if (in->host.ok)
            eng_size_pools(in, st, dom, plan);
    }

    /* One pass over the domains for the enforcement actions, what is due
     * in time and the answers owed; a second one for the answers, which
     * come last: a guest learns its request was taken once it is
     * enforced. */
    size_t answers = 0;
    uint64_t probe = 0;
    st->timed = false;
    for (size_t i = 0; i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!eng_managed(e) || !e->in.req)
            e->answer_again = false; /* nothing to answer */
        answers += e->in.answer_due || e->answer_again;
        if (!st->timed && timed(e))
            st->timed = true;
        /* Affinity is the rule's, whether or not the domain asks for
         * anything. */
        if (in->resync_cpu)
            e->aff_stale = true;
        if (!eng_managed(e)) {
            eng_affinity(in, st, e, i, plan);
            continue;
        }
        /* A vcpus check waits for the guest's count, at a time of its own
         * (never before the next tick: a count that could not be read at
         * its time must not wake the loop at once, and again). */
        uint64_t check = eng_kinds_wake(e);
        if (check && check < st->next_tick_ms)
            check = st->next_tick_ms;
        if (check && (probe == 0 || check < probe))
            probe = check;
        /* A probe is made by the mover, at a tick, and only for a domain
         * the mover takes: waking for it before the tick, or for one the
         * mover no longer takes, would wake the loop for nothing, at once
         * and again (a busy loop). */
        if (e->boost.until_ms && (probe == 0 || e->boost.until_ms < probe))
            probe = e->boost.until_ms;
        if (e->mem.uncooperative && !e->probe_until_ms && eng_moves(e)) {
            uint64_t at = e->probe_at_ms > st->next_tick_ms ? e->probe_at_ms : st->next_tick_ms;
            if (probe == 0 || at < probe)
                probe = at;
        }
        if (scratch->changed[i] || in->resync_cpu || e->cpu_owed)
            eng_cpu_actions(in, e, i, plan);
        eng_affinity(in, st, e, i, plan);
        if (scratch->changed[i]) {
            struct eng_action *a = eng_plan_act(plan, ENG_ACT_GRANT, i);
            if (a)
                a->why = "its allocation changed";
        }
    }
    for (size_t i = 0; answers > 0 && i < n; i++) {
        struct eng_dom *e = eng_at(dom, i);
        if (!e->in.answer_due && !e->answer_again)
            continue;
        answers--;
        struct eng_action *a = eng_plan_act(plan, ENG_ACT_ANSWER, i);
        if (a) {
            a->why = e->in.answer_due ? "its request was taken" : "what it can do changed";
            a->note = answer_note(e);
        }
        e->answer_again = false;
    }
    if (scratch->mem_changed) {
        /* New memory allocations start moving at once. */
        st->mem_moving = true;
        st->next_tick_ms = in->now_ms;
    }
    if (st->mem_moving || st->rearbitrate || st->timed)
        plan->wake_at_ms = st->next_tick_ms;
    if (probe && (!plan->wake_at_ms || probe < plan->wake_at_ms))
        plan->wake_at_ms = probe;
    if (ahead) {
        uint64_t minute = in->now_ms + (60 - in->tod.sec % 60) * 1000ull;
        if (!plan->wake_at_ms || minute < plan->wake_at_ms)
            plan->wake_at_ms = minute;
    }
    order_plan(plan);
}
