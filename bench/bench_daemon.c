/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_daemon: the daemon as a whole, xenplmd's own loop (dmn_init,
 * dmn_step, dmn_fini) running against the simulated host, at 10, 100 and
 * 1,000 domains.  Three questions, one table each:
 *
 *   reaction   how much CPU the daemon spends from a guest's request write
 *              to the enforcement call: sched_set for a CPU change,
 *              mem_target_set for a memory change;
 *   footprint  what 1,000 idle domains cost in resident memory, and in CPU
 *              over an hour of idling;
 *   xenstore   how many xenstore operations one changed request causes,
 *              next to how many domains' grants it changed.
 *
 * The simulated host runs at speed 0: virtual time is free, so what is
 * timed is the daemon's own work.  The daemon is handed a thin wrapper
 * around the simulator's port that forwards every operation and clocks it.
 * Time in wait() is the simulator playing out virtual time (its physics
 * over every domain), which on a host is the daemon asleep: it is left
 * out.  The main figure is the CPU time of dmn_step less wait(): the
 * daemon with its port calls as the simulator answers them, in-process.
 * "own" leaves out every port call too; on a host each is a round trip to
 * xenstored or libxl, whose counts the third table gives and whose cost in
 * the simulator the last one does.
 *
 * The policy fires at once (a 1% trigger rule with samples=1), so no
 * deliberate delay of the trigger is in any figure.  Guests write at any
 * moment of the tick; the virtual milliseconds from a write to its
 * enforcement are printed, and cost no CPU.
 *
 * Like bench_arbiter it is not a test: a missed goal is reported in the
 * table, not by the exit status; a daemon that never enforces a change is
 * an error (exit 1).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_machine.h"
#include "common/log.h"
#include "core/amount.h"
#include "core/error.h"
#include "daemon/daemon.h"
#include "port/port.h"
#include "sim/port_sim.h"
#include "protocol/request.h"

#ifndef XENPLM_SRCDIR
#define XENPLM_SRCDIR "."
#endif

/* The requests that flip: level 1 only, CPU in hundredths of a pCPU. */
#define CPU_LO 20
#define CPU_HI 60
#define MEM_LO 512 /* MiB */
#define MEM_HI 768
#define MEM_MAX 1024 /* each domain's maxmem */
#define DOM0_MIB 1024

/* The goals of the issue. */
#define GOAL_DOMAINS ((size_t)1000)
#define GOAL_REACT_US 5000.0
#define GOAL_RSS_KIB (8 * 1024)
#define GOAL_IDLE_PCT 0.1

/* Steps a change may take to reach enforcement, or to settle, before the
 * daemon is declared stuck. */
#define MAX_REACT_STEPS 50
#define MAX_SETTLE_STEPS 2000

#define MAX_DOMAINS 4000 /* the simulator's host: at most 4096 pCPUs */
#define DEFAULT_SEED UINT64_C(0x78656e706c6d2132)
#define MAX_SIZES 8

static const size_t default_sizes[] = {10, 100, 1000};

struct bench_config {
    bool quick;
    uint64_t seed;
    size_t sizes[MAX_SIZES]; /* domain counts of the reaction and xenstore rows */
    size_t nsizes;
    unsigned samples;  /* reaction samples per row */
    unsigned idle_min; /* virtual minutes of idling */
    const char *schema;
    char policy[256]; /* the policy, written to a temporary file */
};

/* ---- small helpers ----------------------------------------------------- */

/* User plus system CPU time of this process, from getrusage. */
static double rusage_s(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* xorshift64*: reproducible choices of which domain changes. */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t x = rng_state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

static size_t rng_below(size_t n)
{
    return (size_t)((rng_next() >> 11) % n);
}

/* ---- a port that clocks its calls --------------------------------------- */

/*
 * Forwards every operation to the simulator's port.  The daemon gets this
 * one; the benchmark keeps the simulator's own for port_sim_*, which accept
 * only a simulator port.
 */
struct tport {
    struct port port;
    struct port *in;
    uint64_t wait_calls;
    double op_ns;             /* CLOCK_MONOTONIC inside every other operation */
    double ns[PORT_SIM_NOPS]; /* the same per operation */
    uint64_t calls[PORT_SIM_NOPS];
    double wait_wall_ns; /* CLOCK_MONOTONIC inside wait() */
    double wait_cpu_ns;  /* process CPU inside wait() */
};

static void account(struct tport *t, enum port_sim_op op, double t0)
{
    double dt = bench_mono_ns() - t0;

    t->op_ns += dt;
    t->ns[op] += dt;
    t->calls[op]++;
}

static struct port *inner(struct port *p)
{
    return ((struct tport *)p->priv)->in;
}

static int t_list_domains(struct port *p, struct port_domain *out, size_t cap, size_t *n_out)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_list_domains(t->in, out, cap, n_out);

    account(t, PORT_SIM_OP_LIST_DOMAINS, t0);
    return rc;
}

static int t_domain_info(struct port *p, uint32_t domid, struct port_domain *out)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_domain_info(t->in, domid, out);

    account(t, PORT_SIM_OP_DOMAIN_INFO, t0);
    return rc;
}

static int t_host_info(struct port *p, struct port_host *out)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_host_info(t->in, out);

    account(t, PORT_SIM_OP_HOST_INFO, t0);
    return rc;
}

static int t_xs_read(struct port *p, const char *path, char *buf, size_t cap, size_t *len_out)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_read(t->in, path, buf, cap, len_out);

    account(t, PORT_SIM_OP_XS_READ, t0);
    return rc;
}

static int t_xs_write_txn(struct port *p, const struct port_kv *kv, size_t n)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_write_txn(t->in, kv, n);

    account(t, PORT_SIM_OP_XS_WRITE_TXN, t0);
    return rc;
}

static int t_xs_mkdir_ro(struct port *p, const char *path, uint32_t reader)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_mkdir_ro(t->in, path, reader);

    account(t, PORT_SIM_OP_XS_MKDIR_RO, t0);
    return rc;
}

static int t_xs_rm(struct port *p, const char *path)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_rm(t->in, path);

    account(t, PORT_SIM_OP_XS_RM, t0);
    return rc;
}

static int t_xs_watch(struct port *p, const char *path, const char *token)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_watch(t->in, path, token);

    account(t, PORT_SIM_OP_XS_WATCH, t0);
    return rc;
}

static int t_xs_unwatch(struct port *p, const char *path, const char *token)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_xs_unwatch(t->in, path, token);

    account(t, PORT_SIM_OP_XS_UNWATCH, t0);
    return rc;
}

static int t_next_event(struct port *p, struct port_event *ev)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_next_event(t->in, ev);

    account(t, PORT_SIM_OP_NEXT_EVENT, t0);
    return rc;
}

static int t_sched_set(struct port *p, uint32_t domid, int weight, int cap)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_sched_set(t->in, domid, weight, cap);

    account(t, PORT_SIM_OP_SCHED_SET, t0);
    return rc;
}

static int t_vcpus_set(struct port *p, uint32_t domid, unsigned online)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_vcpus_set(t->in, domid, online);

    account(t, PORT_SIM_OP_VCPUS_SET, t0);
    return rc;
}

static int t_mem_target_set(struct port *p, uint32_t domid, uint64_t target_kib)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_mem_target_set(t->in, domid, target_kib);

    account(t, PORT_SIM_OP_MEM_TARGET_SET, t0);
    return rc;
}

static int t_affinity_set(struct port *p, uint32_t domid, unsigned max_vcpus,
                          const struct plm_cpumap *hard, const struct plm_cpumap *soft)
{
    struct tport *t = p->priv;
    double t0 = bench_mono_ns();
    int rc = port_affinity_set(t->in, domid, max_vcpus, hard, soft);

    account(t, PORT_SIM_OP_AFFINITY_SET, t0);
    return rc;
}

static uint64_t t_now_ms(struct port *p)
{
    struct port *q = inner(p);
    return port_now_ms(q);
}

static int t_wait(struct port *p, struct port_waitfd *fds, size_t nfds, uint64_t deadline_ms)
{
    struct tport *t = p->priv;
    double w0 = bench_mono_ns(), c0 = bench_cpu_ns();
    int rc = port_wait(t->in, fds, nfds, deadline_ms);

    t->wait_cpu_ns += bench_cpu_ns() - c0;
    t->wait_wall_ns += bench_mono_ns() - w0;
    t->wait_calls++;
    return rc;
}

static int t_reconnect(struct port *p)
{
    struct port *q = inner(p);
    return port_reconnect(q);
}

static void t_destroy(struct port *p)
{
    (void)p; /* the simulator belongs to the benchmark */
}

static const struct port_host_ops tport_host_ops = {
    .list_domains = t_list_domains,
    .domain_info = t_domain_info,
    .host_info = t_host_info,
    .sched_set = t_sched_set,
    .vcpus_set = t_vcpus_set,
    .mem_target_set = t_mem_target_set,
    .affinity_set = t_affinity_set,
};

static const struct port_xs_ops tport_xs_ops = {
    .xs_read = t_xs_read,
    .xs_write_txn = t_xs_write_txn,
    .xs_mkdir_ro = t_xs_mkdir_ro,
    .xs_rm = t_xs_rm,
    .xs_watch = t_xs_watch,
    .xs_unwatch = t_xs_unwatch,
};

static const struct port_event_ops tport_event_ops = {
    .next_event = t_next_event,
    .now_ms = t_now_ms,
    .wait = t_wait,
    .reconnect = t_reconnect,
};

/* ---- one simulated host with its daemon -------------------------------- */

struct env {
    size_t n;
    struct port *sim;
    struct tport tp;
    struct dmn d;
    bool started;
    uint32_t *id;        /* domid of domain i */
    unsigned *cpu, *mem; /* what domain i asks now */
    plm_amt_t *before;   /* grants before a change, 2 per domain */
    const struct bench_config *cfg;
};

static void make_request(struct proto_request *r, unsigned cpu_pct, unsigned mem_mib)
{
    memset(r, 0, sizeof(*r));
    r->flags = PROTO_REQ_HAS(PROTO_RES_CPU) | PROTO_REQ_HAS(PROTO_RES_MEM);
    r->res[PROTO_RES_CPU].nlevels = 1;
    r->res[PROTO_RES_CPU].level[0] = PLM_UNITS(cpu_pct);
    r->res[PROTO_RES_MEM].nlevels = 1;
    r->res[PROTO_RES_MEM].level[0] = PLM_UNITS(mem_mib);
}

static int guest_request(struct env *e, size_t i)
{
    struct proto_request r;
    int rc;

    make_request(&r, e->cpu[i], e->mem[i]);
    rc = port_sim_guest_request(e->sim, e->id[i], &r);
    if (rc)
        fprintf(stderr, "bench_daemon: guest %u cannot write its request: %s\n", e->id[i],
                plm_strerror(rc));
    return rc;
}

static void env_close(struct env *e)
{
    if (e->started)
        dmn_fini(&e->d);
    if (e->sim)
        port_destroy(e->sim);
    free(e->id);
    free(e->cpu);
    free(e->mem);
    free(e->before);
    memset(e, 0, sizeof(*e));
}

/*
 * The host and its guests, each of which has written its first request;
 * no daemon yet.  Ample: enough pCPUs for everyone's CPU_HI, so a change
 * moves only the domain that asked.  Contended: half the domains ask
 * CPU_HI, the pool covers every CPU_LO and shares the rest by levelling,
 * so a change moves the water level, and with it the rounded grants of
 * some of the domains at it.  Memory is ample in both.
 */
static int env_open(struct env *e, size_t n, bool contended, const struct bench_config *cfg)
{
    char text[256], err[256];
    unsigned pcpus;
    int rc;

    memset(e, 0, sizeof(*e));
    e->n = n;
    e->cfg = cfg;
    e->id = calloc(n, sizeof(*e->id));
    e->cpu = calloc(n, sizeof(*e->cpu));
    e->mem = calloc(n, sizeof(*e->mem));
    e->before = calloc(2 * n, sizeof(*e->before));
    if (!e->id || !e->cpu || !e->mem || !e->before) {
        fprintf(stderr, "bench_daemon: %zu domains: out of memory\n", n);
        env_close(e);
        return -1;
    }
    /* The CPU pool is pcpus x 100 less the policy's reserve of 100. */
    if (contended)
        pcpus = (unsigned)((n * (CPU_LO + CPU_HI) / 2 - n * 10 + 99) / 100) + 1;
    else
        pcpus = (unsigned)((n * CPU_HI + 99) / 100) + 2;
    snprintf(text, sizeof(text), "host pcpus=%u memory=%llu dom0=%u\n", pcpus,
             (unsigned long long)(n * MEM_MAX + DOM0_MIB + 4096), DOM0_MIB);
    rc = port_sim_open_text("bench", text, 0, &e->sim, err, sizeof(err));
    if (rc) {
        fprintf(stderr, "bench_daemon: simulated host: %s\n", err);
        env_close(e);
        return -1;
    }
    port_sim_set_log(e->sim, NULL, NULL);
    for (size_t i = 0; i < n; i++) {
        struct port_sim_domspec spec;
        char name[32];

        snprintf(name, sizeof(name), "vm%zu", i);
        port_sim_domspec_init(&spec, name, (uint64_t)MEM_LO * 1024);
        spec.maxmem_kib = (uint64_t)MEM_MAX * 1024;
        rc = port_sim_create_domain(e->sim, &spec, &e->id[i]);
        if (rc) {
            fprintf(stderr, "bench_daemon: cannot create domain %zu: %s\n", i, plm_strerror(rc));
            env_close(e);
            return -1;
        }
        e->cpu[i] = contended && i % 2 ? CPU_HI : CPU_LO;
        e->mem[i] = MEM_LO;
        if (guest_request(e, i) != 0) {
            env_close(e);
            return -1;
        }
    }
    e->tp.port.name = "sim";
    e->tp.port.host = &tport_host_ops;
    e->tp.port.xs = &tport_xs_ops;
    e->tp.port.events = &tport_event_ops;
    e->tp.port.destroy = t_destroy;
    e->tp.port.priv = &e->tp;
    e->tp.in = e->sim;
    return 0;
}

static bool quiet(const struct dmn *d)
{
    return dmn_idle(d);
}

static int stuck(const struct env *e)
{
    fprintf(stderr, "bench_daemon: %zu domains: the daemon does not settle\n", e->n);
    return -1;
}

/* Step until nothing is left to do: no arbitration due, no memory moving. */
static int settle(struct env *e)
{
    for (unsigned k = 0; k < MAX_SETTLE_STEPS; k++) {
        if (quiet(&e->d) && k > 0)
            return 0;
        if (dmn_step(&e->d) != 0)
            break;
    }
    return stuck(e);
}

static int env_start(struct env *e)
{
    struct dmn_options opt;

    memset(&opt, 0, sizeof(opt));
    opt.policy_path = e->cfg->policy;
    opt.schema_path = e->cfg->schema;
    if (dmn_init(&e->d, &opt, &e->tp.port) != 0) {
        fprintf(stderr, "bench_daemon: dmn_init failed (policy %s, schema %s)\n", opt.policy_path,
                opt.schema_path);
        return -1;
    }
    e->started = true;
    return settle(e);
}

static uint64_t sim_now(const struct env *e)
{
    return port_now_ms(e->sim);
}

/* The simulator's count of the daemon's calls for one domain. */
static uint64_t enforce_calls(const struct env *e, size_t i, bool mem)
{
    struct port_sim_domain sd;

    if (port_sim_domain_by_id(e->sim, e->id[i], &sd) != 0)
        return 0;
    return mem ? sd.mem_calls : sd.sched_calls;
}

static void save_grants(struct env *e)
{
    for (size_t i = 0; i < e->n; i++) {
        const struct dmn_domain *dom = dmn_find(&e->d.st, e->id[i]);
        e->before[2 * i] = dom ? dom->eng.granted[POL_CPU] : -1;
        e->before[2 * i + 1] = dom ? dom->eng.granted[POL_MEMORY] : -1;
    }
}

static size_t changed_grants(struct env *e)
{
    size_t k = 0;

    for (size_t i = 0; i < e->n; i++) {
        const struct dmn_domain *dom = dmn_find(&e->d.st, e->id[i]);
        if (!dom || dom->eng.granted[POL_CPU] != e->before[2 * i] ||
            dom->eng.granted[POL_MEMORY] != e->before[2 * i + 1])
            k++;
    }
    return k;
}

/* Flip domain i's CPU or memory request between its two values. */
static void flip(struct env *e, size_t i, bool mem)
{
    if (mem)
        e->mem[i] = e->mem[i] == MEM_LO ? MEM_HI : MEM_LO;
    else
        e->cpu[i] = e->cpu[i] == CPU_LO ? CPU_HI : CPU_LO;
}

/* ---- reaction ---------------------------------------------------------- */

struct react_row {
    const char *what;
    size_t n;
    unsigned samples;
    double p50, p99, max;    /* daemon with its port calls, write to enforcement, us */
    double raw_p99;          /* wall time of all of dmn_step, wait() included */
    double own_p50, own_p99; /* the daemon alone: every port call left out */
    unsigned own_n;          /* samples own is taken from: not preempted */
    double idle_p50;         /* daemon with its port calls, write until idle again */
    double steps_p50, virt_p50;
    bool measured;
};

/* One sample, in microseconds. */
struct sample {
    double loop;    /* CPU in dmn_step less wait(): the daemon with its port calls */
    double raw;     /* wall time of all of dmn_step */
    double own;     /* wall time of dmn_step less wait() and every port call */
    double idle;    /* loop, from the write until the daemon is idle again */
    double steps;   /* dmn_step calls to the enforcement */
    double virt;    /* virtual ms from the write to the enforcement */
    bool disturbed; /* preempted on the way: own is meaningless */
};

/* Involuntary context switches of this thread so far. */
static long preemptions(void)
{
    struct rusage ru;

    return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nivcsw : -1;
}

/*
 * Times one dmn_step into s.  The main figure is CPU time, so that another
 * process taking the CPU away (a busy or shared machine) does not count.
 * Port calls are too many and too short to read a CPU clock around each
 * (a system call); they are clocked on the wall, and so is own, which is
 * only meaningful when nothing preempted the step.  0, or -1 when the
 * daemon wants to stop.
 */
static int timed_step(struct env *e, struct sample *s)
{
    long sw = preemptions();
    double wc0 = e->tp.wait_cpu_ns, ww0 = e->tp.wait_wall_ns, o0 = e->tp.op_ns;
    double c0 = bench_cpu_ns(), t0 = bench_mono_ns();
    int rc = dmn_step(&e->d);
    double all = bench_mono_ns() - t0, cpu = bench_cpu_ns() - c0;

    s->raw += all / 1e3;
    s->loop += (cpu - (e->tp.wait_cpu_ns - wc0)) / 1e3;
    s->own += (all - (e->tp.wait_wall_ns - ww0) - (e->tp.op_ns - o0)) / 1e3;
    if (preemptions() != sw)
        s->disturbed = true;
    return rc ? -1 : 0;
}

/*
 * One sample: a guest, at any moment of the tick, writes a changed request;
 * the daemon steps until the simulator has seen the enforcement call for
 * that domain, then on until it is idle again (timed apart).
 */
static int react_once(struct env *e, bool mem, struct sample *s)
{
    size_t i = rng_below(e->n);
    unsigned k;

    memset(s, 0, sizeof(*s));
    port_sim_advance(e->sim, rng_below(1000));
    flip(e, i, mem);
    uint64_t calls = enforce_calls(e, i, mem);
    uint64_t v0 = sim_now(e);
    if (guest_request(e, i) != 0)
        return -1;
    for (k = 1; k <= MAX_REACT_STEPS; k++) {
        if (timed_step(e, s) != 0)
            return -1;
        if (enforce_calls(e, i, mem) > calls)
            break;
    }
    if (k > MAX_REACT_STEPS) {
        fprintf(stderr,
                "bench_daemon: %zu domains: no %s call for domain %u after %d steps of the "
                "daemon\n",
                e->n, mem ? "mem_target_set" : "sched_set", e->id[i], MAX_REACT_STEPS);
        return -1;
    }
    s->steps = k;
    s->virt = (double)(sim_now(e) - v0);
    /* What the change still costs after the enforcement call. */
    struct sample after = *s;
    for (unsigned j = 0; j < MAX_SETTLE_STEPS && !quiet(&e->d); j++) {
        if (timed_step(e, &after) != 0)
            return -1;
    }
    if (!quiet(&e->d))
        return stuck(e);
    s->idle = after.loop;
    return 0;
}

static double field_pct(struct sample *v, size_t n, size_t off, double p, double *tmp)
{
    for (size_t k = 0; k < n; k++)
        memcpy(&tmp[k], (const char *)&v[k] + off, sizeof(double));
    return bench_percentile(tmp, n, p);
}

static int react(struct env *e, bool mem, unsigned samples, struct react_row *row)
{
    struct sample *v = calloc(samples, sizeof(*v)), warm;
    double *tmp = calloc(samples, sizeof(*tmp));
    int rc = -1;

    if (samples == 0 || !v || !tmp)
        goto out;
    /* Warm up: caches, the allocator, the daemon's scratch arrays. */
    for (unsigned k = 0; k < 5; k++) {
        if (react_once(e, mem, &warm) != 0)
            goto out;
    }
    for (unsigned k = 0; k < samples; k++) {
        if (react_once(e, mem, &v[k]) != 0)
            goto out;
    }
    row->n = e->n;
    row->samples = samples;
    row->p50 = field_pct(v, samples, offsetof(struct sample, loop), 50, tmp);
    row->p99 = field_pct(v, samples, offsetof(struct sample, loop), 99, tmp);
    row->max = tmp[samples - 1];
    row->raw_p99 = field_pct(v, samples, offsetof(struct sample, raw), 99, tmp);
    /* own only from the samples nothing preempted. */
    size_t m = 0;
    for (unsigned k = 0; k < samples; k++) {
        if (!v[k].disturbed)
            tmp[m++] = v[k].own;
    }
    row->own_n = (unsigned)m;
    row->own_p50 = bench_percentile(tmp, m, 50);
    row->own_p99 = bench_percentile(tmp, m, 99);
    row->idle_p50 = field_pct(v, samples, offsetof(struct sample, idle), 50, tmp);
    row->steps_p50 = field_pct(v, samples, offsetof(struct sample, steps), 50, tmp);
    row->virt_p50 = field_pct(v, samples, offsetof(struct sample, virt), 50, tmp);
    row->measured = true;
    rc = 0;
out:
    free(v);
    free(tmp);
    return rc;
}

/* ---- xenstore operations per change ------------------------------------ */

struct xs_row {
    const char *what;
    size_t n;
    size_t changed; /* domains whose grant changed */
    uint64_t op[PORT_SIM_NOPS];
    uint64_t keys;
    bool measured;
};

/* One change of one domain's request, counted until the daemon is idle. */
static int xs_count(struct env *e, bool mem, struct xs_row *row)
{
    struct port_sim_stats a, b;
    size_t i;

    /* A domain asking the low value, so that the change is a rise. */
    do
        i = rng_below(e->n);
    while ((mem ? e->mem[i] != MEM_LO : e->cpu[i] != CPU_LO));
    port_sim_advance(e->sim, rng_below(1000));
    save_grants(e);
    port_sim_stats(e->sim, &a);
    flip(e, i, mem);
    if (guest_request(e, i) != 0)
        return -1;
    for (unsigned k = 0; k < MAX_SETTLE_STEPS; k++) {
        if (dmn_step(&e->d) != 0)
            return -1;
        if (quiet(&e->d))
            break;
    }
    if (!quiet(&e->d))
        return stuck(e);
    port_sim_stats(e->sim, &b);
    row->n = e->n;
    row->changed = changed_grants(e);
    for (int op = 0; op < PORT_SIM_NOPS; op++)
        row->op[op] = b.op[op].calls - a.op[op].calls;
    row->keys = b.xs_keys_written - a.xs_keys_written;
    row->measured = true;
    return 0;
}

/* ---- footprint --------------------------------------------------------- */

struct foot {
    uint64_t rss0, hwm0; /* at start */
    uint64_t rss1, hwm1; /* simulated host with its guests, no daemon */
    uint64_t rss2, hwm2; /* daemon started and settled */
    bool rss_ok;
    size_t table_kib; /* the domain table: capacity x entry */
    size_t entry;
    double idle_virtual_s, cpu_total_s, cpu_wait_s;
    uint64_t wakeups, op[PORT_SIM_NOPS];
};

static int footprint(const struct bench_config *cfg, struct foot *f)
{
    struct env e;
    struct port_sim_stats a, b;

    if (env_open(&e, GOAL_DOMAINS, false, cfg) != 0)
        return -1;
    f->rss_ok = bench_read_vm(&f->rss1, &f->hwm1);
    if (env_start(&e) != 0) {
        env_close(&e);
        return -1;
    }
    f->rss_ok = f->rss_ok && bench_read_vm(&f->rss2, &f->hwm2);
    f->entry = sizeof(struct dmn_domain);
    f->table_kib = e.d.st.cap * sizeof(struct dmn_domain) / 1024;

    /* Idle: nobody writes anything for idle_min virtual minutes. */
    uint64_t v0 = sim_now(&e), until = v0 + (uint64_t)cfg->idle_min * 60000;
    uint64_t w0 = e.tp.wait_calls;
    double c0 = rusage_s(), cw0 = e.tp.wait_cpu_ns;
    port_sim_stats(e.sim, &a);
    while (sim_now(&e) < until) {
        if (dmn_step(&e.d) != 0)
            break;
    }
    f->cpu_total_s = rusage_s() - c0;
    f->cpu_wait_s = (e.tp.wait_cpu_ns - cw0) / 1e9;
    f->idle_virtual_s = (double)(sim_now(&e) - v0) / 1e3;
    f->wakeups = e.tp.wait_calls - w0;
    port_sim_stats(e.sim, &b);
    for (int op = 0; op < PORT_SIM_NOPS; op++)
        f->op[op] = b.op[op].calls - a.op[op].calls;
    env_close(&e);
    return 0;
}

/* ---- the report -------------------------------------------------------- */

static void print_machine(const struct bench_config *cfg)
{
    printf("xenplm daemon benchmark\n");
    bench_print_machine(true);
#if defined(__clang__)
    printf("compiler: %s", __VERSION__);
#elif defined(__GNUC__)
    printf("compiler: gcc %s", __VERSION__);
#else
    printf("compiler: unknown");
#endif
#if defined(__OPTIMIZE__)
    printf(", this file optimised (the daemon's libraries: configure's CFLAGS)");
#else
    printf(", this file NOT optimised");
#endif
#if defined(__SANITIZE_ADDRESS__)
    printf(", AddressSanitizer ON (figures are meaningless)");
#endif
    printf("\n");
    printf("method:   xenplmd's loop (dmn_step) on the simulated host at speed 0, logging at\n"
           "          LOG_ERR; policy: 1%% trigger with samples=1 (fires at once), tick 2 s,\n"
           "          levelling, leftover reserved; each guest asks one level of CPU and\n"
           "          memory, flipping %d<->%d pct or %d<->%d MiB; seed %#" PRIx64 "%s\n",
           CPU_LO, CPU_HI, MEM_LO, MEM_HI, cfg->seed, cfg->quick ? " (--quick)" : "");
    printf("          the daemon gets the simulator's port through a wrapper that clocks its\n"
           "          calls; time in wait() is the simulator playing out virtual time (on a\n"
           "          host: sleep) and is left out of the daemon's figures\n\n");
}

static const char *mark(bool ok)
{
    return ok ? "PASS" : "OVER GOAL";
}

static void print_footprint(const struct foot *f)
{
    double daemon_s = f->cpu_total_s - f->cpu_wait_s;
    double hours = f->idle_virtual_s / 3600.0;
    double per_hour = hours > 0 ? daemon_s / hours : 0;
    double share = per_hour / 3600.0 * 100.0;

    printf("footprint: %zu domains, all managed (each has sent a request), idling\n", GOAL_DOMAINS);
    if (f->rss_ok) {
        uint64_t inc = f->rss2 - f->rss1;
        printf("  VmRSS %7" PRIu64 " KiB at start, %7" PRIu64
               " KiB with the simulated host, %7" PRIu64 " KiB with the daemon\n",
               f->rss0, f->rss1, f->rss2);
        printf("  VmHWM %7" PRIu64 " KiB at start, %7" PRIu64
               " KiB with the simulated host, %7" PRIu64 " KiB with the daemon\n",
               f->hwm0, f->hwm1, f->hwm2);
        printf("  daemon state: +%" PRIu64 " KiB RSS (+%" PRIu64 " KiB peak), of which the domain "
               "table %zu KiB\n"
               "  (%zu B a domain); the rest: policy, scratch arrays, and the xenstore nodes and\n"
               "  watches the daemon creates in the simulator.  Program at start + daemon state:\n"
               "  %" PRIu64 " KiB.  Goal: daemon state < %d MiB: %s\n",
               inc, f->hwm2 - f->hwm1, f->table_kib, f->entry, f->rss0 + inc, GOAL_RSS_KIB / 1024,
               mark(inc < GOAL_RSS_KIB));
    } else {
        printf("  RSS: /proc/self/status unreadable, not measured\n");
    }
    printf("  idle: %.0f virtual min, %" PRIu64 " wakeups; CPU (getrusage) %.3f s, of which the\n"
           "  simulator's wait() %.3f s; the daemon, its port calls included, %.4f s =\n"
           "  %.4f s per hour = %.5f%% of one CPU.  Goal: < %.1f%%: %s\n",
           f->idle_virtual_s / 60, f->wakeups, f->cpu_total_s, f->cpu_wait_s, daemon_s, per_hour,
           share, GOAL_IDLE_PCT, mark(share < GOAL_IDLE_PCT));
    if (hours > 0)
        printf("  port calls per idle hour: domain_info %.0f, host_info %.0f, xs_read %.0f, "
               "xs_write_txn %.0f\n",
               (double)f->op[PORT_SIM_OP_DOMAIN_INFO] / hours,
               (double)f->op[PORT_SIM_OP_HOST_INFO] / hours,
               (double)f->op[PORT_SIM_OP_XS_READ] / hours,
               (double)f->op[PORT_SIM_OP_XS_WRITE_TXN] / hours);
    printf("\n");
}

static const char *short_mark(bool ok)
{
    return ok ? "PASS" : "OVER";
}

static void print_react(const struct react_row *rows, size_t n)
{
    bool own_ok = true, loop_ok = true, seen = false;

    printf("reaction: request write -> enforcement call (sched_set / mem_target_set), in us\n");
    printf("  %-14s %7s %7s %5s %4s %8s %8s %8s %8s %5s %8s %8s %8s  %s\n", "change", "domains",
           "samples", "steps", "virt", "p50", "p99", "max", "wall", "own", "own", "own", "to idle",
           "goal");
    printf("  %-14s %7s %7s %5s %4s %8s %8s %8s %8s %5s %8s %8s %8s  %s\n", "", "", "", "", "ms",
           "", "", "", "p99", "n", "p50", "p99", "p50", "p99/own");
    for (size_t k = 0; k < n; k++) {
        const struct react_row *r = &rows[k];
        char g[16] = "-";
        if (!r->measured)
            continue;
        if (r->n == GOAL_DOMAINS) {
            bool l = r->p99<GOAL_REACT_US, o = r->own_n> 0 && r->own_p99 < GOAL_REACT_US;
            snprintf(g, sizeof(g), "%s/%s", short_mark(l), short_mark(o));
            seen = true;
            own_ok = own_ok && o;
            loop_ok = loop_ok && l;
        }
        printf("  %-14s %7zu %7u %5.0f %4.0f %8.1f %8.1f %8.1f %8.1f %5u %8.1f %8.1f %8.1f  %s\n",
               r->what, r->n, r->samples, r->steps_p50, r->virt_p50, r->p50, r->p99, r->max,
               r->raw_p99, r->own_n, r->own_p50, r->own_p99, r->idle_p50, g);
    }
    printf("  p50/p99/max: CPU time in dmn_step less the simulator's wait(): the daemon with\n"
           "  its port calls, which the simulator answers in-process, some in time linear in\n"
           "  the domains.  wall: all of dmn_step, wait() included, on the wall clock (a busy\n"
           "  machine's preemptions included).  own: wall time less wait() and every port\n"
           "  call (the daemon alone; xenstored and libxl work elsewhere on a host), from the\n"
           "  n samples that were not preempted.  to idle: as p50, from the write until the\n"
           "  daemon is idle again, the tick that follows included.  steps, virt: dmn_step\n"
           "  calls and virtual ms from the write to the enforcement (medians).\n");
    if (seen)
        printf("  goal: p99 under %.0f ms at %zu domains: with the simulator's port calls %s;\n"
               "  the daemon alone %s\n\n",
               GOAL_REACT_US / 1e3, GOAL_DOMAINS, mark(loop_ok), mark(own_ok));
    else
        printf("  goal: p99 under %.0f ms at %zu domains: not measured (add %zu to --sizes)\n\n",
               GOAL_REACT_US / 1e3, GOAL_DOMAINS, GOAL_DOMAINS);
}

static void print_xs(const struct xs_row *rows, size_t n)
{
    bool strict = true, with_info = true;

    printf("port operations caused by one changed request, until the daemon is idle again\n");
    printf("  %-14s %7s %7s %7s %8s %5s %9s %7s %8s %9s  %s\n", "change", "domains", "grants",
           "xs_read", "xs_write", "keys", "sched_set", "mem_set", "dom_info", "host_info",
           "proportional?");
    printf("  %-14s %7s %7s %7s %8s %5s %9s %7s %8s %9s  %s\n", "", "", "changed", "", "_txn", "",
           "", "", "", "", "xs / +dom_info");
    for (size_t k = 0; k < n; k++) {
        const struct xs_row *r = &rows[k];
        if (!r->measured)
            continue;
        /* One read of the request, one status write, a grant per change. */
        uint64_t xs = r->op[PORT_SIM_OP_XS_READ] + r->op[PORT_SIM_OP_XS_WRITE_TXN];
        uint64_t bound = 2 + 2 * (uint64_t)r->changed;
        bool ok = xs <= bound;
        /* And a domain_info per changed domain and tick or arbitration
         * (each reads the host's facts once), not one per domain. */
        bool ok_info =
            r->op[PORT_SIM_OP_DOMAIN_INFO] <= (uint64_t)r->changed * r->op[PORT_SIM_OP_HOST_INFO];
        strict = strict && ok;
        with_info = with_info && ok_info;
        printf("  %-14s %7zu %7zu %7" PRIu64 " %8" PRIu64 " %5" PRIu64 " %9" PRIu64 " %7" PRIu64
               " %8" PRIu64 " %9" PRIu64 "  %s / %s\n",
               r->what, r->n, r->changed, r->op[PORT_SIM_OP_XS_READ],
               r->op[PORT_SIM_OP_XS_WRITE_TXN], r->keys, r->op[PORT_SIM_OP_SCHED_SET],
               r->op[PORT_SIM_OP_MEM_TARGET_SET], r->op[PORT_SIM_OP_DOMAIN_INFO],
               r->op[PORT_SIM_OP_HOST_INFO], ok ? "yes" : "NO", ok_info ? "yes" : "NO");
    }
    printf("  proportional: xs_read + xs_write_txn at most 2 + 2 x grants changed (the request\n"
           "  read, the status written back, a grant per changed domain); dom_info at most one\n"
           "  per changed domain and tick or arbitration (host_info calls).  dom_info is\n"
           "  libxl_domain_info plus xenstore reads (memory/target at least, port.h).\n");
    printf("  goal: xenstore operations proportional to the domains whose grant changed:\n"
           "  xs_read + xs_write_txn %s; with domain_info's xenstore reads %s\n",
           mark(strict), with_info ? "PASS" : "OVER GOAL (O(N))");
}

/* ---- options and the policy -------------------------------------------- */

static const char policy_text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- bench_daemon: every change fires the trigger at once. -->\n"
    "<xenplm-policy version=\"1\">\n"
    "  <host>\n"
    "    <tick>2s</tick>\n"
    "    <cpu>\n"
    "      <pool reserve=\"100\"/>\n"
    "      <minimal>1</minimal>\n"
    "      <unit>1</unit>\n"
    "      <mode>levelling</mode>\n"
    "      <leftover rule=\"reserve\"/>\n"
    "      <trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger>\n"
    "    </cpu>\n"
    "    <memory>\n"
    "      <pool base=\"free+domu\" headroom=\"512\"/>\n"
    "      <minimal>64</minimal>\n"
    "      <unit>1</unit>\n"
    "      <mode>levelling</mode>\n"
    "      <leftover rule=\"reserve\"/>\n"
    "      <trigger min-delta=\"1\"><rule pct=\"1\" samples=\"1\"/></trigger>\n"
    "    </memory>\n"
    "    <balloon min-rate=\"16\" max-rate=\"512\" adaptive=\"true\"/>\n"
    "    <requests rate=\"1000\" burst=\"1000\"/>\n"
    "  </host>\n"
    "  <domain name=\"*\">\n"
    "    <cpu><enforce>both</enforce></cpu>\n"
    "  </domain>\n"
    "</xenplm-policy>\n";

static int write_policy(struct bench_config *cfg)
{
    const char *dir = getenv("TMPDIR");
    FILE *f;
    int fd;

    snprintf(cfg->policy, sizeof(cfg->policy), "%s/bench_daemon.XXXXXX",
             dir && *dir ? dir : "/tmp");
    fd = mkstemp(cfg->policy);
    if (fd < 0) {
        fprintf(stderr, "bench_daemon: %s: %s\n", cfg->policy, strerror(errno));
        return -1;
    }
    f = fdopen(fd, "w");
    if (!f || fputs(policy_text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "bench_daemon: cannot write %s\n", cfg->policy);
        unlink(cfg->policy);
        return -1;
    }
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_daemon [--quick] [--sizes N,N,...] [--samples N] [--seed N]\n"
               "                    [--schema XSD]\n"
               "  --quick       short runs, for a CI smoke test\n"
               "  --sizes LIST  domain counts of the reaction and xenstore rows (10,100,1000)\n"
               "  --samples N   reaction samples per row (1000; --quick 100)\n"
               "  --seed N      seed of the choice of changing domains\n"
               "  --schema XSD  the policy schema (default $XENPLM_SCHEMA, else\n"
               "                " XENPLM_SRCDIR "/policies/xenplm-policy.xsd)\n");
}

static int parse_sizes(const char *arg, struct bench_config *cfg)
{
    const char *p = arg;

    cfg->nsizes = 0;
    while (*p) {
        char *end;
        unsigned long v;

        if (cfg->nsizes == MAX_SIZES || *p < '0' || *p > '9')
            return -1;
        v = strtoul(p, &end, 10);
        if (v == 0 || v > MAX_DOMAINS || (*end && *end != ','))
            return -1;
        cfg->sizes[cfg->nsizes++] = v;
        p = *end ? end + 1 : end;
    }
    return cfg->nsizes ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct bench_config *cfg)
{
    static char schema[512];
    const char *env = getenv("XENPLM_SCHEMA");

    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = DEFAULT_SEED;
    cfg->nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
    memcpy(cfg->sizes, default_sizes, sizeof(default_sizes));
    snprintf(schema, sizeof(schema), "%s/policies/xenplm-policy.xsd", XENPLM_SRCDIR);
    cfg->schema = env && *env ? env : schema;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg->quick = true;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            char *end;
            errno = 0;
            cfg->seed = strtoull(argv[++i], &end, 0);
            if (errno || *end) {
                fprintf(stderr, "bench_daemon: --seed wants a non-negative integer\n");
                return -1;
            }
        } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            if (parse_sizes(argv[++i], cfg) != 0) {
                fprintf(stderr,
                        "bench_daemon: --sizes wants up to %d domain counts from 1 to "
                        "%d, comma-separated\n",
                        MAX_SIZES, MAX_DOMAINS);
                return -1;
            }
        } else if (strcmp(argv[i], "--samples") == 0 && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 10);
            if (*end || v == 0 || v > 1000000) {
                fprintf(stderr, "bench_daemon: --samples wants 1 to 1000000\n");
                return -1;
            }
            cfg->samples = (unsigned)v;
        } else if (strcmp(argv[i], "--schema") == 0 && i + 1 < argc) {
            cfg->schema = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return -1;
        }
    }
    /* Enough samples for a p99 that means something (the 10th worst of
     * 1,000); --quick only proves that the thing runs. */
    if (!cfg->samples)
        cfg->samples = cfg->quick ? 100 : 1000;
    cfg->idle_min = cfg->quick ? 10 : 60;
    return 0;
}

/* What the simulator spent answering the daemon, per operation. */
struct simcost {
    size_t n;
    double ns[PORT_SIM_NOPS];
    uint64_t calls[PORT_SIM_NOPS];
};

static void print_simcost(const struct simcost *sc, size_t n)
{
    static const enum port_sim_op shown[] = {
        PORT_SIM_OP_XS_READ,   PORT_SIM_OP_XS_WRITE_TXN,   PORT_SIM_OP_DOMAIN_INFO,
        PORT_SIM_OP_SCHED_SET, PORT_SIM_OP_MEM_TARGET_SET,
    };

    printf("\nthe simulator's time per port call, us (wall clock, mean over all rows of a size;\n"
           "on a host: a round trip to xenstored or libxl instead)\n  %7s",
           "domains");
    for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
        printf(" %14s", port_sim_op_name(shown[k]));
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        printf("  %7zu", sc[i].n);
        for (size_t k = 0; k < sizeof(shown) / sizeof(shown[0]); k++) {
            enum port_sim_op op = shown[k];
            if (sc[i].calls[op])
                printf(" %14.2f", sc[i].ns[op] / 1e3 / (double)sc[i].calls[op]);
            else
                printf(" %14s", "-");
        }
        printf("\n");
    }
}

/* Rows: CPU ample, CPU contended, memory; one per size in each. */
enum { KIND_CPU, KIND_CPU_CONTENDED, KIND_MEM, NKINDS };
static const char *const kind_name[NKINDS] = {"cpu", "cpu, contended", "memory"};

static int run_size(const struct bench_config *cfg, size_t s, struct react_row *rr,
                    struct xs_row *xr, struct simcost *sc)
{
    for (int c = 0; c < 2; c++) {
        struct env e;
        bool contended = c == 1;

        if (env_open(&e, cfg->sizes[s], contended, cfg) != 0 || env_start(&e) != 0) {
            env_close(&e);
            return -1;
        }
        for (int mem = 0; mem < (contended ? 1 : 2); mem++) {
            int kind = contended ? KIND_CPU_CONTENDED : (mem ? KIND_MEM : KIND_CPU);
            struct xs_row *x = &xr[kind * MAX_SIZES + s];
            struct react_row *r = &rr[kind * MAX_SIZES + s];

            x->what = r->what = kind_name[kind];
            if (xs_count(&e, mem, x) != 0 || react(&e, mem, cfg->samples, r) != 0) {
                env_close(&e);
                return -1;
            }
        }
        sc->n = cfg->sizes[s];
        for (int op = 0; op < PORT_SIM_NOPS; op++) {
            sc->ns[op] += e.tp.ns[op];
            sc->calls[op] += e.tp.calls[op];
        }
        env_close(&e);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_config cfg;
    struct foot f;
    struct react_row rr[NKINDS * MAX_SIZES];
    struct xs_row xr[NKINDS * MAX_SIZES];
    struct simcost sc[MAX_SIZES];
    int rc = 1;

    memset(&f, 0, sizeof(f));
    memset(rr, 0, sizeof(rr));
    memset(xr, 0, sizeof(xr));
    memset(sc, 0, sizeof(sc));
    bench_read_vm(&f.rss0, &f.hwm0);
    if (parse_args(argc, argv, &cfg) != 0)
        return 2;
    log_open("bench_daemon", true, LOG_ERR);
    rng_state = cfg.seed ? cfg.seed : DEFAULT_SEED;
    if (write_policy(&cfg) != 0)
        return 1;

    print_machine(&cfg);
    /* First, while the heap is fresh: what the daemon adds to the process. */
    if (footprint(&cfg, &f) != 0)
        goto out;
    print_footprint(&f);
    fflush(stdout);
    for (size_t s = 0; s < cfg.nsizes; s++) {
        if (run_size(&cfg, s, rr, xr, &sc[s]) != 0)
            goto out;
    }
    print_react(rr, NKINDS * MAX_SIZES);
    print_xs(xr, NKINDS * MAX_SIZES);
    print_simcost(sc, cfg.nsizes);
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "bench_daemon: aborted; no figures for a daemon that misbehaves\n");
    unlink(cfg.policy);
    log_close();
    return rc;
}
