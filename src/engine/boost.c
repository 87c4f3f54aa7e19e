/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The time-critical boost in the decision step (issue 13, point 3).
 *
 * A guest marks part of its CPU request time-critical for a while (the
 * boost value beside its request, protocol/boost.h).  While the boost
 * runs, its request is built with every level from the one its first
 * guest level is served at raised to that amount: the arbiter then
 * serves it before every lower level of every domain, so it comes out
 * of what is free after everyone's granted levels first and then out of
 * lower-priority levels, never out of anyone's floor (the arbiter gives
 * floors before any level), and never above the domain's maximum.
 *
 * The policy's <boost> is the budget, and a hostile guest gets no more
 * than it however it asks: a boost lasts at most max; none starts
 * before cooldown has passed since the last one ended; those begun in
 * the last hour (at most ENG_BOOST_SLOTS of them) add up to at most
 * per-hour, a grant being cut to what is left; the amount is never
 * above the guest's own highest CPU level (as it asks now, while the
 * boost runs), so it only reorders what the guest asks; one ask per request seq, and requests are
 * rate-limited upstream.  A boost ends at its time whether or not the guest writes again: the loop
 * is woken for it (decide.c), its request built again and the allocations replaced at once, the
 * trigger bypassed both ways (a boost the trigger damped would come late or stay too long).
 *
 * Memory is not boosted: a balloon grows at tens to hundreds of MiB/s
 * and must first be emptied elsewhere, so a grant of seconds would be
 * spent mostly moving memory, and taking it back on time could not be
 * promised.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine.h"

uint64_t eng_boost_used_ms(const struct eng_boost *b, uint64_t now_ms)
{
    uint64_t used = 0;

    for (size_t k = 0; k < ENG_BOOST_SLOTS; k++)
        if (b->slot_ms[k] && now_ms - b->slot_at_ms[k] < ENG_BOOST_HOUR_MS)
            used += b->slot_ms[k];
    return used;
}

/* A slot for a grant at now: a free one or one older than an hour; -1
 * when every slot holds a boost of the last hour. */
static int free_slot(const struct eng_boost *b, uint64_t now_ms)
{
    for (size_t k = 0; k < ENG_BOOST_SLOTS; k++)
        if (!b->slot_ms[k] || now_ms - b->slot_at_ms[k] >= ENG_BOOST_HOUR_MS)
            return (int)k;
    return -1;
}

/* End the running boost at now: its slot keeps the time it ran. */
static void end(struct eng_dom *e, uint64_t now_ms, uint64_t cooldown_ms)
{
    struct eng_boost *b = &e->boost;
    uint64_t at = now_ms < b->until_ms ? now_ms : b->until_ms;

    for (size_t k = 0; k < ENG_BOOST_SLOTS; k++)
        if (b->slot_ms[k] && b->slot_at_ms[k] == b->since_ms)
            b->slot_ms[k] = at > b->since_ms ? at - b->since_ms : 1;
    b->until_ms = 0;
    b->cpu = 0;
    b->cooldown_until_ms = at + cooldown_ms;
}

static void vsay(struct eng_boost *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
static void vsay(struct eng_boost *b, const char *fmt, va_list ap)
{
    vsnprintf(b->note, sizeof(b->note), fmt, ap);
    b->note_due = true;
}

/* What the answer says of the boost asked. */
static void say(struct eng_boost *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct eng_boost *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(b, fmt, ap);
    va_end(ap);
}

/* A refusal: said, counted, and nothing begins. */
static bool refuse(struct eng_boost *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool refuse(struct eng_boost *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(b, fmt, ap);
    va_end(ap);
    b->refused++;
    return false;
}

/* The guest's highest CPU level: the most a boost may mark. */
static plm_amt_t top_cpu(const struct eng_dom *e)
{
    const struct proto_request *q = e->in.req;

    if (!q || !(q->flags & PROTO_REQ_HAS(PROTO_RES_CPU)) || q->res[PROTO_RES_CPU].nlevels == 0 ||
        q->res[PROTO_RES_CPU].nlevels > PLM_MAX_LEVELS)
        return 0;
    return q->res[PROTO_RES_CPU].level[q->res[PROTO_RES_CPU].nlevels - 1];
}

/* The boost asked with this turn's request; true when one began or ended. */
static bool ask(const struct eng_input *in, struct eng_dom *e)
{
    const struct pol_domain *rule = e->in.rule;
    const struct proto_boost *q = e->in.boost;
    struct eng_boost *b = &e->boost;
    uint64_t now = in->now_ms;

    if (e->in.boost_err)
        return refuse(b, "boost refused: %s", e->in.boost_err);
    if (!q || !e->in.req || q->seq != e->in.req->seq || (b->seen && b->seq == q->seq))
        return false; /* none, stale, or already looked at */
    b->seen = true;
    b->seq = q->seq;
    if (q->for_ms == 0) {
        if (!eng_boost_running(e, now))
            return false;
        end(e, now, rule->boost_cooldown_ms);
        say(b, "boost ended");
        return true;
    }
    if (!rule->boost)
        return refuse(b, "boost refused: the policy allows none");
    if (e->source != ENG_SRC_AGENT)
        return refuse(b, "boost refused: its request is not in force (override or agentless)");
    if (eng_boost_running(e, now))
        return refuse(b, "boost refused: one runs (%llu ms left)",
                      (unsigned long long)(b->until_ms - now));
    if (now < b->cooldown_until_ms)
        return refuse(b, "boost refused: cooldown (%llu ms left)",
                      (unsigned long long)(b->cooldown_until_ms - now));
    plm_amt_t top = top_cpu(e);
    if (top == 0)
        return refuse(b, "boost refused: no cpu asked");
    uint64_t used = eng_boost_used_ms(b, now);
    int slot = free_slot(b, now);
    if (slot < 0)
        return refuse(b, "boost refused: %d boosts in the last hour already", ENG_BOOST_SLOTS);
    if (used >= rule->boost_per_hour_ms)
        return refuse(b, "boost refused: the hour's budget is spent (%llu of %llu ms)",
                      (unsigned long long)used, (unsigned long long)rule->boost_per_hour_ms);
    uint64_t dur = q->for_ms;
    if (dur > rule->boost_max_ms)
        dur = rule->boost_max_ms;
    if (dur > rule->boost_per_hour_ms - used)
        dur = rule->boost_per_hour_ms - used;
    b->granted++;
    b->since_ms = now;
    b->until_ms = now + dur;
    b->cpu = q->cpu < top ? q->cpu : top;
    b->slot_at_ms[slot] = now;
    b->slot_ms[slot] = dur;
    char amt[PLM_AMT_STRLEN];
    say(b, "boost: cpu %s for %llu ms%s%s", plm_amt_format(b->cpu, amt), (unsigned long long)dur,
        dur < q->for_ms ? " (held to the budget)" : "",
        b->cpu < q->cpu ? " (held to its cpu request)" : "");
    return true;
}

bool eng_boost_turn(const struct eng_input *in, struct eng_dom *e)
{
    bool changed = false;

    if (e->boost.until_ms && !eng_boost_running(e, in->now_ms)) {
        end(e, in->now_ms, e->in.rule->boost_cooldown_ms);
        changed = true;
    } else if (e->boost.until_ms && (!e->in.rule->boost || e->source != ENG_SRC_AGENT)) {
        /* Its rule no longer allows one, or its request is no longer in
         * force (an override, the agent gone silent): it ends now. */
        end(e, in->now_ms, e->in.rule->boost_cooldown_ms);
        changed = true;
    }
    if (e->in.answer_due && ask(in, e))
        changed = true;
    return changed;
}

void eng_boost_raise(const struct eng_dom *e, uint64_t now_ms, struct plm_request *pq)
{
    if (!eng_boost_running(e, now_ms) || e->source != ENG_SRC_AGENT)
        return;
    unsigned h = e->in.rule->host_level[0];
    if (h < 1 || h > PLM_MAX_LEVELS)
        return;
    /* Part of the request in force, as it is now: a guest that asks less
     * while its boost runs has less of it served first. */
    plm_amt_t cpu = top_cpu(e) < e->boost.cpu ? top_cpu(e) : e->boost.cpu;
    /* Levels skipped below h repeat the last asked, as pol_request_build does. */
    plm_amt_t prev = pq->nlevels ? pq->level[pq->nlevels - 1] : 0;
    for (unsigned k = pq->nlevels; k < h; k++)
        pq->level[k] = prev;
    if (pq->nlevels < h)
        pq->nlevels = h;
    for (unsigned k = h - 1; k < pq->nlevels; k++)
        if (pq->level[k] < cpu)
            pq->level[k] = cpu;
}
