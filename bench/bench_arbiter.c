/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench_arbiter: how long a full arbitration takes, and how that compares
 * with merely reading the request table once.
 *
 * For each table size the program builds a seeded, reproducible table of
 * domains, each asking for two resources (cpu in hundredths of a pCPU,
 * memory in MiB) over eight cumulative priority levels, with occasional
 * policy minima and maxima.  The pools are a fixed fraction of the total
 * level-8 demand, so every run runs out of pool part-way through the levels
 * and the levelling code, not just the "grant in full" path, is what gets
 * timed.
 *
 * Three things are timed per size, in interleaved batches (see run_rounds),
 * and reported as medians:
 *   - a full arbitration: plm_arbitrate for cpu, then for memory;
 *   - the plain pass: summing every field the arbiter reads from the same
 *     table, which is the floor any arbiter has to pay for touching its
 *     input (the "ratio" column divides the first by this);
 *   - plm_round_cumulative on its own, over both results.
 *
 * The benchmark also checks every arbitration's result (the rounded
 * allocations must fit in the pool) and exits 1 on a violation, so it can
 * never print figures for a broken arbiter.  It is not a test: missing the goal is reported in
 * the table, not through the exit status.
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
#include <time.h>
#include <unistd.h>

#include "bench_machine.h"
#include "core/amount.h"
#include "core/arbiter.h"
#include "core/error.h"
#include "core/rounder.h"

/* The workload the issue asks for. */
#define BENCH_LEVELS 8
#define BENCH_NRES 2
#define RES_CPU 0
#define RES_MEM 1
/* Pool as a percentage of the total level-8 demand of a resource. */
#define POOL_PERCENT 60

/* The goal, stated for 10,000 domains. */
#define GOAL_DOMAINS ((size_t)10000)
#define GOAL_NS 2000000.0
#define GOAL_RATIO 20.0

/* Batches per operation: full and --quick runs, and the array bound. */
#define FULL_BATCHES 15
#define QUICK_BATCHES 3
#define MAX_BATCHES 31
_Static_assert(FULL_BATCHES <= MAX_BATCHES && QUICK_BATCHES <= MAX_BATCHES,
               "batch counts exceed MAX_BATCHES");

#define DEFAULT_SEED UINT64_C(0x78656e706c6d2131)
#define MAX_SIZES 32

static const size_t default_sizes[] = {100, 1000, 10000, 100000};

/*
 * One domain: both resources side by side, as a resource manager would
 * keep them.  The arbiter is handed &table[0].res[r] with a stride of the
 * whole struct, so it reads exactly this layout, and the plain pass reads
 * the same bytes.
 */
struct bench_domain {
    struct plm_request res[BENCH_NRES];
};

struct bench_config {
    size_t sizes[MAX_SIZES];
    size_t nsizes;
    uint64_t seed;
    bool quick;
    unsigned batches; /* batches per operation; medians are reported */
    double target_s;  /* wall time aimed at for one operation, all batches */
    double warmup_s;  /* time spent warming up before calibrating */
};

/* Everything one table size needs; built once, reused by every batch. */
struct bench_ctx {
    size_t n;
    struct bench_domain *table;
    struct plm_params params[BENCH_NRES];
    struct plm_work work;
    struct plm_outcome *out[BENCH_NRES];
    struct plm_summary summary[BENCH_NRES];
    plm_amt_t *rounded_scratch; /* output of the separately timed rounder */
};

/*
 * The plain pass writes its sum here.  A volatile object must be stored to
 * as written, so the loop that computes the sum cannot be dropped.
 */
static volatile uint64_t plain_sink;

/*
 * The plain pass reads the table through this pointer.  Because the pointer
 * is volatile, every batch iteration has to load it afresh and cannot reuse
 * the previous iteration's sum on the grounds that the table did not change.
 */
static const struct bench_domain *volatile plain_table;

/* ---- reproducible input ------------------------------------------------ */

/*
 * xorshift64*: tiny, fast, and good enough to spread requests around;
 * the point is only that a seed reproduces a table exactly.
 */
struct rng {
    uint64_t s;
};

static void rng_seed(struct rng *r, uint64_t seed)
{
    /* The generator is stuck at 0, so never start there. */
    r->s = seed ? seed : DEFAULT_SEED;
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t x = r->s;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * UINT64_C(0x2545f4914f6cdd1d);
}

/* Uniform-ish in [lo, hi]; the modulo bias is irrelevant for a workload. */
static uint64_t rng_range(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + (rng_next(r) >> 11) % (hi - lo + 1);
}

/* True with probability 1/n. */
static bool rng_one_in(struct rng *r, uint64_t n)
{
    return rng_range(r, 1, n) == 1;
}

/*
 * A cumulative request: a first level, then for each further level either
 * nothing more (a quarter of the time: not every domain has goals at every
 * priority) or an increment of up to step_hi quanta.  Amounts are
 * multiples of quantum ticks.
 */
static void gen_levels(struct rng *r, struct plm_request *q, plm_amt_t quantum, uint64_t first_lo,
                       uint64_t first_hi, uint64_t step_hi)
{
    plm_amt_t acc = (plm_amt_t)rng_range(r, first_lo, first_hi) * quantum;

    q->nlevels = BENCH_LEVELS;
    q->level[0] = acc;
    for (unsigned l = 1; l < BENCH_LEVELS; l++) {
        if (!rng_one_in(r, 4))
            acc += (plm_amt_t)rng_range(r, 1, step_hi) * quantum;
        q->level[l] = acc;
    }
}

static void gen_cpu(struct rng *r, struct plm_request *q)
{
    plm_request_init(q);
    /*
     * Half-hundredth ticks, so that many requests are not whole units and
     * the rounder has fractions to carry: level 1 is 0.05 to 0.6 pCPU, and
     * each later level adds up to one more pCPU.
     */
    gen_levels(r, q, PLM_SCALE / 2, 10, 120, 200);
    if (rng_one_in(r, 8))
        q->min = PLM_UNITS(rng_range(r, 10, 50));
    if (rng_one_in(r, 8)) {
        q->max = PLM_UNITS(rng_range(r, 100, 400));
        if (q->max < q->min)
            q->max = q->min;
    }
}

static void gen_mem(struct rng *r, struct plm_request *q)
{
    plm_request_init(q);
    /*
     * Whole MiB: level 1 is 128 MiB to 1 GiB, each later level adds
     * 32 MiB to 1 GiB.  Kept modest so that 10^5 domains stay well inside
     * PLM_AMT_MAX for the pool.
     */
    gen_levels(r, q, PLM_UNITS(32), 4, 32, 32);
    if (rng_one_in(r, 8))
        q->min = PLM_UNITS(64 * rng_range(r, 4, 16));
    if (rng_one_in(r, 8)) {
        q->max = PLM_UNITS(64 * rng_range(r, 16, 96));
        if (q->max < q->min)
            q->max = q->min;
    }
}

/* Pool of one resource: POOL_PERCENT of the level-8 demand, in whole units. */
static plm_amt_t pool_for(const struct bench_domain *t, size_t n, int res)
{
    /* Each level is at most PLM_AMT_MAX and n at most 10^6: no overflow. */
    plm_amt_t demand = 0;

    for (size_t i = 0; i < n; i++)
        demand += plm_request_at(&t[i].res[res], BENCH_LEVELS);

    plm_amt_t pool = demand / 100 * POOL_PERCENT;
    if (pool > PLM_AMT_MAX)
        pool = PLM_AMT_MAX;
    return pool - pool % PLM_SCALE;
}

/* ---- the measured operations ----------------------------------------- */

static int fail(const char *what, const struct bench_ctx *c, int res)
{
    fprintf(stderr, "bench_arbiter: %zu domains, %s: %s\n", c->n, res == RES_CPU ? "cpu" : "memory",
            what);
    return -1;
}

/*
 * One full arbitration, both resources.  Only constant-time checks of the
 * summary run here; the independent recount of every outcome is
 * verify_outcomes, which the timing loop runs after every arbitration with
 * the clock stopped, so that checking does not inflate the figure it guards.
 */
static int op_arbitrate(struct bench_ctx *c)
{
    for (int r = 0; r < BENCH_NRES; r++) {
        struct plm_summary *s = &c->summary[r];
        int rc = plm_arbitrate(&c->params[r], &c->table[0].res[r], sizeof(struct bench_domain),
                               c->n, &c->work, c->out[r], s);
        if (rc != 0)
            return fail(plm_strerror(rc), c, r);
        if (s->rounded_allocated > c->params[r].total || s->allocated > c->params[r].total)
            return fail("summary allocates more than the pool", c, r);
    }
    return 0;
}

/*
 * Sum every field of both requests that the arbiter reads: the levels up to
 * nlevels, nlevels itself (as the loop bound), the minimum and the maximum.
 */
static uint64_t plain_sum(const struct bench_domain *t, size_t n)
{
    uint64_t acc = 0;

    for (size_t i = 0; i < n; i++) {
        for (int r = 0; r < BENCH_NRES; r++) {
            const struct plm_request *q = &t[i].res[r];

            for (unsigned l = 0; l < q->nlevels; l++)
                acc += (uint64_t)q->level[l];
            acc += (uint64_t)q->min + (uint64_t)q->max;
        }
    }
    return acc;
}

static int op_plain(struct bench_ctx *c)
{
    plain_sink = plain_sum(plain_table, c->n);
    return 0;
}

/* Only the rounder, on the raw allocations the last arbitration left. */
static int op_round(struct bench_ctx *c)
{
    for (int r = 0; r < BENCH_NRES; r++) {
        plm_amt_t limit = c->summary[r].total;
        plm_amt_t got = plm_round_cumulative(&c->out[r][0].raw, sizeof(struct plm_outcome),
                                             c->rounded_scratch, 0, c->n, c->params[r].unit, limit);
        if (got > limit)
            return fail("plm_round_cumulative exceeded its limit", c, r);
    }
    return 0;
}

/*
 * The real check, done independently of the arbiter's own summary: add up
 * every domain's rounded allocation and compare with the pool.
 */
static int verify_outcomes(struct bench_ctx *c)
{
    for (int r = 0; r < BENCH_NRES; r++) {
        const struct plm_outcome *o = c->out[r];
        plm_amt_t raw = 0, rounded = 0;

        for (size_t i = 0; i < c->n; i++) {
            if (o[i].raw < 0 || o[i].rounded < 0)
                return fail("negative allocation", c, r);
            raw += o[i].raw;
            rounded += o[i].rounded;
        }
        if (rounded > c->params[r].total) {
            char a[PLM_AMT_STRLEN], b[PLM_AMT_STRLEN];

            fprintf(stderr,
                    "bench_arbiter: %zu domains, %s: rounded allocations sum to %s, "
                    "more than the pool of %s\n",
                    c->n, r == RES_CPU ? "cpu" : "memory", plm_amt_format(rounded, a),
                    plm_amt_format(c->params[r].total, b));
            return -1;
        }
        if (raw > c->params[r].total)
            return fail("raw allocations sum to more than the pool", c, r);
        if (rounded != c->summary[r].rounded_allocated)
            return fail("summary.rounded_allocated disagrees with the outcomes", c, r);
    }
    return 0;
}

/* ---- timing ------------------------------------------------------------ */

typedef int bench_op(struct bench_ctx *c);

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * Run op reps times; *ns_out is the time spent in op.  With a verify
 * function, each call is timed on its own and checked with the clock
 * stopped: the calls it applies to (arbitrations) take tens of
 * microseconds or more, so reading the clock around each costs nothing
 * measurable, and no figure is ever taken from an unchecked result.
 */
static int run_batch(bench_op *op, bench_op *verify, struct bench_ctx *c, uint64_t reps,
                     double *ns_out)
{
    double total = 0;

    if (!verify) {
        double t0 = now_ns();

        for (uint64_t i = 0; i < reps; i++) {
            if (op(c) != 0)
                return -1;
        }
        *ns_out = now_ns() - t0;
        return 0;
    }
    for (uint64_t i = 0; i < reps; i++) {
        double t0 = now_ns();

        if (op(c) != 0)
            return -1;
        total += now_ns() - t0;
        if (verify(c) != 0)
            return -1;
    }
    *ns_out = total;
    return 0;
}

/* One timed operation and its per-batch results. */
struct timed_op {
    bench_op *op;
    bench_op *verify;       /* run after every call, outside the timer */
    uint64_t reps;          /* calls per batch */
    double ns[MAX_BATCHES]; /* per-call time of each batch */
};

/*
 * Warm up (page the table in, train caches and predictors), then grow the
 * repeat count until one batch lasts per_batch_ns, so that the clock's
 * resolution and the loop overhead vanish from the figure.
 */
static int calibrate(struct timed_op *t, struct bench_ctx *c, const struct bench_config *cfg)
{
    double per_batch = cfg->target_s * 1e9 / cfg->batches;
    double warm_end = now_ns() + cfg->warmup_s * 1e9;
    double ns;

    /* At least two calls, so that the first one's page faults are not all. */
    for (int i = 0; i < 2 || now_ns() < warm_end; i++) {
        if (t->op(c) != 0 || (t->verify && t->verify(c) != 0))
            return -1;
    }

    t->reps = 1;
    for (;;) {
        if (run_batch(t->op, t->verify, c, t->reps, &ns) != 0)
            return -1;
        if (ns >= per_batch || t->reps >= (UINT64_C(1) << 40))
            break;
        double grow = ns > 0 ? per_batch / ns * 1.2 : 16.0;
        if (grow < 2.0)
            grow = 2.0;
        if (grow > 16.0)
            grow = 16.0;
        t->reps = (uint64_t)((double)t->reps * grow);
    }
    return 0;
}

static double median(const double *v, unsigned n)
{
    double tmp[MAX_BATCHES];

    memcpy(tmp, v, n * sizeof(*v));
    qsort(tmp, n, sizeof(*tmp), bench_cmp_double);
    return tmp[n / 2];
}

/* How far apart the fastest and slowest batches are, relative to the median. */
static double spread(const double *v, unsigned n)
{
    double lo = v[0], hi = v[0], mid = median(v, n);

    for (unsigned i = 1; i < n; i++) {
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    return mid > 0 ? (hi - lo) / mid : 0;
}

/*
 * Time every operation in turn, one batch of each per round.  On a shared
 * or virtual machine the speed drifts by tens of percent over seconds;
 * interleaving puts the arbitration and the plain pass under the same
 * conditions, so their ratio (taken per round, then the median) holds
 * steady even when the absolute figures wander.  Medians, not means,
 * because a batch the scheduler interrupted is an outlier, not data.
 */
static int run_rounds(struct timed_op *ops, size_t nops, struct bench_ctx *c,
                      const struct bench_config *cfg)
{
    for (size_t k = 0; k < nops; k++) {
        if (calibrate(&ops[k], c, cfg) != 0)
            return -1;
    }
    for (unsigned b = 0; b < cfg->batches; b++) {
        for (size_t k = 0; k < nops; k++) {
            struct timed_op *t = &ops[k];
            double ns;

            if (run_batch(t->op, t->verify, c, t->reps, &ns) != 0)
                return -1;
            t->ns[b] = ns / (double)t->reps;
        }
    }
    return 0;
}

/* ---- one table size ---------------------------------------------------- */

static void ctx_dispose(struct bench_ctx *c)
{
    free(c->table);
    for (int r = 0; r < BENCH_NRES; r++)
        free(c->out[r]);
    free(c->rounded_scratch);
    plm_work_dispose(&c->work);
    memset(c, 0, sizeof(*c));
}

static int ctx_init(struct bench_ctx *c, size_t n, uint64_t seed)
{
    struct rng rng;
    int rc;

    memset(c, 0, sizeof(*c));
    c->n = n;
    c->table = calloc(n, sizeof(*c->table));
    for (int r = 0; r < BENCH_NRES; r++)
        c->out[r] = calloc(n, sizeof(*c->out[r]));
    c->rounded_scratch = calloc(n, sizeof(*c->rounded_scratch));
    if (!c->table || !c->out[RES_CPU] || !c->out[RES_MEM] || !c->rounded_scratch) {
        fprintf(stderr, "bench_arbiter: %zu domains: out of memory\n", n);
        ctx_dispose(c);
        return -1;
    }

    /*
     * Seed from the size as well, so each table is its own sample rather
     * than a prefix of the next one, yet any single size is reproducible.
     */
    rng_seed(&rng, seed ^ ((uint64_t)n * UINT64_C(0x9e3779b97f4a7c15)));
    for (size_t i = 0; i < n; i++) {
        gen_cpu(&rng, &c->table[i].res[RES_CPU]);
        gen_mem(&rng, &c->table[i].res[RES_MEM]);
    }

    plm_params_init(&c->params[RES_CPU], pool_for(c->table, n, RES_CPU));
    c->params[RES_CPU].minimal = PLM_UNITS(1); /* a hundredth of a pCPU */
    c->params[RES_CPU].unit = PLM_UNITS(1);
    plm_params_init(&c->params[RES_MEM], pool_for(c->table, n, RES_MEM));
    c->params[RES_MEM].minimal = PLM_UNITS(32); /* enough to stay alive */
    c->params[RES_MEM].unit = PLM_UNITS(1);

    /* Outside any timed loop: the daemon sizes its workspace once, too. */
    rc = plm_work_init(&c->work, n);
    if (rc != 0) {
        fprintf(stderr, "bench_arbiter: plm_work_init(%zu): %s\n", n, plm_strerror(rc));
        ctx_dispose(c);
        return -1;
    }
    return 0;
}

/* "L4" for the level a pool ran out at, "-" if it never did. */
static const char *ranout(unsigned levelled, char buf[12])
{
    if (levelled == 0)
        return "-";
    snprintf(buf, 12, "L%u", levelled);
    return buf;
}

struct size_result {
    double arb_ns;     /* median per full arbitration */
    double arb_spread; /* (slowest - fastest batch) / median, arbitration */
    double plain_ns;   /* median per plain pass */
    double ratio;      /* median of the per-round arbitration / plain ratios */
    double round_ns;   /* median per rounding of both resources */
    unsigned levelled[BENCH_NRES];
    bool starved;
    double steal; /* % of busy CPU time stolen by the host, -1 unknown */
};

enum { OP_ARB, OP_PLAIN, OP_ROUND, NOPS };

static int bench_size(size_t n, const struct bench_config *cfg, struct size_result *res)
{
    struct bench_ctx c;
    /* The rounder goes last: it reads the raw allocations the arbiter left. */
    struct timed_op ops[NOPS] = {
        [OP_ARB] = {.op = op_arbitrate, .verify = verify_outcomes},
        [OP_PLAIN] = {.op = op_plain},
        [OP_ROUND] = {.op = op_round},
    };
    double ratios[MAX_BATCHES];

    if (ctx_init(&c, n, cfg->seed) != 0)
        return -1;
    plain_table = c.table;
    if (run_rounds(ops, NOPS, &c, cfg) != 0) {
        ctx_dispose(&c);
        return -1;
    }
    plain_table = NULL;

    for (unsigned b = 0; b < cfg->batches; b++)
        ratios[b] = ops[OP_PLAIN].ns[b] > 0 ? ops[OP_ARB].ns[b] / ops[OP_PLAIN].ns[b] : 0;
    res->arb_ns = median(ops[OP_ARB].ns, cfg->batches);
    res->plain_ns = median(ops[OP_PLAIN].ns, cfg->batches);
    res->round_ns = median(ops[OP_ROUND].ns, cfg->batches);
    res->ratio = median(ratios, cfg->batches);
    res->arb_spread = spread(ops[OP_ARB].ns, cfg->batches);
    for (int r = 0; r < BENCH_NRES; r++)
        res->levelled[r] = c.summary[r].levelled;
    res->starved = c.summary[RES_CPU].starved || c.summary[RES_MEM].starved;

    ctx_dispose(&c);
    return 0;
}

/* The goal is stated for GOAL_DOMAINS only; other sizes are context. */
static bool goal_met(const struct size_result *r)
{
    return r->arb_ns < GOAL_NS && r->ratio < GOAL_RATIO;
}

/* ---- the report -------------------------------------------------------- */

/* The value of the first "key : value" line of /proc/cpuinfo for key. */
static void print_machine(const struct bench_config *cfg)
{
    printf("xenplm arbiter benchmark\n");
    bench_print_machine(false);

    /* GCC's __VERSION__ is only the number; clang's names itself. */
#if defined(__clang__)
    printf("compiler: %s", __VERSION__);
#elif defined(__GNUC__)
    printf("compiler: gcc %s", __VERSION__);
#elif defined(__VERSION__)
    printf("compiler: %s", __VERSION__);
#else
    printf("compiler: unknown");
#endif
    /*
     * The command line is not visible from inside the program; what can be
     * seen is whether this file was optimised.  The library is compiled
     * with configure's CFLAGS (autoconf's default is -g -O2).
     */
#if defined(__OPTIMIZE__)
    printf(", this file optimised");
#else
    printf(", this file NOT optimised (figures are meaningless)");
#endif
#if defined(__SANITIZE_ADDRESS__)
    printf(", AddressSanitizer ON (figures are meaningless)");
#endif
#if defined(NDEBUG)
    printf(", NDEBUG");
#endif
    printf("\n");

    printf("workload: seed %#" PRIx64 ", %d levels, 2 resources (cpu 1/100 pCPU, memory MiB),\n"
           "          1 in 8 domains with a minimum, 1 in 8 with a maximum,\n"
           "          pool = %d%% of level-%d demand, mode levelling, leftover reserve\n",
           cfg->seed, BENCH_LEVELS, POOL_PERCENT, BENCH_LEVELS);
    printf("timing:   CLOCK_MONOTONIC, %u interleaved batches per operation, ~%.2f s each,\n"
           "          medians reported; ratio is the median of per-batch ratios%s\n\n",
           cfg->batches, cfg->target_s, cfg->quick ? " (--quick)" : "");
}

/*
 * CPU time the hypervisor gave to someone else, from /proc/stat: on a
 * shared virtual machine this is the main source of noise, and a figure
 * measured under heavy steal says more about the host than the arbiter.
 */
struct cpu_times {
    uint64_t busy; /* user + nice + system + irq + softirq + steal */
    uint64_t steal;
    bool ok;
};

static struct cpu_times read_cpu_times(void)
{
    struct cpu_times t = {0, 0, false};
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");

    if (!f)
        return t;
    /* user nice system idle iowait irq softirq steal */
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &v[6], &v[7]) == 8) {
        t.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
        t.steal = v[7];
        t.ok = true;
    }
    fclose(f);
    return t;
}

/* Percentage of busy time stolen between a and b, or -1 if unknown. */
static double steal_pct(struct cpu_times a, struct cpu_times b)
{
    if (!a.ok || !b.ok || b.busy <= a.busy)
        return -1;
    return 100.0 * (double)(b.steal - a.steal) / (double)(b.busy - a.busy);
}

static void print_header(void)
{
    printf("%9s %14s %11s %12s %8s %12s %10s %7s %6s  %s\n", "domains", "arb ns", "arb ns/dom",
           "plain ns/dom", "ratio", "round ns/dom", "ran out", "spread", "steal", "goal");
    printf("%9s %14s %11s %12s %8s %12s %10s %7s %6s  %s\n", "", "(2 res)", "", "", "arb/plain", "",
           "cpu/mem", "", "", "");
}

static void print_row(size_t n, const struct size_result *r)
{
    double per_dom = r->arb_ns / (double)n;
    double plain_per_dom = r->plain_ns / (double)n;
    char a[12], b[12], lv[32], st[16];
    const char *goal = "-";

    /* A starved pool never reaches the levels: say so, it skews the figure. */
    if (r->starved)
        snprintf(lv, sizeof(lv), "starved");
    else
        snprintf(lv, sizeof(lv), "%s/%s", ranout(r->levelled[RES_CPU], a),
                 ranout(r->levelled[RES_MEM], b));
    if (n == GOAL_DOMAINS)
        goal = goal_met(r) ? "PASS" : "OVER GOAL";

    if (r->steal >= 0)
        snprintf(st, sizeof(st), "%.0f%%", r->steal);
    else
        snprintf(st, sizeof(st), "?");
    printf("%9zu %14.0f %11.1f %12.2f %8.1f %12.2f %10s %6.1f%% %6s  %s\n", n, r->arb_ns, per_dom,
           plain_per_dom, r->ratio, r->round_ns / (double)n, lv, r->arb_spread * 100.0, st, goal);
    fflush(stdout);
}

/* ---- options ----------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_arbiter [--quick] [--sizes N,N,...] [--seed N]\n"
               "  --quick       short runs, for a CI smoke test\n"
               "  --sizes LIST  domain counts to time (default 100,1000,10000,100000)\n"
               "  --seed N      seed of the request generator (decimal or 0x hex)\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (*s == '\0' || *s == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_sizes(const char *arg, struct bench_config *cfg)
{
    char buf[512];
    char *save = NULL;

    if (strlen(arg) >= sizeof(buf))
        return -1;
    strcpy(buf, arg);
    cfg->nsizes = 0;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;

        if (cfg->nsizes == MAX_SIZES || parse_u64(tok, &v) != 0 || v == 0 || v > PLM_MAX_DOMAINS)
            return -1;
        cfg->sizes[cfg->nsizes++] = (size_t)v;
    }
    return cfg->nsizes ? 0 : -1;
}

static int parse_args(int argc, char **argv, struct bench_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->seed = DEFAULT_SEED;
    cfg->nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
    memcpy(cfg->sizes, default_sizes, sizeof(default_sizes));

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--quick") == 0) {
            cfg->quick = true;
        } else if (strcmp(a, "--sizes") == 0 && i + 1 < argc) {
            if (parse_sizes(argv[++i], cfg) != 0) {
                fprintf(stderr,
                        "bench_arbiter: --sizes wants a comma-separated list of "
                        "domain counts from 1 to %zu\n",
                        PLM_MAX_DOMAINS);
                return -1;
            }
        } else if (strcmp(a, "--seed") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &cfg->seed) != 0) {
                fprintf(stderr, "bench_arbiter: --seed wants a non-negative integer\n");
                return -1;
            }
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            return -1;
        }
    }

    /*
     * Full runs spend ~0.35 s on each operation per size, cut into enough
     * batches for the median to mean something; --quick just proves that
     * the thing runs and the results check out.
     */
    if (cfg->quick) {
        cfg->batches = QUICK_BATCHES;
        cfg->target_s = 0.03;
        cfg->warmup_s = 0.005;
    } else {
        cfg->batches = FULL_BATCHES;
        cfg->target_s = 0.35;
        cfg->warmup_s = 0.05;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_config cfg;
    bool goal_seen = false, met = false;
    struct cpu_times run_start;
    double run_steal;

    if (parse_args(argc, argv, &cfg) != 0)
        return 2;

    print_machine(&cfg);
    print_header();
    run_start = read_cpu_times();
    for (size_t i = 0; i < cfg.nsizes; i++) {
        struct size_result r;
        struct cpu_times before = read_cpu_times();

        memset(&r, 0, sizeof(r));
        if (bench_size(cfg.sizes[i], &cfg, &r) != 0) {
            fprintf(stderr, "bench_arbiter: aborted; no figures for a failed arbitration\n");
            return 1;
        }
        r.steal = steal_pct(before, read_cpu_times());
        print_row(cfg.sizes[i], &r);
        if (cfg.sizes[i] == GOAL_DOMAINS) {
            goal_seen = true;
            met = goal_met(&r);
        }
    }

    printf("\ngoal: %zu domains, full arbitration under %.0f ms and under %.0fx the plain pass",
           GOAL_DOMAINS, GOAL_NS / 1e6, GOAL_RATIO);
    if (goal_seen)
        printf(": %s\n", met ? "PASS" : "OVER GOAL");
    else
        printf(": not measured (add %zu to --sizes)\n", GOAL_DOMAINS);
    run_steal = steal_pct(run_start, read_cpu_times());
    if (run_steal >= 5.0)
        printf("note: the host stole %.0f%% of this machine's busy CPU time during the run;\n"
               "      absolute figures are inflated and noisy, the ratio column less so\n",
               run_steal);
    return 0;
}
