/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * soak: xenplmd's own loop (dmn_init, dmn_step, dmn_fini) over a long
 * scenario generated from a seed, on the simulated host, with the
 * daemon's invariants checked after every single step (`make soak`, and a
 * short form in `make check`: tests/soak/soak.sh).
 *
 *   soak [--seed N] [--seconds S] [--policy FILE] [--schema FILE]
 *        [--scenario-out FILE] [--verbose]
 *
 * (SOAK_DEBUG=1 in the environment: the daemon's record of every domain
 * at a stall, of the domain at a floor violation.)
 *
 * The scenario (xenplm-sim(5)) is generated from the seed alone, so a
 * seed and a length reproduce a run exactly; --scenario-out writes it to
 * a file for xenplmd-sim(8).  It has a host (8 pCPUs, 16 GiB), 4 to 6
 * guests at the start, each with an agent whose CPU and memory requests
 * (1 to 4 levels) change at random times, and, at random times too:
 * hostile guests (garbage written over their request, request floods,
 * writes outside their area, the request removed), balloons that stick
 * and unstick, guests without a balloon driver or vcpu hotplug, drivers
 * loaded late and gone again, hotplug that starts or stops working, floors and balloon rates that
 * change, workloads that change, domains destroyed and others created behind the daemon's back (3
 * to 8 guests at any time), guests that take memory above their target (grow), maxmem changed (xl
 * mem-max) and vcpus changed (maxvcpus) behind the daemon's back, domains paused and unpaused,
 * crashed (kept until a later destroy) or shut down, every host-call fault of xenplm-sim(5)
 * (sched-set, vcpus-set, mem-target-set, domain-info for one domain; host-info for the host; by
 * count or for a while; fail, inval or nomem), xenstore faults of dom0's connection (xs-fail:
 * watches refused, transactions that conflict or fail), watch events delivered twice or late (watch
 * delay: up to 2 s; not lost ones: the daemon polls no key, by design), a slow xenstored (xs-slow,
 * up to 200 ms a call), the wall clock set forward or back (clock jump, a minute to two days) and,
 * rarely, a broken xenstore connection.  Events come in bursts separated by quiet stretches of 1 to
 * 29 minutes, so that the daemon's behaviour with constant inputs is seen too.  The policy is the
 * daemon tests' (tests/daemon/base.xml): CPU 10..300, memory 512..3072 MiB, 512 MiB headroom.
 *
 * The invariants, checked after every dmn_step, each counted and each
 * violation printed (the first ten of each) with the simulated time:
 *   pool       per resource, the sum of the managed domains' grants is at
 *              most the pool;
 *   max        no grant above the domain's policy max, nor (memory) its
 *              maxmem, nor (CPU) its maxvcpus x 100 (but within
 *              LIMIT_LAG_S after an xl mem-max or a maxvcpus line: the
 *              daemon learns of them at its next reading of the domain, a
 *              minute later at most; or, while that domain's readings
 *              fail, until one succeeds);
 *   floor      no memory target the daemon set (the last one Xen took: the
 *              one a domain was built with stays when every set fails)
 *              below the domain's floor (the policy's min, at least the
 *              host's minimal allotment) unless its maxmem is lower, and
 *              none above its maxmem; a domain built with less than its
 *              floor is brought up to it a step at a time, so a target
 *              below the floor is a violation only when it is below what
 *              the domain held when it was set (the daemon took it
 *              further down; not a guest that grew above it later);
 *   refused    no call refused by the host but those the scenario failed,
 *              those about a domain destroyed while the daemon decided (a
 *              race with the toolstack every daemon has, which Xen
 *              answers with ENOENT), and those about a domain whose
 *              maxmem or maxvcpus changed (an xl mem-max or a maxvcpus
 *              line), or that shut down or crashed, while no reading of
 *              that domain had succeeded since (the simulator's
 *              port_sim_domain.changed_unread: the daemon could not know,
 *              however long its readings fail or its watch event is
 *              late); a refusal after one reading got through counts (a
 *              crashed domain the daemon has seen it must let go of);
 *   headroom   Xen's free memory at or above the policy's headroom, except
 *              within HEADROOM_WINDOW_S simulated seconds after a domain
 *              the daemon did not create appeared, or a guest took memory
 *              above its target (grow) (either takes memory at once; the
 *              daemon then has to take memory back from balloons that may
 *              be slow or stuck, a paused domain's among them): outside
 *              that window, free memory below the headroom is a violation
 *              when it went down during the step (the daemon gave away
 *              what it did not have) or stays there longer than the
 *              window while no balloon is stuck;
 *   cycles     no limit cycle: over every quiet stretch (no scenario event
 *              at all since its start, so every domain's request, rule,
 *              stuck state and faults are constant; for one domain, also
 *              not since its domain info could be read again after a
 *              count of failures ran out), a domain's grant of a
 *              resource changes at most CYCLE_BOUND times;
 *   heap       the process's heap (mallinfo2's in-use bytes), sampled
 *              whenever the daemon is idle, does not grow beyond HEAP_SLACK
 *              bytes over its largest value in the first quarter of the run
 *              (the warm-up: every table at its largest size), plus
 *              HEAP_PER_DOMAIN bytes for every domain created since: the
 *              simulator keeps a record (about 600 bytes) of every domain
 *              ever created, gone ones included, in the same heap (a daemon
 *              leak of less than that per domain created would not show;
 *              one per request, event or step would).  Not measured under a
 *              sanitizer, whose allocator mallinfo2 does not see (reported
 *              as such);
 *   stall      the loop makes progress: STALL_STEPS steps in a row without
 *              the simulated clock moving end the run as a violation;
 *   kinds      no memory target set for a domain while the daemon knows it
 *              has no balloon driver, no vcpus set for one whose vcpus it
 *              found fixed, and the daemon's idea of a guest's balloon
 *              driver is the guest's within KIND_LAG_MS, a minute more
 *              while xenstored refuses the watch on its key (a balloon
 *              that is not there counts as stuck for the headroom check).
 *
 * It prints the counts checked and the violations, per invariant, and
 * exits 1 on any violation (2 when it cannot run).
 */
#include "config.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "policy/policy.h"
#include "port/port.h"
#include "sim/port_sim.h"

#ifndef XENPLM_SRCDIR
#define XENPLM_SRCDIR "."
#endif

#define MIB 1024ull
#define HEADROOM_WINDOW_S 600
#define LIMIT_LAG_S 70
#define CYCLE_BOUND 4
#define STALL_STEPS 10000
#define HEAP_SLACK (64u * 1024u)
#define HEAP_PER_DOMAIN 1024u
#define MAX_GUESTS 8
#define MIN_GUESTS 3
#define SCN_MAX (1000u * 1024u) /* below xenplm-sim(5)'s 1 MiB */
#define MAX_EVENTS 200000
#define MAX_CREATES 4096

/* --- a small deterministic generator (splitmix64) ------------------------ */

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static uint64_t between(uint64_t lo, uint64_t hi)
{
    return lo + rnd() % (hi - lo + 1);
}

static bool chance(unsigned pct)
{
    return rnd() % 100 < pct;
}

/* --- the scenario ---------------------------------------------------------- */

struct scn {
    char *text;
    size_t len;
    bool full;
    /* Times (s) of every event, of every create, and of every grow (with
     * creates: memory taken behind the daemon's back), for the checks. */
    uint64_t *event_s;
    size_t nevents;
    uint64_t create_s[MAX_CREATES];
    size_t ncreates;
    uint64_t grow_s[MAX_CREATES];
    size_t ngrows;
    uint64_t limit_s[MAX_CREATES]; /* xl mem-max, maxvcpus */
    size_t nlimits;
};

static void emit(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct scn *s, const char *fmt, ...)
{
    va_list ap;
    if (s->full)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(s->text + s->len, SCN_MAX - s->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= SCN_MAX - s->len)
        s->full = true;
    else
        s->len += (size_t)n;
}

struct guest {
    char name[16];
    unsigned maxvcpus;
    unsigned maxmem; /* MiB */
};

static struct guest live[MAX_GUESTS];
static size_t nlive;
/* Crashed guests, kept by Xen until a destroy line. */
static struct guest crashed[MAX_GUESTS];
static size_t ncrashed;
static unsigned next_name;

static void domain_opts(struct scn *s, struct guest *g, unsigned most_mem)
{
    static const unsigned maxmems[] = {384, 1024, 2048, 3072, 4096, 6144};
    g->maxvcpus = (unsigned)between(1, 4);
    g->maxmem = maxmems[between(0, sizeof(maxmems) / sizeof(maxmems[0]) - 1)];
    unsigned mem = (unsigned)between(256, g->maxmem < most_mem ? g->maxmem : most_mem);
    mem -= mem % 16;
    emit(s, " memory=%u maxmem=%u maxvcpus=%u cpu=%u balloon-rate=%u floor=%u%s%s%s\n", mem,
         g->maxmem, g->maxvcpus, (unsigned)between(0, g->maxvcpus * 100),
         (unsigned)between(16, 512), chance(20) ? (unsigned)between(0, mem) : 0,
         chance(10) ? " stuck=on" : "", chance(10) ? " type=hvm balloon=off" : "",
         chance(10) ? " hotplug=off" : "");
}

static void add_guest(struct scn *s, const char *prefix, unsigned most_mem)
{
    struct guest *g = &live[nlive++];
    snprintf(g->name, sizeof(g->name), "g%u", next_name++);
    emit(s, "%s%s", prefix, g->name);
    domain_opts(s, g, most_mem);
}

/* Levels in whole units, cumulative, 1 to 4 of them. */
static void levels(char *buf, size_t cap, unsigned top)
{
    unsigned n = (unsigned)between(1, 4), v = 0;
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n && len < cap; i++) {
        v += (unsigned)between(i == 0 ? 1 : 0, top / n);
        len += (size_t)snprintf(buf + len, cap - len, "%s%u", i ? "," : "", v);
    }
}

/* What happens to a domain behind the daemon's back: its guest takes
 * memory above its target, it is paused or unpaused, it crashes (and is
 * kept until a destroy line) or shuts down (and is destroyed). */
static void domain_event(struct scn *s, struct guest *g, unsigned kind, uint64_t t_ms)
{
    if (kind < 40) {
        emit(s, "%s grow %u\n", g->name, (unsigned)between(1, g->maxmem));
        if (s->ngrows < MAX_CREATES)
            s->grow_s[s->ngrows++] = t_ms / 1000;
    } else if (kind < 41) {
        /* Refused when below its target at the time, as libxl does. */
        if (chance(50)) {
            emit(s, "%s maxmem %u\n", g->name, (unsigned)between(256, 6144));
        } else {
            g->maxvcpus = (unsigned)between(1, 4);
            emit(s, "%s maxvcpus %u\n", g->name, g->maxvcpus);
        }
        if (s->nlimits < MAX_CREATES)
            s->limit_s[s->nlimits++] = t_ms / 1000;
    } else if (kind < 43) {
        emit(s, "%s %s\n", g->name, chance(50) ? "pause" : "unpause");
    } else if (nlive > MIN_GUESTS && kind == 43) {
        emit(s, "%s crash\n", g->name);
        crashed[ncrashed++] = *g;
        *g = live[--nlive];
    } else if (nlive > MIN_GUESTS) {
        emit(s, "%s shutdown\n", g->name);
        *g = live[--nlive];
    } else {
        emit(s, "%s unpause\n", g->name);
    }
}

static void event(struct scn *s, uint64_t t_ms, uint64_t *last_ms)
{
    static const char *const calls[] = {"sched-set", "vcpus-set", "mem-target-set", "domain-info"};
    static const char *const errs[] = {"", " fail", " inval", " nomem"};
    static const char *const xs_watch_errs[] = {"", " fail", " quota"};
    static const char *const xs_txn_errs[] = {"", " eagain", " quota", " fail"};
    static const char *const garbage[] = {
        "\"garbage\"",
        "\"xenplm-request 1\\nseq 1\\n\"",
        "\"xenplm-request 1\\nseq 18446744073709551615\\ncpu pct 99999999\\n\"",
        "\"\\x00\\xff\\x01\"*300",
        "\"xenplm-request 1\\nseq 5\\nmem mib 1,2,3\\nmem mib 4\\n\"",
        "\"A\"*2049",
    };
    char a[96], b[96];
    struct guest *g = nlive ? &live[between(0, nlive - 1)] : NULL;
    unsigned kind = (unsigned)between(0, 99);

    if (t_ms <= *last_ms)
        t_ms = *last_ms;
    *last_ms = t_ms;
    if (s->nevents < MAX_EVENTS)
        s->event_s[s->nevents++] = t_ms / 1000;
    if (!g || kind < 2) {
        if (nlive < MAX_GUESTS && s->ncreates < MAX_CREATES) {
            s->create_s[s->ncreates++] = t_ms / 1000;
            emit(s, "at %" PRIu64 "ms ", t_ms);
            add_guest(s, "create ", 6144);
        }
        return;
    }
    emit(s, "at %" PRIu64 "ms ", t_ms);
    if (kind >= 39 && kind < 45) {
        domain_event(s, g, kind, t_ms);
    } else if (kind < 45) {
        levels(a, sizeof(a), g->maxvcpus * 100 + 100);
        levels(b, sizeof(b), g->maxmem + 1024);
        if (chance(15))
            emit(s, "%s request cpu=%s\n", g->name, a);
        else if (chance(15))
            emit(s, "%s request mem=%s\n", g->name, b);
        else
            emit(s, "%s request cpu=%s mem=%s\n", g->name, a, b);
    } else if (kind < 51) {
        emit(s, "%s stuck %s\n", g->name, chance(50) ? "on" : "off");
    } else if (kind < 53) {
        emit(s, "%s balloon %s\n", g->name, chance(50) ? "on" : "off");
    } else if (kind < 55) {
        emit(s, "%s hotplug %s\n", g->name, chance(50) ? "on" : "off");
    } else if (kind < 60) {
        emit(s, "%s cpu %u\n", g->name, (unsigned)between(0, g->maxvcpus * 100));
    } else if (kind < 63) {
        emit(s, "%s floor %u\n", g->name, (unsigned)between(0, g->maxmem));
    } else if (kind < 65) {
        emit(s, "%s balloon-rate %u\n", g->name, (unsigned)between(1, 512));
    } else if (kind < 71) {
        emit(s, "%s write data/xenplm/request %s\n", g->name, garbage[between(0, 5)]);
    } else if (kind < 73) {
        emit(s, "%s write %s \"x\"\n", g->name,
             chance(50) ? "memory/target" : "/local/domain/0/name");
    } else if (kind < 74) {
        emit(s, "%s rm data/xenplm\n", g->name);
    } else if (kind < 78) {
        emit(s, "%s flood %u\n", g->name, (unsigned)between(1, 2000));
    } else if (kind < 90) {
        if (chance(50))
            emit(s, "%s fail %s %u%s\n", g->name, calls[between(0, 3)], (unsigned)between(0, 20),
                 errs[between(0, 3)]);
        else
            emit(s, "%s fail %s for %us%s\n", g->name, calls[between(0, 3)],
                 (unsigned)between(1, 600), errs[between(0, 3)]);
    } else if (kind < 92) {
        if (chance(50))
            emit(s, "fail host-info %u%s\n", (unsigned)between(0, 10), errs[between(0, 3)]);
        else
            emit(s, "fail host-info for %us%s\n", (unsigned)between(1, 120), errs[between(0, 3)]);
    } else if (kind < 94) {
        bool txn = chance(50);
        const char *err = txn ? xs_txn_errs[between(0, 3)] : xs_watch_errs[between(0, 2)];
        if (chance(50))
            emit(s, "xs-fail %s %u%s\n", txn ? "txn" : "watch", (unsigned)between(0, 30), err);
        else
            emit(s, "xs-fail %s for %us%s\n", txn ? "txn" : "watch", (unsigned)between(1, 300),
                 err);
    } else if (kind < 95 && chance(50)) {
        emit(s, "disconnect\n");
    } else if (kind < 95) {
        /* Lost events are left out: the daemon polls no key, so what one
         * announced waits for the guest's next write (xenplm-sim(5)). */
        unsigned which = (unsigned)between(0, 3);
        if (which == 0)
            emit(s, "watch dup %u\n", (unsigned)between(1, 50));
        else if (which == 1)
            emit(s, "xs-slow %ums\n", chance(50) ? 0u : (unsigned)between(1, 200));
        else if (which == 2 && chance(50))
            emit(s, "watch delay %ums %u\n", (unsigned)between(1, 2000), (unsigned)between(1, 50));
        else if (which == 2)
            emit(s, "watch delay %ums for %us\n", (unsigned)between(1, 2000),
                 (unsigned)between(1, 120));
        else
            emit(s, "clock jump %c%umin\n", chance(50) ? '+' : '-', (unsigned)between(1, 2 * 1440));
    } else if (ncrashed > 0 && chance(50)) {
        struct guest *c = &crashed[between(0, ncrashed - 1)];
        emit(s, "%s destroy\n", c->name);
        *c = crashed[--ncrashed];
    } else if (nlive > MIN_GUESTS) {
        emit(s, "%s destroy\n", g->name);
        *g = live[--nlive];
    } else {
        emit(s, "%s cpu 0\n", g->name);
    }
}

static int generate(struct scn *s, uint64_t seconds)
{
    uint64_t t_ms = 0, last_ms = 0, end_ms = seconds * 1000;

    s->text = malloc(SCN_MAX);
    s->event_s = calloc(MAX_EVENTS, sizeof(*s->event_s));
    if (!s->text || !s->event_s)
        return -1;
    emit(s, "# soak scenario, generated\nhost pcpus=8 memory=16384 dom0=1024\n");
    nlive = ncrashed = 0;
    next_name = 0;
    for (unsigned n = (unsigned)between(4, 6); n > 0; n--)
        add_guest(s, "domain ", 2048);
    for (;;) {
        /* A burst of 1 to 16 events within a minute, then quiet. */
        t_ms += between(2, 30) * 60 * 1000;
        if (t_ms >= end_ms)
            break;
        for (unsigned n = (unsigned)between(1, 16); n > 0; n--)
            event(s, t_ms + between(0, 60000), &last_ms);
        if (s->full)
            return -1;
    }
    emit(s, "at %" PRIu64 "ms end\n", end_ms > last_ms ? end_ms : last_ms + 1000);
    return s->full ? -1 : 0;
}

/* --- the checks -------------------------------------------------------------- */

enum inv {
    INV_POOL,
    INV_MAX,
    INV_FLOOR,
    INV_REFUSED,
    INV_HEADROOM,
    INV_CYCLES,
    INV_HEAP,
    INV_STALL,
    INV_KINDS,
    NINV
};
static const char *const inv_name[NINV] = {"pool",   "max",  "floor", "refused", "headroom",
                                           "cycles", "heap", "stall", "kinds"};
static uint64_t checked[NINV], violated[NINV];

static void violation(enum inv i, uint64_t now_ms, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void violation(enum inv i, uint64_t now_ms, const char *fmt, ...)
{
    va_list ap;
    if (violated[i]++ >= 10)
        return;
    printf("VIOLATION %s at t=%.3fs: ", inv_name[i], (double)now_ms / 1000);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* Per domain (by domid, modulo): grant changes in the current quiet stretch. */
#define TRACK 4096
struct track {
    uint32_t domid;
    bool seen;
    plm_amt_t granted[DMN_NRES];
    unsigned changes[DMN_NRES];
    /* Guest kinds: the daemon's calls as last seen; since when the
     * daemon's idea of its balloon differs from the guest's (0: not). */
    uint64_t mem_calls, vcpus_calls, kind_wrong_ms;
    bool kinds_seen;
    /* Its domain info refused at the last step: when a count of failures
     * runs out, the daemon reads what it could not before (an input that
     * changed), and its quiet stretch starts again. */
    bool info_refused;
    /* The last target the daemon set, and what the domain held when it
     * was first seen (a guest that grows later does not make it one the
     * daemon took below what it held). */
    uint64_t target_kib, held_at_target_kib;
};
static struct track track[TRACK];

struct soak {
    struct dmn d;
    struct port *p;
    const struct scn *scn;
    uint64_t headroom_kib;
    size_t next_event, next_create, next_grow, next_limit;
    uint64_t last_limit_s;  /* UINT64_MAX: none yet */
    uint64_t last_create_s; /* a create or a grow; UINT64_MAX: none yet */
    uint64_t quiet_since_s;
    uint64_t prev_free_kib;
    uint64_t below_since_ms; /* free below the headroom since (0: not) */
    uint64_t refused_seen;
    bool heap_ok;
    size_t heap_warm, heap_max;
    size_t heap_creates; /* domains created by the end of the warm-up */
    uint64_t heap_samples;
};

static uint64_t floor_kib(const struct dmn *d, const struct dmn_domain *dom)
{
    plm_amt_t min = dom->rule->min[POL_MEMORY];
    plm_amt_t minimal = d->st.policy.host.share[POL_MEMORY].minimal;
    return (uint64_t)((min > minimal ? min : minimal) / PLM_SCALE) * MIB;
}

/*
 * kinds: no memory target set for a domain while the daemon knows it has
 * no balloon driver, no vcpus set for one whose vcpus it found fixed, and
 * what it knows of the balloon is the guest's within KIND_LAG_MS (a read
 * a second at most, the watch's event, a reconnection), or a minute more
 * while xenstored refuses the watch.
 */
#define KIND_LAG_MS 5000
static void check_kinds(struct soak *k, const struct dmn_domain *dom,
                        const struct port_sim_domain *sd, struct track *tr, uint64_t now)
{
    (void)k;
    checked[INV_KINDS]++;
    if (tr->kinds_seen && !dom->eng.balloon && sd->mem_calls > tr->mem_calls)
        violation(INV_KINDS, now, "domain %u: memory target set while it has no balloon",
                  dom->info.domid);
    if (tr->kinds_seen && dom->eng.vcpus_fixed && sd->vcpus_calls > tr->vcpus_calls)
        violation(INV_KINDS, now, "domain %u: vcpus set while they are fixed", dom->info.domid);
    tr->kinds_seen = true;
    tr->mem_calls = sd->mem_calls;
    tr->vcpus_calls = sd->vcpus_calls;
    /* Without the watch on its key (xenstored refused it), the daemon
     * reads the key at each try to register the watch again: a minute
     * apart at most. */
    uint64_t lag = dom->setup_missing & DMN_SETUP_FEATURE ? KIND_LAG_MS + 60000 : KIND_LAG_MS;
    if (dom->eng.balloon != !sd->no_balloon) {
        if (!tr->kind_wrong_ms)
            tr->kind_wrong_ms = now ? now : 1;
        else if (now - tr->kind_wrong_ms > lag)
            violation(INV_KINDS, now, "domain %u (%s): balloon %s for the daemon, %s for %llu s",
                      dom->info.domid, dom->info.name, dom->eng.balloon ? "there" : "absent",
                      sd->no_balloon ? "absent" : "there",
                      (unsigned long long)(now - tr->kind_wrong_ms) / 1000);
    } else {
        tr->kind_wrong_ms = 0;
    }
}

static void check(struct soak *k, uint64_t end_ms)
{
    const struct dmn_state *st = &k->d.st;
    struct port_sim_stats ps;
    plm_amt_t sum[DMN_NRES] = {0};
    bool any_stuck = false;

    if (port_sim_stats(k->p, &ps) != 0)
        return;
    uint64_t now = ps.now_ms, now_s = now / 1000;

    /* Scenario events reached since the last step: a new quiet stretch. */
    bool event_now = false;
    while (k->next_event < k->scn->nevents && k->scn->event_s[k->next_event] <= now_s) {
        k->next_event++;
        event_now = true;
    }
    while (k->next_create < k->scn->ncreates && k->scn->create_s[k->next_create] <= now_s)
        k->last_create_s = k->scn->create_s[k->next_create++];
    while (k->next_grow < k->scn->ngrows && k->scn->grow_s[k->next_grow] <= now_s)
        k->last_create_s = k->scn->grow_s[k->next_grow++];
    while (k->next_limit < k->scn->nlimits && k->scn->limit_s[k->next_limit] <= now_s)
        k->last_limit_s = k->scn->limit_s[k->next_limit++];
    /* The daemon learns of a new maxmem when it next reads the domain, a
     * minute later at most: until then a grant or a target above it is
     * the host's change, not the daemon's mistake. */
    bool limit_window = k->last_limit_s != UINT64_MAX && now_s < k->last_limit_s + LIMIT_LAG_S;
    if (event_now) {
        k->quiet_since_s = now_s;
        for (size_t i = 0; i < TRACK; i++)
            memset(track[i].changes, 0, sizeof(track[i].changes));
    }

    /* A call about a domain destroyed since the daemon last looked is the
     * toolstack's race, not a refusal of what was asked; nor is one about
     * a domain whose maxmem or maxvcpus changed, or that shut down or
     * crashed, while none of its readings since succeeded (the simulator
     * counts those apart): the daemon could not know.  Once one reading
     * gets through, a refusal counts, however long after the change. */
    uint64_t refused = port_sim_refused_foreseeable(&ps);
    checked[INV_REFUSED]++;
    if (refused != k->refused_seen) {
        violation(INV_REFUSED, now, "the host refused %" PRIu64 " more enforcement calls",
                  refused - k->refused_seen);
        k->refused_seen = refused;
    }

    for (size_t i = 0; i < st->ndom; i++) {
        const struct dmn_domain *dom = &st->dom[i];
        struct port_sim_domain sd;
        bool have_sd = port_sim_domain_by_id(k->p, dom->info.domid, &sd) == 0;
        struct track *tr = &track[dom->info.domid % TRACK];

        if (tr->domid != dom->info.domid || !tr->seen) {
            memset(tr, 0, sizeof(*tr));
            tr->domid = dom->info.domid;
            tr->seen = true;
            memcpy(tr->granted, dom->eng.granted, sizeof(tr->granted));
        }
        bool info_refused = dom->retry[DMN_RETRY_INFO].fails > 0;
        if (tr->info_refused && !info_refused)
            memset(tr->changes, 0, sizeof(tr->changes));
        tr->info_refused = info_refused;
        for (int r = 0; r < DMN_NRES; r++) {
            plm_amt_t g = dom->eng.granted[r];
            checked[INV_MAX]++;
            if (g > dom->rule->max[r])
                violation(INV_MAX, now, "domain %u: grant %lld of resource %d above its max %lld",
                          dom->info.domid, (long long)g, r, (long long)dom->rule->max[r]);
            /* Within the lag after a limit changed, or until the domain
             * is read again (its readings failing), the daemon cannot
             * know the new limit. */
            bool unknown = limit_window || (have_sd && sd.changed_unread);
            if (have_sd && r == POL_MEMORY && !unknown &&
                g > PLM_UNITS((int64_t)(sd.info.mem_max_kib / MIB)))
                violation(INV_MAX, now,
                          "domain %u: memory grant %lld above its maxmem %" PRIu64 " KiB",
                          dom->info.domid, (long long)g, sd.info.mem_max_kib);
            if (have_sd && r == POL_CPU && !unknown &&
                g > PLM_UNITS((int64_t)sd.info.max_vcpus * 100))
                violation(INV_MAX, now, "domain %u: CPU grant %lld above maxvcpus %u x 100",
                          dom->info.domid, (long long)g, sd.info.max_vcpus);
            if (dmn_managed(dom))
                sum[r] += g;
            checked[INV_CYCLES]++;
            if (g != tr->granted[r]) {
                tr->granted[r] = g;
                if (++tr->changes[r] == CYCLE_BOUND + 1)
                    violation(INV_CYCLES, now,
                              "domain %u: grant of resource %d changed %u times since t=%" PRIu64
                              "s with no scenario event",
                              dom->info.domid, r, tr->changes[r], k->quiet_since_s);
            }
        }
        if (!have_sd || sd.state != PORT_SIM_RUNNING)
            continue;
        /* A balloon that is not there gives nothing back either. */
        if (sd.stuck || sd.no_balloon || sd.paused)
            any_stuck = true;
        check_kinds(k, dom, &sd, tr, now);
        /* The last target the daemon set (not the one the domain was
         * built with, which stays when every set failed). */
        if (sd.last_target_kib == 0)
            continue;
        if (sd.last_target_kib != tr->target_kib) {
            tr->target_kib = sd.last_target_kib;
            tr->held_at_target_kib = sd.info.mem_actual_kib;
        }
        uint64_t fl = floor_kib(&k->d, dom);
        if (fl > sd.info.mem_max_kib)
            fl = sd.info.mem_max_kib;
        checked[INV_FLOOR]++;
        if ((sd.last_target_kib < fl && sd.last_target_kib < tr->held_at_target_kib) ||
            sd.last_target_kib > sd.info.mem_max_kib)
            violation(INV_FLOOR, now,
                      "domain %u: target set %" PRIu64 " KiB outside floor %" PRIu64
                      " KiB .. maxmem %" PRIu64 " KiB",
                      dom->info.domid, sd.last_target_kib, fl, sd.info.mem_max_kib);
        if (getenv("SOAK_DEBUG") && sd.last_target_kib < fl)
            printf("  holds %" PRIu64 " KiB, stuck %d, marked %d, probing %d, granted %lld, "
                   "dying %d, managed %d\n",
                   sd.info.mem_actual_kib, sd.stuck, dom->eng.mem.uncooperative,
                   dom->eng.probe_until_ms != 0, (long long)dom->eng.granted[POL_MEMORY],
                   dom->info.dying, dmn_managed(dom));
    }
    for (int r = 0; r < DMN_NRES; r++) {
        checked[INV_POOL]++;
        if (sum[r] > st->eng.pool[r])
            violation(INV_POOL, now, "resource %d: %lld granted out of a pool of %lld", r,
                      (long long)sum[r], (long long)st->eng.pool[r]);
    }

    /* Free memory and the headroom. */
    checked[INV_HEADROOM]++;
    bool window = k->last_create_s != UINT64_MAX && now_s < k->last_create_s + HEADROOM_WINDOW_S;
    if (ps.free_kib >= k->headroom_kib) {
        k->below_since_ms = 0;
    } else {
        if (k->below_since_ms == 0)
            k->below_since_ms = now ? now : 1;
        if (window)
            k->below_since_ms = now ? now : 1;
        else if (ps.free_kib < k->prev_free_kib && now < end_ms)
            violation(INV_HEADROOM, now,
                      "free memory went down to %" PRIu64 " KiB, below the %" PRIu64
                      " KiB headroom",
                      ps.free_kib, k->headroom_kib);
        else if (!any_stuck && now - k->below_since_ms > HEADROOM_WINDOW_S * 1000ull)
            violation(INV_HEADROOM, now,
                      "free memory %" PRIu64 " KiB below the %" PRIu64 " KiB headroom for %" PRIu64
                      " s with no balloon stuck",
                      ps.free_kib, k->headroom_kib, (now - k->below_since_ms) / 1000);
        if (any_stuck)
            k->below_since_ms = now ? now : 1;
    }
    k->prev_free_kib = ps.free_kib;
}

static void heap_sample(struct soak *k, uint64_t now_ms, uint64_t end_ms)
{
    if (!k->heap_ok || !dmn_idle(&k->d))
        return;
    struct mallinfo2 mi = mallinfo2();
    size_t used = mi.uordblks;
    k->heap_samples++;
    if (now_ms < end_ms / 4) {
        if (used > k->heap_warm)
            k->heap_warm = used;
        k->heap_creates = k->next_create;
        return;
    }
    checked[INV_HEAP]++;
    if (used > k->heap_max)
        k->heap_max = used;
    size_t allowed =
        k->heap_warm + HEAP_SLACK + (k->next_create - k->heap_creates) * HEAP_PER_DOMAIN;
    if (used > allowed)
        violation(INV_HEAP, now_ms,
                  "heap in use %zu bytes, %zu over the warm-up's largest %zu (%zu domains created "
                  "since)",
                  used, used - k->heap_warm, k->heap_warm, k->next_create - k->heap_creates);
}

static bool heap_measurable(void)
{
    /* Under a sanitizer the allocator is not glibc's: mallinfo2 sees
     * nothing of what is allocated. */
    struct mallinfo2 before = mallinfo2();
    void *volatile p = malloc(1u << 16);
    struct mallinfo2 after = mallinfo2();
    free(p);
    return after.uordblks >= before.uordblks + (1u << 16) ||
           after.hblkhd >= before.hblkhd + (1u << 16);
}

static void usage(void)
{
    fprintf(stderr, "usage: soak [--seed N] [--seconds S] [--policy FILE] [--schema FILE] "
                    "[--scenario-out FILE] [--verbose]\n");
}

int main(int argc, char **argv)
{
    uint64_t seed = 1, seconds = 100000;
    const char *policy = XENPLM_SRCDIR "/tests/daemon/base.xml";
    const char *schema = XENPLM_SRCDIR "/policies/xenplm-policy.xsd";
    const char *out = NULL;
    bool verbose = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--verbose") == 0) {
            verbose = true;
            continue;
        }
        if (!v) {
            usage();
            return 2;
        }
        i++;
        if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--seconds") == 0)
            seconds = strtoull(v, NULL, 10);
        else if (strcmp(a, "--policy") == 0)
            policy = v;
        else if (strcmp(a, "--schema") == 0)
            schema = v;
        else if (strcmp(a, "--scenario-out") == 0)
            out = v;
        else {
            usage();
            return 2;
        }
    }
    if (seconds < 60) {
        usage();
        return 2;
    }

    struct scn scn;
    memset(&scn, 0, sizeof(scn));
    rng_state = seed;
    if (generate(&scn, seconds) != 0) {
        fprintf(stderr, "soak: the scenario does not fit in %u bytes\n", SCN_MAX);
        return 2;
    }
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f || fwrite(scn.text, 1, scn.len, f) != scn.len || fclose(f) != 0) {
            perror(out);
            return 2;
        }
    }

    log_open("soak", true, verbose ? LOG_WARNING : LOG_CRIT);
    static struct soak k;
    char err[512];
    struct dmn_options opt;
    clock_t c0 = clock();
    time_t w0 = time(NULL);

    memset(&opt, 0, sizeof(opt));
    opt.policy_path = policy;
    opt.schema_path = schema;
    k.scn = &scn;
    k.last_create_s = UINT64_MAX;
    k.last_limit_s = UINT64_MAX;
    if (port_sim_open_text("soak.scn", scn.text, 0, &k.p, err, sizeof(err)) != 0) {
        fprintf(stderr, "soak: seed %" PRIu64 ": scenario: %s\n", seed, err);
        return 2;
    }
    port_sim_set_log(k.p, NULL, NULL);
    if (dmn_init(&k.d, &opt, k.p) != 0) {
        fprintf(stderr, "soak: dmn_init failed (policy %s, schema %s)\n", policy, schema);
        return 2;
    }
    k.headroom_kib =
        (uint64_t)(k.d.st.policy.host.share[POL_MEMORY].pool.headroom / PLM_SCALE) * MIB;
    k.heap_ok = heap_measurable();
    struct port_sim_stats ps;
    port_sim_stats(k.p, &ps);
    k.prev_free_kib = ps.free_kib;

    uint64_t end_ms = seconds * 1000, steps = 0, same = 0, prev_ms = 0;
    check(&k, end_ms);
    while (dmn_step(&k.d) == 0) {
        steps++;
        uint64_t now = port_sim_clock_ms(k.p);
        check(&k, end_ms);
        heap_sample(&k, now, end_ms);
        checked[INV_STALL]++;
        same = now == prev_ms ? same + 1 : 0;
        prev_ms = now;
        if (same == STALL_STEPS) {
            violation(INV_STALL, now,
                      "%u steps without the clock moving (the daemon's next wake at %" PRIu64
                      " ms, retry at %" PRIu64 " ms, idle %d): the run stops",
                      STALL_STEPS, k.d.wake_at_ms, dmn_retry_at(&k.d), dmn_idle(&k.d));
            if (getenv("SOAK_DEBUG"))
                for (size_t i = 0; i < k.d.st.ndom; i++) {
                    const struct dmn_domain *dd = &k.d.st.dom[i];
                    printf("dom %u unc %d probe_at %llu until %llu mem %lld managed %d tick %llu\n",
                           dd->info.domid, dd->eng.mem.uncooperative,
                           (unsigned long long)dd->eng.probe_at_ms,
                           (unsigned long long)dd->eng.probe_until_ms,
                           (long long)dd->eng.granted[POL_MEMORY], dmn_managed(dd),
                           (unsigned long long)k.d.st.eng.next_tick_ms);
                }
            break;
        }
        if (now > end_ms + 600000)
            break;
    }
    port_sim_stats(k.p, &ps);
    uint64_t reached = ps.now_ms;
    struct dmn_stats ds = k.d.st.stats;
    dmn_fini(&k.d);
    port_destroy(k.p);
    log_close();

    uint64_t total = 0;
    printf("soak: seed %" PRIu64 ", %" PRIu64 " simulated s (reached %.0f s), %" PRIu64
           " steps, %zu events (%zu creates), scenario %zu bytes\n",
           seed, seconds, (double)reached / 1000, steps, scn.nevents, scn.ncreates, scn.len);
    printf("soak: host: %" PRIu64 " events played, %" PRIu64 " skipped, %" PRIu64
           " creates failed, %" PRIu64 " guest writes refused; daemon: %" PRIu64
           " reallocations, %" PRIu64 " enforce calls, %" PRIu64 " enforce errors, %" PRIu64
           " faults injected\n",
           ps.scenario_played, ps.scenario_skipped, ps.creates_failed,
           ps.guest_denied + ps.guest_quota + ps.guest_too_large + ps.guest_invalid,
           ds.reallocations, ds.enforce_calls, ds.enforce_errors,
           ps.op[PORT_SIM_OP_SCHED_SET].injected + ps.op[PORT_SIM_OP_VCPUS_SET].injected +
               ps.op[PORT_SIM_OP_MEM_TARGET_SET].injected +
               ps.op[PORT_SIM_OP_DOMAIN_INFO].injected + ps.op[PORT_SIM_OP_HOST_INFO].injected);
    for (int i = 0; i < NINV; i++) {
        if (i == INV_HEAP && !k.heap_ok)
            printf("soak: %-9s not measured (not glibc's allocator)\n", inv_name[i]);
        else
            printf("soak: %-9s %12" PRIu64 " checked %8" PRIu64 " violations\n", inv_name[i],
                   checked[i], violated[i]);
        total += violated[i];
    }
    if (k.heap_ok)
        printf("soak: heap in use at idle: warm-up max %zu bytes, later max %zu bytes (%" PRIu64
               " samples)\n",
               k.heap_warm, k.heap_max, k.heap_samples);
    printf("soak: %" PRIu64 " violations; %.1f s CPU, %ld s wall\n", total,
           (double)(clock() - c0) / CLOCKS_PER_SEC, (long)(time(NULL) - w0));
    free(scn.text);
    free(scn.event_s);
    return total ? 1 : 0;
}
