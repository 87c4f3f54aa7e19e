/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest kinds: what a guest can do with what it is given, as far as the
 * daemon can tell, and what follows for the decision.
 *
 * A balloon driver.  control/feature-balloon is where a guest says it has
 * one: "1" (Windows PV drivers and XenServer's guest tools write it),
 * anything else none.  Linux's xen-balloon writes nothing there, and xl's
 * toolstack (4.17) does not create the key, so most guests say nothing:
 * a PV guest that says nothing has a balloon driver (a PV kernel carries
 * one, as Xen's maintainers put it), a PVH or HVM guest that says nothing
 * is taken to have none (RHEL's HVM-only kernels have none; a Linux HVM
 * guest with xen-balloon cannot be told from them).  The snapshot reads
 * the key (a guest-written value, bounded) and the domain's type; the
 * engine never counts on moving the memory of a guest without a balloon:
 * its target is never set, its allocation is what it holds (within
 * its maximum: build.c, as for a balloon that does not move), what it
 * holds above that stays out of the pool (allot.c), so nobody else is
 * promised it, and a request's memory levels are answered "ok: no
 * balloon ...".  The key appearing later (a driver loaded late) makes the
 * guest's memory movable at that turn, with a fresh start for the mover;
 * the key going away makes it fixed again.  This is not the
 * "uncooperative" mark of core/balloon.c, which is about a balloon that
 * is there but does not move: the mark is dropped while there is no
 * balloon, and a balloon without a driver is never probed.
 *
 * Vcpu hotplug.  Nothing in xenstore says whether a guest follows
 * cpu/N/availability (Linux's PV and PVH kernels watch it; an HVM guest
 * needs ACPI hotplug; a PV kernel leaves a hot-plugged vcpu offline until
 * something in the guest onlines it).  So the engine watches what
 * happens: after a vcpus change Xen accepted, the guest's online count
 * (Xen's, read back) must reach it within VCPUS_FOLLOW_MS.  When it does
 * not, the guest's vcpus are fixed ("no vcpu hotplug"): no vcpus change is
 * asked any more, CPU moves through weight and cap only, and the most it
 * may be granted is what its online vcpus can use.  Its count is read
 * again every VCPUS_RECHECK_MS; once it reaches what was last set (the
 * guest caught up late: its agent started, say), hotplug is used again.
 */
#include "config.h"

#include "engine/engine_int.h"

/* A vcpus change the guest does not follow within this is not followed. */
#define VCPUS_FOLLOW_MS 30000
/* A guest whose vcpus are fixed is read again this often. */
#define VCPUS_RECHECK_MS 10000

#define NOTE_BALLOON "no balloon (memory levels not enforced: it keeps what it holds)"
#define NOTE_HOTPLUG "no vcpu hotplug (CPU through weight and cap only)"

bool eng_balloon_in(const struct eng_view *v)
{
    return v->balloon_key == PROTO_FEATURE_ON || (v->balloon_key == PROTO_FEATURE_UNSAID && v->pv);
}

bool eng_mem_fixed(const struct eng_dom *e)
{
    return !e->balloon || e->mem.uncooperative;
}

bool eng_wants_vcpus(const struct eng_dom *e, uint64_t now_ms)
{
    if (!eng_managed(e) || !e->in.rule->vcpu_hotplug)
        return false;
    return e->vcpus_asked_ms != 0 || (e->vcpus_fixed && now_ms >= e->vcpus_recheck_ms);
}

void eng_vcpus_asked(struct eng_dom *e, unsigned vcpus, uint64_t now_ms)
{
    e->vcpus_asked = vcpus;
    e->vcpus_asked_ms = now_ms ? now_ms : 1;
}

const char *eng_answer_note(const struct eng_dom *e)
{
    const struct proto_request *q = e->in.req;
    bool mem = q && (q->flags & PROTO_REQ_HAS(PROTO_RES_MEM)) && !e->balloon;
    bool cpu = e->vcpus_fixed;

    if (mem && cpu)
        return NOTE_BALLOON "; " NOTE_HOTPLUG;
    return mem ? NOTE_BALLOON : cpu ? NOTE_HOTPLUG : NULL;
}

uint64_t eng_kinds_wake(const struct eng_dom *e)
{
    if (!eng_managed(e) || !e->in.rule->vcpu_hotplug)
        return 0;
    if (e->vcpus_asked_ms)
        return e->vcpus_asked_ms + VCPUS_FOLLOW_MS;
    return e->vcpus_fixed ? e->vcpus_recheck_ms : 0;
}

/* The balloon driver as this turn's snapshot saw it; true when it came or
 * went (or is seen for the first time). */
static bool balloon_seen(struct eng_dom *e, struct eng_plan *plan)
{
    bool first = !e->kind_known, now = eng_balloon_in(&e->in);

    e->kind_known = true;
    if (!first && now == e->balloon)
        return false;
    if (first && now) {
        e->balloon = true; /* the usual case: nothing to say */
        return true;
    }
    e->balloon = now;
    /* Whatever the mover knew of it is no longer true. */
    e->mem.rate_kib_s = 0;
    e->mem.uncooperative = false;
    e->probe_at_ms = e->probe_until_ms = e->probe_wait_ms = 0;
    e->mem_moving = false;
    e->mem.actual_kib = e->in.mem_actual_kib;
    e->mem_reread = e->balloon; /* measure it at once */
    e->answer_again = e->in.req != NULL;
    if (e->balloon)
        eng_plan_note(plan, e->in.domid, false,
                      "balloon driver appeared (control/feature-balloon): its memory can move");
    else
        eng_plan_note(plan, e->in.domid, true,
                      "no balloon driver (control/feature-balloon %s): its memory stays as it is "
                      "and is never counted as movable",
                      e->in.balloon_key == PROTO_FEATURE_OFF ? "says none"
                                                             : "unsaid, and not a PV guest");
    return true;
}

/* The guest's online vcpus, when read back this turn; true when its vcpus
 * became fixed or movable, or a fixed count changed. */
static bool vcpus_seen(const struct eng_input *in, struct eng_dom *e, struct eng_plan *plan)
{
    uint64_t now = in->now_ms;
    unsigned before = e->vcpus_online;

    if (!e->in.rule->vcpu_hotplug) {
        /* No hotplug asked: nothing to follow, nothing fixed. */
        bool was = e->vcpus_fixed;
        e->vcpus_fixed = false;
        e->vcpus_asked_ms = 0;
        return was;
    }
    if (!e->in.online_read)
        return false;
    e->vcpus_online = e->in.online_vcpus;
    if (e->vcpus_asked_ms) {
        if (e->vcpus_online == e->vcpus_asked) {
            e->vcpus_asked_ms = 0; /* it followed */
            return false;
        }
        if (now < e->vcpus_asked_ms || now - e->vcpus_asked_ms < VCPUS_FOLLOW_MS)
            return false;
        e->vcpus_asked_ms = 0;
        e->vcpus_fixed = true;
        e->vcpus_recheck_ms = now + VCPUS_RECHECK_MS;
        e->answer_again = e->in.req != NULL;
        eng_plan_note(plan, e->in.domid, true,
                      "its vcpus do not follow hotplug (%u set, %u online after %u s): no vcpu "
                      "hotplug, its CPU moves through weight and cap only",
                      e->vcpus_asked, e->vcpus_online, VCPUS_FOLLOW_MS / 1000);
        return true;
    }
    if (!e->vcpus_fixed)
        return false;
    e->vcpus_recheck_ms = now + VCPUS_RECHECK_MS;
    if (e->vcpus_online == e->vcpus) {
        e->vcpus_fixed = false;
        e->answer_again = e->in.req != NULL;
        eng_plan_note(plan, e->in.domid, false,
                      "its vcpus follow hotplug again (%u online, as set)", e->vcpus_online);
        return true;
    }
    return e->vcpus_online != before;
}

bool eng_kinds(const struct eng_input *in, struct eng_dom *e, struct eng_plan *plan)
{
    bool changed = balloon_seen(e, plan);

    if (vcpus_seen(in, e, plan))
        changed = true;
    return changed && eng_managed(e);
}
